/**
 * Soaks on the seeds' settings (bench/lib/seeds-settings.ts): the CDC job of the CDC sandbox
 * watched by our monitorJob for `--minutes` (default 30) each, in turn:
 *
 * - quiet: nothing is written to the source (rate 0). A quiet source is not a zombie: the goal
 *   is 0 restarts and 0 warnings (no verdict other than healthy or idle);
 * - bursts: one burst of 20 capture steps every 10 minutes and nothing between them: 0 restarts.
 *
 * The seeds' shell monitor watches the same job at the same time, observe-only (MAX_RESTARTS=0:
 * it logs what it would do and never acts, so it cannot disturb the job), for its count of
 * warnings on the same source. The CDC data check runs over the output at the end of each soak.
 * `--only quiet|bursts` runs one of them.
 */
import { randomUUID } from 'node:crypto';
import { startWorkload, type Workload } from '../scripts/lib/cdc-workload';
import { sleep } from '../src/util/poll';
import { monitorJob } from '../src/workflows';
import { monitorWorkflowId } from '../src/workflows/monitor-api';
import { cdcRowFigures, cdcSandboxUp, cdcSide, resetCdcSides, startCdcSide } from './lib/cdc-side';
import type { BenchContext } from './lib/context';
import { collectEnvironment } from './lib/environment';
import { monitorStatus, recordTimeline, verdictTimes, waitStatus } from './lib/monitor-watch';
import { type BenchResult, type GoalVerdict, round } from './lib/report';
import { startSeedScript } from './lib/seed-scripts';
import { inlineSpecOf, SEEDS_MONITOR, SEEDS_SCRIPT_ENV, SEEDS_SETTINGS } from './lib/seeds-settings';
import { withInProcessWorker } from './lib/temporal';

export const SOAK_KINDS = ['quiet', 'bursts'] as const;
type Kind = (typeof SOAK_KINDS)[number];

const BURST = { everyMs: 10 * 60_000, transactions: 20 };
const QUIET_VERDICTS = new Set(['healthy', 'idle']);

interface SoakRun {
  kind: Kind;
  minutes: number;
  restarts: number;
  /** Verdict changes to anything but healthy or idle: what the monitor would alert on. */
  warnings: Array<{ t: number; verdict: string; reason?: string }>;
  verdictSeconds: Record<string, number>;
  seeds: { warnings: number; zombies: number; wouldRestart: number; alerts: number };
  workload?: { committed: number; failed: number };
  rows?: Awaited<ReturnType<typeof cdcRowFigures>>;
  error?: string;
}

