import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobState } from '../../src/flink/types';
import type { MonitorStatus } from '../../src/policy/monitor-state';
import { pollUntil } from '../../src/util/poll';
import { monitorJob } from '../../src/workflows';
import { monitorWorkflowId, statusQuery } from '../../src/workflows/monitor-api';
import { typedError } from '../helpers/fake-activities';
import { type FakeRun, withFakeWorker } from '../helpers/fake-worker';
import { fastCluster, jobIds } from '../helpers/fast-cluster';
import { recordHistory } from '../helpers/histories';
import { AlertInbox, checkpointsOf, restartingCluster, WatchScript } from '../helpers/monitor-fakes';
import { startTimeSkippingServer } from '../helpers/time-skipping';

/**
 * The monitor's restart never destroys state and never runs two copies: a job the cluster lost
 * is waited for through HA recovery, then restarted from its newest state on disk; a job whose
 * checkpoints a cancel would delete is stopped with a savepoint, never cancelled; a stray job of
 * the same name stops the restart; after a failed restart the monitor watches the job that runs;
 * a job a person cancelled, or one that FINISHED, gets an alert and no restart.
 */
let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startTimeSkippingServer();
});
afterAll(async () => {
  await env?.teardown();
});

const cluster = fastCluster(); // maxRestarts 2 per hour, cooldown 5 min, session timeout default 60 s
/** Two session timeouts (Flink's default 60 s) and half a minute. */
const RECOVERY_WINDOW_MS = 150_000;
const DISK_SAVEPOINT = 'file:/data/savepoints/savepoint-aaaaaa-0123456789ab';
let clusters = 0;

type Handle = WorkflowHandle<typeof monitorJob>;

async function withMonitor(
  run: FakeRun,
  watch: WatchScript,
  use: (handle: Handle) => Promise<void>,
  // A recorded history needs a workflow id no other recorded one has.
  name = `keep-${++clusters}`,
) {
  const handle = await run.client.workflow.start(monitorJob, {
    taskQueue: run.taskQueue,
    workflowId: monitorWorkflowId(name, 'pipeline'),
    args: [{ cluster: name, jobId: jobIds.old }],
  });
  try {
    await use(handle);
  } finally {
    watch.close();
    const ended = await pollUntil(
      async () => ((await handle.describe()).status.name !== 'RUNNING' ? true : undefined),
      { timeoutMs: 10_000, intervalMs: 50, what: 'the monitor to end' },
    ).catch(() => false);
    if (!ended) await handle.terminate('test done').catch(() => undefined);
  }
}

