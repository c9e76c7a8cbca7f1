import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hintCommands } from '../../scripts/demo-hints';
import type { MonitorStatus } from '../../src/policy/monitor-state';
import { pollUntil } from '../../src/util/poll';
import { monitorWorkflowId, statusQuery } from '../../src/workflows/monitor-api';

/**
 * README's Quick start, as a newcomer follows it: a clean clone of this repository, `npm run demo`
 * with a cache folder of its own (so no Temporal CLI is built yet and the demo builds one, saying
 * so while it does), then every command the demo prints under "Try next", as printed, each in a
 * new shell inside the clone with nothing set in its environment.
 * One change to the clone keeps it apart from the tests beside it: its sandbox clusters get ports
 * and container names of their own (their names stay, so the printed commands are the same).
 * The demo's own ports stay: Temporal on 7233 (its Web UI 8233) and the worker's /healthz on 9464.
 * The clone's ports (ZooKeeper 3281/3282, JobManagers 9181-9184, RPC 7123-7143) are no other
 * sandbox's: the crash tests' runs beside this one.
 */
const repo = fileURLToPath(new URL('../..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'quickstart-'));
const clone = join(work, 'flink-runbooks');
const cache = join(work, 'cache');
const measured: Record<string, number> = {};

/** The environment of a new shell: the machine's, with nothing of this test run's. */
function newShellEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(FLINK_RUNBOOKS_|TEMPORAL_|SANDBOX_|VITEST|NODE_OPTIONS$|npm_)/i.test(key)) continue;
    env[key] = value;
  }
  // npm put this checkout's node_modules/.bin on the PATH of the test run; a new shell has none.
  env.PATH = (env.PATH ?? '')
    .split(':')
    .filter((dir) => !dir.includes('node_modules'))
    .join(':');
  return { ...env, ...extra };
}

/** Runs `command` with bash in the clone; resolves with its exit code and output. */
function shell(
  command: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<{ code: number | null; output: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    let output = '';
    const child: ChildProcess = spawn('bash', ['-c', command], {
      cwd: clone,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdout?.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    const timer = setTimeout(() => {
      output += `\n[killed after ${timeoutMs} ms]`;
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {}
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output, ms: Date.now() - started });
    });
  });
}

/**
 * The clone's clusters file with ports and container names of its own for both sandbox clusters,
 * so that nothing the clone's demo starts or removes by name is another checkout's. Containers are
 * also found by their cluster's label, which keeps the cluster's name: scripts/test.sh runs this
 * test while no other sandbox of these names runs.
 */
function isolateSandbox(): void {
  const file = join(clone, 'sandbox/clusters.yaml');
  let text = readFileSync(file, 'utf8');
  const replacements: Array<[string, string]> = [
    ['quorum: 127.0.0.1:2181', 'quorum: 127.0.0.1:3281'],
    ['quorum: 127.0.0.1:2182', 'quorum: 127.0.0.1:3282'],
    ['container: zookeeper\n', 'container: quickstart-zookeeper\n'],
    ['container: cdc-zookeeper\n', 'container: quickstart-cdc-zookeeper\n'],
    ['http://127.0.0.1:8081', 'http://127.0.0.1:9181'],
    ['http://127.0.0.1:8082', 'http://127.0.0.1:9182'],
    ['http://127.0.0.1:8083', 'http://127.0.0.1:9183'],
    ['http://127.0.0.1:8084', 'http://127.0.0.1:9184'],
    ['container: flink-jobmanager-standby', 'container: quickstart-jobmanager-standby'],
    ['container: flink-jobmanager\n', 'container: quickstart-jobmanager\n'],
    ['container: cdc-jobmanager-standby', 'container: quickstart-cdc-jobmanager-standby'],
    ['container: cdc-jobmanager\n', 'container: quickstart-cdc-jobmanager\n'],
    ['rpc: 6123, blob: 6130, ha: 6140', 'rpc: 7123, blob: 7130, ha: 7140'],
    ['rpc: 6124, blob: 6131, ha: 6141', 'rpc: 7124, blob: 7131, ha: 7141'],
    ['rpc: 6125, blob: 6132, ha: 6142', 'rpc: 7125, blob: 7132, ha: 7142'],
    ['rpc: 6126, blob: 6133, ha: 6143', 'rpc: 7126, blob: 7133, ha: 7143'],
    ['container: realtime-pipeline-taskmanager-', 'container: quickstart-taskmanager-'],
    ['container: cdc-taskmanager-', 'container: quickstart-cdc-taskmanager-'],
  ];
  for (const [from, to] of replacements) {
    expect(text, `the clone's sandbox/clusters.yaml has "${from.trim()}"`).toContain(from);
    text = text.replaceAll(from, to);
  }
  writeFileSync(file, text);
}

