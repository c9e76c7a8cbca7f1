/**
 * Zombie detection on the seeds' own settings (bench/lib/seeds-settings.ts: checkpoints every 30 s,
 * timeout 180 s, min pause 5 s, 5 tolerable failures; a look every 60 s, 5-minute file window),
 * our monitorJob against the seeds' shell monitor (bench/seeds/production-health-monitor.sh), for
 * both kinds of zombie, `--trials` times each (default 3):
 *
 * - stuck checkpoint: the sample job's `stall` (RUNNING, nothing emitted, checkpoints expire), on
 *   the bench sandbox; rows lost / duplicated by the sequence check;
 * - dead source: the CDC job's connections to PostgreSQL frozen half-open by the fault proxy
 *   (`drop-open`: the blackhole of every open connection while new ones flow, so a restarted job
 *   reconnects), on the CDC sandbox with the capture step committed twice a second; rows by the
 *   CDC data check (src/output/cdc-check.ts).
 *
 * Per trial and side: fault → detection (ours: the confirmed zombie verdict in the status query;
 * the seeds': the first of its 2-minute warning, which seed 001 answers with 发送告警或自动重启,
 * and its ZOMBIE line) → healthy again (a new job RUNNING with a checkpoint of its own and new
 * output, read from Flink and the files for both sides alike) → rows lost / duplicated.
 *
 * Both sides run AT THE SAME TIME, each on a job of its own on the same cluster: a seeds' trial
 * takes about 6 minutes at these settings, and one after the other 3 trials of 2 kinds would take
 * well over an hour. That is sound because nothing one side does reaches the other's job: each
 * job has its own Flink job name (the seeds' script finds its job by name), its own output folder
 * and fault-control folder (subfolders `ours/` and `seeds/` of the cluster's mounts), its own
 * checkpoints (Flink's coordinator is per job) and, for the CDC job, its own replication slot;
 * a restart cancels and submits only that side's job, and the cluster has a slot per task of
 * both jobs (bench sandbox 4 slots for 2 × 2; CDC cluster 2 for 2 × 1). The stall is a control
 * file per side, lifted only for the side whose stalled job stopped; the proxy's drop-open freezes
 * both sides' connections at the same instant and leaves new connections flowing, so neither
 * side's reconnect heals the other. What they do share is the JobManager, the TaskManager JVMs,
 * the database and the machine's two cores: the load is the figures' noise, noted in each result.
 * Our monitor's looks and the seeds' checks are put in phase (the script starts at one of our
 * looks) and the fault lands half an interval after both: the mean phase for a 60 s monitor.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { proxyFault } from '../scripts/lib/cdc-faults';
import { startWorkload, type Workload } from '../scripts/lib/cdc-workload';
import { FlinkClusterClient } from '../src/flink/cluster-client';
import { STUCK_CHECKPOINT } from '../src/policy/health';
import { pollUntil, sleep } from '../src/util/poll';
import { monitorJob } from '../src/workflows';
import { monitorWorkflowId } from '../src/workflows/monitor-api';
import { type BenchSandbox, flinkVersion, resetSandbox, setFault, startSampleJob } from './lib/bench-sandbox';
import {
  type CdcSide,
  cdcRowFigures,
  cdcSandboxUp,
  cdcSide,
  resetCdcSides,
  startCdcSide,
} from './lib/cdc-side';
import type { BenchContext } from './lib/context';
import { collectEnvironment } from './lib/environment';
import {
  confirmedZombie,
  monitorStatus,
  recordTimeline,
  type TimelineEntry,
  waitStatus,
} from './lib/monitor-watch';
import { type HealthyAgain, liftStallWhenStopped, sequenceFigures, waitHealthyAgain } from './lib/observe';
import { type BenchResult, fig, type GoalVerdict, round, spread } from './lib/report';
import { startSeedScript } from './lib/seed-scripts';
import {
  inlineSpecOf,
  SEEDS_MONITOR,
  SEEDS_SCRIPT_ENV,
  SEEDS_SETTINGS,
  type Side,
  seedsSettingsJob,
} from './lib/seeds-settings';
import { latestLook, withInProcessWorker } from './lib/temporal';

export const ZOMBIE_KINDS = ['stuck-checkpoint', 'dead-source'] as const;
type Kind = (typeof ZOMBIE_KINDS)[number];

const INTERVAL = SEEDS_MONITOR.interval;
/** The seeds' restart rule can fire at the first check after a file window without a file. */
const SEEDS_RULE_DEADLINE = SEEDS_MONITOR.fileWindow + INTERVAL + 20_000;
const HEALTHY_AGAIN_TIMEOUT = 300_000;