export async function runSoak(ctx: BenchContext): Promise<BenchResult> {
  const minutes = ctx.options.minutes ?? 30;
  const kinds = ctx.options.only?.length
    ? SOAK_KINDS.filter((k) => ctx.options.only?.includes(k))
    : [...SOAK_KINDS];
  const startedAt = new Date();
  const environment = await collectEnvironment();
  const base = await cdcSandboxUp(ctx.log);
  const side = cdcSide(base, 'ours');
  const t = await ctx.temporal();
  const taskQueue = `bench-soak-${randomUUID()}`;
  const runs: SoakRun[] = [];
  await withInProcessWorker(t, taskQueue, async () => {
    for (const kind of kinds) {
      const run: SoakRun = {
        kind,
        minutes,
        restarts: 0,
        warnings: [],
        verdictSeconds: {},
        seeds: { warnings: 0, zombies: 0, wouldRestart: 0, alerts: 0 },
      };
      runs.push(run);
      let workload: Workload | undefined;
      let script: ReturnType<typeof startSeedScript> | undefined;
      let timeline: ReturnType<typeof recordTimeline> | undefined;
      const workflowId = monitorWorkflowId(side.cluster.name, side.job.name);
      try {
        ctx.log(`[${kind}] fresh CDC job on the seeds' settings`);
        await resetCdcSides(base);
        const jobId = await startCdcSide(side);
        if (kind === 'bursts')
          workload = startWorkload({ rate: 0, burst: BURST, maxDurationMs: (minutes + 5) * 60_000 });
        const handle = await t.client.workflow.start(monitorJob, {
          taskQueue,
          workflowId,
          args: [{ cluster: side.cluster.name, spec: inlineSpecOf(side.cluster), jobId }],
        });
        timeline = recordTimeline(handle);
        await waitStatus(
          handle,
          (s) => QUIET_VERDICTS.has(s.verdict),
          'a first healthy or idle verdict',
          3 * SEEDS_MONITOR.interval,
        );
        script = startSeedScript('production-health-monitor.sh', {
          JM_URLS: side.cluster.jobManagers.map((jm) => jm.url).join(' '),
          OUTPUT_PATH: side.outputDir,
          JOB_NAME: side.job.name,
          JAR: side.job.jar,
          ENTRY_CLASS: side.job.entryClass,
          PARALLELISM: String(side.job.parallelism),
          PROGRAM_ARGS_JSON: JSON.stringify(side.job.args),
          ...SEEDS_SCRIPT_ENV,
          // Observe-only: it logs ZOMBIE and "budget spent" instead of restarting our job.
          MAX_RESTARTS: '0',
        });
        const from = Date.now();
        ctx.log(`[${kind}] watching for ${minutes} min`);
        const end = from + minutes * 60_000;
        while (Date.now() < end) {
          await sleep(Math.min(60_000, end - Date.now()));
          const s = await monitorStatus(handle).catch(() => undefined);
          ctx.log(
            `[${kind}] ${Math.round((Date.now() - from) / 60_000)} min: ${s?.verdict ?? '?'}, ${s?.restarts.length ?? '?'} restarts`,
          );
        }
        const status = await monitorStatus(handle);
        run.restarts = status.restarts.length;
        const entries = timeline.entries;
        run.warnings = entries
          .filter((e, i) => e.verdict !== entries[i - 1]?.verdict)
          .filter((e) => e.at >= from && !QUIET_VERDICTS.has(e.verdict))
          .map((e) => ({ t: round((e.at - from) / 1000, 1), verdict: e.verdict, reason: e.reason }));
        run.verdictSeconds = verdictTimes(entries, from, Date.now());
        const lines = script.lines().filter((l) => l.at >= from);
        run.seeds = {
          warnings: lines.filter((l) => l.level === 'WARN').length,
          zombies: lines.filter((l) => l.level === 'ZOMBIE').length,
          wouldRestart: lines.filter((l) => l.level === 'ALERT' && l.message.includes('budget')).length,
          alerts: lines.filter((l) => l.level === 'ALERT').length,
        };
        await handle.terminate('soak done').catch(() => undefined);
        if (workload) {
          const stats = await workload.stop();
          run.workload = { committed: stats.committed, failed: stats.failed };
          workload = undefined;
        }
        run.rows = await cdcRowFigures(side, true);
        ctx.log(
          `[${kind}] ${run.restarts} restarts, ${run.warnings.length} warnings; the seeds' script: ${run.seeds.warnings} warnings, ${run.seeds.zombies} ZOMBIE`,
        );
      } catch (error) {
        run.error = String(error);
        ctx.log(`[${kind}] failed: ${error}`);
      } finally {
        timeline?.stop();
        await script?.stop();
        await workload?.stop();
        await t.client.workflow
          .getHandle(workflowId)
          .terminate('soak done')
          .catch(() => undefined);
      }
    }
    await resetCdcSides(base).catch((error) => ctx.log(`reset after the soak: ${error}`));
  });

  const goals: GoalVerdict[] = runs.flatMap((r): GoalVerdict[] => {
    const measured = r.error === undefined;
    const restarts: GoalVerdict = {
      goal: `${r.kind} source for ${r.minutes} min: no restart`,
      target: '0 restarts',
      measured: measured ? `${r.restarts}` : `not measured: ${r.error}`,
      verdict: !measured ? 'not-measured' : r.restarts === 0 ? 'pass' : 'fail',
    };
    if (r.kind !== 'quiet') return [restarts];
    return [
      restarts,
      {
        goal: `quiet source for ${r.minutes} min: no warning`,
        target: '0 verdicts other than healthy or idle',
        measured: measured
          ? `${r.warnings.length}${r.warnings[0] ? ` (first: ${r.warnings[0].verdict}, ${r.warnings[0].reason})` : ''}`
          : 'not measured',
        verdict: !measured ? 'not-measured' : r.warnings.length === 0 ? 'pass' : 'fail',
      },
    ];
  });
  const finishedAt = new Date();
  return {
    benchmark: 'soak',
    summary: `the CDC job with a quiet source and with a burst every 10 minutes, ${minutes} min each on the seeds' settings: restarts and warnings`,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationS: (finishedAt.getTime() - startedAt.getTime()) / 1000,
    environment: {
      ...environment,
      loadAverageAtEnd: (await import('node:os')).loadavg().map((l) => round(l, 2)),
    },
    settings: SEEDS_SETTINGS.text,
    figures: { settings: SEEDS_SETTINGS, minutes, burst: BURST, runs },
    goals,
    tables: [
      {
        title: `Soaks of ${minutes} min on the seeds' settings`,
        columns: [
          'source',
          'restarts (ours)',
          'warnings (ours)',
          'verdicts (s)',
          "the seeds' script: 2-min warnings / ZOMBIE",
          'rows lost / duplicated',
        ],
        rows: runs.map((r) => [
          r.kind === 'quiet' ? 'quiet (rate 0)' : `a burst of ${BURST.transactions} every 10 min`,
          r.error ? null : r.restarts,
          r.error ? null : r.warnings.length,
          Object.entries(r.verdictSeconds)
            .map(([v, s]) => `${v} ${s}`)
            .join(', '),
          r.error ? null : `${r.seeds.warnings} / ${r.seeds.zombies}`,
          r.rows ? `${r.rows.lost} / ${r.rows.duplicated}` : null,
        ]),
      },
    ],
    notes: [
      `Settings: ${SEEDS_SETTINGS.text}.`,
      "Our side: monitorJob with the job's `source` (the replication slot, its walsender, the changes not yet confirmed); warnings are verdict changes to anything but healthy or idle, counted from the first healthy or idle verdict.",
      "The seeds' side: bench/seeds/production-health-monitor.sh on the same job, observe-only (MAX_RESTARTS=0), so that it never disturbs ours; ZOMBIE counts what it would have restarted.",
      `The machine is shared: ${environment.otherContainers} other containers were running at the start (load average ${environment.loadAverageAtStart.join(' ')}).`,
      ...runs.filter((r) => r.error).map((r) => `${r.kind}: ${r.error}`),
    ],
    command: ctx.command('soak'),
  };
}
