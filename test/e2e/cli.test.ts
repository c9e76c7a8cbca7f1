import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { MonitorStatus } from '../../src/policy/monitor-state';
import { pollUntil } from '../../src/util/poll';
import { resetSandbox, type Sandbox, sandbox, submitSample, waitForJobState } from '../helpers/sandbox';
import { withWorker } from '../helpers/temporal';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

let sb: Sandbox;

/** Runs `npx flink-runbooks ...` as a person would, against this run's Temporal server and task queue. */
async function cli(
  taskQueue: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(`${repo}/bin/flink-runbooks.js`, args, {
      cwd: repo,
      env: { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_TASK_QUEUE: taskQueue },
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  sb = await sandbox();
  process.env.FLINK_RUNBOOKS_CLUSTERS ??= sb.file;
  await resetSandbox(sb);
});

afterAll(async () => {
  await resetSandbox(sb);
});

describe('npx flink-runbooks', () => {
  it('prints help, and refuses unknown commands and clusters with exit code 2', async () => {
    const overview = await cli('unused', '--help');
    expect(overview.code).toBe(0);
    expect(overview.stdout).toContain('monitor status');
    const unknown = await cli('unused', 'monitr', 'start');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "monitr start"');
    const badCluster = await cli('unused', 'monitor', 'status', '--cluster', 'nope');
    expect(badCluster.code).toBe(2);
    expect(badCluster.stderr).toMatch(/unknown cluster "nope" .*known clusters: /);
    const badOption = await cli('unused', 'restart', '--cluster', sb.cluster.name, '--force');
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toContain("Unknown option '--force'");
  });

  it('starts a monitor, reads its status, restarts the job through it, pauses, resumes and stops it', async () => {
    const jobId = await submitSample(sb);
    await waitForJobState(sb, jobId, ['RUNNING']);
    await withWorker(async ({ taskQueue }) => {
      const target = ['--cluster', sb.cluster.name];
      const started = await cli(taskQueue, 'monitor', 'start', ...target, '--json');
      expect(started.code).toBe(0);
      expect(JSON.parse(started.stdout).workflowId).toBe(`monitor:${sb.cluster.name}:${sb.job.name}`);
      expect((await cli(taskQueue, 'monitor', 'start', ...target)).code).toBe(1); // one monitor per job

      const status = async () =>
        JSON.parse((await cli(taskQueue, 'monitor', 'status', ...target, '--json')).stdout) as MonitorStatus;
      const healthy = await pollUntil(
        async () => ((await status()).verdict === 'healthy' ? status() : undefined),
        {
          timeoutMs: 90_000,
          intervalMs: 2_000,
          what: 'a healthy verdict through the CLI',
        },
      );
      expect(healthy.jobId).toBe(jobId);
      const human = await cli(taskQueue, 'monitor', 'status', ...target);
      expect(human.stdout).toMatch(new RegExp(`^${sb.cluster.name}/${sb.job.name}: healthy for \\d+`));

      expect((await cli(taskQueue, 'restart', ...target, '--reason', 'cli test')).code).toBe(0);
      const restarted = await pollUntil(
        async () => {
          const s = await status();
          return s.restarts.length === 1 && s.phase === 'watching' ? s : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 2_000, what: 'the restart through the CLI' },
      );
      expect(restarted.restarts[0]).toMatchObject({
        trigger: 'forced',
        reason: 'cli test',
        outcome: 'restarted',
      });

      expect((await cli(taskQueue, 'pause', ...target, '--reason', 'window')).code).toBe(0);
      await pollUntil(async () => ((await status()).paused?.reason === 'window' ? true : undefined), {
        timeoutMs: 30_000,
        intervalMs: 1_000,
        what: 'paused',
      });
      expect((await cli(taskQueue, 'resume', ...target)).code).toBe(0);
      await pollUntil(async () => ((await status()).paused === undefined ? true : undefined), {
        timeoutMs: 30_000,
        intervalMs: 1_000,
        what: 'resumed',
      });
      expect((await cli(taskQueue, 'monitor', 'stop', ...target)).code).toBe(0);
    });
  });

  it('cluster status runs the clusterStatus runbook', async () => {
    await withWorker(async ({ taskQueue }) => {
      const result = await cli(taskQueue, 'cluster', 'status', '--cluster', sb.cluster.name, '--json');
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ cluster: sb.cluster.name, answering: 2 });
    });
  });
});
