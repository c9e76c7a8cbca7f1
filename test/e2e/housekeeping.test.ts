import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Client, WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SANDBOX_FILE } from '../../scripts/lib/sandbox';
import { execInContainer, inspectContainer } from '../../src/docker/engine';
import { checkSequence } from '../../src/output/sequence';
import type { MonitorStatus } from '../../src/policy/monitor-state';
import { hostPathFor, sameLocation } from '../../src/policy/retention';
import { pollUntil } from '../../src/util/poll';
import { dailyCheck, housekeeping, monitorJob } from '../../src/workflows';
import type { HousekeepingResult } from '../../src/workflows/housekeeping-api';
import { monitorWorkflowId, statusQuery } from '../../src/workflows/monitor-api';
import { startAlertReceiver } from '../helpers/alert-receiver';
import {
  committedSequence,
  resetSandbox,
  type Sandbox,
  sandbox,
  submitSample,
  waitForCheckpointAfter,
  waitForJobState,
} from '../helpers/sandbox';
import { withWorker } from '../helpers/temporal';

/**
 * Housekeeping on the sandbox: the orphaned checkpoint folders and Flink's old log files go,
 * everything a restore needs stays (the job is restored from its newest checkpoint afterwards,
 * twice, and the output sequence has no gap or duplicate); the dry run and the refusals change
 * nothing; the maintenance schedules appear in Temporal.
 */
const repo = fileURLToPath(new URL('../..', import.meta.url));
const DAY = 86_400_000;
const OLD_LOG = '/opt/flink/log/housekeeping-e2e-old.log.1';
const NEW_LOG = '/opt/flink/log/housekeeping-e2e-new.log.1';

let sb: Sandbox;
let checkpointsDir: string;
let savepointsDir: string;
let reportDir: string;
let flinkContainers: string[];
/** The Flink containers running when the test starts: their logs are planted and looked at. */
let running: string[] = [];
const measured: Record<string, unknown> = {};

beforeAll(async () => {
  process.env.FLINK_RUNBOOKS_CLUSTERS ??= SANDBOX_FILE;
  sb = await sandbox();
  checkpointsDir = hostPathFor(sb.job.checkpointDir, sb.cluster.volumes) as string;
  savepointsDir = hostPathFor(sb.job.savepointDir, sb.cluster.volumes) as string;
  reportDir = mkdtempSync(join(tmpdir(), 'housekeeping-e2e-reports-'));
  flinkContainers = [
    ...sb.cluster.jobManagers.map((jm) => jm.container),
    ...sb.cluster.taskManagers.containers.map((tm) => tm.container),
  ];
});

afterAll(async () => {
  if (sb) await resetSandbox(sb);
  rmSync(reportDir, { recursive: true, force: true });
  console.log(`housekeeping measurements: ${JSON.stringify(measured, null, 2)}`);
});

function backdate(path: string, ageMs: number) {
  const at = new Date(Date.now() - ageMs);
  utimesSync(path, at, at);
}

/** A checkpoint folder of a job long gone: what a cluster collects over months of upgrades. */
function plantOrphan(): string {
  const jobId = randomBytes(16).toString('hex');
  const dir = join(checkpointsDir, jobId);
  mkdirSync(join(dir, 'chk-1'), { recursive: true });
  mkdirSync(join(dir, 'shared'));
  writeFileSync(join(dir, 'chk-1', '_metadata'), 'orphan');
  writeFileSync(join(dir, 'shared', 'state'), Buffer.alloc(64 * 1024));
  for (const p of [
    join(dir, 'chk-1', '_metadata'),
    join(dir, 'chk-1'),
    join(dir, 'shared', 'state'),
    join(dir, 'shared'),
    dir,
  ])
    backdate(p, 30 * DAY);
  return jobId;
}

