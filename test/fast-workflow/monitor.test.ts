import { type WorkflowHandle, WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MonitorStatus } from '../../src/policy/monitor-state';
import { pollUntil } from '../../src/util/poll';
import { monitorJob } from '../../src/workflows';
import {
  acquireLeaseUpdate,
  forceRestartSignal,
  monitorWorkflowId,
  pauseSignal,
  releaseLeaseUpdate,
  resumeSignal,
  statusQuery,
  watchJobSignal,
} from '../../src/workflows/monitor-api';
import { typedError } from '../helpers/fake-activities';
import { type FakeRun, withFakeWorker } from '../helpers/fake-worker';
import { fastCluster, jobIds } from '../helpers/fast-cluster';
import { recordHistory } from '../helpers/histories';
import { AlertInbox, restartingCluster, WatchScript } from '../helpers/monitor-fakes';
import { startTimeSkippingServer } from '../helpers/time-skipping';

/**
 * The monitor's branches with its activities faked and its timers skipped: the restart budget,
 * the cooldown, escalation, pause/resume, the maintenance lease, watchJob, continue-as-new and
 * malformed signals. Each test starts one monitor against a scripted watch.
 */
let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startTimeSkippingServer();
});
afterAll(async () => {
  await env?.teardown();
});

const cluster = fastCluster(); // maxRestarts 2 per hour, cooldown 5 min
const MINUTE = 60_000;

let clusters = 0;

/** A monitor of a cluster of its own (the workflow id names it), terminated when `use` ends. */
async function withMonitor(
  run: FakeRun,
  watch: WatchScript,
  use: (handle: Handle) => Promise<void>,
): Promise<void> {
  const name = `fast-${++clusters}`;
  const handle = await run.client.workflow.start(monitorJob, {
    taskQueue: run.taskQueue,
    workflowId: monitorWorkflowId(name, 'pipeline'),
    args: [{ cluster: name, jobId: jobIds.old }],
  });
  try {
    await use(handle);
  } finally {
    await stop(run.client.workflow.getHandle(handle.workflowId), watch);
  }
}

type Handle = WorkflowHandle<typeof monitorJob>;

/**
 * Ends a monitor cleanly: its watch fails for good and so does the workflow, with no activity
 * left running (terminating it under a running activity would stop the server skipping time).
 */
async function stop(handle: WorkflowHandle, watch: WatchScript): Promise<void> {
  watch.close();
  const ended = await pollUntil(
    async () => ((await handle.describe()).status.name !== 'RUNNING' ? true : undefined),
    { timeoutMs: 10_000, intervalMs: 50, what: 'the monitor to end' },
  ).catch(() => false);
  if (!ended) await handle.terminate('test done').catch(() => undefined);
}

async function statusWhen(
  handle: Handle,
  what: string,
  ok: (s: MonitorStatus) => boolean,
  timeoutMs = 20_000,
): Promise<MonitorStatus> {
  let last: MonitorStatus | undefined;
  try {
    return await pollUntil(
      async () => {
        last = await handle.query(statusQuery);
        return ok(last) ? last : undefined;
      },
      { timeoutMs, intervalMs: 50, what },
    );
  } catch (error) {
    const { status } = await handle.describe();
    throw new Error(
      `${(error as Error).message}; workflow ${status.name}; last status: ${JSON.stringify(last)}`,
    );
  }
}

/** Waits until `n` watches have started (each one is the monitor looking again). */
function watchesStarted(watch: WatchScript, n: number): Promise<true> {
  return until(`watch #${n}`, () => watch.started >= n);
}

function until(what: string, ok: () => boolean): Promise<true> {
  return pollUntil(async () => (ok() ? true : undefined), { timeoutMs: 20_000, intervalMs: 20, what });
}

/** Real time for the workflow to act on anything already sent, with no virtual time passing. */
const settle = () => new Promise((r) => setTimeout(r, 500));

