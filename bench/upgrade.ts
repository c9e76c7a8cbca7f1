/**
 * Benchmark 2 — upgrade downtime and correctness. The sample job v1 → v2 (v2 adds a column and
 * restores v1's state), two ways, alternating, on the same sandbox in the same run:
 *
 * - ours: the real `upgrade` workflow (stop-with-savepoint, submit from it, verify);
 * - the seeds': bench/seeds/manual-upgrade.sh, a re-implementation of their 升级流程 — trigger a
 *   savepoint while the job runs, cancel, run the new jar from the savepoint.
 *
 * Read from the committed output afterwards: downtime (emitted_at_ms of the last v1 row → the
 * first v2 row), rows lost and duplicated (src/output/sequence.ts over the sequence column).
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { pollUntil, sleep } from '../src/util/poll';
import { upgrade } from '../src/workflows';
import {
  type BenchSandbox,
  committedRows,
  flinkVersion,
  inlineSpec,
  resetSandbox,
  startSampleJob,
} from './lib/bench-sandbox';
import type { BenchContext } from './lib/context';
import { collectEnvironment } from './lib/environment';
import { sequenceFigures } from './lib/observe';
import { type BenchResult, fig, type GoalVerdict, percentile, round } from './lib/report';
import { startSeedScript } from './lib/seed-scripts';
import { withInProcessWorker } from './lib/temporal';

type Side = 'runbook' | 'seeds';

interface Trial {
  side: Side;
  trial: number;
  /** Procedure start → its end (workflow result / script exit). */
  procedureMs: number;
  /** Last v1 row → first v2 row, by emitted_at_ms. */
  downtimeMs?: number;
  /** Last v1 row → first v2 row carrying a sequence number v1 had not written. */
  freshDataGapMs?: number;
  lastV1Seq?: number;
  firstV2Seq?: number;
  lost: number;
  duplicated: number;
  sequence: Awaited<ReturnType<typeof sequenceFigures>>;
  snapshot?: string;
  detail?: unknown;
}

/** Waits until v2 has committed a few seconds of rows, then reads the output across the upgrade. */
async function outputAcrossUpgrade(sb: BenchSandbox) {
  await pollUntil(
    async () => ((await committedRows(sb)).filter((r) => r[3] === 'v2').length >= 60 ? true : undefined),
    {
      timeoutMs: 90_000,
      intervalMs: 250,
      what: '60 committed v2 rows',
    },
  );
  const rows = await committedRows(sb);
  const v1 = rows.filter((r) => r[3] !== 'v2');
  const v2 = rows.filter((r) => r[3] === 'v2');
  const emitted = (r: string[]) => Number(r[1]);
  const seq = (r: string[]) => Number(r[0]);
  const lastV1 = v1.reduce<string[] | undefined>(
    (a, r) => (!a || emitted(r) > emitted(a) ? r : a),
    undefined,
  );
  const firstV2 = v2.reduce<string[] | undefined>(
    (a, r) => (!a || emitted(r) < emitted(a) ? r : a),
    undefined,
  );
  const maxV1Seq = v1.reduce((m, r) => Math.max(m, seq(r)), -1);
  const firstFresh = v2
    .filter((r) => seq(r) > maxV1Seq)
    .reduce<string[] | undefined>((a, r) => (!a || emitted(r) < emitted(a) ? r : a), undefined);
  return {
    downtimeMs: lastV1 && firstV2 ? emitted(firstV2) - emitted(lastV1) : undefined,
    freshDataGapMs: lastV1 && firstFresh ? emitted(firstFresh) - emitted(lastV1) : undefined,
    lastV1Seq: lastV1 && seq(lastV1),
    firstV2Seq: firstV2 && seq(firstV2),
    sequence: await sequenceFigures(sb),
  };
}

