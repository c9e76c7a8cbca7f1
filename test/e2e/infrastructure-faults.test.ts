import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitForTaskManagers } from '../../src/cluster/readiness';
import { killContainer, startContainer, stopContainer } from '../../src/docker/engine';
import { checkSequence } from '../../src/output/sequence';
import type { MonitorStatus } from '../../src/policy/monitor-state';
import { pollUntil } from '../../src/util/poll';
import { monitorJob, upgrade } from '../../src/workflows';
import { monitorWorkflowId, statusQuery } from '../../src/workflows/monitor-api';
import {
  approveSignal,
  type UpgradeResult,
  type UpgradeStatus,
  upgradeStatusQuery,
} from '../../src/workflows/upgrade-api';
import { everyNodeRunning } from '../helpers/cluster-nodes';
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
 * Parts of the cluster failing under a runbook: ZooKeeper gone while the monitor watches, a
 * TaskManager lost during an upgrade, the savepoint directory unwritable during an upgrade.
 */
let sb: Sandbox;
let savepointsDir: string;

beforeAll(async () => {
  sb = await sandbox();
  process.env.FLINK_RUNBOOKS_CLUSTERS ??= sb.file;
  savepointsDir = sb.cluster.volumes.find((v) => v.container === '/opt/flink/savepoints')?.host as string;
});

afterEach(async () => {
  execFileSync('chattr', ['-i', savepointsDir]);
  await everyNodeRunning(sb.cluster, 'after an infrastructure fault');
});

afterAll(async () => {
  await resetSandbox(sb);
});

async function runningJob(): Promise<string> {
  await resetSandbox(sb);
  const jobId = await submitSample(sb);
  await waitForJobState(sb, jobId, ['RUNNING']);
  return jobId;
}

const v2 = () => sb.job.jar.replace(/-1\.jar$/, '-2.jar');

