import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { activityInterceptors } from '../../src/worker';
import { CallLog, type Fakes, fakeActivities } from './fake-activities';

export interface FakeRun {
  client: TestWorkflowEnvironment['client'];
  taskQueue: string;
  calls: CallLog;
  worker: Worker;
}

/**
 * The real workflow code (the bundle built once per run) and the given fake activities, on a
 * fresh task queue, with the worker's own activity interceptors; the worker runs during `use`.
 */
export async function withFakeWorker<T>(
  env: TestWorkflowEnvironment,
  fakes: Fakes,
  use: (run: FakeRun) => Promise<T>,
): Promise<T> {
  const taskQueue = `fast-${randomUUID()}`;
  const calls = new CallLog();
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    activities: fakeActivities(fakes, calls),
    workflowBundle: { codePath: inject('fastWorkflowBundlePath') },
    interceptors: { activity: activityInterceptors },
    // A cancellation reaches an activity with the reply to its next heartbeat: send them at once.
    maxHeartbeatThrottleInterval: '50ms',
    defaultHeartbeatThrottleInterval: '50ms',
  });
  return worker.runUntil(use({ client: env.client, taskQueue, calls, worker }));
}
