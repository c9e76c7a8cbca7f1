import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MonitorStatus } from '../../src/policy/monitor-state';
import { pollUntil } from '../../src/util/poll';
import { monitorJob } from '../../src/workflows';
import { monitorWorkflowId, statusQuery } from '../../src/workflows/monitor-api';
import { typedError } from '../helpers/fake-activities';
import { withFakeWorker } from '../helpers/fake-worker';
import { fastCluster, jobIds } from '../helpers/fast-cluster';
import { restartingCluster, WatchScript } from '../helpers/monitor-fakes';
import { startTimeSkippingServer } from '../helpers/time-skipping';

/**
 * A leader change while the monitor restarts a job: for a while no JobManager knows a leader and
 * every REST read of the restart answers 503. The reads are retried through it (1 + 2 + 4 + 8 s of
 * backoff), so the restart goes on instead of failing and spending the restart budget.
 */
let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startTimeSkippingServer();
});
afterAll(async () => {
  await env?.teardown();
});

/** Fails the first `times` calls as a cluster with no leader does, then answers. */
function noLeaderFor<I, O>(times: number, answer: (input: I) => O): (input: I) => O {
  let calls = 0;
  return (input) => {
    calls += 1;
    if (calls <= times) throw typedError('FlinkNoLeader', `no JobManager knows a leader (call ${calls})`);
    return answer(input);
  };
}

describe('the monitor restarts a job across a leader change', () => {
  it('retries each read of the restart four times before giving up, and restarts the job', async () => {
    const watch = new WatchScript('zombie');
    const fakes = restartingCluster(fastCluster(), {
      watchJob: watch.watchJob,
      getJobState: noLeaderFor(4, () => 'RUNNING' as const),
      listJobs: noLeaderFor(4, () => []),
    });
    await withFakeWorker(env, fakes, async (run) => {
      const handle = await run.client.workflow.start(monitorJob, {
        taskQueue: run.taskQueue,
        workflowId: monitorWorkflowId('leader-change', 'pipeline'),
        args: [{ cluster: 'leader-change', jobId: jobIds.old }],
      });
      try {
        const s = await pollUntil(
          async () => {
            const st: MonitorStatus = await handle.query(statusQuery);
            if (st.restarts.length > 0) return st;
            // The retries' backoff, on the server's clock, up to its longest wait at a time. The
            // watch after the restart waits for the test, so skipping further adds no call.
            await env.sleep(8_000);
            return undefined;
          },
          { timeoutMs: 40_000, intervalMs: 50, what: 'the restart' },
        );
        expect(s.restarts[0], s.restarts[0]?.error).toMatchObject({ outcome: 'restarted' });
        expect(run.calls.count('getJobState')).toBe(5);
        expect(run.calls.count('submitJob')).toBe(1);
      } finally {
        watch.close();
        await handle.terminate('test done').catch(() => undefined);
      }
    });
  });
});
