import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../../src/util/poll';
import { upgrade } from '../../src/workflows';
import {
  approveSignal,
  cancelSignal,
  type UpgradeInput,
  upgradeStatusQuery,
} from '../../src/workflows/upgrade-api';
import { type Fakes, typedError } from '../helpers/fake-activities';
import { type FakeRun, withFakeWorker } from '../helpers/fake-worker';
import { fastCluster, jobIds } from '../helpers/fast-cluster';
import { FakeFlink } from '../helpers/flink-fake';
import { recordHistory } from '../helpers/histories';
import { startTimeSkippingServer } from '../helpers/time-skipping';

/**
 * The upgrade runbook's branches against a Flink in memory, on the time-skipping server: each
 * mode, the approval and its timeout, a cancel before and after the stop, a failed savepoint,
 * the rollback and the rollback that fails too; a job gone before the change, a refused submit,
 * no job to stop or to go back to, a lease that cannot be released, the output's sequence check.
 */
let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startTimeSkippingServer();
});
afterAll(async () => {
  await env?.teardown();
});

const NEW_JAR = '/opt/jars/pipeline-2.jar';
let runs = 0;

function flink(): FakeFlink {
  return new FakeFlink(fastCluster(), () => env.currentTimeMs()).running(jobIds.old);
}

