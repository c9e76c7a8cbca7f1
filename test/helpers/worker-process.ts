import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../..', import.meta.url));

/** A real worker process (`node --import tsx src/worker.ts`), for tests that kill it with SIGKILL mid-runbook. */
export interface WorkerProcess {
  process: ChildProcess;
  output: () => string;
  kill: (signal?: NodeJS.Signals) => Promise<void>;
}

/** `entry`: the worker's script, src/worker.ts unless a test wraps it (test/helpers/crash-worker.ts). */
export async function spawnWorker(
  env: Record<string, string>,
  entry = 'src/worker.ts',
): Promise<WorkerProcess> {
  let output = '';
  // node with tsx's loader, not the tsx command: SIGKILL must reach the worker itself, and the
  // tsx command runs it in a child process that would outlive its killed parent.
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: repo,
    // /metrics and /healthz on a free port unless the test names one: 9464 belongs to the demo's
    // worker, which the quickstart test runs beside these.
    env: { ...process.env, FLINK_RUNBOOKS_METRICS: '127.0.0.1:0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start within 60 s:\n${output}`)), 60_000);
    const check = () => {
      if (output.includes('worker polling')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}:\n${output}`)));
  });
  return {
    process: child,
    output: () => output,
    kill: async (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
