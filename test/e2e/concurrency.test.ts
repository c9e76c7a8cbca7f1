import { randomUUID } from 'node:crypto';
import type { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSequence } from '../../src/output/sequence';
import type { MonitorStatus } from '../../src/policy/monitor-state';
import { pollUntil } from '../../src/util/poll';
import { monitorJob, upgrade } from '../../src/workflows';
import { forceRestartSignal, monitorWorkflowId, statusQuery } from '../../src/workflows/monitor-api';
import type { UpgradeResult } from '../../src/workflows/upgrade-api';
import {
  committedSequence,
  resetSandbox,
  type Sandbox,
  sandbox,
  submitSample,
  waitForJobState,
} from '../helpers/sandbox';
import { withWorker } from '../helpers/temporal';

/**
 * Two runbooks that want the same job at the same time are serialised or refused, never
 * interleaved: the maintenance lease on the job's monitor decides.
 */
let sb: Sandbox;

beforeAll(async () => {
  sb = await sandbox();
  process.env.FLINK_RUNBOOKS_CLUSTERS ??= sb.file;
});

afterAll(async () => {
  await resetSandbox(sb);
});

const v2 = () => sb.job.jar.replace(/-1\.jar$/, '-2.jar');

async function outcome(run: Promise<UpgradeResult>): Promise<UpgradeResult | string> {
  return run.catch((error: unknown) => {
    // A refused upgrade: the workflow failure names the activity's failure, which names the cause.
    const messages: string[] = [];
    for (
      let e = (error as WorkflowFailedError).cause as
        | { type?: string; message?: string; cause?: unknown }
        | undefined;
      e;
      e = e.cause as typeof e
    ) {
      messages.push(`${e.type ?? ''}: ${e.message ?? ''}`);
    }
    return messages.join(' <- ');
  });
}

describe('runbooks competing for one job', () => {
  it('two upgrades at once: one upgrades, the other is refused or waits its turn; a forceRestart waits for the lease', async () => {
    await resetSandbox(sb);
    const jobId = await submitSample(sb);
    await waitForJobState(sb, jobId, ['RUNNING']);
    await withWorker(async ({ client, taskQueue }) => {
      const { name: _name, ...cluster } = sb.cluster;
      const monitor = await client.workflow.start(monitorJob, {
        taskQueue,
        workflowId: monitorWorkflowId(sb.cluster.name, sb.job.name),
        args: [
          {
            cluster: sb.cluster.name,
            spec: { ...cluster, monitor: { ...cluster.monitor, interval: 2_000 } },
            jobId,
          },
        ],
      });
      const status = () => monitor.query(statusQuery) as Promise<MonitorStatus>;
      await pollUntil(async () => ((await status()).verdict === 'healthy' ? true : undefined), {
        timeoutMs: 60_000,
        what: 'healthy',
      });

      const start = (name: string) =>
        client.workflow.execute(upgrade, {
          taskQueue,
          workflowId: `concurrent-upgrade-${name}-${randomUUID()}`,
          args: [{ cluster: sb.cluster.name, jar: v2() }],
        });
      const first = outcome(start('a'));
      const second = outcome(start('b'));
      // While an upgrade holds the job, a forced restart must wait for the lease.
      await pollUntil(async () => ((await status()).lease ? true : undefined), {
        timeoutMs: 60_000,
        intervalMs: 200,
        what: 'a lease taken',
      });
      await monitor.signal(forceRestartSignal, { reason: 'during an upgrade' });
      const results = await Promise.all([first, second]);

      const upgraded = results.filter(
        (r): r is UpgradeResult => typeof r !== 'string' && r.outcome === 'upgraded',
      );
      const refused = results.filter((r) => typeof r === 'string');
      expect(upgraded.length).toBeGreaterThanOrEqual(1);
      for (const r of refused) expect(r).toMatch(/LeaseHeld|held by/);
      if (upgraded.length === 2) {
        // Serialised: the second stopped the job the first had started.
        const [a, b] = upgraded.sort(
          (x, y) => (x.timings.stopRequestedAt ?? 0) - (y.timings.stopRequestedAt ?? 0),
        );
        expect(b?.from.jobId).toBe(a?.to.jobId);
      }

      const restarted = await pollUntil(
        async () => {
          const s = await status();
          return s.restarts.length === 1 && s.phase === 'watching' ? s : undefined;
        },
        { timeoutMs: 180_000, what: 'the forced restart after the upgrades' },
      );
      // The restart came after the upgrades released the job: it restarted the job they left running.
      const lastUpgrade = upgraded.sort((x, y) => (x.timings.readyAt ?? 0) - (y.timings.readyAt ?? 0)).at(-1);
      expect(restarted.restarts[0]?.fromJobId).toBe(lastUpgrade?.runningJobId);
      expect(restarted.restarts[0]?.at).toBeGreaterThan(lastUpgrade?.timings.readyAt ?? 0);

      const report = checkSequence(await committedSequence(sb));
      expect(report.gaps).toEqual([]);
      expect(report.duplicates).toEqual([]);
      await monitor.terminate('test done');
    });
  });
});