async function runbookTrial(
  ctx: BenchContext,
  sb: BenchSandbox,
  taskQueue: string,
  n: number,
): Promise<Trial> {
  await resetSandbox(sb);
  const jobId = await startSampleJob(sb, 60);
  const client = (await ctx.temporal()).client;
  const t0 = Date.now();
  const result = await client.workflow.execute(upgrade, {
    taskQueue,
    workflowId: `bench-upgrade-${randomUUID()}`,
    args: [{ cluster: sb.cluster.name, spec: inlineSpec(sb), job: sb.job.name, jobId, jar: sb.jars.v2 }],
  });
  const procedureMs = Date.now() - t0;
  if (result.outcome !== 'upgraded')
    throw new Error(`the upgrade ended ${result.outcome}: ${result.headline}`);
  const out = await outputAcrossUpgrade(sb);
  ctx.log(
    `[runbook #${n}] upgraded in ${(procedureMs / 1000).toFixed(1)} s; downtime ${out.downtimeMs} ms, lost ${out.sequence.lost}, duplicated ${out.sequence.duplicated}`,
  );
  return {
    side: 'runbook',
    trial: n,
    procedureMs,
    ...out,
    lost: out.sequence.lost,
    duplicated: out.sequence.duplicated,
    snapshot: result.snapshot?.path,
    detail: { timings: result.timings, sequenceSeenByWorkflow: result.sequence?.continuous },
  };
}

async function seedsTrial(ctx: BenchContext, sb: BenchSandbox, n: number): Promise<Trial> {
  await resetSandbox(sb);
  const jobId = await startSampleJob(sb, 60);
  const leader = sb.urls[0] as string;
  const t0 = Date.now();
  const script = startSeedScript('manual-upgrade.sh', {
    JM_URL: leader,
    JOB_ID: jobId,
    SAVEPOINT_DIR: sb.job.savepointDir,
    JAR: sb.jars.v2,
    ENTRY_CLASS: sb.job.entryClass,
    PARALLELISM: String(sb.job.parallelism),
    PROGRAM_ARGS_JSON: JSON.stringify(sb.job.args),
  });
  const code = await Promise.race([script.exited, sleep(300_000).then(() => 'timeout' as const)]);
  const procedureMs = Date.now() - t0;
  if (code !== 0) {
    await script.stop();
    throw new Error(`manual-upgrade.sh ended ${code}: ${script.stderr().slice(-500)}`);
  }
  const lines = script.lines();
  const out = await outputAcrossUpgrade(sb);
  const at = (level: string) => lines.find((l) => l.level === level)?.at;
  ctx.log(
    `[seeds #${n}] upgraded in ${(procedureMs / 1000).toFixed(1)} s; downtime ${out.downtimeMs} ms, lost ${out.sequence.lost}, duplicated ${out.sequence.duplicated}`,
  );
  return {
    side: 'seeds',
    trial: n,
    procedureMs,
    ...out,
    lost: out.sequence.lost,
    duplicated: out.sequence.duplicated,
    snapshot: lines.find((l) => l.level === 'SAVEPOINT_DONE')?.message,
    detail: {
      savepointMs: (at('SAVEPOINT_DONE') ?? 0) - (at('SAVEPOINT') ?? 0),
      savepointToCancelMs: (at('CANCEL') ?? 0) - (at('SAVEPOINT_DONE') ?? 0),
      cancelMs: (at('CANCELLED') ?? 0) - (at('CANCEL') ?? 0),
      submitMs: (at('SUBMITTED') ?? 0) - (at('RUN') ?? 0),
    },
  };
}

