import { Context } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../../src/util/poll';
import { takeSavepoint } from '../../src/workflows';
import type { SavepointInput } from '../../src/workflows/upgrade-api';
import { typedError } from '../helpers/fake-activities';
import { type FakeRun, withFakeWorker } from '../helpers/fake-worker';
import { fastCluster, jobIds } from '../helpers/fast-cluster';
import { FakeFlink } from '../helpers/flink-fake';
import { recordHistory } from '../helpers/histories';
import { startTimeSkippingServer } from '../helpers/time-skipping';

/** The scheduled savepoint: taken while the job keeps running, its failure and its refusal. */
let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startTimeSkippingServer();
});
afterAll(async () => {
  await env?.teardown();
});

let runs = 0;
async function execute(run: FakeRun, input: Partial<SavepointInput> = {}, record?: string) {
  const handle = await run.client.workflow.start(takeSavepoint, {
    taskQueue: run.taskQueue,
    workflowId: `savepoint:fast:${++runs}`,
    args: [{ cluster: 'fast', ...input }],
  });
  try {
    return await handle.result();
  } finally {
    if (record) await recordHistory(record, handle);
  }
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  return (error as WorkflowFailedError).cause as ApplicationFailure;
}

describe('takeSavepoint with faked activities on the time-skipping server', () => {
  it('takes a savepoint of the running job, which keeps running, under the maintenance lease', async () => {
    const f = new FakeFlink(fastCluster(), () => env.currentTimeMs()).running(jobIds.old);
    await withFakeWorker(env, f.fakes(), async (run) => {
      const result = await execute(run, {}, 'savepoint-taken');
      expect(result).toMatchObject({ jobId: jobIds.old, location: expect.stringMatching(/savepoint-/) });
      expect(f.job(jobIds.old).state).toBe('RUNNING');
      expect(run.calls.count('stopWithSavepoint')).toBe(0);
      const names = run.calls.names();
      expect(names.indexOf('acquireMaintenanceLease')).toBeLessThan(names.indexOf('triggerSavepoint'));
      expect(names.indexOf('waitForSavepoint')).toBeLessThan(names.indexOf('releaseMaintenanceLease'));
    });
  });

  it('fails as SavepointFailed, warning people, and releases the lease when the savepoint fails', async () => {
    const f = new FakeFlink(fastCluster(), () => env.currentTimeMs()).running(jobIds.old);
    const fakes = f.fakes({
      waitForSavepoint: () => {
        throw typedError('SavepointFailed', 'checkpoint coordinator declined the savepoint');
      },
    });
    await withFakeWorker(env, fakes, async (run) => {
      const failure = await failureOf(execute(run));
      expect(failure.type).toBe('SavepointFailed');
      expect(failure.message).toMatch(/declined the savepoint; the job keeps running/);
      expect(run.calls.count('releaseMaintenanceLease')).toBe(1);
      expect(f.inbox.alerts.at(-1)).toMatchObject({ severity: 'warning', verdict: 'savepoint-failed' });
    });
  });

  it('gives the lease back when it is cancelled while waiting for the savepoint', async () => {
    const f = new FakeFlink(fastCluster(), () => env.currentTimeMs()).running(jobIds.old);
    let waiting = false;
    const fakes = f.fakes({
      waitForSavepoint: async () => {
        waiting = true;
        await Context.current().cancelled;
        throw new Error('not cancelled');
      },
    });
    await withFakeWorker(env, fakes, async (run) => {
      const handle = await run.client.workflow.start(takeSavepoint, {
        taskQueue: run.taskQueue,
        workflowId: `savepoint:fast:${++runs}`,
        args: [{ cluster: 'fast' }],
      });
      await pollUntil(async () => (waiting ? true : undefined), {
        timeoutMs: 10_000,
        intervalMs: 20,
        what: 'the wait',
      });
      await handle.cancel();
      await handle.result().catch(() => undefined);
      expect(run.calls.count('releaseMaintenanceLease')).toBe(1);
      expect(run.calls.inputsOf('releaseMaintenanceLease')[0]).toMatchObject({
        cluster: 'fast',
        job: 'pipeline',
      });
    });
  });

  it('refuses when no job runs, touching nothing', async () => {
    const f = new FakeFlink(fastCluster(), () => env.currentTimeMs());
    await withFakeWorker(env, f.fakes(), async (run) => {
      const failure = await failureOf(execute(run));
      expect(failure.type).toBe('NoRunningJob');
      expect(run.calls.count('triggerSavepoint')).toBe(0);
      expect(run.calls.count('acquireMaintenanceLease')).toBe(0);
    });
  });
});
