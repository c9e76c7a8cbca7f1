/**
 * Benchmark 1 — zombie detection and recovery. The sample job is stalled (`stall`: RUNNING,
 * nothing emitted, checkpoints expire: the seeds' zombie) and each side must notice and bring it
 * back: our `monitorJob` at the seeds' 60 s interval and at the sandbox's 5 s, and the
 * re-implementation of the seeds' shell monitor (bench/seeds/production-health-monitor.sh: every
 * 60 s, the 2- and 5-minute file windows, then cancel and resubmit). Same sandbox, same run.
 *
 * - detection: from writing `stall` to the confirmed zombie verdict (our status query) or the
 *   seeds' ZOMBIE log line;
 * - healthy again: a new job RUNNING, a checkpoint of its own completed, a new file committed —
 *   read by the benchmark from Flink and the output folder, the same way for both sides.
 * The stall is injected half an interval after a look, the mean phase for a monitor that looks
 * every interval. It is lifted the moment the stalled job leaves RUNNING (a restart cures a hung
 * source connection, which is why the seeds restart); whoever stopped the job.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { pollUntil, sleep } from '../src/util/poll';
import { monitorJob } from '../src/workflows';
import { monitorWorkflowId } from '../src/workflows/monitor-api';
import {
  type BenchSandbox,
  flinkVersion,
  inlineSpec,
  resetSandbox,
  setFault,
  startSampleJob,
} from './lib/bench-sandbox';
import type { BenchContext } from './lib/context';
import { collectEnvironment } from './lib/environment';
import { monitorStatus, recordTimeline, type TimelineEntry, waitStatus } from './lib/monitor-watch';
import { type HealthyAgain, liftStallWhenStopped, sequenceFigures, waitHealthyAgain } from './lib/observe';
import { type BenchResult, fig, type GoalVerdict, round, seconds } from './lib/report';
import { startSeedScript } from './lib/seed-scripts';
import { latestLook, withInProcessWorker } from './lib/temporal';

type Row = 'runbook-5s' | 'runbook-60s' | 'seeds';
export const ZOMBIE_ROWS: Row[] = ['runbook-5s', 'runbook-60s', 'seeds'];

/** The seeds' monitor settings (000: 每60秒检查一次, 5分钟窗口, 最多3次, 冷却时间5分钟). */
const SEEDS_MONITOR = {
  interval: 60_000,
  fileWindow: 300_000,
  maxRestarts: 3,
  restartWindow: 3_600_000,
  cooldown: 300_000,
};

interface Trial {
  row: Row;
  who: string;
  intervalS: number;
  lookAt: number;
  stallAt: number;
  /** Where in the monitor's interval the stall landed (s after its last look). */
  phaseS: number;
  detectedAt: number;
  /** The seeds' 2-minute warning (a log line, no action), when it came. */
  warnedAt?: number;
  stallLiftedAt?: number;
  healthy: HealthyAgain;
  /** The monitor's own first verdict after its restart, and when it came (ours only). */
  monitorVerdict?: { verdict: string; reason?: string; at: number };
  /** What the status query showed over the trial, change by change (ours only). */
  timeline?: Array<TimelineEntry & { t: number }>;
  restart?: { restoredFrom?: string; durationMs?: number; outcome?: string };
  rows: Awaited<ReturnType<typeof sequenceFigures>>;
}

const status = monitorStatus;

