import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../../src/util/poll';
import { upgrade } from '../../src/workflows';
import { approveSignal, cancelSignal, type UpgradeInput } from '../../src/workflows/upgrade-api';
import type { Fakes } from '../helpers/fake-activities';
import { type FakeRun, withFakeWorker } from '../helpers/fake-worker';
import { fastCluster, jobIds } from '../helpers/fast-cluster';
import { FakeFlink } from '../helpers/flink-fake';
import { recordHistory } from '../helpers/histories';
import { startTimeSkippingServer } from '../helpers/time-skipping';

/**
 * The upgrade runbook's branches against a Flink in memory, on the time-skipping server: each
 * mode, the approval and its timeout, a cancel before and after the stop, a failed savepoint,
 * the rollback and the rollback that fails too.
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
});
