import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Client, WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SANDBOX_FILE } from '../../scripts/lib/sandbox';
import { hostPathFor, normalizeLocation } from '../../src/policy/retention';
import { useTemporalClient } from '../../src/temporal/client-holder';
import { pollUntil, sleep } from '../../src/util/poll';
import { takeSavepoint } from '../../src/workflows';
import type { SavepointResult } from '../../src/workflows/upgrade-api';
import {
  resetSandbox,
  type Sandbox,
  sandbox,
  submitSample,
  waitForCheckpointAfter,
  waitForJobState,
} from '../helpers/sandbox';
import { withWorker } from '../helpers/temporal';

/**
 * Recurring savepoints: the takeSavepoint runbook, and a Temporal Schedule managed with
 * scripts/schedules.ts (run as the operator would, in a child process) that takes savepoints and
 * prunes older ones. Schedules need the real dev server the e2e set-up starts.
 */
const repo = fileURLToPath(new URL('../..', import.meta.url));
let sb: Sandbox;
let savepointsDir: string;
const measured: Record<string, unknown> = {};

beforeAll(async () => {
  process.env.FLINK_RUNBOOKS_CLUSTERS ??= SANDBOX_FILE;
  sb = await sandbox();
  savepointsDir = hostPathFor(sb.job.savepointDir, sb.cluster.volumes) as string;
});

afterAll(async () => {
  if (sb) await resetSandbox(sb);
  console.log(`savepoint measurements: ${JSON.stringify(measured, null, 2)}`);
});

function withRunbookWorker<T>(use: (ctx: { client: Client; taskQueue: string }) => Promise<T>): Promise<T> {
  return withWorker(async (ctx) => {
    useTemporalClient(ctx.client);
    return use(ctx);
  });
}

async function startV1(savepointPath?: string): Promise<string> {
  const jobId = await submitSample(sb, { savepointPath });
  await waitForJobState(sb, jobId, ['RUNNING']);
  await waitForCheckpointAfter(sb, jobId, 0);
  return jobId;
}

/** scripts/schedules.ts as an operator runs it, against this run's dev server and task queue. */
async function schedules(taskQueue: string, ...args: string[]): Promise<unknown> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'scripts/schedules.ts', ...args, '--json'],
    {
      cwd: repo,
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        TEMPORAL_TASK_QUEUE: taskQueue,
      },
    },
  );
  return JSON.parse(stdout);
}

const savepointNames = () => readdirSync(savepointsDir).sort();

describe('takeSavepoint', () => {
  it('triggers a savepoint (the job keeps running), waits for it and records where it is', async () => {
    await resetSandbox(sb);
    await withRunbookWorker(async ({ client, taskQueue }) => {
      const run = (input: Record<string, unknown>) =>
        client.workflow.execute(takeSavepoint, {
          taskQueue,
          workflowId: `e2e-savepoint-${randomUUID()}`,
          args: [{ cluster: sb.cluster.name, ...input }],
        });
      // Nothing runs: a clear failure, not a hang.
      const none = await run({}).catch((e) => e);
      expect(none).toBeInstanceOf(WorkflowFailedError);
      expect(none.cause).toMatchObject({
        type: 'NoRunningJob',
        message: expect.stringMatching(/no live job named "sample-pipeline"/),
      });
      // A retention without a rule is refused before anything happens.
      const noRule = await run({ retention: {} }).catch((e) => e);
      expect(noRule.cause).toMatchObject({
        type: 'InvalidInput',
        message: expect.stringMatching(/give keepLast/),
      });

      const jobId = await startV1();
      const t0 = Date.now();
      const result = await run({ job: sb.job.name });
      measured.savepointWorkflowMs = Date.now() - t0;
      expect(result).toMatchObject({
        cluster: sb.cluster.name,
        job: sb.job.name,
        jobId,
        location: expect.stringMatching(
          new RegExp(`^file:${normalizeLocation(sb.job.savepointDir)}/savepoint-[0-9a-f]{6}-[0-9a-f]{12}$`),
        ),
      });
      expect(existsSync(join(hostPathFor(result.location, sb.cluster.volumes) as string, '_metadata'))).toBe(
        true,
      );
      // A savepoint, not a stop.
      expect((await sb.rest.call((c) => c.job(jobId))).state).toBe('RUNNING');
      // Flink's REST caches checkpoint statistics for web.refresh-interval (3 s).
      const latest = await pollUntil(
        async () => (await sb.rest.call((c) => c.checkpoints(jobId))).latest.savepoint?.external_path,
        { timeoutMs: 15_000, what: "the savepoint in the job's checkpoint statistics" },
      );
      expect(latest).toBe(result.location);
    });
  });
});

