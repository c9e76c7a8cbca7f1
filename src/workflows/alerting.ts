import { workflowInfo } from '@temporalio/workflow';
import type { Alert } from '../alerts/types';
import type { NamedCluster } from '../config/schema';
import { sendAlert } from './activities';
import { failureText } from './failures';

/** What a runbook says; the cluster, the time and the workflow link are filled in when absent. */
export type RunbookAlert = Omit<Alert, 'cluster' | 'at' | 'workflow'> &
  Partial<Pick<Alert, 'at' | 'workflow'>>;

/**
 * The one way a runbook tells people: to the cluster's alert channels, never through a failure
 * of its own. A channel that did not take the alert, or an alert that could not be sent at all,
 * comes back as a warning line for the runbook's result; nothing is sent when the cluster has
 * no channels.
 */
export async function tell(cluster: NamedCluster, alert: RunbookAlert): Promise<string | undefined> {
  if (cluster.alerts.length === 0) return undefined;
  const { namespace, workflowId, runId } = workflowInfo();
  try {
    const outcomes = await sendAlert({
      alert: {
        ...alert,
        cluster: cluster.name,
        at: alert.at ?? Date.now(),
        workflow: alert.workflow ?? { namespace, workflowId, runId },
      },
      channels: cluster.alerts,
    });
    const failed = outcomes.filter((o) => o.outcome === 'failed');
    return failed.length > 0
      ? `alert "${alert.title}" not delivered to ${failed.map((o) => `${o.channel} (${o.error})`).join(', ')}`
      : undefined;
  } catch (error) {
    return `alert "${alert.title}" not sent: ${failureText(error)}`;
  }
}
