import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { build } from '../../scripts/build';
import { clusterStatus } from '../../src/workflows';
import { inlineSpecsAllowed, unreachableCluster } from '../helpers/specs';

/**
 * `npm run build` output run as a deployment runs it: plain `node`, no tsx loader. The build goes
 * to a folder of its own inside the checkout (so the compiled code finds node_modules), once.
 */
const repo = fileURLToPath(new URL('../..', import.meta.url));
const outDir = join(repo, '.data', `dist-test-${randomUUID()}`);
/** Nothing from the test runner's loaders reaches the child. */
const plainEnv = { ...process.env, NODE_OPTIONS: '' };

beforeAll(() => {
  // Type errors are npm run typecheck's to report; this is about what the emitted code does.
  expect(build(join(repo, 'tsconfig.build.json'), { outDir, typecheck: false })).toBe('');
}, 120_000);
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

/** Resolves with the worker's start line (its JSON), once it has printed it. */
function startLine(child: ChildProcess, output: () => string): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start line within 60 s:\n${output()}`)), 60_000);
    const look = () => {
      const line = output()
        .split('\n')
        .find((l) => l.includes('worker polling'));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line));
      }
    };
    child.stdout?.on('data', look);
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}:\n${output()}`)));
  });
}

async function untilReady(url: string): Promise<{ status: number; body: unknown }> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const answer = await fetch(url);
    const body = await answer.json();
    if (answer.status === 200 || Date.now() > deadline) return { status: answer.status, body };
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the compiled worker and CLI (npm run build)', () => {
  it('the CLI answers --help with plain node', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(outDir, 'cli/main.js'), '--help'], {
      env: plainEnv,
    });
    expect(stdout).toMatch(/^usage: flink-runbooks <command>/);
    expect(stdout).toContain('monitor status');
  });

  it('the worker bundles the compiled workflows, polls, runs a runbook, is ready on /healthz, and stops on SIGTERM', async () => {
    expect(existsSync(join(outDir, 'workflows/index.js'))).toBe(true);
    const taskQueue = `compiled-${randomUUID()}`;
    let output = '';
    const child = spawn(process.execPath, [join(outDir, 'worker.js')], {
      env: {
        ...plainEnv,
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        TEMPORAL_TASK_QUEUE: taskQueue,
        FLINK_RUNBOOKS_METRICS: '127.0.0.1:0',
        FLINK_RUNBOOKS_LOG_LEVEL: 'WARN',
        ...inlineSpecsAllowed,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const started = await startLine(child, () => output);
      expect(started.health).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/healthz$/);
      expect(await untilReady(started.health as string)).toEqual({
        status: 200,
        body: { status: 'ready', reasons: [] },
      });
      const metrics = await fetch(started.metrics as string);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toMatch(/temporal_/);

      // A workflow task and activities on its task queue: only this worker polls it.
      const connection = await Connection.connect({ address: inject('temporalAddress') });
      try {
        const summary = await new Client({ connection }).workflow.execute(clusterStatus, {
          taskQueue,
          workflowId: `compiled-worker-${randomUUID()}`,
          args: [{ cluster: 'inline', spec: unreachableCluster }],
          workflowExecutionTimeout: '60s',
        });
        expect(summary.answering).toBe(0);
        expect(summary.jobManagers.map((jm) => jm.state)).toEqual(['down', 'down']);
      } finally {
        await connection.close();
      }

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      await expect(fetch(started.health as string)).rejects.toThrow();
    } finally {
      child.kill('SIGKILL');
    }
  }, 120_000);
});