interface Rows {
  lost: number;
  duplicated: number;
  /** CDC only: keys whose newest change never reached the output (a side that did not recover). */
  behindKeys?: number;
}

interface SideTrial {
  kind: Kind;
  side: Side;
  trial: number;
  /** Where in the side's interval the fault landed (s after its last look or check). */
  phaseS?: number;
  faultAt: number;
  detectedAt?: number;
  /** ours: "zombie verdict"; the seeds: "2-minute warning" or "ZOMBIE". */
  detectedBy?: string;
  /** ours: the monitor's reasons for the verdict (its evidence). */
  reasons?: string[];
  seedsWarnedAt?: number;
  seedsZombieAt?: number;
  healthy?: HealthyAgain;
  restart?: { restoredFrom?: string; outcome?: string };
  rows?: Rows;
  timeline?: Array<TimelineEntry & { t: number }>;
  error?: string;
}

/** The operations a kind of zombie needs, on its cluster. */
interface Arena {
  kind: Kind;
  clusterName: string;
  rest: BenchSandbox['rest'];
  urls: string[];
  side(side: Side): {
    jobName: string;
    outputDir: string;
    spec: ReturnType<typeof inlineSpecOf>;
    jar: string;
    entryClass: string;
    parallelism: number;
    args: string[];
  };
  reset(): Promise<void>;
  start(side: Side): Promise<string>;
  /** Called once both jobs are up, before the monitor starts (the CDC workload). */
  running?(): void;
  inject(): Promise<void>;
  /** Lifts a fault that belongs to the stopped job (the stall); returns a stopper. */
  liftWhenStopped?(side: Side, jobId: string): () => void;
  rows(side: Side, recovered: boolean): Promise<Rows>;
  /** After both sides finished, before the rows are counted. */
  settle?(): Promise<void>;
}

function sampleSide(sb: BenchSandbox, side: Side): BenchSandbox {
  const s = seedsSettingsJob(sb.cluster, sb.job, side, {
    output: '/opt/flink/output',
    controlDir: '/opt/flink/control',
  });
  return {
    ...sb,
    cluster: s.cluster,
    job: s.job,
    outputDir: s.outputDir,
    controlDir: s.controlDir as string,
  };
}

function stallArena(sb: BenchSandbox): Arena {
  const sides = { ours: sampleSide(sb, 'ours'), seeds: sampleSide(sb, 'seeds') };
  return {
    kind: 'stuck-checkpoint',
    clusterName: sb.cluster.name,
    rest: sb.rest,
    urls: sb.urls,
    side: (side) => {
      const s = sides[side];
      return {
        jobName: s.job.name,
        outputDir: s.outputDir,
        spec: inlineSpecOf(s.cluster),
        jar: s.jars.v1,
        entryClass: s.job.entryClass,
        parallelism: s.job.parallelism,
        args: s.job.args,
      };
    },
    reset: async () => {
      await resetSandbox(sb);
      // The monitor reads a missing output folder as an observation error: each side's exists.
      for (const s of Object.values(sides)) {
        mkdirSync(s.outputDir, { recursive: true });
        setFault(s, 'none');
      }
    },
    start: (side) => startSampleJob(sides[side]),
    inject: async () => {
      setFault(sides.ours, 'stall');
      setFault(sides.seeds, 'stall');
    },
    liftWhenStopped: (side, jobId) => liftStallWhenStopped(sides[side], jobId).stop,
    rows: async (side) => {
      const f = await sequenceFigures(sides[side]);
      return { lost: f.lost, duplicated: f.duplicated };
    },
  };
}

