import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Runtime,
  type Worker,
} from '@temporalio/worker';
import { type DevServer, freePort, startDevServer } from '../../scripts/lib/temporal-dev-server';
import { useTemporalClient } from '../../src/temporal/client-holder';
import { createWorker, workflowsPath } from '../../src/worker';
import { BENCH_SANDBOX_FILE } from './bench-sandbox';

// The benchmarks start runbooks with inline variants of the bench sandbox, and the scale
// benchmark with synthetic jobs whose jar lies under /replay: the workers' operator (this
// process, and the scale worker it forks) allows that.
process.env.FLINK_RUNBOOKS_ALLOW_INLINE_SPECS ??= 'true';
process.env.FLINK_RUNBOOKS_CLUSTERS ??= BENCH_SANDBOX_FILE;
process.env.FLINK_RUNBOOKS_INLINE_PATHS ??= '/replay';

/**
 * A Temporal dev server of the benchmark's own (in memory, on a free port of 127.0.0.1), a
 * client, and the workflow bundle built once for every worker of the run.
 */
export interface BenchTemporal {
  server: DevServer;
  address: string;
  client: Client;
  /** The workflows bundled once, as a file a worker process can load too. */
  bundlePath: string;
  stop(): Promise<void>;
}

let runtimeInstalled = false;
/** In-process workers log warnings and errors only; the benchmark prints its own progress. */
export function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // installed already
  }
}

export async function startBenchTemporal(log: (line: string) => void): Promise<BenchTemporal> {
  const port = await freePort();
  const t0 = Date.now();
  const server = await startDevServer({ port });
  log(`Temporal dev server on ${server.address} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  // Activities that reach other workflows (the monitor's lease) use this client.
  useTemporalClient(client);
  const t1 = Date.now();
  quietRuntime();
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  const dir = mkdtempSync(join(tmpdir(), 'flink-runbooks-bench-'));
  const bundlePath = join(dir, 'workflows-bundle.js');
  writeFileSync(bundlePath, code);
  log(`workflows bundled (${((Date.now() - t1) / 1000).toFixed(1)} s)`);
  return {
    server,
    address: server.address,
    client,
    bundlePath,
    stop: async () => {
      await connection.close().catch(() => undefined);
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A worker in this process on its own task queue, running while `use` runs. */
export async function withInProcessWorker<T>(
  t: BenchTemporal,
  taskQueue: string,
  use: (worker: Worker) => Promise<T>,
): Promise<T> {
  const connection = await NativeConnection.connect({ address: t.address });
  try {
    const worker = await createWorker({ connection, taskQueue, workflowBundle: { codePath: t.bundlePath } });
    return await worker.runUntil(use(worker));
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** The pending watch activity's latest heartbeat (the monitor records `at`, the time of its last look). */
export async function latestLook(client: Client, workflowId: string): Promise<number | undefined> {
  const description = await client.workflow.getHandle(workflowId).describe();
  const pending = description.raw.pendingActivities?.find((a) => a.activityType?.name === 'watchJob');
  const payload = pending?.heartbeatDetails?.payloads?.[0];
  if (!payload) return undefined;
  const details = client.options.loadedDataConverter.payloadConverter.fromPayload<{ at?: number }>(payload);
  return typeof details?.at === 'number' ? details.at : undefined;
}