async function runbookTrial(
  ctx: BenchContext,
  sb: BenchSandbox,
  client: Client,
  taskQueue: string,
  row: Row,
  monitor: typeof SEEDS_MONITOR,
): Promise<Trial> {
  const interval = monitor.interval;
  ctx.log(`[${row}] fresh sample job, monitorJob every ${interval / 1000} s`);
  await resetSandbox(sb);
  const jobId = await startSampleJob(sb);
  const workflowId = monitorWorkflowId(sb.cluster.name, sb.job.name);
  const handle = await client.workflow.start(monitorJob, {
    taskQueue,
    workflowId,
    args: [{ cluster: sb.cluster.name, spec: inlineSpec(sb, monitor), jobId }],
  });
  let stopLifting: () => void = () => {};
  const timeline = recordTimeline(handle);
  try {
    const healthy = await waitStatus(
      handle,
      (s) => s.verdict === 'healthy',
      'healthy',
      3 * interval + 60_000,
    );
    const confirmedLook = healthy.lastObservation?.at ?? Date.now();
    // The watch that follows the report looks at once; its heartbeat carries the time of that look.
    const lookAt = await pollUntil(
      async () => {
        const at = await latestLook(client, workflowId).catch(() => undefined);
        return at !== undefined && at > confirmedLook ? at : undefined;
      },
      { timeoutMs: interval + 15_000, intervalMs: 200, what: 'the next look' },
    ).catch(() => Date.now());
    await sleep(Math.max(0, lookAt + interval / 2 - Date.now()));
    setFault(sb, 'stall');
    const stallAt = Date.now();
    ctx.log(`[${row}] stall injected ${((stallAt - lookAt) / 1000).toFixed(1)} s after a look`);
    const lift = liftStallWhenStopped(sb, jobId);
    stopLifting = lift.stop;
    await waitStatus(
      handle,
      (s) => s.verdict === 'zombie' || s.phase === 'restarting' || s.restarts.length > 0,
      'the zombie verdict',
      3 * interval + 120_000,
    );
    const detectedAt = Date.now();
    ctx.log(`[${row}] zombie confirmed after ${((detectedAt - stallAt) / 1000).toFixed(1)} s`);
    const healthyAgain = await waitHealthyAgain(sb, jobId, 300_000);
    ctx.log(`[${row}] healthy again after ${((healthyAgain.at - stallAt) / 1000).toFixed(1)} s`);
    const stallLiftedAt = await Promise.race([lift.done, sleep(5_000).then(() => undefined)]);
    // The monitor's own first verdict after the restart (it looks twice before it says anything).
    const after = await waitStatus(
      handle,
      (s) => {
        const last = s.restarts.at(-1);
        return !!last && s.phase === 'watching' && s.verdict !== 'zombie' && s.verdictSince > last.at;
      },
      "the monitor's verdict after the restart",
      2 * interval + 30_000,
    ).catch(() => undefined);
    const monitorVerdict = after && { verdict: after.verdict, reason: after.reasons[0], at: Date.now() };
    const record = (after ?? (await status(handle))).restarts[0];
    await sleep(3_000);
    return {
      row,
      who: `monitorJob, ${interval / 1000} s interval`,
      intervalS: interval / 1000,
      lookAt,
      stallAt,
      phaseS: round((stallAt - lookAt) / 1000, 1),
      detectedAt,
      stallLiftedAt,
      healthy: healthyAgain,
      monitorVerdict,
      timeline: timeline.entries.map((e) => ({ ...e, t: round((e.at - stallAt) / 1000, 1) })),
      restart: record && {
        restoredFrom: record.restoredFrom,
        durationMs: record.durationMs,
        outcome: record.outcome,
      },
      rows: await sequenceFigures(sb),
    };
  } finally {
    stopLifting();
    timeline.stop();
    await handle.terminate('benchmark trial done').catch(() => undefined);
    setFault(sb, 'none');
  }
}