function deadSourceArena(base: Awaited<ReturnType<typeof cdcSandboxUp>>): Arena {
  const sides: Record<Side, CdcSide> = { ours: cdcSide(base, 'ours'), seeds: cdcSide(base, 'seeds') };
  let workload: Workload | undefined;
  const stopWorkload = async () => {
    await workload?.stop();
    workload = undefined;
  };
  return {
    kind: 'dead-source',
    clusterName: base.cluster.name,
    rest: base.rest,
    urls: base.cluster.jobManagers.map((jm) => jm.url),
    side: (side) => {
      const s = sides[side];
      return {
        jobName: s.job.name,
        outputDir: s.outputDir,
        spec: inlineSpecOf(s.cluster),
        jar: s.job.jar,
        entryClass: s.job.entryClass,
        parallelism: s.job.parallelism,
        args: s.job.args,
      };
    },
    reset: async () => {
      await stopWorkload();
      await resetCdcSides(base);
    },
    start: (side) => startCdcSide(sides[side]),
    running: () => {
      workload = startWorkload({ rate: 2, maxDurationMs: 20 * 60_000 });
    },
    inject: async () => {
      await proxyFault('drop-open');
    },
    settle: stopWorkload,
    rows: (side, recovered) => cdcRowFigures(sides[side], recovered),
  };
}

async function ourSide(arena: Arena, handle: WorkflowHandle, jobId: string, trial: SideTrial): Promise<void> {
  const stopLifting = arena.liftWhenStopped?.('ours', jobId);
  try {
    const zombie = await waitStatus(handle, confirmedZombie, 'the zombie verdict', 3 * INTERVAL + 240_000);
    trial.detectedAt = Date.now();
    trial.detectedBy = 'zombie verdict';
    trial.reasons = zombie.reasons;
    trial.healthy = await waitHealthyAgain(
      { rest: arena.rest, outputDir: arena.side('ours').outputDir },
      jobId,
      HEALTHY_AGAIN_TIMEOUT,
      arena.side('ours').jobName,
    );
    const r = (await monitorStatus(handle).catch(() => undefined))?.restarts[0];
    if (r) trial.restart = { restoredFrom: r.restoredFrom, outcome: r.outcome };
  } finally {
    stopLifting?.();
  }
}

async function seedsSide(
  arena: Arena,
  script: ReturnType<typeof startSeedScript>,
  jobId: string,
  faultAt: number,
  trial: SideTrial,
): Promise<void> {
  const stopLifting = arena.liftWhenStopped?.('seeds', jobId);
  try {
    const deadline = faultAt + SEEDS_RULE_DEADLINE;
    const first = await pollUntil(
      async () => script.lines().find((l) => (l.level === 'WARN' || l.level === 'ZOMBIE') && l.at >= faultAt),
      { timeoutMs: Math.max(1_000, deadline - Date.now()), intervalMs: 100, what: 'a WARN or ZOMBIE line' },
    ).catch(() => undefined);
    if (first) {
      trial.detectedAt = first.at;
      trial.detectedBy = first.level === 'WARN' ? '2-minute warning' : 'ZOMBIE';
    }
    const zombie = await script
      .waitFor('ZOMBIE', { after: faultAt, timeoutMs: Math.max(1_000, deadline - Date.now()) })
      .catch(() => undefined);
    trial.seedsWarnedAt = script.lines().find((l) => l.level === 'WARN' && l.at >= faultAt)?.at;
    trial.seedsZombieAt = zombie?.at;
    if (!zombie) {
      trial.restart = { outcome: "none: the seeds' rule needs failing checkpoints and a 5-minute gap" };
      return;
    }
    trial.healthy = await waitHealthyAgain(
      { rest: arena.rest, outputDir: arena.side('seeds').outputDir },
      jobId,
      HEALTHY_AGAIN_TIMEOUT,
      arena.side('seeds').jobName,
    );
    const restarted = script.lines().find((l) => l.level === 'RESTARTED' && l.at >= faultAt);
    trial.restart = {
      restoredFrom: 'nothing (resubmitted without a savepoint, as the seeds do)',
      outcome: restarted ? 'restarted' : 'failed',
    };
  } finally {
    stopLifting?.();
  }
}

