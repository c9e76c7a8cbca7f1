/**
 * The scale benchmark's worker process: the runbooks' worker (createWorker, every workflow and
 * activity, the production runtime with JSON logs and Prometheus metrics) with room for many
 * long-running watch activities. The benchmark asks it over IPC for its own CPU and memory
 * (process.cpuUsage, process.memoryUsage) and event-loop delay.
 *
 *   env: TEMPORAL_ADDRESS, TEMPORAL_TASK_QUEUE, BENCH_WORKFLOW_BUNDLE, BENCH_MAX_ACTIVITIES
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { NativeConnection } from '@temporalio/worker';
import { installRuntime } from '../../src/temporal/runtime';
import { createWorker } from '../../src/worker';

export interface WorkerUsage {
  at: number;
  /** The worker's identity, as the server records it on the activities it runs. */
  identity: string;
  cpu: NodeJS.CpuUsage;
  rss: number;
  heapUsed: number;
  /** Event-loop delay since the previous report (ms). */
  loopDelay: { p50: number; p99: number; max: number };
}

async function main(): Promise<void> {
  installRuntime();
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS as string });
  const worker = await createWorker({
    connection,
    taskQueue: process.env.TEMPORAL_TASK_QUEUE as string,
    workflowBundle: { codePath: process.env.BENCH_WORKFLOW_BUNDLE as string },
    maxConcurrentActivityTaskExecutions: Number(process.env.BENCH_MAX_ACTIVITIES ?? 100),
  });
  const loop = monitorEventLoopDelay({ resolution: 20 });
  loop.enable();
  process.on('message', (message) => {
    if (message === 'usage') {
      const report: WorkerUsage = {
        at: Date.now(),
        identity: worker.options.identity,
        cpu: process.cpuUsage(),
        rss: process.memoryUsage().rss,
        heapUsed: process.memoryUsage().heapUsed,
        loopDelay: {
          p50: loop.percentile(50) / 1e6,
          p99: loop.percentile(99) / 1e6,
          max: loop.max / 1e6,
        },
      };
      loop.reset();
      process.send?.(report);
    } else if (message === 'stop') {
      worker.shutdown();
    }
  });
  process.send?.('ready');
  await worker.run();
  await connection.close();
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