async function statusWhen(handle: Handle, what: string, ok: (s: MonitorStatus) => boolean) {
  let last: MonitorStatus | undefined;
  try {
    return await pollUntil(
      async () => {
        last = await handle.query(statusQuery);
        return ok(last) ? last : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 50, what },
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}; last status: ${JSON.stringify(last)}`);
  }
}

const until = (what: string, ok: () => boolean) =>
  pollUntil(async () => (ok() ? true : undefined), { timeoutMs: 20_000, intervalMs: 20, what });
/** Real time for the workflow to act on anything already sent, with no virtual time passing. */
const settle = () => new Promise((r) => setTimeout(r, 500));

describe('the monitor keeps state and runs one job, on the time-skipping server', () => {
  it('waits out HA job recovery for a missing job, then restarts it from its newest state on disk', async () => {
    const watch = new WatchScript('failed');
    watch.seen = () => ({ jobState: 'MISSING' });
    const inbox = new AlertInbox();
    const fakes = restartingCluster(cluster, {
      watchJob: watch.watchJob,
      sendAlert: inbox.sendAlert,
      getJobState: () => 'MISSING',
      findStateOnDisk: () => ({
        state: {
          kind: 'savepoint',
          uri: DISK_SAVEPOINT,
          createdAt: 1,
          why: 'the newest complete state on disk',
        },
        skipped: [],
        looked: ['/data/savepoints', '/data/checkpoints'],
        unmapped: [],
      }),
    });
    await withFakeWorker(env, fakes, async (run) => {
      await withMonitor(run, watch, async (handle) => {
        await statusWhen(handle, 'the missing job seen', (s) => s.verdict === 'failed');
        await settle();
        // Inside the recovery window: no restart, no escalation, no critical "no restore point".
        const waiting = await handle.query(statusQuery);
        expect(waiting.restarts).toHaveLength(0);
        expect(waiting.escalated).toBe(false);
        expect(run.calls.count('getJobState')).toBe(0);
        expect(inbox.alerts.map((a) => a.summary).join(' ')).not.toMatch(/restore point|restore from/);
        expect(inbox.alerts.at(-1)?.action).toMatch(/Waiting up to 150 s for HA job recovery/);
        expect(inbox.alerts.filter((a) => a.severity === 'critical')).toEqual([]);

        watch.next('failed'); // still missing when the window has passed
        await env.sleep(RECOVERY_WINDOW_MS);
        const s = await statusWhen(handle, 'the restart from disk', (st) => st.restarts.length === 1);
        expect(s.restarts[0]).toMatchObject({ outcome: 'restarted', restoredFrom: DISK_SAVEPOINT });
        expect((s.restarts[0]?.at ?? 0) - s.verdictSince).toBeGreaterThanOrEqual(RECOVERY_WINDOW_MS);
        expect(run.calls.inputsOf('findStateOnDisk')[0]).toMatchObject({
          jobId: jobIds.old,
          savepointDir: 'file:///data/savepoints',
          checkpointDir: 'file:///data/checkpoints',
        });
        expect(run.calls.inputsOf('submitJob')[0]).toMatchObject({ savepointPath: DISK_SAVEPOINT });
        expect(run.calls.count('cancelJob')).toBe(0);
        await recordHistory('monitor-missing-job-waited-then-restored-from-disk', handle);
      });
    });
  });

  it('stops a job whose checkpoints a cancel would delete with a savepoint, and never cancels it', async () => {
    const watch = new WatchScript('zombie');
    const notRetained = (jobId: string) => {
      const seen = checkpointsOf(jobId);
      return { ...seen, config: { ...seen.config, retainedOnCancel: false } };
    };
    const fakes = restartingCluster(cluster, {
      watchJob: watch.watchJob,
      observeCheckpoints: (i) => notRetained(i.jobId),
    });
    await withFakeWorker(env, fakes, async (run) => {
      await withMonitor(run, watch, async (handle) => {
        const s = await statusWhen(handle, 'the restart', (st) => st.restarts.length === 1);
        expect(s.restarts[0]).toMatchObject({ outcome: 'restarted' });
        expect(s.restarts[0]?.restoredFrom).toMatch(/savepoints\/savepoint-/);
        expect(run.calls.count('stopWithSavepoint')).toBe(1);
        expect(run.calls.count('cancelJob')).toBe(0);
      });
    });
  });

  it('escalates, without a cancel, when that savepoint fails', async () => {
    const watch = new WatchScript('zombie');
    const seen = checkpointsOf(jobIds.old);
    const fakes = restartingCluster(cluster, {
      watchJob: watch.watchJob,
      observeCheckpoints: () => ({ ...seen, config: { ...seen.config, retainedOnCancel: false } }),
      waitForSavepoint: () => {
        throw typedError('SavepointFailed', 'savepoint declined: the job is stuck');
      },
    });
    await withFakeWorker(env, fakes, async (run) => {
      await withMonitor(run, watch, async (handle) => {
        const s = await statusWhen(handle, 'the escalation', (st) => st.escalated);
        expect(s.restarts[0]?.error).toMatch(/a cancel would delete its checkpoints: not cancelling it/);
        // The escalation names the state a person resumes from, and the setting to change.
        expect(s.restarts[0]?.error).toContain(
          `latest completed checkpoint is ${seen.latestCompleted?.path}`,
        );
        expect(s.restarts[0]?.error).toContain('RETAIN_ON_CANCELLATION');
        expect(run.calls.count('cancelJob')).toBe(0);
        expect(run.calls.count('submitJob')).toBe(0);
      });
    });
  });

  it('cancels again when the leader that took the cancel died and the new one runs the job again', async () => {
    const watch = new WatchScript('zombie');
    let state: JobState = 'RUNNING';
    let cancels = 0;
    const fakes = restartingCluster(cluster, {
      watchJob: watch.watchJob,
      getJobState: ({ jobId }) => (jobId === jobIds.old ? state : 'RUNNING'),
      cancelJob: () => {
        // The first cancel goes down with its JobManager: the new leader recovers the job RUNNING.
        if (++cancels > 1) state = 'CANCELED';
        return { cancelled: true, state };
      },
      waitForJobState: (input) => {
        if (input.jobId === jobIds.old && !input.states.includes(state))
          throw typedError('WaitTimeout', `job ${input.jobId} is ${state}`);
        return { state: input.jobId === jobIds.old ? state : 'RUNNING', waitedMs: 1 };
      },
    });
    await withFakeWorker(env, fakes, async (run) => {
      await withMonitor(run, watch, async (handle) => {
        const s = await statusWhen(handle, 'the restart', (st) => st.restarts.length === 1);
        expect(s.restarts[0]).toMatchObject({ outcome: 'restarted', fromJobId: jobIds.old });
        expect(s.restarts[0]?.restoredFrom).toMatch(/chk-3$/);
        expect(run.calls.count('cancelJob')).toBe(2);
        expect(run.calls.count('submitJob')).toBe(1);
      });
    });
  });

  it('restores from disk when the leader died right after the cancel ended the job: the new one knows it only from its result', async () => {
    const watch = new WatchScript('zombie');
    const onDisk = `file:/data/checkpoints/${jobIds.old}/chk-4`;
    let cancelled = false;
    const fakes = restartingCluster(cluster, {
      watchJob: watch.watchJob,
      // Read through /jobs/<id>/status: the job's details answer 500 on the new leader.
      getJobState: ({ jobId }) => (jobId === jobIds.old && cancelled ? 'CANCELED' : 'RUNNING'),
      cancelJob: () => {
        cancelled = true;
        return { cancelled: true, state: 'RUNNING' };
      },
      observeCheckpoints: ({ jobId }) => {
        if (!cancelled) return checkpointsOf(jobId);
        throw typedError('FlinkNotFound', `404: Checkpointing is not enabled for this job (${jobId}).`);
      },
      findStateOnDisk: () => ({
        state: { kind: 'checkpoint', uri: onDisk, createdAt: 1, why: 'the newest complete state on disk' },
        skipped: [],
        looked: ['/data/savepoints', '/data/checkpoints'],
        unmapped: [],
      }),
    });
    await withFakeWorker(env, fakes, async (run) => {
      await withMonitor(
        run,
        watch,
        async (handle) => {
          const s = await statusWhen(handle, 'the restart', (st) => st.restarts.length === 1);
          expect(s.restarts[0], s.restarts[0]?.error).toMatchObject({
            outcome: 'restarted',
            restoredFrom: onDisk,
          });
          expect(run.calls.inputsOf('findStateOnDisk')[0]).toMatchObject({ jobId: jobIds.old });
          expect(run.calls.inputsOf('submitJob')[0]).toMatchObject({ savepointPath: onDisk });
          expect(run.calls.count('cancelJob')).toBe(1);
          expect(run.calls.count('submitJob')).toBe(1);
          await recordHistory('monitor-restart-checkpoints-gone-with-leader-from-disk', handle);
        },
        'keep-checkpoints-gone',
      );
    });
  });

  it('refuses to submit beside a stray live job of the same name', async () => {
    const watch = new WatchScript('zombie');
    const fakes = restartingCluster(cluster, {
      watchJob: watch.watchJob,
      listJobs: () => [{ jobId: jobIds.other, name: 'pipeline', state: 'RUNNING', startTime: 1 }],
    });
    await withFakeWorker(env, fakes, async (run) => {
      await withMonitor(run, watch, async (handle) => {
        const s = await statusWhen(handle, 'the escalation', (st) => st.escalated);
        expect(s.restarts[0]?.error).toMatch(new RegExp(`${jobIds.other} RUNNING.*not adding a second`));
        expect(run.calls.count('submitJob')).toBe(0);
      });
    });
  });

  it('watches the job that runs after a restart that failed past its submit', async () => {
    const watch = new WatchScript('zombie');
    let submitted: string | undefined;
    const fakes = restartingCluster(cluster, {
      watchJob: watch.watchJob,
      submitJob: (input) => {
        submitted = input.jobId;
        return { jobId: input.jobId, alreadySubmitted: false };
      },
      waitForJobState: (input) => {
        if (input.jobId === submitted) throw typedError('WaitTimeout', 'not RUNNING within 120 s');
        return { state: input.states[0] ?? 'RUNNING', waitedMs: 1 };
      },
      findJobId: () => submitted,
    });
    await withFakeWorker(env, fakes, async (run) => {
      await withMonitor(run, watch, async (handle) => {
        const s = await statusWhen(handle, 'the failed restart', (st) => st.restarts.length === 1);
        expect(s.restarts[0]).toMatchObject({ outcome: 'failed', toJobId: submitted });
        expect(s.jobId).toBe(submitted);
        await until('the next watch', () => watch.started >= 2);
        expect(watch.inputs[1]?.target.jobId).toBe(submitted);
      });
    });
  });

  it.each([
    [
      'a person cancelled it through REST',
      { jobState: 'CANCELED', failuresInHistory: 0 },
      /a person stopped it/,
    ],
    ['it FINISHED', { jobState: 'FINISHED' }, /never restarted/],
  ])('does not restart a job when %s, and says so in a warning', async (_name, seen, reason) => {
    const watch = new WatchScript('failed');
    watch.seen = () => seen;
    const inbox = new AlertInbox();
    const fakes = restartingCluster(cluster, { watchJob: watch.watchJob, sendAlert: inbox.sendAlert });
    await withFakeWorker(env, fakes, async (run) => {
      await withMonitor(run, watch, async (handle) => {
        await statusWhen(handle, 'the ended job seen', (s) => s.verdict === 'failed');
        await until('the alert', () => inbox.alerts.length > 0);
        await settle();
        const s = await handle.query(statusQuery);
        expect(s.restarts).toHaveLength(0);
        expect(s.escalated).toBe(false);
        expect(run.calls.count('submitJob')).toBe(0);
        expect(inbox.alerts.at(-1)).toMatchObject({ severity: 'warning', verdict: 'failed' });
        expect(inbox.alerts.at(-1)?.action).toMatch(reason);
        if (seen.jobState === 'CANCELED') await recordHistory('monitor-person-cancel-not-restarted', handle);
      });
    });
  });

  it("restarts a job a person cancelled when the job's spec asks for it", async () => {
    const watch = new WatchScript('failed');
    watch.seen = () => ({ jobState: 'CANCELED', failuresInHistory: 0 });
    const optedIn = fastCluster({
      jobs: [
        {
          name: 'pipeline',
          jar: '/opt/jars/pipeline-1.jar',
          entryClass: 'com.example.Pipeline',
          savepointDir: 'file:///data/savepoints',
          checkpointDir: 'file:///data/checkpoints',
          restartCancelled: true,
        },
      ],
    });
    const fakes = restartingCluster(optedIn, { watchJob: watch.watchJob, getJobState: () => 'CANCELED' });
    await withFakeWorker(env, fakes, async (run) => {
      await withMonitor(run, watch, async (handle) => {
        const s = await statusWhen(handle, 'the restart', (st) => st.restarts.length === 1);
        expect(s.restarts[0]).toMatchObject({
          outcome: 'restarted',
          restoredFrom: `file:///data/checkpoints/${jobIds.old}/chk-3`,
        });
        expect(run.calls.count('cancelJob')).toBe(0); // it has ended: nothing to cancel
      });
    });

    // Cancelled with checkpoints Flink deletes on cancel: the REST view names a checkpoint that is gone.
    const again = new WatchScript('failed');
    again.seen = () => ({ jobState: 'CANCELED', failuresInHistory: 0 });
    const seen = checkpointsOf(jobIds.old);
    const deleting = restartingCluster(optedIn, {
      watchJob: again.watchJob,
      getJobState: () => 'CANCELED',
      observeCheckpoints: () => ({ ...seen, config: { ...seen.config, retainedOnCancel: false } }),
      findStateOnDisk: () => ({
        state: {
          kind: 'savepoint',
          uri: DISK_SAVEPOINT,
          createdAt: 1,
          why: 'the newest complete state on disk',
        },
        skipped: [],
        looked: ['/data/savepoints', '/data/checkpoints'],
        unmapped: [],
      }),
    });
    await withFakeWorker(env, deleting, async (run) => {
      await withMonitor(run, again, async (handle) => {
        const s = await statusWhen(handle, 'the restart', (st) => st.restarts.length === 1);
        expect(s.restarts[0]).toMatchObject({ outcome: 'restarted', restoredFrom: DISK_SAVEPOINT });
      });
    });
  });
});