async function runTrial(
  ctx: BenchContext,
  arena: Arena,
  client: Client,
  taskQueue: string,
  n: number,
): Promise<SideTrial[]> {
  const tag = `[${arena.kind} ${n}]`;
  const ours: SideTrial = { kind: arena.kind, side: 'ours', trial: n, faultAt: Number.NaN };
  const seeds: SideTrial = { kind: arena.kind, side: 'seeds', trial: n, faultAt: Number.NaN };
  ctx.log(`${tag} fresh jobs for both sides on ${arena.clusterName}`);
  let handle: WorkflowHandle | undefined;
  let timeline: ReturnType<typeof recordTimeline> | undefined;
  let seedsScript: ReturnType<typeof startSeedScript> | undefined;
  try {
    await arena.reset();
    const [ourJob, seedsJob] = await Promise.all([arena.start('ours'), arena.start('seeds')]);
    arena.running?.();
    const o = arena.side('ours');
    const s = arena.side('seeds');
    const workflowId = monitorWorkflowId(arena.clusterName, o.jobName);
    handle = await client.workflow.start(monitorJob, {
      taskQueue,
      workflowId,
      args: [{ cluster: arena.clusterName, spec: o.spec, jobId: ourJob }],
    });
    timeline = recordTimeline(handle);
    const healthy = await waitStatus(
      handle,
      (x) => x.verdict === 'healthy',
      'healthy',
      3 * INTERVAL + 60_000,
    );
    // A pipeline in its steady state, as the seeds' jobs that ran for days: the fault comes once
    // both jobs have the checkpoint history a monitor judges a checkpoint's duration by (a fresh
    // job has one or two, and no rule can tell its slow checkpoint from a stuck one).
    const flink = new FlinkClusterClient(arena.urls);
    await pollUntil(
      async () => {
        const counts = await Promise.all(
          [ourJob, seedsJob].map(async (id) => (await flink.call((c) => c.checkpoints(id))).counts.completed),
        );
        return counts.every((c) => c > STUCK_CHECKPOINT.minHistory) ? counts : undefined;
      },
      {
        timeoutMs: (STUCK_CHECKPOINT.minHistory + 3) * SEEDS_SETTINGS.checkpoints.interval,
        intervalMs: 1_000,
        what: 'a checkpoint history on both jobs',
      },
    );
    const confirmedLook = Math.max(healthy.lastObservation?.at ?? 0, Date.now() - INTERVAL);
    const lookAt = await pollUntil(
      async () => {
        const at = await latestLook(client, workflowId).catch(() => undefined);
        return at !== undefined && at > confirmedLook ? at : undefined;
      },
      { timeoutMs: INTERVAL + 15_000, intervalMs: 200, what: 'the next look' },
    ).catch(() => Date.now());
    // The seeds' script checks at once when it starts: both sides look in the same phase.
    seedsScript = startSeedScript('production-health-monitor.sh', {
      JM_URLS: arena.urls.join(' '),
      OUTPUT_PATH: s.outputDir,
      JOB_NAME: s.jobName,
      JAR: s.jar,
      ENTRY_CLASS: s.entryClass,
      PARALLELISM: String(s.parallelism),
      PROGRAM_ARGS_JSON: JSON.stringify(s.args),
      ...SEEDS_SCRIPT_ENV,
    });
    const script2 = seedsScript;
    const ok = await script2.waitFor('OK', { timeoutMs: 30_000 }).catch((error) => {
      throw new Error(`${(error as Error).message}; script stderr: ${script2.stderr().slice(-500)}`);
    });
    const checkAt =
      [...script2.lines()].reverse().find((l) => l.level === 'CHECK' && l.at <= ok.at)?.at ?? ok.at;
    let faultTarget = lookAt + INTERVAL / 2;
    while (faultTarget < Date.now() + 1_000) faultTarget += INTERVAL;
    await sleep(faultTarget - Date.now());
    await arena.inject();
    const faultAt = Date.now();
    ours.faultAt = faultAt;
    seeds.faultAt = faultAt;
    // Both sides' last look before the fault (the looks go on every interval).
    const ourLast = (await latestLook(client, workflowId).catch(() => undefined)) ?? lookAt;
    const seedsLast =
      [...script2.lines()].reverse().find((l) => l.level === 'CHECK' && l.at <= faultAt)?.at ?? checkAt;
    ours.phaseS = round((faultAt - ourLast) / 1000, 1);
    seeds.phaseS = round((faultAt - seedsLast) / 1000, 1);
    ctx.log(
      `${tag} fault injected ${ours.phaseS} s after our look, ${seeds.phaseS} s after the seeds' check`,
    );
    const [a, b] = await Promise.allSettled([
      ourSide(arena, handle, ourJob, ours),
      seedsSide(arena, script2, seedsJob, faultAt, seeds),
    ]);
    if (a.status === 'rejected') ours.error = String(a.reason);
    if (b.status === 'rejected') seeds.error = String(b.reason);
    for (const t of [ours, seeds])
      ctx.log(
        `${tag} ${t.side}: detected ${t.detectedAt ? `${((t.detectedAt - faultAt) / 1000).toFixed(1)} s (${t.detectedBy})` : 'never'}, healthy again ${t.healthy ? `${((t.healthy.at - faultAt) / 1000).toFixed(1)} s` : 'never'}${t.error ? `; ${t.error}` : ''}`,
      );
    await arena.settle?.();
    for (const t of [ours, seeds]) {
      t.rows = await arena.rows(t.side, t.healthy !== undefined).catch((error) => {
        t.error = `${t.error ?? ''} rows: ${error}`.trim();
        return undefined;
      });
    }
    ours.timeline = timeline.entries.map((e) => ({ ...e, t: round((e.at - faultAt) / 1000, 1) }));
  } catch (error) {
    ours.error ??= String(error);
    seeds.error ??= String(error);
    ctx.log(`${tag} trial failed: ${error}`);
  } finally {
    timeline?.stop();
    await seedsScript?.stop();
    await handle?.terminate('benchmark trial done').catch(() => undefined);
    await arena.settle?.();
  }
  return [ours, seeds];
}