beforeAll(() => {
  execFileSync('git', ['clone', '--quiet', repo, clone]);
  isolateSandbox();
});

afterAll(async () => {
  // Whatever happened: the clone's demo stopped and its sandbox removed.
  if (existsSync(join(clone, 'node_modules')))
    await shell('npm run demo -- down', newShellEnv({ FLINK_RUNBOOKS_CACHE: cache }), 180_000);
  rmSync(work, { recursive: true, force: true });
  console.log(`quickstart measurements: ${JSON.stringify(measured)}`);
});

describe("README's Quick start on a clean clone", () => {
  let printed = '';

  it('npm run demo works on its first run, building the Temporal CLI in the foreground with progress', async () => {
    expect(existsSync(join(cache, 'bin/temporal'))).toBe(false);
    const demo = await shell('npm run demo', newShellEnv({ FLINK_RUNBOOKS_CACHE: cache }), 900_000);
    measured.demoMs = demo.ms;
    printed = demo.output;
    expect(demo.code, demo.output.slice(-4000)).toBe(0);
    expect(demo.output).toMatch(/building the Temporal CLI v[\d.]+ with Go into /);
    expect(demo.output).toMatch(/built the Temporal CLI in \d+ s/);
    expect(existsSync(join(cache, 'bin/temporal'))).toBe(true);
    expect(demo.output).toContain('Try next, in any shell inside this checkout');
    for (const command of hintCommands(clone)) expect(demo.output).toContain(command);
  });

  it('every "Try next" command works as printed, in a new shell inside the clone', async () => {
    expect(printed, 'the demo ran').toContain('Try next');
    const connection = await Connection.connect({ address: '127.0.0.1:7233' });
    const monitor = new Client({ connection }).workflow.getHandle(
      monitorWorkflowId('realtime-pipeline', 'sample-pipeline'),
    );
    const status = () => monitor.query(statusQuery) as Promise<MonitorStatus>;
    try {
      for (const command of hintCommands(clone)) {
        const restartsBefore = (await status()).restarts.length;
        const run = await shell(command, newShellEnv(), 600_000);
        measured[command] = run.ms;
        expect(run.code, `${command}\n${run.output.slice(-3000)}`).toBe(0);
        if (command.includes('monitor status'))
          expect(run.output).toContain('realtime-pipeline/sample-pipeline');
        if (command.includes('demo -- down')) {
          expect(
            execFileSync('docker', ['ps', '-aq', '--filter', 'name=quickstart-'], { encoding: 'utf8' }),
          ).toBe('');
          continue;
        }
        // As a user watching `monitor status` between commands: the stall ("watch it get restarted")
        // and the restart command (a signal, answered at once) are done when the monitor has
        // restarted the job; every command, when the monitor watches a healthy job again.
        if (command.includes('echo stall') || command.includes('flink-runbooks restart')) {
          await pollUntil(
            async () => ((await status()).restarts.length > restartsBefore ? true : undefined),
            { timeoutMs: 300_000, what: `the monitor's restart after "${command}"` },
          );
        }
        if (command.includes('echo stall')) continue; // healthy only once the stall is lifted
        let last: MonitorStatus | undefined;
        await pollUntil(
          async () => {
            last = await status();
            return last.phase === 'watching' && last.verdict === 'healthy' ? true : undefined;
          },
          { timeoutMs: 300_000, what: `the monitor watching a healthy job after "${command}"` },
        ).catch((error) => {
          throw new Error(`${error}; its last status: ${JSON.stringify(last)}`);
        });
      }
    } finally {
      await connection.close();
    }
  });
});
