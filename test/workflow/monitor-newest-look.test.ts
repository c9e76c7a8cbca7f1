import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeStatus } from '../../src/cli/commands/monitor';
import { describeLook, type Look, newestLook, watchHeartbeat } from '../../src/cli/newest-look';
import type { MonitorStatus } from '../../src/policy/monitor-state';
import { pollUntil } from '../../src/util/poll';
import { monitorJob } from '../../src/workflows';
import { monitorWorkflowId, statusQuery } from '../../src/workflows/monitor-api';
import { inlineSpecsAllowed, unreachableCluster } from '../helpers/specs';
import { withWorker } from '../helpers/temporal';

const nowhere = { ...unreachableCluster, monitor: { interval: '1s' } };

// The worker runs in this process: its operator allows the inline spec.
beforeAll(() => {
  Object.assign(process.env, inlineSpecsAllowed);
});

describe('monitor status shows the newest look, not the last reported one', () => {
  it("reads the running watch's heartbeat, newer than the status query's last observation", async () => {
    await withWorker(async ({ client, taskQueue }) => {
      const workflowId = monitorWorkflowId('nowhere', 'job');
      const handle = await client.workflow.start(monitorJob, {
        taskQueue,
        workflowId,
        args: [{ cluster: 'nowhere', spec: nowhere, jobId: randomBytes(16).toString('hex') }],
      });
      try {
        // The first watch reports its verdict (unknown: nothing answers); the next one looks on quietly.
        const reported = await pollUntil(
          async () => ((await handle.query(statusQuery)) as MonitorStatus).lastObservation,
          { timeoutMs: 30_000, what: 'the first reported look' },
        );
        const heartbeat = await pollUntil(
          async () => {
            const look = await watchHeartbeat(client, workflowId);
            return look && look.at > reported.at ? look : undefined;
          },
          { timeoutMs: 30_000, what: 'a look newer than the reported one in the heartbeat' },
        );
        expect(heartbeat).toMatchObject({ source: 'watch', verdict: 'unknown' });
        expect(heartbeat.reasons.join(' ')).toMatch(/127\.0\.0\.1:9/);

        const status = (await handle.query(statusQuery)) as MonitorStatus;
        expect(status.lastObservation?.at).toBe(reported.at);
        const look = newestLook(heartbeat, status) as Look;
        expect(look).toBe(heartbeat);
        const text = describeStatus(
          status,
          heartbeat.at + 2_000,
          describeLook(look, status, 1_000, heartbeat.at + 2_000),
        );
        expect(text).toContain('newest look 2s ago: unknown');
        expect(text).not.toContain('older than one monitor interval');
      } finally {
        await handle.terminate('test over');
      }
    });
  }, 90_000);
});
