/**
 * The one worker process: every runbook workflow and every activity on one task queue.
 * `npm run worker` runs it with the connection from the environment (see temporal/connection.ts);
 * SIGINT or SIGTERM lets running activities finish their attempt, then exits.
 */
import { realpathSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  type ActivityInterceptorsFactory,
  NativeConnection,
  Worker,
  type WorkerOptions,
} from '@temporalio/worker';
import * as activities from './activities';
import { dataConverterFromEnv } from './temporal/codec';
import { connectionOptions, temporalSettingsFromEnv } from './temporal/connection';
import { ErrorNameAsFailureType } from './temporal/error-types';
import { KeepAlive } from './temporal/keep-alive';
import { installTelemetry } from './temporal/runtime';

// index.ts beside the sources, index.js beside the compiled worker (dist/, see scripts/build.ts).
const ownExtension = extname(fileURLToPath(import.meta.url));
export const workflowsPath = fileURLToPath(new URL(`./workflows/index${ownExtension}`, import.meta.url));

export interface RunbookWorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  taskQueue: string;
  /** Tests bundle the workflows once and pass the bundle to every worker. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Payload encryption; by default from FLINK_RUNBOOKS_CODEC_KEY (see temporal/codec.ts). */
  dataConverter?: WorkerOptions['dataConverter'];
  /**
   * Activities run at once (the SDK's default is 100). Each monitored job holds one long `watchJob`
   * activity, so a worker supervising N jobs needs at least N plus room for the runbooks' others.
   */
  maxConcurrentActivityTaskExecutions?: number;
  /** Run inside the standard ones; tests add fault injection here. */
  moreActivityInterceptors?: ActivityInterceptorsFactory[];
  /**
   * Activities made with other adapters, replacing the standard ones of the same name: tests hand
   * in a named fake where the real thing cannot run (Docker inside a workflow test).
   */
  activityOverrides?: Partial<typeof activities>;
}

/** Outermost first: the keep-alive covers the whole attempt, error names are mapped inside it. */
export const activityInterceptors: ActivityInterceptorsFactory[] = [
  (ctx) => ({ inbound: new KeepAlive(ctx) }),
  () => ({ inbound: new ErrorNameAsFailureType() }),
];

export function createWorker(options: RunbookWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: options.taskQueue,
    activities: { ...activities, ...options.activityOverrides },
    dataConverter: options.dataConverter ?? dataConverterFromEnv(),
    interceptors: { activity: [...activityInterceptors, ...(options.moreActivityInterceptors ?? [])] },
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath }),
    shutdownGraceTime: '10s',
    ...(options.maxConcurrentActivityTaskExecutions
      ? { maxConcurrentActivityTaskExecutions: options.maxConcurrentActivityTaskExecutions }
      : {}),
  });
}

async function main(): Promise<void> {
  const { endpoint } = await installTelemetry();
  const settings = temporalSettingsFromEnv();
  const connection = await NativeConnection.connect(connectionOptions(settings));
  const worker = await createWorker({
    connection,
    namespace: settings.namespace,
    taskQueue: settings.taskQueue,
    // Every monitored job holds one watch activity: room for 1,000 jobs and the other runbooks.
    maxConcurrentActivityTaskExecutions: Number(process.env.FLINK_RUNBOOKS_MAX_ACTIVITIES ?? 1_100),
  });
  endpoint?.follow(worker, connection);
  console.log(
    JSON.stringify({
      level: 'info',
      message: `worker polling ${settings.taskQueue} on ${settings.address} (namespace ${settings.namespace})`,
      metrics: endpoint ? `http://${endpoint.address}/metrics` : 'off',
      health: endpoint ? `http://${endpoint.address}/healthz` : 'off',
    }),
  );
  // The SDK installs SIGINT/SIGTERM handlers that shut the worker down gracefully.
  await worker.run();
  await endpoint?.close();
  await connection.close();
  // Open sockets (REST keep-alive, ZooKeeper) must not keep a stopped worker alive.
  process.exit(0);
}

// Compared through realpath: a deployment often starts it through a symlink (a `current` release).
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
