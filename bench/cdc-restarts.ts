import { proxyFault, slotState, terminateWalsender } from '../scripts/lib/cdc-faults';
import {
  cdcSandbox,
  cdcUp,
  look,
  resetCdc,
  submitCdc,
  waitForCatchUp,
  waitForState,
} from '../scripts/lib/cdc-sandbox';
import { databaseVersions, startWorkload } from '../scripts/lib/cdc-workload';
import { describeCdcCheck } from '../src/output/cdc-check';
import { pollUntil } from '../src/util/poll';
import type { BenchContext } from './lib/context';
import { collectEnvironment } from './lib/environment';
import { type BenchResult, fig } from './lib/report';

/**
 * Does the CDC job lose or double a change when it restarts? Flink CDC's PostgreSQL source
 * (3.5.0, the newest release on Maven Central) restarted again and again while the seeds'
 * capture step commits four times a second, so that changes are committed in every gap between
 * the failure and the reconnect; then the CDC data check over the whole output. Two ways to
 * break the replication connection, in turn: `pg_terminate_backend` of the walsender, and a clean
 * close of every connection on the path (the fault proxy's /close).
 */
const KINDS = ['terminate', 'close'] as const;
type Kind = (typeof KINDS)[number];

export async function runCdcRestarts(ctx: BenchContext): Promise<BenchResult> {
  const restarts = ctx.options.trialsSet ? ctx.options.trials : 50;
  const startedAt = new Date();
  const sb = await cdcSandbox();
  ctx.log('bringing up the CDC sandbox (database, proxy, cdc-pipeline cluster)');
  await cdcUp(sb);
  await resetCdc(sb);
  // A fixed 1 s restart delay: under the default exponential delay the back-off grows with every
  // restart (to a minute), and 50 restarts would take most of an hour.
  const jobId = await submitCdc(sb, { extraArgs: ['--fixed-restart-delay', '1000'] });
  await waitForState(sb, jobId, ['RUNNING']);
  await pollUntil(async () => ((await look(sb, jobId)).committedRows >= 18 ? true : undefined), {
    timeoutMs: 90_000,
    what: 'the snapshot in committed output',
  });
  const workload = startWorkload({ rate: 4 });
  /** The database's version of row 1 when each restart began: a lost version tells its restart. */
  const marks: { kind: Kind; version: number; at: number; backS: number }[] = [];
  try {
    for (let i = 0; i < restarts; i++) {
      const kind = KINDS[i % KINDS.length] as Kind;
      // The stream is up again (the connector reconnects once after a start): something to break.
      await pollUntil(async () => ((await slotState()).active ? true : undefined), {
        timeoutMs: 60_000,
        what: 'the slot active',
      });
      const before = await look(sb, jobId);
      const version = (await databaseVersions()).get(1) ?? 0;
      const t0 = Date.now();
      if (kind === 'terminate') {
        if ((await terminateWalsender()) === undefined) throw new Error('no walsender to terminate');
      } else await proxyFault('close');
      const backMs = await pollUntil(
        async () => {
          const now = await look(sb, jobId);
          return now.restarts > before.restarts &&
            now.state === 'RUNNING' &&
            now.committedRows > before.committedRows
            ? Date.now() - t0
            : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 250, what: `restart ${i + 1} (${kind}) RUNNING with new output` },
      );
      marks.push({ kind, version, at: t0, backS: backMs / 1000 });
      ctx.log(`restart ${i + 1}/${restarts} (${kind}): new output after ${(backMs / 1000).toFixed(1)} s`);
    }
  } catch (error) {
    await workload.stop();
    await sb.rest.call((c) => c.cancel(jobId)).catch(() => undefined);
    throw error;
  }
  await workload.stop();
  const check = await waitForCatchUp(sb, 120_000);
  await sb.rest.call((c) => c.cancel(jobId)).catch(() => undefined);
  ctx.log(`data check: ${describeCdcCheck(check)}`);

  // Which restart each lost change belongs to: the last restart begun at or below its version.
  const lostSteps = [...new Set(check.lost.map((l) => l.version))].sort((a, b) => a - b);
  const restartOf = (version: number) => [...marks].reverse().find((m) => m.version < version);
  const perKind = KINDS.map((kind) => {
    const ofKind = marks.filter((m) => m.kind === kind);
    const lost = lostSteps.filter((v) => restartOf(v)?.kind === kind).length;
    const back = ofKind.map((m) => m.backS).sort((a, b) => a - b);
    return { kind, restarts: ofKind.length, lost, medianBackS: back[Math.floor(back.length / 2)] ?? null };
  });
  const finishedAt = new Date();
  return {
    benchmark: 'cdc-restarts',
    summary: `${marks.length} restarts of the CDC job with changes committed in every gap: ${lostSteps.length} transactions lost, ${check.duplicated.length} changes duplicated`,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationS: (finishedAt.getTime() - startedAt.getTime()) / 1000,
    environment: await collectEnvironment(),
    settings:
      "the sandbox's CDC job: checkpoints every 2 s, a fixed 1 s restart delay, the capture step committed 4 times a second",
    figures: {
      restarts: fig(marks.length, 'restarts'),
      committedTransactions: fig(check.rows / 18, 'transactions'),
      lostTransactions: fig(lostSteps.length, 'transactions'),
      lostChanges: fig(check.lost.length, 'rows'),
      duplicatedChanges: fig(check.duplicated.length, 'rows'),
      perKind,
      lost: check.lost.slice(0, 100),
    },
    goals: [
      {
        goal: 'no committed change lost across restarts',
        target: '0 transactions lost',
        measured: `${lostSteps.length} lost in ${marks.length} restarts`,
        verdict: lostSteps.length === 0 ? 'pass' : 'fail',
        note: 'a loss is the connector (Flink CDC 3.5.0), not the runbooks: see FLINK-39265',
      },
      {
        goal: 'no change duplicated across restarts',
        target: '0 rows',
        measured: `${check.duplicated.length}`,
        verdict: check.duplicated.length === 0 ? 'pass' : 'fail',
      },
    ],
    tables: [
      {
        title: 'Restarts of the CDC job (Flink CDC 3.5.0 PostgreSQL source, Flink 1.20.3), 4 transactions/s',
        columns: ['how the connection broke', 'restarts', 'transactions lost', 'new output after (median)'],
        rows: perKind.map((k) => [
          k.kind,
          k.restarts,
          k.lost,
          k.medianBackS === null ? null : `${k.medianBackS} s`,
        ]),
      },
    ],
    notes: [
      "Checkpoints every 2 s; a fixed 1 s restart delay (the job's --fixed-restart-delay), so that restarts do not back off.",
      'Every transaction updates the 18 rows of trans_info and raises their version: a missing version is a lost transaction.',
    ],
    command: ctx.command('cdc-restarts'),
  };
}