/** Flink's log folder in a container: one rotated file ten days old, one from today. */
async function plantLogs(container: string) {
  const script = `mkdir -p /opt/flink/log && head -c 4096 /dev/zero > ${OLD_LOG} && touch -d '10 days ago' ${OLD_LOG} && echo new > ${NEW_LOG}`;
  const exec = await execInContainer(container, ['sh', '-c', script]);
  expect(exec.exitCode, exec.stderr).toBe(0);
}

async function logsIn(container: string): Promise<string[]> {
  const exec = await execInContainer(container, ['sh', '-c', 'ls /opt/flink/log']);
  return exec.stdout.split('\n').filter((l) => l.startsWith('housekeeping-e2e-'));
}

/** What a dry run or a refusal must leave as it was. */
async function snapshot() {
  return {
    checkpoints: readdirSync(checkpointsDir).sort(),
    savepoints: readdirSync(savepointsDir).sort(),
    reports: readdirSync(reportDir).sort(),
    logs: await Promise.all(running.map(logsIn)),
  };
}

async function latestCheckpointPath(jobId: string): Promise<string> {
  // Flink's REST caches checkpoint statistics for web.refresh-interval (3 s).
  return pollUntil(
    async () =>
      (await sb.rest.call((c) => c.checkpoints(jobId))).latest.completed?.external_path ?? undefined,
    {
      timeoutMs: 15_000,
      what: `the latest checkpoint of ${jobId}`,
    },
  );
}

/** Stops the job (its checkpoints are retained) and returns where its newest checkpoint is. */
async function cancelKeepingState(jobId: string): Promise<string> {
  await waitForCheckpointAfter(sb, jobId, 2);
  await sb.rest.call((c) => c.cancel(jobId));
  await waitForJobState(sb, jobId, ['CANCELED']);
  return latestCheckpointPath(jobId);
}

async function restoreFrom(path: string): Promise<string> {
  const jobId = await submitSample(sb, { savepointPath: path });
  await waitForJobState(sb, jobId, ['RUNNING']);
  const restored = await pollUntil(
    async () => (await sb.rest.call((c) => c.checkpoints(jobId))).latest.restored?.external_path ?? undefined,
    { timeoutMs: 30_000, what: `job ${jobId} restored` },
  );
  expect(sameLocation(restored, path)).toBe(true);
  await waitForCheckpointAfter(sb, jobId, 0);
  return jobId;
}

const step = (r: HousekeepingResult, name: string) => r.steps.find((s) => s.step === name);
const folderName = (what: string) => what.split('/').at(-1);

