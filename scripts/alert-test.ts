/**
 * `npm run alert:test -- --cluster NAME`: sends a test alert (severity info, every channel,
 * whatever its minSeverity) to each alert channel of a cluster in the clusters file
 * (FLINK_RUNBOOKS_CLUSTERS, else ./clusters.yaml) and prints what each channel did.
 * Exit 0: every channel took it; 1: some channel failed; 2: bad usage, unknown cluster, or no channels.
 */
import { parseArgs } from 'node:util';
import { deliverAlert } from '../src/alerts/deliver';
import { outcomeTable, testAlert, testChannels } from '../src/alerts/test-alert';
import {
  ClustersFileUnreadableError,
  InvalidClusterSpecError,
  UnknownClusterError,
} from '../src/config/errors';
import { clustersFilePath, resolveClusterRef } from '../src/config/load';
import type { NamedCluster } from '../src/config/schema';

const USAGE = 'usage: npm run alert:test -- --cluster NAME';

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

let name: string | undefined;
try {
  const { values } = parseArgs({ options: { cluster: { type: 'string', short: 'c' } }, strict: true });
  name = values.cluster;
} catch (error) {
  fail(`${(error as Error).message}\n${USAGE}`);
}
if (!name) fail(`which cluster? ${USAGE}`);

const file = clustersFilePath();
let cluster: NamedCluster;
try {
  cluster = await resolveClusterRef({ cluster: name }, file);
} catch (error) {
  if (
    error instanceof UnknownClusterError ||
    error instanceof InvalidClusterSpecError ||
    error instanceof ClustersFileUnreadableError
  ) {
    fail(error.message);
  }
  throw error;
}
if (cluster.alerts.length === 0) {
  fail(
    `cluster "${cluster.name}" has no alert channels: add some under clusters.${cluster.name}.alerts in ${file}`,
  );
}

console.log(`sending a test alert to ${cluster.alerts.length} channel(s) of ${cluster.name} ...`);
const outcomes = await deliverAlert({
  alert: testAlert(cluster.name, Date.now(), process.env.TEMPORAL_NAMESPACE || 'default'),
  channels: testChannels(cluster.alerts),
});
console.log(outcomeTable(outcomes));
process.exit(outcomes.some((o) => o.outcome === 'failed') ? 1 : 0);
