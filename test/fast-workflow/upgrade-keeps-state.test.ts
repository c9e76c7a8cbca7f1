import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upgrade } from '../../src/workflows';
import type { UpgradeInput } from '../../src/workflows/upgrade-api';
import { type Fakes, typedError } from '../helpers/fake-activities';
import { type FakeRun, withFakeWorker } from '../helpers/fake-worker';
import { fastCluster, jobIds } from '../helpers/fast-cluster';
import { FakeFlink } from '../helpers/flink-fake';
import { recordHistory } from '../helpers/histories';
import { startTimeSkippingServer } from '../helpers/time-skipping';

/**
 * An upgrade across a JobManager failover: when the leader that held the stop-with-savepoint is
 * gone, the upgrade waits out HA job recovery, then goes on from the job's newest complete state
 * on disk; a job recovered as RUNNING is left as it was; a stray job of the same name is never
 * joined by a second.
 */
let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startTimeSkippingServer();
});
afterAll(async () => {
  await env?.teardown();
});

const NEW_JAR = '/opt/jars/pipeline-2.jar';
const ON_DISK = 'file:/data/savepoints/savepoint-aaaaaa-0123456789ab';
/** Two session timeouts (Flink's default 60 s) and half a minute. */
const RECOVERY_WINDOW_MS = 150_000;
let runs = 0;

