import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { useTemporalClient } from '../../src/temporal/client-holder';
import { createWorker } from '../../src/worker';

let runtimeInstalled = false;

/** Test output shows the SDK's warnings and errors, not every worker state change. */
function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // Already installed in this process: keep that one.
  }
}

/** A client and a worker on a fresh task queue of the run's dev server; the worker runs during `use`. */
export async function withWorker<T>(
  use: (ctx: { client: Client; taskQueue: string; worker: Worker }) => Promise<T>,
): Promise<T> {
  const taskQueue = `test-${randomUUID()}`;
  const connection = await Connection.connect({ address: inject('temporalAddress') });
  const client = new Client({ connection });
  // Activities that talk to other workflows (the monitor's lease) use this run's server too.
  useTemporalClient(client);
  try {
    return await runWorkerOn(taskQueue, (worker) => use({ client, taskQueue, worker }));
  } finally {
    await connection.close();
  }
}

/** A worker in this process on `taskQueue` of the run's dev server, for the duration of `use`. */
export async function runWorkerOn<T>(taskQueue: string, use: (worker: Worker) => Promise<T>): Promise<T> {
  quietRuntime();
  const native = await NativeConnection.connect({ address: inject('temporalAddress') });
  const worker = await createWorker({
    connection: native,
    taskQueue,
    workflowBundle: { codePath: inject('workflowBundlePath') },
  });
  try {
    return await worker.runUntil(use(worker));
  } finally {
    await native.close();
  }
}