const showSpread = (s: ReturnType<typeof spread>, of: number, unit = ' s') =>
  s.median === null
    ? `never (0 of ${of})`
    : `${s.median}${unit} (${s.min}–${s.max})${s.n < of ? `, ${s.n} of ${of}` : ''}`;

export async function runZombieSeeds(ctx: BenchContext): Promise<BenchResult> {
  const trials = ctx.options.trialsSet ? ctx.options.trials : 3;
  const kinds = ctx.options.only?.length
    ? ZOMBIE_KINDS.filter((k) => ctx.options.only?.includes(k))
    : [...ZOMBIE_KINDS];
  const startedAt = new Date();
  const environment = await collectEnvironment();
  const t = await ctx.temporal();
  const taskQueue = `bench-zombie-seeds-${randomUUID()}`;
  const all: SideTrial[] = [];
  await withInProcessWorker(t, taskQueue, async () => {
    for (const kind of kinds) {
      let arena: Arena;
      if (kind === 'stuck-checkpoint') {
        const sb = await ctx.sandbox();
        environment.flink ??= await flinkVersion(sb);
        arena = stallArena(sb);
      } else {
        arena = deadSourceArena(await cdcSandboxUp(ctx.log));
      }
      for (let n = 1; n <= trials; n++) all.push(...(await runTrial(ctx, arena, t.client, taskQueue, n)));
      await arena.reset().catch((error) => ctx.log(`reset after ${kind}: ${error}`));
    }
  });

  const after = (tr: SideTrial, at: number | undefined) =>
    at === undefined || !Number.isFinite(tr.faultAt) ? undefined : (at - tr.faultAt) / 1000;
  const rows = kinds.flatMap((kind) =>
    (['ours', 'seeds'] as Side[]).map((side) => {
      const ts = all.filter((x) => x.kind === kind && x.side === side);
      return {
        kind,
        side,
        trials: ts.length,
        detection: spread(ts.map((x) => after(x, x.detectedAt))),
        seedsWarning: spread(ts.map((x) => after(x, x.seedsWarnedAt))),
        seedsRestartRule: spread(ts.map((x) => after(x, x.seedsZombieAt))),
        healthyAgain: spread(ts.map((x) => after(x, x.healthy?.at))),
        recovered: ts.filter((x) => x.healthy).length,
        rowsLost: spread(ts.map((x) => x.rows?.lost)),
        rowsDuplicated: spread(ts.map((x) => x.rows?.duplicated)),
        keysBehind: spread(ts.map((x) => x.rows?.behindKeys)),
        rowsLostMax: Math.max(0, ...ts.map((x) => x.rows?.lost ?? 0)),
        rowsDuplicatedMax: Math.max(0, ...ts.map((x) => x.rows?.duplicated ?? 0)),
        errors: ts.filter((x) => x.error).length,
      };
    }),
  );
  const row = (kind: Kind, side: Side) => rows.find((r) => r.kind === kind && r.side === side);
  const goals: GoalVerdict[] = [];
  for (const kind of kinds) {
    const ours = row(kind, 'ours');
    const seeds = row(kind, 'seeds');
    const o = ours?.detection.median ?? null;
    const sd = seeds?.detection.median ?? null;
    goals.push({
      goal: `${kind}: detection ≥ 5× sooner than the seeds' monitor (its 2-minute warning counts), medians`,
      target: '≥ 5×',
      measured: o === null || sd === null ? 'not measured' : `${(sd / o).toFixed(1)}× (${o} s vs ${sd} s)`,
      verdict: o === null || sd === null ? 'not-measured' : sd / o >= 5 ? 'pass' : 'fail',
    });
    const rule = seeds?.seedsRestartRule.median ?? null;
    goals.push({
      goal: `${kind}: detection ≥ 5× sooner than the seeds' restart rule (no file in 5 min + failing checkpoint), medians`,
      target: '≥ 5×',
      measured:
        o === null
          ? 'not measured'
          : rule === null
            ? `${o} s; the seeds' rule never fired within ${SEEDS_RULE_DEADLINE / 1000} s`
            : `${(rule / o).toFixed(1)}× (${o} s vs ${rule} s)`,
      verdict: o === null ? 'not-measured' : rule === null || rule / o >= 5 ? 'pass' : 'fail',
    });
    if (ours)
      goals.push({
        goal: `${kind}: ours recovers every trial with 0 rows lost and 0 duplicated`,
        target: `${ours.trials} of ${ours.trials}, 0 / 0`,
        measured: `${ours.recovered} of ${ours.trials} recovered; at most ${ours.rowsLostMax} lost, ${ours.rowsDuplicatedMax} duplicated`,
        verdict:
          ours.trials === 0
            ? 'not-measured'
            : ours.recovered === ours.trials && ours.rowsLostMax === 0 && ours.rowsDuplicatedMax === 0
              ? 'pass'
              : 'fail',
      });
  }
  const finishedAt = new Date();
  const who = (side: Side) =>
    side === 'ours' ? 'monitorJob, 60 s' : "seeds' shell monitor (re-implemented), 60 s";
  return {
    benchmark: 'zombie-seeds',
    summary: `${kinds.map((k) => k.replace('-', ' ')).join(' and ')} on the seeds' settings, ${trials} trial(s) a row: our monitorJob vs the seeds' shell monitor, side by side`,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationS: (finishedAt.getTime() - startedAt.getTime()) / 1000,
    environment: {
      ...environment,
      loadAverageAtEnd: (await import('node:os')).loadavg().map((l) => round(l, 2)),
    },
    settings: SEEDS_SETTINGS.text,
    figures: {
      settings: SEEDS_SETTINGS,
      rows,
      trials: all.map((x) => ({
        ...x,
        detection: fig(after(x, x.detectedAt), 's'),
        healthyAgainAfter: fig(after(x, x.healthy?.at), 's'),
      })),
    },
    goals,
    tables: [
      {
        title: `Zombies on the seeds' settings: seconds after the fault, median (min–max) of ${trials}`,
        columns: [
          'zombie',
          'monitor',
          'detected',
          "seeds' 2-min warning",
          "seeds' restart rule",
          'healthy again',
          'rows lost',
          'rows duplicated',
          'CDC keys not delivered at the end',
        ],
        rows: rows.map((r) => [
          r.kind,
          who(r.side),
          showSpread(r.detection, r.trials),
          r.side === 'seeds' ? showSpread(r.seedsWarning, r.trials) : undefined,
          r.side === 'seeds' ? showSpread(r.seedsRestartRule, r.trials) : undefined,
          showSpread(r.healthyAgain, r.trials),
          showSpread(r.rowsLost, r.trials, ''),
          showSpread(r.rowsDuplicated, r.trials, ''),
          r.kind === 'dead-source' ? showSpread(r.keysBehind, r.trials, '') : undefined,
        ]),
      },
    ],
    notes: [
      `Settings: ${SEEDS_SETTINGS.text}.`,
      'Both sides run at the same time, each on a job of its own on the same cluster (own job name, output and control folders, replication slot); see the header of bench/zombie-seeds.ts for why that is sound.',
      "Detection, ours: the fault → the confirmed zombie verdict in monitorJob's status query (polled every 250 ms). The seeds': the first of its 2-minute warning (seed 001: 发送告警或自动重启) and its ZOMBIE line; the restart rule's own time is its column.",
      'Healthy again: a new job of that side RUNNING, a checkpoint of its own completed and a new file committed (Flink timestamps and file times), whichever is last. "never": not within the trial.',
      "Stuck checkpoint: the sample job's stall, lifted when the stalled job leaves RUNNING. Rows by the sequence check: the seeds' resubmission without a savepoint starts the sequence again, so its committed rows are written twice.",
      "Dead source: the fault proxy's drop-open (every open connection to PostgreSQL frozen half-open, new ones flow), the capture step committed twice a second; rows by the CDC data check. The CDC job's Debezium heartbeats: its default (`--heartbeat-interval`, see the README on DBZ-6204). The seeds' restart rule needs a failing checkpoint, and a dead source's checkpoints complete.",
      "CDC keys not delivered at the end: keys of trans_info whose newest change in the database, when the trial ended, is not in that side's committed output (a side that recovered is first given 2 minutes to catch up).",
      `The machine is shared: ${environment.otherContainers} other containers were running at the start (load average ${environment.loadAverageAtStart.join(' ')}).`,
      ...all.filter((x) => x.error).map((x) => `${x.kind} trial ${x.trial}, ${x.side}: ${x.error}`),
    ],
    command: ctx.command('zombie-seeds'),
  };
}