describe('housekeeping on the sandbox', () => {
  it('removes orphaned checkpoints and old logs, keeps what a restore needs; dry run and refusals change nothing', async () => {
    await resetSandbox(sb);
    const first = await submitSample(sb);
    await waitForJobState(sb, first, ['RUNNING']);
    // No job runs now: only the "newest complete checkpoint" rule keeps this job's state.
    const restorePath = await cancelKeepingState(first);

    const orphans = [plantOrphan(), plantOrphan()];
    const leftover = join(savepointsDir, 'savepoint-000000-0000000000e2');
    mkdirSync(leftover, { recursive: true });
    backdate(leftover, 2 * 3_600_000);
    for (const stamp of ['20260101T030000Z', '20260201T030000Z', '20260301T030000Z'])
      for (const ext of ['md', 'svg'])
        writeFileSync(
          join(reportDir, `${sb.cluster.name}-stop-leader-${stamp}.${ext}`),
          `# drill ${stamp}\n`,
        );
    running = [];
    for (const container of flinkContainers)
      if ((await inspectContainer(container)).running) running.push(container);
    for (const container of running) await plantLogs(container);

    await withWorker(async ({ client, taskQueue }) => {
      const run = (input: Record<string, unknown>) =>
        client.workflow.execute(housekeeping, {
          taskQueue,
          workflowId: `e2e-housekeeping-${randomUUID()}`,
          // An age of 1 s: only the keep rules stand between the job's folders and removal.
          args: [
            { cluster: sb.cluster.name, checkpointMaxAge: '1s', keepDrillReports: 1, reportDir, ...input },
          ],
        });

      // The dry run lists, and changes nothing.
      const before = await snapshot();
      const dry = await run({ dryRun: true });
      expect(await snapshot()).toEqual(before);
      expect(step(dry, 'checkpoints')?.removed.map((d) => folderName(d.what))).toEqual(
        expect.arrayContaining(orphans),
      );
      expect(step(dry, 'checkpoints')?.removed.map((d) => folderName(d.what))).not.toContain(first);
      expect(step(dry, 'checkpoints')?.kept.find((d) => folderName(d.what) === first)?.reason).toMatch(
        /^the newest complete checkpoint of sample-pipeline \(chk-\d+\): what a restart or upgrade would restore from$/,
      );
      expect(step(dry, 'flink-logs')?.removed.map((d) => d.what)).toEqual(
        running.map((c) => `${c}:${OLD_LOG}`),
      );
      expect(dry.headline).toMatch(/^realtime-pipeline: dry run, would remove \d+ items .*; nothing changed/);

      // Dangerous settings are refused before anything is removed.
      for (const [input, message] of [
        [{ checkpointMaxAge: 0 }, /checkpointMaxAge must be a positive duration/],
        // Inside the folders the worker allows, but spelled with a "..": housekeeping's own refusal.
        [{ reportDir: `${reportDir}/../${basename(reportDir)}` }, /reportDir .* has a "\.\."/],
        [{ keepDrillReports: 0 }, /keepDrillReports must be/],
      ] as const) {
        const error = await run(input).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(WorkflowFailedError);
        expect((error as WorkflowFailedError).cause).toMatchObject({
          type: 'HousekeepingRefused',
          message: expect.stringMatching(message),
        });
      }
      // A report folder outside the ones the worker allows: refused by the first activity.
      const outside = await run({ reportDir: '/etc/cron.d' }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((outside as WorkflowFailedError).cause?.cause).toMatchObject({
        type: 'ReportDirRefused',
        message: expect.stringMatching(/is outside the report folders this worker allows/),
      });
      expect(await snapshot()).toEqual(before);

      // The real run.
      const t0 = Date.now();
      const done = await run({});
      measured.housekeepingMs = Date.now() - t0;
      measured.headline = done.headline;
      measured.steps = done.steps.map((s) => ({
        step: s.step,
        removed: s.removed.length,
        freedBytes: s.freedBytes,
        problems: s.problems,
      }));
      for (const orphan of orphans) expect(existsSync(join(checkpointsDir, orphan))).toBe(false);
      expect(existsSync(hostPathFor(restorePath, sb.cluster.volumes) as string)).toBe(true);
      expect(existsSync(join(hostPathFor(restorePath, sb.cluster.volumes) as string, '_metadata'))).toBe(
        true,
      );
      for (const container of running)
        expect(await logsIn(container)).toEqual(['housekeeping-e2e-new.log.1']);
      expect(existsSync(leftover)).toBe(false);
      expect(readdirSync(reportDir).sort()).toEqual([
        `${sb.cluster.name}-stop-leader-20260301T030000Z.md`,
        `${sb.cluster.name}-stop-leader-20260301T030000Z.svg`,
      ]);
      expect(step(done, 'checkpoints')?.freedBytes).toBeGreaterThanOrEqual(2 * 64 * 1024);
      expect(step(done, 'flink-logs')?.freedBytes).toBe(running.length * 4096);
      expect(done.headline).toMatch(/^realtime-pipeline: removed \d+ items, .* given back/);

      // A restart restores from what housekeeping kept.
      const second = await restoreFrom(restorePath);
      // With a job running from it, the folder it came from is kept for that reason too.
      const again = await run({ steps: ['checkpoints'] });
      expect(
        Object.fromEntries(step(again, 'checkpoints')?.kept.map((d) => [folderName(d.what), d.reason]) ?? []),
      ).toMatchObject({
        [first]: 'a live job was restored from a checkpoint in it',
        [second]: `job ${second} is RUNNING`,
      });

      // And once more, from the running job's own newest checkpoint: the sequence is unbroken.
      const third = await restoreFrom(await cancelKeepingState(second));
      const report = await pollUntil(
        async () => {
          const r = checkSequence(await committedSequence(sb));
          return (r.last ?? 0) > 0 ? r : undefined;
        },
        { timeoutMs: 60_000, what: `committed rows of ${third}` },
      );
      expect(report).toMatchObject({ first: 0, gaps: [], duplicates: [] });
      measured.sequence = { rows: report.rows, last: report.last };
    });
  });

  it('the maintenance schedules appear in Temporal, and the daily check reports on the sandbox', async () => {
    await withWorker(async ({ client, taskQueue }) => {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [
          '--import',
          'tsx',
          'scripts/schedules.ts',
          'maintenance',
          sb.cluster.name,
          '--every',
          '1d',
          '--json',
        ],
        {
          cwd: repo,
          env: {
            ...process.env,
            TEMPORAL_ADDRESS: inject('temporalAddress'),
            TEMPORAL_TASK_QUEUE: taskQueue,
          },
        },
      );
      const ids = [`housekeeping:${sb.cluster.name}`, `daily-check:${sb.cluster.name}`];
      try {
        expect(JSON.parse(stdout)).toEqual({ ids });
        const listed = await listSchedules(client);
        for (const id of ids) expect(listed.get(id)).toMatchObject({ workflowType: expect.any(String) });
        expect(listed.get(ids[0] as string)?.workflowType).toBe('housekeeping');
        expect(listed.get(ids[1] as string)?.workflowType).toBe('dailyCheck');

        const jobId = await submitSample(sb);
        await waitForJobState(sb, jobId, ['RUNNING']);
        const report = await client.workflow.execute(dailyCheck, {
          taskQueue,
          workflowId: `e2e-daily-check-${randomUUID()}`,
          args: [{ cluster: sb.cluster.name, alert: false }],
        });
        const level = Object.fromEntries(report.items.map((i) => [i.key, i.level]));
        expect(level).toMatchObject({ containers: 'ok', overview: 'ok', jobs: 'ok' });
        expect(report.markdown).toMatch(/^# Daily check of realtime-pipeline: /);
        measured.dailyCheck = { level: report.level, headline: report.headline };
      } finally {
        for (const id of ids)
          await client.schedule
            .getHandle(id)
            .delete()
            .catch(() => undefined);
      }
    });
  });
});

/** Schedules as the Temporal client lists them (the list is eventually consistent: wait for both). */
async function listSchedules(client: Client): Promise<Map<string, { workflowType?: string }>> {
  return pollUntil(
    async () => {
      const found = new Map<string, { workflowType?: string }>();
      for await (const s of client.schedule.list())
        found.set(s.scheduleId, {
          workflowType: s.action?.type === 'startWorkflow' ? s.action.workflowType : undefined,
        });
      return [...found.keys()].filter((id) => id.endsWith(`:${sb.cluster.name}`)).length >= 2
        ? found
        : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 1_000, what: 'the maintenance schedules listed' },
  );
}

describe('the disk watch in the monitor', () => {
  it('a filling checkpoint folder is a degraded verdict with a warning before any checkpoint fails; no restart', async () => {
    await resetSandbox(sb);
    const jobId = await submitSample(sb);
    await waitForJobState(sb, jobId, ['RUNNING']);
    await waitForCheckpointAfter(sb, jobId, 0);

    // No loop device here: the thresholds are set just above what the checkpoint disk holds now,
    // so that a 1 GiB file in the checkpoint folder crosses the warning. The disk is shared: the
    // half-GiB margin leaves room for what other writers add while the monitor starts.
    const FILL = 1024 ** 3;
    const fs = await statfs(checkpointsDir);
    const size = (fs.blocks - fs.bfree + fs.bavail) * fs.bsize;
    const usedPercent = ((fs.blocks - fs.bfree) * fs.bsize * 100) / size;
    const warnAtPercent = usedPercent + (FILL * 100) / size / 2;
    if (warnAtPercent >= 99.9)
      throw new Error(`the checkpoint disk is ${usedPercent.toFixed(1)} % full: no room for this test`);
    const receiver = await startAlertReceiver();
    const clusters = join(reportDir, 'disk-watch-clusters.yaml');
    const { name, ...spec } = sb.cluster;
    writeFileSync(
      clusters,
      JSON.stringify({
        clusters: {
          [name]: {
            ...spec,
            monitor: { ...spec.monitor, interval: 2_000 },
            disk: {
              warnAtPercent,
              criticalAtPercent: Math.min(100, warnAtPercent + 5),
              dockerDataRoot: false,
              paths: [],
            },
            alerts: [{ type: 'webhook', url: { fromEnv: 'DISK_WATCH_HOOK' }, minSeverity: 'info' }],
          },
        },
      }),
    );
    const previousFile = process.env.FLINK_RUNBOOKS_CLUSTERS;
    process.env.FLINK_RUNBOOKS_CLUSTERS = clusters;
    process.env.DISK_WATCH_HOOK = receiver.url;
    const filler = join(checkpointsDir, 'disk-watch-filler.bin');
    try {
      await withWorker(async ({ client, taskQueue }) => {
        const monitor = await client.workflow.start(monitorJob, {
          taskQueue,
          workflowId: monitorWorkflowId(name, sb.job.name),
          args: [{ cluster: name, jobId }],
        });
        const status = (test: (s: MonitorStatus) => boolean, what: string) =>
          pollUntil(
            async () => {
              const s = await monitor.query(statusQuery);
              return test(s) ? s : undefined;
            },
            { timeoutMs: 120_000, intervalMs: 250, what },
          );
        try {
          await status((s) => s.verdict === 'healthy', 'healthy before the fill');
          const before = await sb.rest.call((c) => c.checkpoints(jobId));
          const filledAt = Date.now();
          writeFileSync(filler, Buffer.alloc(FILL));
          const warned = await status((s) => s.verdict === 'degraded', 'the disk warning');
          measured.diskWarningAfterMs = Date.now() - filledAt;
          expect(warned.reasons).toEqual(
            expect.arrayContaining([
              expect.stringMatching(/^disk (warning|critical): .*checkpoints.*: \d+ % of its space used \(/),
            ]),
          );
          expect(warned.restarts).toEqual([]);
          const after = await sb.rest.call((c) => c.checkpoints(jobId));
          expect(after.counts.failed).toBe(before.counts.failed);
          expect(after.counts.completed).toBeGreaterThanOrEqual(before.counts.completed);
          expect((await sb.rest.call((c) => c.job(jobId))).state).toBe('RUNNING');
          const alert = await pollUntil(
            async () => receiver.bodies.find((b) => JSON.stringify(b).includes('"verdict":"degraded"')),
            { timeoutMs: 15_000, what: 'the disk alert' },
          );
          expect(JSON.stringify(alert)).toMatch(/"severity":"(warning|critical)"/);

          rmSync(filler, { force: true });
          await status((s) => s.verdict === 'healthy', 'healthy once the disk has room again');
          expect((await monitor.query(statusQuery)).restarts).toEqual([]);
        } finally {
          await monitor.terminate('test done').catch(() => undefined);
        }
      });
    } finally {
      rmSync(filler, { force: true });
      process.env.FLINK_RUNBOOKS_CLUSTERS = previousFile;
      receiver.server.close();
    }
  });
});
