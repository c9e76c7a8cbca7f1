import { randomUUID } from 'node:crypto';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitForTaskManagers } from '../../src/cluster/readiness';
import { killContainer, startContainer } from '../../src/docker/engine';
import type { MonitorStatus } from '../../src/policy/monitor-state';
import { pollUntil, sleep } from '../../src/util/poll';
import { monitorJob, upgrade } from '../../src/workflows';
import { monitorWorkflowId, statusQuery } from '../../src/workflows/monitor-api';
import {
  approveSignal,
  type UpgradeResult,
  type UpgradeStatus,
  upgradeStatusQuery,
} from '../../src/workflows/upgrade-api';
import { readLeaders } from '../../src/zookeeper/leader';
import { everyNodeRunning } from '../helpers/cluster-nodes';
import {
  expectSequenceWhole,
  resetSandbox,
  type Sandbox,
  sandbox,
  setFault,
  submitSample,
  waitForCheckpointAfter,
  waitForJobState,
} from '../helpers/sandbox';
import { withWorker } from '../helpers/temporal';

/**
 * Two faults at once, at the worst moment of a runbook: the leading JobManager killed while an
 * upgrade's stop-with-savepoint is in flight; a TaskManager and the leading JobManager lost while
 * the monitor restarts a zombie; a zombie whose checkpoints Flink deletes on cancel. Each ends
 * with one live job running from its newest state and the sequence whole, or with an escalation
 * that names the state to resume from — never with no job, two jobs, or a lost row.
 */
let sb: Sandbox;

beforeAll(async () => {
  sb = await sandbox();
  process.env.FLINK_RUNBOOKS_CLUSTERS ??= sb.file;
});

afterEach(async () => {
  setFault(sb, 'none');
  await everyNodeRunning(sb.cluster, 'after a compound fault');
});

afterAll(async () => {
  await resetSandbox(sb);
});

async function runningJob(args: string[] = sb.job.args): Promise<string> {
  await resetSandbox(sb);
  const jobId = await submitSample(sb, { args });
  await waitForJobState(sb, jobId, ['RUNNING']);
  await waitForCheckpointAfter(sb, jobId, 0);
  return jobId;
}

/** The container of the JobManager that leads now, as ZooKeeper says. */
async function leaderContainer(): Promise<string> {
  const leaders = await readLeaders(sb.cluster.zookeeper);
  const container = sb.cluster.jobManagers.find((jm) => jm.url === leaders.restServer?.address)?.container;
  if (!container) throw new Error(`no JobManager of the sandbox leads (${JSON.stringify(leaders)})`);
  return container;
}

/** Jobs of the sample's name that are not over, as the (new) leader sees them. */
async function liveJobs(): Promise<Array<{ jid: string; state: string }>> {
  const jobs = await pollUntil(() => sb.rest.call((c) => c.jobsOverview()), {
    timeoutMs: 120_000,
    what: 'a leader that answers',
  });
  return jobs
    .filter((j) => j.name === sb.job.name && !['FINISHED', 'CANCELED', 'FAILED'].includes(j.state))
    .map((j) => ({ jid: j.jid, state: j.state }));
}

function monitorSpec(jobArgs?: string[]) {
  const { name: _name, ...cluster } = sb.cluster;
  return {
    ...cluster,
    jobs: cluster.jobs.map((j) => (j.name === sb.job.name && jobArgs ? { ...j, args: jobArgs } : j)),
    monitor: { ...cluster.monitor, interval: 2_000, cooldown: 5_000 },
  };
}

async function waitForMonitor(
  handle: WorkflowHandle,
  test: (s: MonitorStatus) => boolean,
  what: string,
  timeoutMs = 240_000,
): Promise<MonitorStatus> {
  let last: MonitorStatus | undefined;
  return pollUntil(
    async () => {
      last = (await handle.query(statusQuery)) as MonitorStatus;
      return test(last) ? last : undefined;
    },
    { timeoutMs, intervalMs: 100, what },
  ).catch((e: unknown) => {
    // The monitor's last status says where it stood: the figure a failure report needs.
    throw new Error(`${(e as Error).message}; the monitor's last status: ${JSON.stringify(last)}`);
  });
}

