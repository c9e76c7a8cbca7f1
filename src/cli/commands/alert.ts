import { deliverAlert } from '../../alerts/deliver';
import { outcomeTable, testAlert, testChannels } from '../../alerts/test-alert';
import { clustersFilePath, resolveClusterRef } from '../../config/load';
import { type CliContext, EXIT, required, UsageError } from '../context';

/** Sends a test alert to every channel of the cluster, as the seeds' "告警通知正常" check. */
export async function alertTest(ctx: CliContext): Promise<number> {
  const file = clustersFilePath();
  const cluster = await resolveClusterRef({ cluster: required(ctx, 'cluster') }, file);
  if (cluster.alerts.length === 0) {
    throw new UsageError(
      `cluster "${cluster.name}" has no alert channels: add some under clusters.${cluster.name}.alerts in ${file}`,
    );
  }
  ctx.progress(`sending a test alert to ${cluster.alerts.length} channel(s) of ${cluster.name} ...`);
  const outcomes = await deliverAlert({
    alert: testAlert(cluster.name, Date.now(), ctx.settings.namespace),
    channels: testChannels(cluster.alerts),
  });
  ctx.print(outcomes, outcomeTable(outcomes));
  return outcomes.some((o) => o.outcome === 'failed') ? EXIT.failed : EXIT.ok;
}