function start(run: FakeRun, input: Partial<UpgradeInput> = {}) {
  return run.client.workflow.start(upgrade, {
    taskQueue: run.taskQueue,
    workflowId: `upgrade:fast:pipeline:keeps-${++runs}`,
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

/** The leader goes away during the stop: the new one knows neither the trigger nor (for a while) the job. */
function failoverDuringStop(f: FakeFlink, recovered?: 'RUNNING', onDisk: string | null = ON_DISK): Fakes {
  const base = f.fakes();
  return f.fakes({
    waitForSavepoint: ({ jobId, triggerId }) => {
      f.jobs.delete(jobId);
      throw typedError('FlinkNotFound', `savepoint ${triggerId} of job ${jobId} not found`);
    },
    waitForJobState: async (input) => {
      if (input.jobId === jobIds.old && !f.jobs.has(jobIds.old)) {
        if (recovered) {
          f.running(jobIds.old);
          return { state: recovered, waitedMs: 40_000 };
        }
        throw typedError('WaitTimeout', `job ${input.jobId} not seen within ${input.timeoutMs} ms`);
      }
      return (base.waitForJobState as NonNullable<Fakes['waitForJobState']>)(input);
    },
    findStateOnDisk: () => ({
      state:
        onDisk === null
          ? undefined
          : {
              kind: 'savepoint',
              uri: onDisk,
              createdAt: 1,
              why: 'the newest complete state on disk',
            },
      skipped: [],
      looked: ['/data/savepoints', '/data/checkpoints'],
      unmapped: [],
    }),
  });
}

describe('upgrade across a failover, on the time-skipping server', () => {
  it('goes on from the newest state on disk when the leader lost the stop and the job', async () => {
    const f = new FakeFlink(fastCluster(), () => env.currentTimeMs()).running(jobIds.old);
    await withFakeWorker(env, failoverDuringStop(f), async (run) => {
      const handle = await start(run);
      const result = await handle.result();
      await recordHistory('upgrade-failover-during-stop-from-disk', handle);
      expect(result.outcome).toBe('upgraded');
      expect(result.snapshot).toEqual({ kind: 'savepoint', path: ON_DISK });
      expect(run.calls.inputsOf('submitJob')[0]).toMatchObject({ jar: NEW_JAR, savepointPath: ON_DISK });
      // The job was waited for through HA recovery before anything acted on its absence.
      const waited = run.calls.inputsOf('waitForJobState').find((w) => w.timeoutMs === RECOVERY_WINDOW_MS);
      expect(waited).toMatchObject({ jobId: jobIds.old });
      expect(run.calls.names().indexOf('findStateOnDisk')).toBeGreaterThan(
        run.calls.names().indexOf('waitForJobState'),
      );
      expect(result.warnings.join(' ')).toMatch(/went on from file:\/data\/savepoints\/savepoint-aaaaaa/);
      expect(run.calls.count('listJobs')).toBeGreaterThanOrEqual(3); // precheck, change, before the submit
    });
  });

  it('changes nothing when HA recovery brings the old job back RUNNING', async () => {
    const f = new FakeFlink(fastCluster(), () => env.currentTimeMs()).running(jobIds.old);
    await withFakeWorker(env, failoverDuringStop(f, 'RUNNING'), async (run) => {
      const failure = await failureOf((await start(run)).result());
      expect(failure.type).toBe('SavepointFailed');
      expect(failure.message).toMatch(/still RUNNING; nothing was changed/);
      expect(run.calls.count('findStateOnDisk')).toBe(0);
      expect(run.calls.count('submitJob')).toBe(0);
    });
  });

  it('refuses to submit beside a stray live job of the same name, naming the savepoint to resume from', async () => {
    const f = new FakeFlink(fastCluster(), () => env.currentTimeMs()).running(jobIds.old);
    const base = f.fakes();
    const fakes = f.fakes({
      // Someone starts a copy of the job while the upgrade stops the old one.
      stopWithSavepoint: (input) => {
        f.jobs.set(jobIds.other, { ...f.job(jobIds.old), jobId: jobIds.other, submittedAt: 1 });
        return (base.stopWithSavepoint as NonNullable<Fakes['stopWithSavepoint']>)(input);
      },
    });
    await withFakeWorker(env, fakes, async (run) => {
      const failure = await failureOf((await start(run)).result());
      expect(failure.type).toBe('StrayJob');
      expect(failure.message).toMatch(new RegExp(`${jobIds.other} RUNNING.*not adding a second`));
      expect(failure.message).toMatch(
        /the state to resume from is file:\/\/\/data\/savepoints\/savepoint-aaaaaa-1/,
      );
      expect(run.calls.count('submitJob')).toBe(0);
      expect(f.inbox.alerts.at(-1)).toMatchObject({ severity: 'critical' });
    });
  });

  it('fails as SavepointFailed, naming the job MISSING, when neither HA recovery nor the disk has its state', async () => {
    const f = new FakeFlink(fastCluster(), () => env.currentTimeMs()).running(jobIds.old);
    await withFakeWorker(env, failoverDuringStop(f, undefined, null), async (run) => {
      const failure = await failureOf((await start(run)).result());
      expect(failure.type).toBe('SavepointFailed');
      expect(failure.message).toMatch(/The job is now MISSING: check it/);
      expect(run.calls.count('findStateOnDisk')).toBe(1);
      expect(run.calls.count('submitJob')).toBe(0);
      expect(f.inbox.alerts.at(-1)).toMatchObject({
        severity: 'critical',
        verdict: 'upgrade stopped: savepoint failed',
      });
    });
  });

  it('does not resubmit the previous job beside a stray one that started during the rollback', async () => {
    const f = new FakeFlink(fastCluster(), () => env.currentTimeMs()).running(jobIds.old);
    f.breaks = (jar) => jar === NEW_JAR;
    const base = f.fakes();
    const fakes = f.fakes({
      // The new job fails only after its cancel was requested: someone starts a copy meanwhile.
      getJobState: ({ jobId }) => (f.job(jobId).jar === NEW_JAR ? 'RUNNING' : f.job(jobId).state),
      cancelJob: (input) => {
        f.jobs.set(jobIds.other, {
          ...f.job(jobIds.old),
          jobId: jobIds.other,
          state: 'RUNNING',
          submittedAt: 1,
        });
        return (base.cancelJob as NonNullable<Fakes['cancelJob']>)(input);
      },
    });
    await withFakeWorker(env, fakes, async (run) => {
      const failure = await failureOf((await start(run)).result());
      expect(failure.type).toBe('RollbackFailed');
      expect(failure.message).toMatch(
        new RegExp(`resubmit the previous job: .*${jobIds.other} RUNNING.*not adding a second`),
      );
      expect(run.calls.count('submitJob')).toBe(1); // the new job only
      expect(f.inbox.alerts.map((a) => a.verdict)).toEqual([
        'a stray job of the same name runs',
        'upgrade and rollback failed',
      ]);
    });
  });
});