export async function runUpgrade(ctx: BenchContext): Promise<BenchResult> {
  const startedAt = new Date();
  const environment = await collectEnvironment();
  const sb = await ctx.sandbox();
  environment.flink = await flinkVersion(sb);
  const t = await ctx.temporal();
  const taskQueue = `bench-upgrade-${randomUUID()}`;
  const trials: Trial[] = [];
  await withInProcessWorker(t, taskQueue, async () => {
    for (let n = 1; n <= ctx.options.trials; n++) {
      // Alternating, so that drift in the machine's load does not favour one side.
      const order: Side[] = n % 2 === 1 ? ['seeds', 'runbook'] : ['runbook', 'seeds'];
      for (const side of order)
        trials.push(
          side === 'runbook' ? await runbookTrial(ctx, sb, taskQueue, n) : await seedsTrial(ctx, sb, n),
        );
    }
  });
  await resetSandbox(sb);

  const of = (side: Side) => trials.filter((x) => x.side === side);
  const stat = (side: Side, pick: (x: Trial) => number | undefined) => {
    const values = of(side)
      .map(pick)
      .filter((v): v is number => v !== undefined);
    return {
      median: percentile(values, 50),
      max: values.length > 0 ? Math.max(...values) : undefined,
      min: values.length > 0 ? Math.min(...values) : undefined,
    };
  };
  const summary = (side: Side) => ({
    downtime: {
      median: fig(stat(side, (x) => x.downtimeMs).median, 'ms'),
      min: fig(stat(side, (x) => x.downtimeMs).min, 'ms'),
      max: fig(stat(side, (x) => x.downtimeMs).max, 'ms'),
    },
    freshDataGap: { median: fig(stat(side, (x) => x.freshDataGapMs).median, 'ms') },
    procedure: { median: fig(stat(side, (x) => x.procedureMs).median, 'ms') },
    rowsLost: {
      total: fig(
        of(side).reduce((n, x) => n + x.lost, 0),
        'rows',
      ),
    },
    rowsDuplicated: {
      total: fig(
        of(side).reduce((n, x) => n + x.duplicated, 0),
        'rows',
      ),
      median: fig(stat(side, (x) => x.duplicated).median, 'rows per upgrade'),
    },
  });
  const ours = summary('runbook');
  const seeds = summary('seeds');
  const oursMedian = ours.downtime.median.value;
  const seedsMedian = seeds.downtime.median.value;
  const goals: GoalVerdict[] = [
    {
      goal: 'zero rows lost and zero duplicated (ours)',
      target: '0 / 0',
      measured: `${ours.rowsLost.total.value} lost / ${ours.rowsDuplicated.total.value} duplicated over ${of('runbook').length} upgrades`,
      verdict: ours.rowsLost.total.value === 0 && ours.rowsDuplicated.total.value === 0 ? 'pass' : 'fail',
    },
    {
      goal: "downtime no worse than the seeds' (median)",
      target: `≤ ${seedsMedian} ms`,
      measured: `${oursMedian} ms vs ${seedsMedian} ms`,
      verdict:
        oursMedian === null || seedsMedian === null
          ? 'not-measured'
          : oursMedian <= seedsMedian
            ? 'pass'
            : 'fail',
    },
  ];
  const finishedAt = new Date();
  return {
    benchmark: 'upgrade',
    summary: "v1 → v2: our upgrade workflow vs the seeds' manual savepoint/cancel/run -s",
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationS: (finishedAt.getTime() - startedAt.getTime()) / 1000,
    environment: { ...environment, loadAverageAtEnd: loadavg().map((l) => round(l, 2)) },
    settings:
      "the bench sandbox's sample job: 20 rows/s, checkpoints every 2 s (timeout 10 s); our upgrade in savepoint mode without an approval gate",
    figures: { runbook: ours, seeds, trials },
    goals,
    tables: [
      {
        title: 'Upgrade v1 → v2, per trial',
        columns: [
          'procedure',
          'trial',
          'downtime (ms)',
          'to first new row (ms)',
          'rows lost',
          'rows duplicated',
          'procedure took (s)',
        ],
        rows: trials.map((x) => [
          x.side === 'runbook'
            ? 'upgrade workflow (stop-with-savepoint)'
            : "seeds' manual (savepoint, cancel, run -s)",
          x.trial,
          x.downtimeMs,
          x.freshDataGapMs,
          x.lost,
          x.duplicated,
          round(x.procedureMs / 1000, 1),
        ]),
      },
    ],
    notes: [
      "The seeds' side is bench/seeds/manual-upgrade.sh, a re-implementation of their 升级流程 through the REST calls the flink CLI makes (savepoint trigger + poll, PATCH ?mode=cancel, upload + run with savepointPath); the rebuild and redeploy steps are skipped (jar prebuilt, cluster up).",
      'Our side is the real upgrade workflow (no approval gate, mode savepoint) on a Temporal dev server with an in-process worker.',
      'Downtime: emitted_at_ms of the last v1 row to the first v2 row in the committed output. "To first new row": to the first v2 row with a sequence number v1 had not already written (the same as downtime when nothing is duplicated).',
      "Duplicates in the seeds' procedure are the rows v1 committed between its savepoint and the cancel: v2 restores the savepoint and writes them again. The job emits 20 rows/s and commits every 2 s checkpoint.",
      `The machine is shared: ${environment.otherContainers} other containers were running at the start (load average ${environment.loadAverageAtStart.join(' ')}).`,
    ],
    command: ctx.command('upgrade'),
  };
}
