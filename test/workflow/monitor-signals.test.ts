import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MonitorStatus } from '../../src/policy/monitor-state';
import { pollUntil } from '../../src/util/poll';
import { monitorJob } from '../../src/workflows';
import {
  forceRestartSignal,
  monitorWorkflowId,
  pauseSignal,
  statusQuery,
  watchJobSignal,
} from '../../src/workflows/monitor-api';
import { inlineSpecsAllowed, unreachableCluster } from '../helpers/specs';
import { withWorker } from '../helpers/temporal';

const nowhere = { ...unreachableCluster, monitor: { interval: '1s' } };

// The worker runs in this process: its operator allows the inline spec.
beforeAll(() => {
  Object.assign(process.env, inlineSpecsAllowed);
});

describe('the monitor against malformed signals and a cluster that is down', () => {
  it('keeps supervising, refuses malformed signals with the reason, and changes nothing', async () => {
    await withWorker(async ({ client, taskQueue }) => {
      const handle = await client.workflow.start(monitorJob, {
        taskQueue,
        workflowId: monitorWorkflowId('nowhere', 'job'),
        args: [{ cluster: 'nowhere', spec: nowhere, jobId: randomBytes(16).toString('hex') }],
      });
      const status = () => handle.query(statusQuery) as Promise<MonitorStatus>;
      await pollUntil(
        async () =>
          (await status()).verdict === 'unknown' && (await status()).lastObservation ? true : undefined,
        {
          timeoutMs: 30_000,
          what: 'a first look at the missing cluster',
        },
      );
      await handle.signal(forceRestartSignal, { reason: 42 } as never);
      await handle.signal(pauseSignal, 'maintenance' as never);
      await handle.signal(watchJobSignal, { jobId: 'not-a-job', reason: 'x' });
      await handle.signal(forceRestartSignal, null as never);
      const refused = await pollUntil(
        async () => {
          const s = await status();
          return (s.rejectedSignals?.length ?? 0) >= 3 ? s : undefined;
        },
        { timeoutMs: 20_000, what: 'the refusals' },
      );
      expect(refused.rejectedSignals?.map((r) => [r.signal, r.problem])).toEqual([
        ['forceRestart', expect.stringMatching(/reason: .*expected string/)],
        ['pause', expect.stringMatching(/expected object/)],
        ['watchJob', expect.stringMatching(/jobId must be a Flink job id/)],
      ]);
      // The null forceRestart counts as {} and is obeyed: a restart is attempted, and with no
      // cluster to restore from it fails and escalates rather than starting anything fresh.
      const after = await pollUntil(
        async () => {
          const s = await status();
          return s.restarts.length === 1 ? s : undefined;
        },
        { timeoutMs: 60_000, what: 'the forced restart attempt' },
      );
      expect(after.paused).toBeUndefined();
      expect(after.restarts[0]).toMatchObject({ trigger: 'forced', outcome: 'failed' });
      await handle.terminate('test done');
    });
  });
});
