import { beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_FILE } from '../../scripts/lib/sandbox';
import { clusterStatus } from '../../src/workflows';
import { withWorker } from '../helpers/temporal';

beforeAll(() => {
  process.env.FLINK_RUNBOOKS_CLUSTERS = SANDBOX_FILE;
});

describe('clusterStatus against the sandbox', () => {
  it('sees both JobManagers answer and every TaskManager registered', async () => {
    const summary = await withWorker(({ client, taskQueue }) =>
      client.workflow.execute(clusterStatus, {
        taskQueue,
        workflowId: `e2e-cluster-status-${Date.now()}`,
        args: [{ cluster: 'realtime-pipeline' }],
      }),
    );
    expect(summary.jobManagers.map((jm) => [jm.url, jm.state, jm.flinkVersion])).toEqual([
      ['http://127.0.0.1:8081', 'up', '1.20.3'],
      ['http://127.0.0.1:8082', 'up', '1.20.3'],
    ]);
    expect(summary.taskManagers).toEqual({ expected: 2, registered: 2 });
    expect(summary.headline).toBe('2/2 JobManagers answer (Flink 1.20.3); 2/2 TaskManagers registered');
  });
});