describe('infrastructure faults under the runbooks', () => {
  it('the savepoint directory becomes unwritable during an upgrade: it aborts and the old job keeps running', async () => {
    const jobId = await runningJob();
    await withWorker(async ({ client, taskQueue }) => {
      const handle = await client.workflow.start(upgrade, {
        taskQueue,
        workflowId: `upgrade-unwritable-${randomUUID()}`,
        args: [{ cluster: sb.cluster.name, jar: v2(), requireApproval: true, savepointTimeout: '30s' }],
      });
      // The precheck found the directory writable; then, while the change waits for approval, it stops being so.
      await pollUntil(
        async () =>
          ((await handle.query(upgradeStatusQuery)) as UpgradeStatus).phase === 'awaiting-approval' ||
          undefined,
        {
          timeoutMs: 60_000,
          what: 'the approval gate',
        },
      );
      execFileSync('chattr', ['+i', savepointsDir]); // immutable: not even root in the container may write
      await handle.signal(approveSignal, { by: 'test' });
      const error = await handle.result().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(WorkflowFailedError);
      expect(String((error as WorkflowFailedError).cause?.message)).toMatch(
        /still RUNNING|nothing was changed/i,
      );
      expect(await waitForJobState(sb, jobId, ['RUNNING'])).toBe('RUNNING');
      const running = (await sb.rest.call((c) => c.jobsOverview())).filter((j) => j.state === 'RUNNING');
      expect(running.map((j) => j.jid)).toEqual([jobId]);
    });
  });

  it('ZooKeeper stopped and restarted while monitoring: no restart, and the job comes back healthy', async () => {
    const zookeeper = sb.cluster.zookeeper.container;
    if (!zookeeper) throw new Error('the sandbox runs ZooKeeper in a container');
    const jobId = await runningJob();
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
      const seen: string[] = [];
      // A blip shorter than the ZooKeeper session timeout (15 s in the sandbox): longer outages
      // make Flink's leader give up its process (a fatal ConnectionLoss) and need an operator.
      await stopContainer(zookeeper, 10);
      const deadline = Date.now() + 6_000;
      while (Date.now() < deadline) {
        const v = (await status()).verdict;
        if (seen.at(-1) !== v) seen.push(v);
        await new Promise((r) => setTimeout(r, 500));
      }
      await startContainer(zookeeper);
      // Back: leadership settles (REST answers without 503) and the job completes a new checkpoint.
      await pollUntil(async () => ((await sb.rest.call((c) => c.jobsOverview())) ? true : undefined), {
        timeoutMs: 120_000,
        what: 'a leader again',
      });
      const afterId = (await sb.rest.call((c) => c.checkpoints(jobId))).latest.completed?.id ?? 0;
      await pollUntil(
        async () =>
          ((await sb.rest.call((c) => c.checkpoints(jobId))).latest.completed?.id ?? 0) > afterId ||
          undefined,
        { timeoutMs: 120_000, what: 'a checkpoint after ZooKeeper came back' },
      );
      await pollUntil(
        async () => {
          const s = await status();
          if (seen.at(-1) !== s.verdict) seen.push(s.verdict);
          return s.verdict === 'healthy' ? s : undefined;
        },
        { timeoutMs: 120_000, what: 'healthy after ZooKeeper came back' },
      );
      console.log(`verdicts while ZooKeeper was away and back: ${seen.join(' → ')}`);
      expect((await status()).restarts).toEqual([]);
      const report = checkSequence(await committedSequence(sb));
      expect(report.gaps).toEqual([]);
      expect(report.duplicates).toEqual([]);
      await monitor.terminate('test done');
    });
  });

  it('a TaskManager lost during an upgrade: it upgrades, rolls back, or aborts with the old job running, never a gap', async () => {
    const oldJobId = await runningJob();
    const lost = sb.cluster.taskManagers.containers[1]?.container as string;
    await withWorker(async ({ client, taskQueue }) => {
      const handle = await client.workflow.start(upgrade, {
        taskQueue,
        workflowId: `upgrade-tm-lost-${randomUUID()}`,
        args: [{ cluster: sb.cluster.name, jar: v2() }],
      });
      await pollUntil(
        async () =>
          ['stopping', 'submitting', 'verifying'].includes(
            ((await handle.query(upgradeStatusQuery)) as UpgradeStatus).phase,
          ) || undefined,
        { timeoutMs: 60_000, intervalMs: 100, what: 'the upgrade under way' },
      );
      await killContainer(lost);
      const result = (await handle.result().catch((e: unknown) => e)) as UpgradeResult | WorkflowFailedError;
      await startContainer(lost);
      await waitForTaskManagers(sb.cluster);
      let running: string;
      if (result instanceof WorkflowFailedError) {
        // Aborted: the savepoint could not complete without the TaskManager; the old job was kept.
        console.log(`upgrade with a TaskManager killed: aborted; ${result.cause?.message}`);
        expect(result.cause?.message).toMatch(/still RUNNING; nothing was changed/);
        running = oldJobId;
      } else {
        console.log(`upgrade with a TaskManager killed: ${result.outcome}; ${result.headline}`);
        expect(['upgraded', 'rolled-back']).toContain(result.outcome);
        running = result.runningJobId as string;
      }
      expect(await waitForJobState(sb, running, ['RUNNING'], 120_000)).toBe('RUNNING');
      const live = (await sb.rest.call((c) => c.jobsOverview())).filter((j) => j.state === 'RUNNING');
      expect(live.map((j) => j.jid)).toEqual([running]);
      const rowsBefore = checkSequence(await committedSequence(sb)).last ?? -1;
      const report = await pollUntil(
        async () => {
          const r = checkSequence(await committedSequence(sb));
          return (r.last ?? -1) > rowsBefore ? r : undefined;
        },
        { timeoutMs: 60_000, what: 'new output after the fault' },
      );
      expect(report.gaps).toEqual([]);
      expect(report.duplicates).toEqual([]);
    });
  });
});