describe('monitorJob with faked activities on the time-skipping server', () => {
  it('goes on watching and restarts when an alert cannot be sent at all', async () => {
    const watch = new WatchScript('healthy', 'zombie');
    const fakes = restartingCluster(cluster, {
      watchJob: watch.watchJob,
      sendAlert: () => {
        throw typedError('InvalidAlert', 'the alert cannot be rendered');
      },
    });
    await withFakeWorker(env, fakes, async (run) => {
      await withMonitor(run, watch, async (handle) => {
        const s = await statusWhen(handle, 'one restart', (st) => st.restarts.length === 1);
        expect(s.restarts[0]).toMatchObject({ outcome: 'restarted' });
        await watchesStarted(watch, 3);
        expect(run.calls.count('sendAlert')).toBeGreaterThan(0);
        expect((await handle.describe()).status.name).toBe('RUNNING');
      });
    });
  });

  it('restarts a confirmed zombie from its latest checkpoint and watches the new job', async () => {
    const watch = new WatchScript('healthy', 'zombie');
    const inbox = new AlertInbox();
    const fakes = restartingCluster(cluster, { watchJob: watch.watchJob, sendAlert: inbox.sendAlert });
    await withFakeWorker(env, fakes, async (run) => {
      await withMonitor(run, watch, async (handle) => {
        const s = await statusWhen(handle, 'one restart', (st) => st.restarts.length === 1);
        await watchesStarted(watch, 3);
        const restart = s.restarts[0];
        expect(restart).toMatchObject({ trigger: 'policy', outcome: 'restarted', fromJobId: jobIds.old });
        expect(restart?.restoredFrom).toBe(`file:///data/checkpoints/${jobIds.old}/chk-3`);
        // The successor keeps the old id's spec prefix and is the job watched from now on.
        expect(restart?.toJobId?.slice(0, 24)).toBe(jobIds.old.slice(0, 24));
        expect(watch.inputs[2]?.target.jobId).toBe(restart?.toJobId);
        expect(run.calls.names().filter((n) => n !== 'watchJob' && n !== 'sendAlert')).toEqual([
          'resolveClusterJob',
          'getJobState',
          'observeCheckpoints', // its checkpoints survive a cancel: a cancel may stop it
          'cancelJob',
          'waitForJobState',
          'observeCheckpoints',
          'listJobs', // no other live job of the name: one job per name
          'submitJob',
          'waitForJobState',
          'waitForCheckpoint',
        ]);
        expect(run.calls.inputsOf('cancelJob')[0]).toMatchObject({
          jobId: jobIds.old,
          stateSafeIn: 'checkpoint',
        });
        expect(run.calls.inputsOf('submitJob')[0]).toMatchObject({
          jobId: restart?.toJobId,
          savepointPath: restart?.restoredFrom,
          jar: '/opt/jars/pipeline-1.jar',
        });
        expect(s.budget).toMatchObject({ used: 1, left: 1 });
        expect(inbox.alerts.at(-1)).toMatchObject({ verdict: 'zombie', severity: 'critical' });
        expect(inbox.alerts.at(-1)?.action).toMatch(/restart 1 of 2/);
        await recordHistory('monitor-zombie-restart', handle);
      });
    });
  });

  it('waits out the cooldown between restarts, then escalates once the budget is spent, and clears it when healthy', async () => {
    const watch = new WatchScript('zombie', 'zombie');
    const inbox = new AlertInbox();
    const fakes = restartingCluster(cluster, { watchJob: watch.watchJob, sendAlert: inbox.sendAlert });
    await withFakeWorker(env, fakes, async (run) => {
      await withMonitor(run, watch, async (handle) => {
        await statusWhen(handle, 'the first restart', (s) => s.restarts.length === 1);
        await watchesStarted(watch, 2);
        await settle();
        // The second zombie falls inside the cooldown: no restart, no new look until it ends.
        const cooling = await handle.query(statusQuery);
        expect(cooling.restarts).toHaveLength(1);
        expect(cooling.budget.cooldownUntil).toBe((cooling.restarts[0]?.at ?? 0) + 5 * MINUTE);
        expect(watch.started).toBe(2);

        watch.next('zombie', 'zombie');
        await env.sleep(5 * MINUTE);
        const twice = await statusWhen(handle, 'the second restart', (s) => s.restarts.length === 2);
        const [first, second] = twice.restarts;
        expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(5 * MINUTE);
        const escalated = await statusWhen(handle, 'the escalation', (s) => s.escalated);
        expect(escalated.restarts).toHaveLength(2);
        expect(escalated.budget).toMatchObject({ used: 2, left: 0 });
        expect(inbox.alerts.at(-1)?.summary).toMatch(/restart budget exhausted: 2 of 2/);

        watch.next('healthy');
        const healed = await statusWhen(handle, 'the job healthy again', (s) => s.verdict === 'healthy');
        expect(healed.escalated).toBe(false);
        await until('two resolved alerts', () => inbox.alerts.filter((a) => a.resolved).length === 2);
        expect(inbox.alerts.filter((a) => a.resolved).map((a) => a.incidentKey)).toEqual([
          expect.stringMatching(/^fast-\d+\/pipeline\/restart-budget$/),
          expect.stringMatching(/^fast-\d+\/pipeline\/health$/),
        ]);
        expect(run.calls.count('submitJob')).toBe(2);
        await recordHistory('monitor-cooldown-escalation-healed', handle);
      });
    });
  });

  it('escalates at once, without retrying, when a restart finds no state to restore', async () => {
    const watch = new WatchScript('failed');
    const inbox = new AlertInbox();
    const fakes = restartingCluster(cluster, {
      watchJob: watch.watchJob,
      sendAlert: inbox.sendAlert,
      getJobState: () => 'MISSING',
      findStateOnDisk: () => ({
        skipped: [],
        looked: ['/data/savepoints', '/data/checkpoints'],
        unmapped: [],
      }),
    });
    await withFakeWorker(env, fakes, async (run) => {
      await withMonitor(run, watch, async (handle) => {
        const s = await statusWhen(handle, 'the escalation', (st) => st.escalated, 5_000);
        expect(s.restarts).toHaveLength(1);
        expect(s.restarts[0]).toMatchObject({ outcome: 'failed', trigger: 'policy' });
        expect(s.restarts[0]?.error).toMatch(
          /no complete savepoint or retained checkpoint of it is on disk \(looked in \/data\/savepoints, \/data\/checkpoints\); not starting it from scratch/,
        );
        expect(inbox.alerts.at(-1)).toMatchObject({
          incidentKey: expect.stringMatching(/\/pipeline\/restart-budget$/),
        });
        expect(run.calls.count('submitJob')).toBe(0);
      });
    });
  });

  it('escalates when the job cannot be cancelled safely, and never submits over it', async () => {
    const watch = new WatchScript('zombie');
    const inbox = new AlertInbox();
    const fakes = restartingCluster(cluster, {
      watchJob: watch.watchJob,
      sendAlert: inbox.sendAlert,
      cancelJob: () => {
        throw typedError(
          'UnsafeCancel',
          'job has no retained checkpoint: cancelling it would lose its state',
        );
      },
    });
    await withFakeWorker(env, fakes, async (run) => {
      await withMonitor(run, watch, async (handle) => {
        const s = await statusWhen(handle, 'the escalation', (st) => st.escalated, 5_000);
        expect(s.restarts[0]).toMatchObject({ outcome: 'failed' });
        expect(run.calls.count('cancelJob')).toBe(1); // final: not retried
        expect(run.calls.count('submitJob')).toBe(0);
      });
    });
  });

  it('keeps watching but does not restart while paused, and restarts once resumed', async () => {
    const watch = new WatchScript();
    const inbox = new AlertInbox();
    const fakes = restartingCluster(cluster, { watchJob: watch.watchJob, sendAlert: inbox.sendAlert });
    await withFakeWorker(env, fakes, async (run) => {
      await withMonitor(run, watch, async (handle) => {
        await watchesStarted(watch, 1);
        await handle.signal(pauseSignal, { reason: 'change window' });
        await statusWhen(handle, 'paused', (s) => s.paused?.reason === 'change window');
        watch.next('zombie');
        await statusWhen(handle, 'the zombie seen while paused', (s) => s.verdict === 'zombie');
        await watchesStarted(watch, 2);
        await settle();
        const paused = await handle.query(statusQuery);
        expect(paused.restarts).toHaveLength(0);
        expect(paused.phase).toBe('paused');
        expect(inbox.alerts.at(-1)?.action).toMatch(/Recovery is paused/);

        const before = watch.started;
        await handle.signal(resumeSignal);
        await watchesStarted(watch, before + 1);
        expect(watch.inputs.at(-1)?.knownVerdict).toBeUndefined(); // looks afresh
        watch.next('zombie');
        const resumed = await statusWhen(handle, 'the restart after resume', (s) => s.restarts.length === 1);
        expect(resumed.paused).toBeUndefined();
      });
    });
  });

  it('grants a lease asked for while it is still reading its cluster (a savepoint right after the deploy that started it)', async () => {
    const watch = new WatchScript();
    const base = restartingCluster(cluster, { watchJob: watch.watchJob });
    let reading = false;
    let doneReading: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      doneReading = resolve;
    });
    const fakes = {
      ...base,
      resolveClusterJob: async (ref: { cluster: string }) => {
        reading = true;
        await gate;
        return (base.resolveClusterJob as NonNullable<typeof base.resolveClusterJob>)(ref);
      },
    };
    await withFakeWorker(env, fakes, async (run) => {
      await withMonitor(run, watch, async (handle) => {
        await until('the monitor reading its cluster', () => reading);
        const granting = handle.executeUpdate(acquireLeaseUpdate, {
          args: [{ holder: 'savepoint:fast', purpose: 'savepoint', ttlMs: 10 * MINUTE }],
        });
        await settle();
        doneReading();
        expect(await granting).toMatchObject({ holder: 'savepoint:fast', purpose: 'savepoint' });
        await statusWhen(handle, 'standing down', (s) => s.phase === 'standing-down');
        expect(watch.started).toBe(0);
        expect(
          await handle.executeUpdate(releaseLeaseUpdate, { args: [{ holder: 'savepoint:fast' }] }),
        ).toEqual({
          released: true,
        });
        await watchesStarted(watch, 1);
      });
    });
  });

  it('stands down for a lease holder, refuses a second holder, and watches again when the lease expires', async () => {
    const watch = new WatchScript();
    const fakes = restartingCluster(cluster, { watchJob: watch.watchJob });
    await withFakeWorker(env, fakes, async (run) => {
      await withMonitor(run, watch, async (handle) => {
        await watchesStarted(watch, 1);
        const grant = await handle.executeUpdate(acquireLeaseUpdate, {
          args: [{ holder: 'upgrade:fast:pipeline', purpose: 'upgrade', ttlMs: 10 * MINUTE }],
        });
        expect(grant).toMatchObject({ holder: 'upgrade:fast:pipeline', purpose: 'upgrade' });
        const standing = await statusWhen(handle, 'standing down', (s) => s.phase === 'standing-down');
        expect(standing.lease?.expiresAt).toBe(grant.expiresAt);

        const refused = await handle
          .executeUpdate(acquireLeaseUpdate, {
            args: [{ holder: 'drill:fast', purpose: 'drill', ttlMs: MINUTE }],
          })
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
        expect((refused as WorkflowUpdateFailedError).cause).toMatchObject({ type: 'LeaseHeld' });
        expect(((refused as WorkflowUpdateFailedError).cause as Error).message).toMatch(
          /held by upgrade:fast:pipeline/,
        );

        // A malformed request is refused by the validator, before it reaches the history.
        const invalid = await handle
          .executeUpdate(acquireLeaseUpdate, { args: [{ holder: '', purpose: 'manual', ttlMs: 0 }] })
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect((invalid as WorkflowUpdateFailedError).cause?.message).toMatch(
          /a lease needs a holder and a positive ttlMs/,
        );

        // The holder renews; a release by someone else changes nothing.
        const renewed = await handle.executeUpdate(acquireLeaseUpdate, {
          args: [{ holder: 'upgrade:fast:pipeline', purpose: 'upgrade', ttlMs: 10 * MINUTE }],
        });
        expect(renewed.expiresAt).toBeGreaterThanOrEqual(grant.expiresAt);
        expect(await handle.executeUpdate(releaseLeaseUpdate, { args: [{ holder: 'drill:fast' }] })).toEqual({
          released: false,
        });
        await settle();
        expect(watch.started).toBe(1); // no look while the job is held

        // The holder dies without releasing: after its ttl the monitor watches again.
        await env.sleep(10 * MINUTE + 1_000);
        await watchesStarted(watch, 2);
        const back = await handle.query(statusQuery);
        expect(back.lease).toBeUndefined();
        expect(back.phase).toBe('watching');
        await recordHistory('monitor-lease-granted-refused-expired', handle);
      });
    });
  });

  it('is told the new job at release and watches it from then on', async () => {
    const watch = new WatchScript();
    const fakes = restartingCluster(cluster, { watchJob: watch.watchJob });
    await withFakeWorker(env, fakes, async (run) => {
      await withMonitor(run, watch, async (handle) => {
        await watchesStarted(watch, 1);
        await handle.executeUpdate(acquireLeaseUpdate, {
          args: [{ holder: 'upgrade:fast:pipeline', purpose: 'upgrade', ttlMs: 10 * MINUTE }],
        });
        const released = await handle.executeUpdate(releaseLeaseUpdate, {
          args: [
            {
              holder: 'upgrade:fast:pipeline',
              jobId: jobIds.other,
              submission: {
                jar: '/opt/jars/pipeline-2.jar',
                entryClass: 'com.example.Pipeline',
                parallelism: 2,
                args: [],
              },
            },
          ],
        });
        expect(released).toEqual({ released: true });
        await watchesStarted(watch, 2);
        expect(watch.inputs[1]?.target.jobId).toBe(jobIds.other);

        // A forced restart resubmits what the upgrade submitted, from a savepoint of the running job.
        await handle.signal(forceRestartSignal, { reason: 'operator asked' });
        const s = await statusWhen(handle, 'the forced restart', (st) => st.restarts.length === 1);
        expect(s.restarts[0]).toMatchObject({
          trigger: 'forced',
          outcome: 'restarted',
          fromJobId: jobIds.other,
        });
        expect(s.restarts[0]?.restoredFrom).toMatch(/savepoints\/savepoint-/);
        expect(s.budget.used).toBe(0); // people's decisions are not counted against the budget
        expect(run.calls.count('stopWithSavepoint')).toBe(1);
        expect(run.calls.count('cancelJob')).toBe(0);
        expect(run.calls.inputsOf('submitJob')[0]).toMatchObject({
          jar: '/opt/jars/pipeline-2.jar',
          parallelism: 2,
        });
      });
    });
  });

  it('follows a watchJob signal and clears an escalation for the new job', async () => {
    const watch = new WatchScript('failed');
    // No restarts allowed: the first failure escalates.
    const strict = fastCluster({ monitor: { maxRestarts: 0 } });
    const fakes = restartingCluster(strict, { watchJob: watch.watchJob });
    await withFakeWorker(env, fakes, async (run) => {
      await withMonitor(run, watch, async (handle) => {
        await statusWhen(handle, 'the escalation', (s) => s.escalated);
        const before = watch.started;
        await handle.signal(watchJobSignal, { jobId: jobIds.other, reason: 'deployed' });
        await watchesStarted(watch, before + 1);
        const s = await handle.query(statusQuery);
        expect(s.jobId).toBe(jobIds.other);
        expect(s.escalated).toBe(false);
        expect(watch.inputs.at(-1)?.target.jobId).toBe(jobIds.other);
      });
    });
  });

  it('refuses malformed signals, naming the problem, and changes nothing', async () => {
    const watch = new WatchScript();
    const fakes = restartingCluster(cluster, { watchJob: watch.watchJob });
    await withFakeWorker(env, fakes, async (run) => {
      await withMonitor(run, watch, async (handle) => {
        await watchesStarted(watch, 1);
        await handle.signal(forceRestartSignal, { reason: 42 } as never);
        await handle.signal(pauseSignal, 'maintenance' as never);
        await handle.signal(watchJobSignal, { jobId: 'not-a-job', reason: 'x' });
        const s = await statusWhen(handle, 'three refusals', (st) => (st.rejectedSignals?.length ?? 0) === 3);
        expect(s.rejectedSignals?.map((r) => [r.signal, r.problem])).toEqual([
          ['forceRestart', expect.stringMatching(/reason: .*expected string/)],
          ['pause', expect.stringMatching(/expected object/)],
          ['watchJob', expect.stringMatching(/jobId must be a Flink job id/)],
        ]);
        await settle();
        const after = await handle.query(statusQuery);
        expect(after).toMatchObject({ jobId: jobIds.old, restarts: [] });
        expect(after.paused).toBeUndefined();
        expect(watch.started).toBe(1); // the running watch was not even interrupted
      });
    });
  });

  it('continues as new after 200 watches, carrying its restarts, pause and verdict', async () => {
    const watch = new WatchScript('zombie', ...Array<'healthy'>(200).fill('healthy'));
    const fakes = restartingCluster(cluster, { watchJob: watch.watchJob });
    await withFakeWorker(env, fakes, async (run) => {
      await withMonitor(run, watch, async (handle) => {
        const firstRunId = (await handle.describe()).runId;
        await statusWhen(handle, 'the restart', (s) => s.restarts.length === 1);
        await handle.signal(pauseSignal, { reason: 'kept across runs' });
        const next = await pollUntil(
          async () => {
            const d = await run.client.workflow.getHandle(handle.workflowId).describe();
            return d.runId !== firstRunId ? d : undefined;
          },
          { timeoutMs: 45_000, intervalMs: 200, what: 'a new run' },
        );
        await recordHistory(
          'monitor-restart-pause-continue-as-new',
          run.client.workflow.getHandle(handle.workflowId, firstRunId),
        );
        const latest = run.client.workflow.getHandle(handle.workflowId, next.runId);
        const s = await pollUntil(
          async () => {
            const st = await latest.query(statusQuery);
            return st.restarts.length === 1 ? st : undefined;
          },
          { timeoutMs: 20_000, what: "the new run's status" },
        );
        expect(s).toMatchObject({
          verdict: 'healthy',
          paused: { reason: 'kept across runs' },
          escalated: false,
        });
        expect(s.jobId).toBe(s.restarts[0]?.toJobId);
        expect(s.budget.used).toBe(1);
        await watchesStarted(watch, 202);
        // The new run knows the verdict it carries and does not ask for a fresh one.
        expect(watch.inputs[201]?.knownVerdict).toBe('healthy');
        expect(watch.inputs[201]?.target.jobId).toBe(s.jobId);
        await latest.terminate('test done');
      });
    });
  });
});
