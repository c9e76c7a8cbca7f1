import { clusterSpecSchema, type JobSpec, type NamedCluster } from '../../src/config/schema';

/**
 * A parsed cluster spec for tests whose activities are faked: nothing is ever reached at these
 * addresses; the spec only gives the workflows their settings (budget, cooldown, alerts, job).
 */
export function fastCluster(overrides: Record<string, unknown> = {}): NamedCluster {
  const spec = clusterSpecSchema.parse({
    zookeeper: { quorum: '127.0.0.1:1', clusterId: '/fast' },
    ha: { storageDir: 'file:///tmp/ha' },
    jobManagers: [
      { role: 'primary', url: 'http://127.0.0.1:9', container: 'jm-a' },
      { role: 'standby', url: 'http://127.0.0.1:7', container: 'jm-b' },
    ],
    taskManagers: { containers: [{ container: 'tm-1' }, { container: 'tm-2' }] },
    jobs: [
      {
        name: 'pipeline',
        jar: '/opt/jars/pipeline-1.jar',
        entryClass: 'com.example.Pipeline',
        savepointDir: 'file:///data/savepoints',
        checkpointDir: 'file:///data/checkpoints',
        checkpoints: { interval: '10s', timeout: '60s' },
      },
    ],
    monitor: { interval: '60s', maxRestarts: 2, restartWindow: '1h', cooldown: '5m' },
    alerts: [{ type: 'webhook', url: { fromEnv: 'FAST_TEST_WEBHOOK' } }],
    ...overrides,
  });
  return { ...spec, name: 'fast' };
}

export function onlyJob(cluster: NamedCluster): JobSpec {
  const job = cluster.jobs[0];
  if (!job) throw new Error('the test cluster has no job');
  return job;
}

/** Flink job ids: 32 hex digits. */
export const jobIds = {
  old: 'aaaaaaaaaaaaaaaaaaaaaaaa00000001',
  other: 'bbbbbbbbbbbbbbbbbbbbbbbb00000002',
};