async function seedsTrial(ctx: BenchContext, sb: BenchSandbox): Promise<Trial> {
  const interval = 60_000;
  ctx.log('[seeds] fresh sample job, bench/seeds/production-health-monitor.sh every 60 s');
  await resetSandbox(sb);
  const jobId = await startSampleJob(sb);
  const script = startSeedScript('production-health-monitor.sh', {
    JM_URLS: sb.urls.join(' '),
    OUTPUT_PATH: sb.outputDir,
    JOB_NAME: sb.job.name,
    JAR: sb.job.jar,
    ENTRY_CLASS: sb.job.entryClass,
    PARALLELISM: String(sb.job.parallelism),
    PROGRAM_ARGS_JSON: JSON.stringify(sb.job.args),
    CHECK_INTERVAL: '60',
    FILE_WARN_MINUTES: '2',
    FILE_WINDOW_MINUTES: '5',
    MAX_RESTARTS: '3',
    RESTART_COOLDOWN: '300',
  });
  let stopLifting: () => void = () => {};
  try {
    const ok = await script.waitFor('OK', { timeoutMs: 30_000 }).catch((error) => {
      throw new Error(`${(error as Error).message}; script stderr: ${script.stderr().slice(-500)}`);
    });
    const lookAt =
      [...script.lines()].reverse().find((l) => l.level === 'CHECK' && l.at <= ok.at)?.at ?? ok.at;
    await sleep(Math.max(0, lookAt + interval / 2 - Date.now()));
    setFault(sb, 'stall');
    const stallAt = Date.now();
    ctx.log(`[seeds] stall injected ${((stallAt - lookAt) / 1000).toFixed(1)} s after a check`);
    const lift = liftStallWhenStopped(sb, jobId);
    stopLifting = lift.stop;
    const zombie = await script.waitFor('ZOMBIE', { after: stallAt, timeoutMs: 9 * 60_000 });
    const warned = script.lines().find((l) => l.level === 'WARN' && l.at >= stallAt);
    ctx.log(`[seeds] ZOMBIE logged after ${((zombie.at - stallAt) / 1000).toFixed(1)} s`);
    const healthyAgain = await waitHealthyAgain(sb, jobId, 300_000);
    ctx.log(`[seeds] healthy again after ${((healthyAgain.at - stallAt) / 1000).toFixed(1)} s`);
    const stallLiftedAt = await Promise.race([lift.done, sleep(5_000).then(() => undefined)]);
    const restarted = script.lines().find((l) => l.level === 'RESTARTED' && l.at >= stallAt);
    const acted = script.lines().find((l) => l.level === 'ACT' && l.at >= stallAt);
    await sleep(3_000);
    return {
      row: 'seeds',
      who: "seeds' shell monitor (re-implemented), 60 s",
      intervalS: 60,
      lookAt,
      stallAt,
      phaseS: round((stallAt - lookAt) / 1000, 1),
      detectedAt: zombie.at,
      warnedAt: warned?.at,
      stallLiftedAt,
      healthy: healthyAgain,
      restart: {
        restoredFrom: 'nothing (resubmitted without a savepoint, as the seeds do)',
        durationMs: restarted && acted ? restarted.at - acted.at : undefined,
        outcome: restarted ? 'restarted' : 'failed',
      },
      rows: await sequenceFigures(sb),
    };
  } finally {
    stopLifting();
    await script.stop();
    setFault(sb, 'none');
  }
}