describe('compound faults under the runbooks', () => {
  it('the leading JobManager killed while an upgrade stops the job with a savepoint: it stops it again on the new leader and finishes, no row lost or doubled', async () => {
    const oldJobId = await runningJob();
    await withWorker(async ({ client, taskQueue }) => {
      const handle = await client.workflow.start(upgrade, {
        taskQueue,
        workflowId: `upgrade-leader-killed-${randomUUID()}`,
        args: [
          {
            cluster: sb.cluster.name,
            jar: sb.job.jar.replace(/-1\.jar$/, '-2.jar'),
            requireApproval: true,
            savepointTimeout: '90s',
          },
        ],
      });
      const phase = async () => ((await handle.query(upgradeStatusQuery)) as UpgradeStatus).phase;
      await pollUntil(async () => (await phase()) === 'awaiting-approval' || undefined, {
        timeoutMs: 60_000,
        what: 'the approval gate',
      });
      // The source holds the checkpoint lock: the stop's savepoint stays in flight until it lets go.
      setFault(sb, 'stall');
      // The source re-reads its knob within a second: from then on it holds the lock.
      await sleep(2_000);
      await handle.signal(approveSignal, { by: 'test' });
      await pollUntil(async () => (await phase()) === 'stopping' || undefined, {
        timeoutMs: 60_000,
        intervalMs: 100,
        what: 'the stop under way',
      });
      await sleep(2_000);
      const leader = await leaderContainer();
      await killContainer(leader);
      await sleep(3_000);
      setFault(sb, 'none');

      const result = (await handle.result().catch((e: unknown) => e)) as UpgradeResult | WorkflowFailedError;
      await startContainer(leader);
      if (result instanceof WorkflowFailedError)
        throw new Error(`the upgrade failed: ${result.cause?.message}`);
      console.log(`upgrade with the leader killed mid-stop: ${result.outcome}; ${result.headline}`);
      // The new leader recovered the old job from its latest checkpoint and did not know the
      // trigger: the upgrade stopped it again and finished what it started.
      expect(result.outcome).toBe('upgraded');
      expect(result.steps.map((s) => s.step)).toContain('stop-with-savepoint again');
      expect(result.snapshot?.kind).toBe('savepoint');
      const live = await pollUntil(
        async () => {
          const jobs = await liveJobs();
          return jobs.length === 1 && jobs[0]?.state === 'RUNNING' ? jobs : undefined;
        },
        { timeoutMs: 120_000, what: 'one live job RUNNING after the failover' },
      );
      expect(live.map((j) => j.jid)).toEqual([result.runningJobId]);
      expect(live[0]?.jid).not.toBe(oldJobId);
      await expectSequenceWhole(sb);
    });
  });

  it('a TaskManager and the leading JobManager lost while the monitor restarts a zombie: it ends with one job from its newest state', async () => {
    const jobId = await runningJob();
    await withWorker(async ({ client, taskQueue }) => {
      const handle = await client.workflow.start(monitorJob, {
        taskQueue,
        workflowId: monitorWorkflowId(sb.cluster.name, sb.job.name),
        args: [{ cluster: sb.cluster.name, spec: monitorSpec(), jobId }],
      });
      try {
        await waitForMonitor(handle, (s) => s.verdict === 'healthy', 'healthy');
        setFault(sb, 'stall');
        await waitForMonitor(handle, (s) => s.phase === 'restarting', 'the restart under way');
        setFault(sb, 'none');
        const leader = await leaderContainer();
        const taskManager = sb.cluster.taskManagers.containers[1]?.container as string;
        await Promise.all([killContainer(leader), killContainer(taskManager)]);
        // Docker's restart policy, or the operator: both come back a little later.
        await sleep(5_000);
        await Promise.all([startContainer(leader), startContainer(taskManager)]);
        await waitForTaskManagers(sb.cluster);

        // Healthy again after its restart attempt: restarted from chk-N, or (when the restart could
        // not reach a leader in time) the job the new leader recovered from its latest checkpoint.
        const end = await waitForMonitor(
          handle,
          (s) => s.escalated || (s.verdict === 'healthy' && s.phase === 'watching' && s.restarts.length > 0),
          'healthy after the restart attempt, or an escalation',
          360_000,
        );
        console.log(
          `monitor restart with a TaskManager and the leader lost: ${end.escalated ? 'escalated' : 'healthy'}; restarts ${JSON.stringify(end.restarts.map((r) => ({ outcome: r.outcome, restoredFrom: r.restoredFrom, error: r.error })))}`,
        );
        if (end.escalated) {
          expect(end.restarts.at(-1)?.error ?? '').toMatch(/savepoint-|chk-\d+/);
        } else {
          const live = await liveJobs();
          expect(live).toEqual([{ jid: end.jobId, state: 'RUNNING' }]);
          await expectSequenceWhole(sb);
        }
      } finally {
        await handle.terminate('test done').catch(() => undefined);
      }
    });
  });

  it('a zombie whose checkpoints Flink deletes on cancel: never cancelled; the escalation names the checkpoint to resume from', async () => {
    const args = [...sb.job.args, '--checkpoints-on-cancel', 'delete'];
    const jobId = await runningJob(args);
    await withWorker(async ({ client, taskQueue }) => {
      const handle = await client.workflow.start(monitorJob, {
        taskQueue,
        workflowId: monitorWorkflowId(sb.cluster.name, sb.job.name),
        args: [{ cluster: sb.cluster.name, spec: monitorSpec(args), jobId }],
      });
      try {
        await waitForMonitor(handle, (s) => s.verdict === 'healthy', 'healthy');
        setFault(sb, 'stall');
        const end = await waitForMonitor(handle, (s) => s.escalated, 'the escalation');
        const failed = end.restarts.at(-1);
        console.log(`zombie with checkpoints deleted on cancel: ${failed?.error}`);
        expect(failed?.outcome).toBe('failed');
        expect(failed?.error).toMatch(/would delete its checkpoints/);
        expect(failed?.error).toMatch(/chk-\d+/);
        // Not cancelled: the job is still there, with the checkpoint the escalation names.
        expect(await waitForJobState(sb, jobId, ['RUNNING'])).toBe('RUNNING');
        expect((await liveJobs()).map((j) => j.jid)).toEqual([jobId]);
      } finally {
        await handle.terminate('test done').catch(() => undefined);
      }
    });
  });
});