describe('a schedule per job, and retention', () => {
  it('creates savepoints on its interval and on demand; retention keeps the last N, the newest, and the one the job came from', async () => {
    // The running job is restored from a savepoint: that one must survive any pruning.
    await resetSandbox(sb);
    const first = await startV1();
    const triggerId = randomUUID().replace(/-/g, '');
    await sb.rest.call((c) =>
      c.stopWithSavepoint(first, { targetDirectory: sb.job.savepointDir, triggerId }),
    );
    const origin = await pollUntil(
      async () => (await sb.rest.call((c) => c.savepointStatus(first, triggerId))).operation?.location,
      { timeoutMs: 60_000, what: 'the stop-with-savepoint' },
    );
    await waitForJobState(sb, first, ['FINISHED']);
    const jobId = await startV1(origin);
    const originName = origin.split('/').at(-1) as string;

    // Leftovers an operator would find: an old complete savepoint, a failed one, and something else.
    const old = join(savepointsDir, 'savepoint-000000-0000000000a1');
    mkdirSync(old, { recursive: true });
    writeFileSync(join(old, '_metadata'), 'old');
    const threeDaysAgo = new Date(Date.now() - 3 * 86_400_000);
    utimesSync(join(old, '_metadata'), threeDaysAgo, threeDaysAgo);
    const leftover = join(savepointsDir, 'savepoint-000000-0000000000b2');
    mkdirSync(leftover, { recursive: true });
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    utimesSync(leftover, twoHoursAgo, twoHoursAgo);
    mkdirSync(join(savepointsDir, 'not-a-savepoint'), { recursive: true });

    const scheduleId = `e2e-savepoints-${randomUUID()}`;
    await withRunbookWorker(async ({ client, taskQueue }) => {
      try {
        expect(
          await schedules(
            taskQueue,
            'create',
            sb.cluster.name,
            '--job',
            sb.job.name,
            '--every',
            '10s',
            '--keep-last',
            '2',
            '--id',
            scheduleId,
          ),
        ).toEqual({ id: scheduleId });
        const listed = (await schedules(taskQueue, 'list')) as Array<Record<string, unknown>>;
        expect(listed.find((s) => s.id === scheduleId)).toMatchObject({
          paused: false,
          spec: 'every 10s',
          workflowType: 'takeSavepoint',
        });
        const t0 = Date.now();
        expect(await schedules(taskQueue, 'trigger', scheduleId)).toEqual({
          id: scheduleId,
          triggered: true,
        });

        // The trigger and at least two interval runs, each completed.
        await pollUntil(
          async () => {
            const d = (await schedules(taskQueue, 'describe', scheduleId)) as Described;
            return d.recent.length >= 3 && d.running.length === 0 ? true : undefined;
          },
          { timeoutMs: 120_000, intervalMs: 2_000, what: 'three completed scheduled savepoints' },
        );
        measured.threeScheduledRunsMs = Date.now() - t0;

        // Pause: no more runs from here on.
        expect(await schedules(taskQueue, 'pause', scheduleId, '--note', 'maintenance freeze')).toEqual({
          id: scheduleId,
          paused: true,
        });
        const paused = await pollUntil(
          async () => {
            const d = (await schedules(taskQueue, 'describe', scheduleId)) as Described;
            return d.running.length === 0 ? d : undefined;
          },
          { timeoutMs: 60_000, intervalMs: 1_000, what: 'no scheduled run in progress' },
        );
        expect(paused).toMatchObject({
          paused: true,
          note: 'maintenance freeze',
          overlap: 'SKIP',
          input: [{ cluster: sb.cluster.name, job: sb.job.name, retention: { keepLast: 2 } }],
        });
        const runs = [...paused.recent].sort((a, b) => a.at.localeCompare(b.at));
        const results = await Promise.all(
          runs.map((r) => client.workflow.getHandle(r.workflowId).result() as Promise<SavepointResult>),
        );
        for (const r of results) expect(r).toMatchObject({ jobId, retention: { rules: { keepLast: 2 } } });

        // What retention decided, run by run, and what is left on disk: the newest two, and the one
        // the running job came from; the old and the failed leftovers gone; other files untouched.
        const deleted = results.flatMap((r) => r.retention?.deleted.map((d) => [d.name, d.reason]) ?? []);
        expect(deleted).toEqual(
          expect.arrayContaining([
            ['savepoint-000000-0000000000a1', 'not among the last 2'],
            ['savepoint-000000-0000000000b2', expect.stringMatching(/^incomplete \(no _metadata\) for 2h/)],
          ]),
        );
        expect(deleted.map((d) => d[0])).not.toContain(originName);
        const newestTwo = results.slice(-2).map((r) => r.location.split('/').at(-1) as string);
        const complete = savepointNames().filter((n) => existsSync(join(savepointsDir, n, '_metadata')));
        expect(complete).toEqual([originName, ...newestTwo].sort());
        expect(savepointNames()).toContain('not-a-savepoint');
        expect(savepointNames()).not.toContain('savepoint-000000-0000000000b2');
        measured.retention = { runs: results.length, left: savepointNames(), deleted };

        await sleep(12_000);
        expect(((await schedules(taskQueue, 'describe', scheduleId)) as Described).actions).toBe(
          paused.actions,
        );
        expect(await schedules(taskQueue, 'unpause', scheduleId)).toEqual({ id: scheduleId, paused: false });
        expect(((await schedules(taskQueue, 'describe', scheduleId)) as { paused: boolean }).paused).toBe(
          false,
        );
        expect(await schedules(taskQueue, 'delete', scheduleId)).toEqual({ id: scheduleId, deleted: true });
        const after = (await schedules(taskQueue, 'list')) as Array<{ id: string }>;
        expect(after.map((s) => s.id)).not.toContain(scheduleId);
      } finally {
        await client.schedule
          .getHandle(scheduleId)
          .delete()
          .catch(() => undefined);
      }
    });
  });
});

interface Described {
  paused: boolean;
  note?: string;
  overlap: string;
  input: unknown[];
  actions: number;
  running: string[];
  recent: Array<{ at: string; workflowId: string }>;
}