function start(run: FakeRun, input: Partial<UpgradeInput> = {}) {
  return run.client.workflow.start(upgrade, {
    taskQueue: run.taskQueue,
    workflowId: `upgrade:fast:pipeline:${++runs}`,
    args: [{ cluster: 'fast', jar: NEW_JAR, ...input }],
  });
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  const cause = (error as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

describe('upgrade with faked activities on the time-skipping server', () => {
  it('savepoint mode: stops with a savepoint, starts the new jar from it, and hands the new job to the monitor', async () => {
    const f = flink();
    await withFakeWorker(env, f.fakes(), async (run) => {
      const handle = await start(run);
      const result = await handle.result();
      await recordHistory('upgrade-savepoint-mode', handle);
      expect(result.outcome).toBe('upgraded');
      const [next] = f.submitted();
      expect(next).toMatchObject({ jar: NEW_JAR, state: 'RUNNING' });
      expect(next?.restoredFrom).toBe(result.snapshot?.path);
      expect(result.snapshot?.kind).toBe('savepoint');
      expect(f.job(jobIds.old).state).toBe('FINISHED');
      expect(result.runningJobId).toBe(next?.jobId);
      expect(run.calls.inputsOf('releaseMaintenanceLease')[0]).toMatchObject({
        jobId: next?.jobId,
        submission: { jar: NEW_JAR },
      });
      expect(run.calls.count('cancelJob')).toBe(0);
      expect(f.inbox.alerts.at(-1)).toMatchObject({ severity: 'info', verdict: 'upgraded' });
      // The milestones in order, and the downtime from the stop's request to the new job RUNNING.
      const t = result.timings;
      const milestones = [t.stopRequestedAt, t.oldJobStoppedAt, t.submittedAt, t.runningAt, t.readyAt];
      expect(milestones.every((at) => typeof at === 'number')).toBe(true);
      expect(milestones).toEqual([...milestones].sort((a, b) => Number(a) - Number(b)));
      expect(t.downtimeMs).toBe(Number(t.runningAt) - Number(t.stopRequestedAt));
    });
  });

  it('last-state mode: cancels the job and restores its latest checkpoint', async () => {
    const f = flink();
    await withFakeWorker(env, f.fakes(), async (run) => {
      const result = await (await start(run, { mode: 'last-state' })).result();
      expect(result.outcome).toBe('upgraded');
      expect(result.snapshot).toEqual({
        kind: 'checkpoint',
        path: `file:///data/checkpoints/${jobIds.old}/chk-7`,
      });
      expect(f.job(jobIds.old).state).toBe('CANCELED');
      expect(run.calls.inputsOf('cancelJob')[0]).toMatchObject({
        jobId: jobIds.old,
        stateSafeIn: 'checkpoint',
      });
      expect(run.calls.count('stopWithSavepoint')).toBe(0);
      expect(f.submitted()[0]?.restoredFrom).toBe(result.snapshot?.path);
    });
  });

  it('stateless mode: keeps a savepoint for a rollback but starts the new job empty', async () => {
    const f = flink();
    await withFakeWorker(env, f.fakes(), async (run) => {
      const result = await (await start(run, { mode: 'stateless' })).result();
      expect(result.outcome).toBe('upgraded');
      expect(result.snapshot?.kind).toBe('savepoint');
      expect(f.submitted()[0]?.restoredFrom).toBeUndefined();
    });
  });

  it('fails its precheck, changing nothing, when the new jar lacks the entry class', async () => {
    const f = flink();
    await withFakeWorker(env, f.fakes(), async (run) => {
      const failure = await failureOf((await start(run, { jar: '/opt/jars/no-entry.jar' })).result());
      expect(failure.type).toBe('PrecheckFailed');
      expect(failure.message).toMatch(/does not contain the entry class/);
      expect(run.calls.count('acquireMaintenanceLease')).toBe(0);
      expect(f.job(jobIds.old).state).toBe('RUNNING');
    });
  });

  it('waits for approval, and gives up after the approval timeout without touching the job', async () => {
    const f = flink();
    await withFakeWorker(env, f.fakes(), async (run) => {
      const before = await env.currentTimeMs();
      const handle = await start(run, { requireApproval: true, approvalTimeout: '6h' });
      const result = await handle.result();
      await recordHistory('upgrade-approval-timeout', handle);
      expect(result.outcome).toBe('cancelled');
      expect(result.cancellation?.reason).toBe('no approval before the approval timeout');
      expect((result.cancellation?.at ?? 0) - before).toBeGreaterThanOrEqual(6 * 3_600_000);
      expect(run.calls.count('stopWithSavepoint')).toBe(0);
      expect(run.calls.count('acquireMaintenanceLease')).toBe(0);
      expect(f.job(jobIds.old).state).toBe('RUNNING');
    });
  });

  it('goes ahead once approved', async () => {
    const f = flink();
    await withFakeWorker(env, f.fakes(), async (run) => {
      const handle = await start(run, { requireApproval: true });
      await handle.signal(approveSignal, { by: 'alice', comment: 'change window open' });
      const result = await handle.result();
      expect(result.outcome).toBe('upgraded');
      expect(result.approval).toMatchObject({ by: 'alice' });
    });
  });

  it('a cancel before the stop leaves everything as it was', async () => {
    const f = flink();
    await withFakeWorker(env, f.fakes(), async (run) => {
      const handle = await start(run, { requireApproval: true });
      await handle.signal(cancelSignal, { by: 'bob', reason: 'not today' });
      const result = await handle.result();
      expect(result).toMatchObject({
        outcome: 'cancelled',
        cancellation: { by: 'bob', reason: 'not today' },
      });
      expect(result.runningJobId).toBe(jobIds.old);
      expect(run.calls.count('stopWithSavepoint')).toBe(0);
    });
  });

  it('a cancel after the stop is refused: the upgrade runs to its end and says so', async () => {
    const f = flink();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let submitting = false;
    const base = f.fakes();
    const fakes: Fakes = {
      ...base,
      submitJob: async (input) => {
        submitting = true;
        await gate;
        return (base.submitJob as NonNullable<Fakes['submitJob']>)(input);
      },
    };
    await withFakeWorker(env, fakes, async (run) => {
      const handle = await start(run);
      await pollUntil(async () => (submitting ? true : undefined), { timeoutMs: 20_000, what: 'the submit' });
      await handle.signal(cancelSignal, { by: 'bob' });
      await new Promise((r) => setTimeout(r, 300));
      release();
      const result = await handle.result();
      expect(result.outcome).toBe('upgraded');
      expect(result.cancellation).toBeUndefined();
      expect(result.warnings).toContain(
        'a cancel request came after the old job was stopped; the upgrade ran to its end',
      );
    });
  });

  it('keeps the job running and fails as SavepointFailed when the savepoint fails', async () => {
    const f = flink();
    const fakes = f.fakes({
      waitForSavepoint: () => {
        throw Object.assign(new Error('savepoint declined: checkpoint coordinator busy'), {
          name: 'SavepointFailed',
        });
      },
    });
    await withFakeWorker(env, fakes, async (run) => {
      const failure = await failureOf((await start(run)).result());
      expect(failure.type).toBe('SavepointFailed');
      expect(failure.message).toMatch(/still RUNNING; nothing was changed/);
      expect(run.calls.count('submitJob')).toBe(0);
      expect(run.calls.count('releaseMaintenanceLease')).toBe(1);
      expect(f.inbox.alerts.at(-1)).toMatchObject({ severity: 'warning' });
    });
  });

  it('stops the job again when the JobManager that took the savepoint trigger died, once the new leader runs it', async () => {
    const f = flink();
    const base = f.fakes();
    let lost = 0;
    const fakes = f.fakes({
      waitForSavepoint: (input) => {
        if (lost++ === 0) {
          // The old leader died with the trigger; the new one recovered the job from its checkpoint.
          f.job(jobIds.old).state = 'RUNNING';
          throw typedError(
            'SavepointTriggerLost',
            `savepoint ${input.triggerId} is unknown to the leading JobManager`,
          );
        }
        return base.waitForSavepoint?.(input) as { location: string };
      },
    });
    await withFakeWorker(env, fakes, async (run) => {
      const result = await (await start(run)).result();
      expect(result.outcome).toBe('upgraded');
      const triggers = run.calls
        .inputsOf('stopWithSavepoint')
        .map((i) => (i as { triggerId: string }).triggerId);
      expect(triggers).toHaveLength(2);
      expect(new Set(triggers).size).toBe(2);
      expect(result.snapshot?.kind).toBe('savepoint');
      expect(f.submitted()).toHaveLength(1);
      expect(result.steps.map((st) => st.step)).toContain('stop-with-savepoint again');
    });
  });

  it('rolls back to the previous jar from the same savepoint when the new job fails', async () => {
    const f = flink();
    f.breaks = (jar) => jar === NEW_JAR;
    await withFakeWorker(env, f.fakes(), async (run) => {
      const handle = await start(run);
      const result = await handle.result();
      await recordHistory('upgrade-rollback', handle);
      expect(result.outcome).toBe('rolled-back');
      const [broken, restored] = f.submitted();
      expect(broken).toMatchObject({ jar: NEW_JAR, state: 'FAILED' });
      expect(restored).toMatchObject({ jar: '/opt/jars/pipeline-1.jar', state: 'RUNNING' });
      expect(restored?.restoredFrom).toBe(result.snapshot?.path);
      expect(result.rollback).toMatchObject({ jobId: restored?.jobId });
      expect(result.rollback?.reason).toMatch(/the job is FAILED/);
      expect(result.runningJobId).toBe(restored?.jobId);
      expect(run.calls.inputsOf('releaseMaintenanceLease')[0]).toMatchObject({ jobId: restored?.jobId });
      expect(f.inbox.alerts.at(-1)).toMatchObject({ severity: 'warning', verdict: 'upgrade rolled back' });
    });
  });

  it('fails as RollbackFailed when the restored job fails too', async () => {
    const f = flink();
    f.breaks = () => true;
    await withFakeWorker(env, f.fakes(), async (run) => {
      const failure = await failureOf((await start(run)).result());
      expect(failure.type).toBe('RollbackFailed');
      expect(failure.message).toMatch(/the rollback failed too/);
      expect(f.submitted()).toHaveLength(2);
      expect(f.inbox.alerts.at(-1)).toMatchObject({ severity: 'critical' });
    });
  });

  it('does not resubmit the previous job over a new job it could not cancel', async () => {
    const f = flink();
    // The new job runs but throws: not healthy. Cancelling it is refused.
    const base = f.fakes();
    const fakes = f.fakes({
      recentExceptions: async ({ jobId }) =>
        f.job(jobId).jar === NEW_JAR ? [{ name: 'E', at: await env.currentTimeMs(), firstLine: 'boom' }] : [],
      cancelJob: (input) => {
        if (f.job(input.jobId).jar === NEW_JAR)
          throw Object.assign(new Error('no checkpoint of the new job; not cancelling'), {
            name: 'UnsafeCancel',
          });
        return (base.cancelJob as NonNullable<Fakes['cancelJob']>)(input);
      },
    });
    await withFakeWorker(env, fakes, async (run) => {
      const failure = await failureOf((await start(run)).result());
      expect(failure.type).toBe('RollbackFailed');
      expect(failure.message).toMatch(/cancel the new job .*UnsafeCancel|not cancelling/);
      expect(f.submitted()).toHaveLength(1);
      expect(run.calls.count('cancelJob')).toBe(1); // final: not retried
    });
  });

  it('last-state mode with a job that already ended: restores its newest checkpoint, cancelling nothing', async () => {
    const f = flink();
    f.job(jobIds.old).state = 'FAILED';
    await withFakeWorker(env, f.fakes(), async (run) => {
      const result = await (await start(run, { mode: 'last-state', jobId: jobIds.old })).result();
      expect(result.outcome).toBe('upgraded');
      expect(run.calls.count('cancelJob')).toBe(0);
      expect(run.calls.count('stopWithSavepoint')).toBe(0);
      expect(result.snapshot).toEqual({
        kind: 'checkpoint',
        path: `file:///data/checkpoints/${jobIds.old}/chk-7`,
      });
      expect(f.submitted()[0]?.restoredFrom).toBe(result.snapshot?.path);
    });
  });

  it('stateless mode with no job running: starts the new job empty, with nothing to stop', async () => {
    const f = flink();
    f.jobs.clear();
    await withFakeWorker(env, f.fakes(), async (run) => {
      const result = await (await start(run, { mode: 'stateless' })).result();
      expect(result.outcome).toBe('upgraded');
      expect(result.from.jobId).toBeUndefined();
      expect(result.snapshot).toBeUndefined();
      expect(result.timings.stopRequestedAt).toBeUndefined();
      expect(result.timings.downtimeMs).toBeUndefined();
      const [next] = f.submitted();
      expect(next).toMatchObject({ jar: NEW_JAR, state: 'RUNNING', restoredFrom: undefined });
      expect(result.runningJobId).toBe(next?.jobId);
      expect(run.calls.count('stopWithSavepoint') + run.calls.count('cancelJob')).toBe(0);
    });
  });

  it('fails as UpgradeFailed when a new job with nothing before it is not healthy: there is nothing to roll back to', async () => {
    const f = flink();
    f.jobs.clear();
    f.breaks = () => true;
    await withFakeWorker(env, f.fakes(), async (run) => {
      const failure = await failureOf((await start(run, { mode: 'stateless' })).result());
      expect(failure.type).toBe('UpgradeFailed');
      expect(failure.message).toMatch(/the new job is not healthy: .*the job is FAILED/);
      expect(f.submitted()).toHaveLength(1);
      expect(run.calls.count('cancelJob')).toBe(0);
      expect(run.calls.count('releaseMaintenanceLease')).toBe(1);
      expect(f.inbox.alerts.at(-1)).toMatchObject({
        severity: 'critical',
        verdict: 'new job not healthy, nothing to roll back to',
      });
    });
  });

  it('changes nothing when the job is gone by the time the approval comes', async () => {
    const f = flink();
    await withFakeWorker(env, f.fakes(), async (run) => {
      const handle = await start(run, { requireApproval: true });
      await pollUntil(
        async () =>
          (await handle.query(upgradeStatusQuery)).phase === 'awaiting-approval' ? true : undefined,
        { timeoutMs: 20_000, what: 'the approval wait' },
      );
      f.jobs.clear();
      await handle.signal(approveSignal, { by: 'alice' });
      const failure = await failureOf(handle.result());
      expect(failure.type).toBe('PrecheckFailed');
      expect(failure.message).toMatch(/^nothing was changed: no live job named "pipeline"/);
      expect(run.calls.count('stopWithSavepoint') + run.calls.count('submitJob')).toBe(0);
      // The lease was taken before the second look, and given back.
      expect(run.calls.count('releaseMaintenanceLease')).toBe(1);
    });
  });

  it('rolls back from the same savepoint when Flink refuses to submit the new job', async () => {
    const f = flink();
    const base = f.fakes();
    const fakes = f.fakes({
      submitJob: (input) => {
        if (input.jar === NEW_JAR) throw typedError('FlinkBadRequest', 'the jar main() threw: bad arguments');
        return (base.submitJob as NonNullable<Fakes['submitJob']>)(input);
      },
    });
    await withFakeWorker(env, fakes, async (run) => {
      const result = await (await start(run)).result();
      expect(result.outcome).toBe('rolled-back');
      expect(result.rollback?.reason).toMatch(/bad arguments/);
      expect(run.calls.count('submitJob')).toBe(2); // the refusal is final: not retried
      const [restored] = f.submitted();
      expect(restored).toMatchObject({ jar: '/opt/jars/pipeline-1.jar', state: 'RUNNING' });
      expect(restored?.restoredFrom).toBe(result.snapshot?.path);
      expect(result.runningJobId).toBe(restored?.jobId);
      expect(run.calls.count('cancelJob')).toBe(0); // the new job never started
    });
  });

  it('still upgrades when the lease cannot be given back, and says it expires by itself', async () => {
    const f = flink();
    const fakes = f.fakes({
      releaseMaintenanceLease: () => {
        throw typedError('LeaseHeld', 'the monitor holds another lease');
      },
    });
    await withFakeWorker(env, fakes, async (run) => {
      const result = await (await start(run)).result();
      expect(result.outcome).toBe('upgraded');
      expect(result.lease).toEqual({ monitor: 'no-monitor', error: 'the monitor holds another lease' });
      expect(result.warnings).toContain(
        'the lease could not be released (it expires by itself): the monitor holds another lease',
      );
    });
  });

  it('checks the committed output sequence of a job that has one, and warns about a gap', async () => {
    const cluster = fastCluster();
    const job = cluster.jobs[0] as (typeof cluster.jobs)[number];
    job.output = {
      path: '/data/out',
      pattern: '*.csv',
      freshness: 300_000,
      inProgressLimit: 600_000,
      sequenceColumn: 0,
    };
    const f = new FakeFlink(cluster, () => env.currentTimeMs()).running(jobIds.old);
    const fakes = f.fakes({
      observeOutput: async () => ({
        committedFiles: 1,
        newestCommittedAt: (await env.currentTimeMs()) + 1,
        committedInWindow: 1,
        inProgressFiles: 0,
        stuckInProgress: 0,
        stuckInProgressAt: [],
        observedAt: await env.currentTimeMs(),
      }),
      checkOutputSequence: () => ({
        rows: 3,
        distinct: 3,
        first: 1,
        last: 4,
        gaps: [[3, 3]],
        duplicates: [],
        continuous: false,
      }),
    });
    await withFakeWorker(env, fakes, async (run) => {
      const result = await (await start(run)).result();
      expect(result.outcome).toBe('upgraded');
      expect(result.sequence).toMatchObject({ continuous: false, gaps: [[3, 3]] });
      expect(result.warnings).toContain('the committed output sequence has gaps or duplicates');
    });
  });

  it('a cancel that comes while the lease is being taken still leaves everything as it was', async () => {
    const f = flink();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let asked = false;
    const base = f.fakes();
    const fakes = f.fakes({
      acquireMaintenanceLease: async (input) => {
        asked = true;
        await gate;
        return (base.acquireMaintenanceLease as NonNullable<Fakes['acquireMaintenanceLease']>)(input);
      },
    });
    await withFakeWorker(env, fakes, async (run) => {
      const handle = await start(run);
      await pollUntil(async () => (asked ? true : undefined), { timeoutMs: 20_000, what: 'the lease' });
      await handle.signal(cancelSignal, { by: 'bob', reason: 'wrong jar' });
      await new Promise((r) => setTimeout(r, 300));
      release();
      const result = await handle.result();
      expect(result).toMatchObject({
        outcome: 'cancelled',
        cancellation: { by: 'bob', reason: 'wrong jar' },
      });
      expect(result.runningJobId).toBe(jobIds.old);
      expect(run.calls.count('stopWithSavepoint') + run.calls.count('submitJob')).toBe(0);
      expect(run.calls.inputsOf('releaseMaintenanceLease')[0]).toMatchObject({ jobId: jobIds.old });
      expect(f.job(jobIds.old).state).toBe('RUNNING');
    });
  });

  it('tells the monitor the job it last saw: one the monitor restarted during the approval, not the stale one', async () => {
    const f = flink();
    const fakes = f.fakes({
      waitForSavepoint: () => {
        throw typedError('SavepointFailed', 'savepoint declined: checkpoint coordinator busy');
      },
    });
    await withFakeWorker(env, fakes, async (run) => {
      const handle = await start(run, { requireApproval: true });
      await pollUntil(
        async () =>
          (await handle.query(upgradeStatusQuery)).phase === 'awaiting-approval' ? true : undefined,
        { timeoutMs: 20_000, what: 'the approval wait' },
      );
      // The monitor restarts the job while the upgrade waits: a new id, the same name.
      f.job(jobIds.old).state = 'CANCELED';
      f.running(jobIds.other);
      await handle.signal(approveSignal, { by: 'alice' });
      const failure = await failureOf(handle.result());
      expect(failure.type).toBe('SavepointFailed');
      expect(run.calls.inputsOf('stopWithSavepoint')[0]).toMatchObject({ jobId: jobIds.other });
      expect(run.calls.inputsOf('releaseMaintenanceLease')[0]).toMatchObject({ jobId: jobIds.other });
    });
  });

  it('stateless mode with an ended job named by id: keeps its newest checkpoint as the way back, starts the new job empty', async () => {
    const f = flink();
    f.job(jobIds.old).state = 'FINISHED';
    await withFakeWorker(env, f.fakes(), async (run) => {
      const result = await (await start(run, { mode: 'stateless', jobId: jobIds.old })).result();
      expect(result.outcome).toBe('upgraded');
      expect(result.snapshot).toEqual({
        kind: 'checkpoint',
        path: `file:///data/checkpoints/${jobIds.old}/chk-7`,
      });
      expect(f.submitted()[0]).toMatchObject({ jar: NEW_JAR, restoredFrom: undefined });
      expect(run.calls.count('stopWithSavepoint') + run.calls.count('cancelJob')).toBe(0);
    });
  });

  it('fails as NoRestorePoint, submitting nothing, when an ended job left no checkpoint to go back to', async () => {
    const f = flink();
    f.job(jobIds.old).state = 'FINISHED';
    const fakes = f.fakes({ latestRestorePoint: () => ({ retainedOnCancel: true }) });
    await withFakeWorker(env, fakes, async (run) => {
      const failure = await failureOf((await start(run, { mode: 'stateless', jobId: jobIds.old })).result());
      expect(failure.type).toBe('NoRestorePoint');
      expect(failure.message).toBe(`job ${jobIds.old} left no checkpoint`);
      expect(run.calls.count('submitJob')).toBe(0);
      expect(run.calls.count('releaseMaintenanceLease')).toBe(1);
    });
  });
});