export async function runZombie(ctx: BenchContext): Promise<BenchResult> {
  const startedAt = new Date();
  const environment = await collectEnvironment();
  const sb = await ctx.sandbox();
  environment.flink = await flinkVersion(sb);
  const rows = ctx.options.only?.length
    ? ZOMBIE_ROWS.filter((r) => ctx.options.only?.includes(r))
    : ZOMBIE_ROWS;
  const trials: Trial[] = [];
  const t = await ctx.temporal();
  const taskQueue = `bench-zombie-${randomUUID()}`;
  await withInProcessWorker(t, taskQueue, async () => {
    if (rows.includes('runbook-5s'))
      trials.push(await runbookTrial(ctx, sb, t.client, taskQueue, 'runbook-5s', sb.cluster.monitor));
    if (rows.includes('runbook-60s'))
      trials.push(await runbookTrial(ctx, sb, t.client, taskQueue, 'runbook-60s', SEEDS_MONITOR));
  });
  if (rows.includes('seeds')) trials.push(await seedsTrial(ctx, sb));
  await resetSandbox(sb);

  const s = (ms: number | undefined) => seconds(ms);
  const per = trials.map((tr) => ({
    row: tr.row,
    who: tr.who,
    intervalS: tr.intervalS,
    stallPhaseS: tr.phaseS,
    detection: fig((tr.detectedAt - tr.stallAt) / 1000, 's'),
    seedsTwoMinuteWarning: tr.warnedAt ? fig((tr.warnedAt - tr.stallAt) / 1000, 's') : undefined,
    healthyAgain: fig((tr.healthy.at - tr.stallAt) / 1000, 's'),
    recoveryAfterDetection: fig((tr.healthy.at - tr.detectedAt) / 1000, 's'),
    healthyAgainParts: {
      running: fig((tr.healthy.runningAt - tr.stallAt) / 1000, 's'),
      checkpoint: fig((tr.healthy.checkpointAt - tr.stallAt) / 1000, 's'),
      output: fig((tr.healthy.outputAt - tr.stallAt) / 1000, 's'),
    },
    monitorVerdictAfterRestart: tr.monitorVerdict && {
      verdict: tr.monitorVerdict.verdict,
      reason: tr.monitorVerdict.reason,
      after: fig((tr.monitorVerdict.at - tr.stallAt) / 1000, 's'),
    },
    statusTimeline: tr.timeline,
    stallLifted: tr.stallLiftedAt ? fig((tr.stallLiftedAt - tr.stallAt) / 1000, 's') : undefined,
    restart: tr.restart,
    rowsDuplicated: fig(tr.rows.duplicated, 'rows'),
    rowsLost: fig(tr.rows.lost, 'rows'),
    sequence: tr.rows,
  }));
  const detection = (row: Row) => {
    const tr = trials.find((x) => x.row === row);
    return tr ? tr.detectedAt - tr.stallAt : undefined;
  };
  const seedsDetection = detection('seeds');
  const ratio = (row: Row) => {
    const ours = detection(row);
    return seedsDetection && ours ? seedsDetection / ours : undefined;
  };
  const goals: GoalVerdict[] = [];
  for (const row of ['runbook-60s', 'runbook-5s'] as Row[]) {
    const r = ratio(row);
    const tr = trials.find((x) => x.row === row);
    if (!tr) continue;
    goals.push({
      goal: `detection ≥ 5× faster than the seeds' monitor (${row})`,
      target: '≥ 5×',
      measured:
        r === undefined
          ? 'not measured'
          : `${r.toFixed(1)}× (${s(detection(row))} s vs ${s(seedsDetection)} s)`,
      verdict: r === undefined ? 'not-measured' : r >= 5 ? 'pass' : 'fail',
    });
    const after = (tr.healthy.at - tr.detectedAt) / 1000;
    goals.push({
      goal: `recovery within detection + 30 s (${row})`,
      target: '≤ 30 s after detection',
      measured: `${after.toFixed(1)} s after detection`,
      verdict: after <= 30 ? 'pass' : 'fail',
    });
  }
  const finishedAt = new Date();
  return {
    benchmark: 'zombie',
    summary: "stalled job: our monitorJob vs the seeds' shell monitor, detection and time to healthy again",
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationS: (finishedAt.getTime() - startedAt.getTime()) / 1000,
    environment: {
      ...environment,
      loadAverageAtEnd: (await import('node:os')).loadavg().map((l) => round(l, 2)),
    },
    figures: {
      trials: per,
      detectionRatio60s: fig(ratio('runbook-60s'), '× (seeds / ours)'),
      detectionRatio5s: fig(ratio('runbook-5s'), '× (seeds / ours)'),
    },
    goals,
    tables: [
      {
        title: 'Zombie detection and recovery (seconds after the stall)',
        columns: [
          'monitor',
          'stall at (s after a look)',
          'detected',
          'healthy again',
          'healthy − detected',
          "monitor's verdict after restart",
          'rows duplicated',
          'rows lost',
        ],
        rows: per.map((p) => [
          p.who,
          p.stallPhaseS,
          p.detection.value,
          p.healthyAgain.value,
          p.recoveryAfterDetection.value,
          p.monitorVerdictAfterRestart
            ? `${p.monitorVerdictAfterRestart.verdict} at ${p.monitorVerdictAfterRestart.after.value} s`
            : undefined,
          p.rowsDuplicated.value,
          p.rowsLost.value,
        ]),
      },
    ],
    notes: [
      "The seeds' side is bench/seeds/production-health-monitor.sh, a re-implementation of the procedure the seeds describe (the seeds do not include the script): every 60 s, `find -mmin -2` (warning only) and `-mmin -5` plus a failing checkpoint → cancel and resubmit without a savepoint; at most 3 restarts, 5-minute cooldown.",
      'Our side is the real monitorJob workflow on a Temporal dev server, with a worker in the benchmark process, against the bench sandbox (real Flink 1.20 HA in Docker).',
      "Detection: stall written → our status query shows the confirmed zombie verdict (polled every 250 ms) / the seeds' ZOMBIE log line. Healthy again: Flink's RUNNING timestamp of the new job, its first completed checkpoint, and its first committed file, whichever is last.",
      'The stall is injected half an interval after a look (the mean phase); one trial per row, so a figure can move by up to ±half an interval between runs.',
      'The stall is lifted when the stalled job leaves RUNNING, for both sides: a restarted job does not inherit a hung connection.',
      "Rows duplicated: the seeds' resubmission without a savepoint starts the sample job's sequence again from 0, so every committed row is written twice; ours restores the latest checkpoint.",
      ...per
        .filter((p) => p.monitorVerdictAfterRestart)
        .map(
          (p) =>
            `${p.who}: the monitor's own first verdict after its restart was "${p.monitorVerdictAfterRestart?.verdict}" (${p.monitorVerdictAfterRestart?.reason}) ${p.monitorVerdictAfterRestart?.after.value} s after the stall.`,
        ),
      `The machine is shared: ${environment.otherContainers} other containers were running at the start (load average ${environment.loadAverageAtStart.join(' ')}).`,
    ],
    command: ctx.command('zombie'),
  };
}
