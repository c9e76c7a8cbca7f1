import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freezeDatabase,
  proxyFault,
  restoreLogin,
  revokeLogin,
  slotState,
  startDatabase,
  stopDatabase,
  terminateWalsender,
  thawDatabase,
} from '../../scripts/lib/cdc-faults';
import {
  type CdcLook,
  type CdcSandbox,
  cdcSandbox,
  cdcUp,
  look,
  resetCdc,
  submitCdc,
  waitForCatchUp,
  waitForState,
  watch,
} from '../../scripts/lib/cdc-sandbox';
import { startWorkload, type Workload } from '../../scripts/lib/cdc-workload';
import { describeCdcCheck } from '../../src/output/cdc-check';
import { pollUntil } from '../../src/util/poll';

/**
 * How a Flink CDC job (Flink CDC 3.5.0's PostgreSQL source on Flink 1.20.3) behaves under the
 * network and database faults that silence CDC jobs in production, measured on the sandbox with
 * a change committed every second. Each test asserts what was observed, so that a Flink or
 * connector upgrade that changes it fails here; the README's "How a CDC job fails" comes from
 * these runs (the figures are written to .data/cdc-faults.json).
 *
 * Sandbox settings: checkpoints every 2 s, PostgreSQL's wal_sender_timeout 20 s (default 60 s),
 * Flink's default restart strategy for checkpointed jobs (exponential delay).
 */
let sb: CdcSandbox;
let jobId: string;
let workload: Workload;
const results: Record<string, unknown>[] = [];

/** Changes committed just before a fault still reach output with the next checkpoint or two. */
const SETTLE_MS = 6000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (ms: number) => Math.round(ms / 100) / 10;

/** Distinct changes of the capture step lost: one step updates all 18 rows with one version. */
const lostSteps = (lost: { version: number }[]) => new Set(lost.map((l) => l.version)).size;
const seenLost = new Set<string>();
/** Steps lost since the previous test's check: the checks see the whole output. */
function newLostSteps(check: { lost: { id: number; version: number }[] }): number {
  const fresh = check.lost.filter((l) => !seenLost.has(`${l.id}:${l.version}`));
  for (const l of fresh) seenLost.add(`${l.id}:${l.version}`);
  return lostSteps(fresh);
}

async function recovered(since: number, timeoutMs = 90_000): Promise<number> {
  const before = (await look(sb, jobId)).committedRows;
  await pollUntil(
    async () => {
      const now = await look(sb, jobId);
      return now.state === 'RUNNING' && now.committedRows > before ? true : undefined;
    },
    { timeoutMs, intervalMs: 500, what: 'new committed rows after the fault ended' },
  );
  return Date.now() - since;
}

function during(looks: CdcLook[], from: number, to: number): CdcLook[] {
  return looks.filter((l) => l.at >= from && l.at <= to && l.state !== 'UNOBSERVED');
}

beforeAll(async () => {
  sb = await cdcSandbox();
  await cdcUp(sb);
  await resetCdc(sb);
  jobId = await submitCdc(sb);
  await waitForState(sb, jobId, ['RUNNING']);
  // The snapshot of the 18 rows, committed.
  await pollUntil(async () => ((await look(sb, jobId)).committedRows >= 18 ? true : undefined), {
    timeoutMs: 60_000,
    what: 'the snapshot in committed output',
  });
  workload = startWorkload({ rate: 1 });
  await sleep(5000);
});

afterAll(async () => {
  await workload?.stop();
  await proxyFault('heal').catch(() => undefined);
  await restoreLogin().catch(() => undefined);
  mkdirSync('.data', { recursive: true });
  writeFileSync('.data/cdc-faults.json', `${JSON.stringify(results, null, 2)}\n`);
  console.table(results);
  if (sb && jobId) await sb.rest.call((c) => c.cancel(jobId)).catch(() => undefined);
});

describe('a CDC job under the faults that silence it', () => {
  it('terminate: pg_terminate_backend of the walsender fails the task, Flink restarts it and it reconnects', async () => {
    const before = await look(sb, jobId);
    const slotBefore = await slotState();
    const t0 = Date.now();
    const pid = await terminateWalsender();
    expect(pid).toBeDefined();
    const running = await pollUntil(
      async () => {
        const now = await look(sb, jobId);
        return now.restarts > before.restarts && now.state === 'RUNNING' ? Date.now() - t0 : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: 'a restart and RUNNING again' },
    );
    const slot = await pollUntil(
      async () => {
        const s = await slotState();
        return s.active && s.activePid !== slotBefore.activePid ? s : undefined;
      },
      { timeoutMs: 30_000, what: 'the slot active with a new walsender' },
    );
    const catchUp = await recovered(t0);
    const check = await waitForCatchUp(sb);
    const lost = newLostSteps(check);
    const after = await look(sb, jobId);
    results.push({
      fault: 'terminate',
      restarts: after.restarts - before.restarts,
      runningAgainS: seconds(running),
      newOutputS: seconds(catchUp),
      lostSteps: lost,
      duplicated: check.duplicated.length,
    });
    expect(slot.activePid).not.toBe(pid);
    expect(check.duplicated, describeCdcCheck(check)).toEqual([]);
    expect(check.behind).toEqual([]);
    expect(lost, describeCdcCheck(check)).toBeLessThanOrEqual(after.restarts - before.restarts);
  });

  it('blackhole: a half-open path keeps the job RUNNING with checkpoints completing and nothing written; it recovers by itself when the path heals', async () => {
    const holdMs = 30_000;
    const before = await look(sb, jobId);
    const timeline = watch(sb, jobId, 1000);
    const t0 = Date.now();
    await proxyFault('blackhole');
    const slotGone = await pollUntil(
      async () => (!(await slotState()).active ? Date.now() - t0 : undefined),
      {
        timeoutMs: holdMs + 10_000,
        intervalMs: 500,
        what: 'PostgreSQL ending the silent walsender (wal_sender_timeout)',
      },
    );
    await sleep(Math.max(0, holdMs - (Date.now() - t0)));
    const end = Date.now();
    const silent = during(timeline.looks, t0 + SETTLE_MS, end);
    const healed = Date.now();
    await proxyFault('heal');
    const back = await recovered(healed);
    const looks = await timeline.stop();
    const check = await waitForCatchUp(sb);
    const lost = newLostSteps(check);
    const after = await look(sb, jobId);
    const restartsInHole = Math.max(...silent.map((l) => l.restarts)) - before.restarts;
    results.push({
      fault: `blackhole ${holdMs / 1000} s`,
      stateDuring: [...new Set(silent.map((l) => l.state))].join('/'),
      restartsDuring: restartsInHole,
      checkpointsDuring: (silent.at(-1)?.checkpointsCompleted ?? 0) - (silent[0]?.checkpointsCompleted ?? 0),
      rowsDuring: (silent.at(-1)?.committedRows ?? 0) - (silent[0]?.committedRows ?? 0),
      slotInactiveAfterS: seconds(slotGone),
      restartsAfterHeal: after.restarts - before.restarts - restartsInHole,
      newOutputAfterHealS: seconds(back),
      lostSteps: lost,
      duplicated: check.duplicated.length,
      looks: looks.length,
    });
    expect(silent.length).toBeGreaterThan(10);
    expect(silent.every((l) => l.state === 'RUNNING')).toBe(true);
    expect(restartsInHole).toBe(0);
    // Checkpoints go on completing (every 2 s) while nothing is delivered.
    expect(
      (silent.at(-1)?.checkpointsCompleted ?? 0) - (silent[0]?.checkpointsCompleted ?? 0),
    ).toBeGreaterThanOrEqual(5);
    expect((silent.at(-1)?.committedRows ?? 0) - (silent[0]?.committedRows ?? 0)).toBe(0);
    expect(check.duplicated, describeCdcCheck(check)).toEqual([]);
    expect(check.behind).toEqual([]);
    expect(lost, describeCdcCheck(check)).toBeLessThanOrEqual(Math.max(1, after.restarts - before.restarts));
  });

  it('database frozen: SIGSTOP leaves the job RUNNING and checkpointing with no output and no restart; SIGCONT resumes the same stream', async () => {
    const holdMs = 20_000;
    const before = await look(sb, jobId);
    const timeline = watch(sb, jobId, 1000, { database: false });
    const t0 = Date.now();
    const pids = freezeDatabase();
    let silent: CdcLook[] = [];
    try {
      await sleep(holdMs);
      silent = during(timeline.looks, t0 + SETTLE_MS, Date.now());
    } finally {
      thawDatabase(pids);
    }
    const thawed = Date.now();
    const back = await recovered(thawed);
    await timeline.stop();
    const check = await waitForCatchUp(sb);
    const lost = newLostSteps(check);
    const after = await look(sb, jobId);
    results.push({
      fault: `database frozen ${holdMs / 1000} s`,
      stateDuring: [...new Set(silent.map((l) => l.state))].join('/'),
      restartsDuring: Math.max(...silent.map((l) => l.restarts)) - before.restarts,
      checkpointsDuring: (silent.at(-1)?.checkpointsCompleted ?? 0) - (silent[0]?.checkpointsCompleted ?? 0),
      rowsDuring: (silent.at(-1)?.committedRows ?? 0) - (silent[0]?.committedRows ?? 0),
      restartsAfter: after.restarts - before.restarts,
      newOutputAfterThawS: seconds(back),
      lostSteps: lost,
      duplicated: check.duplicated.length,
    });
    expect(silent.length).toBeGreaterThan(2);
    expect(silent.every((l) => l.state === 'RUNNING')).toBe(true);
    expect(after.restarts - before.restarts).toBe(0);
    expect(
      (silent.at(-1)?.checkpointsCompleted ?? 0) - (silent[0]?.checkpointsCompleted ?? 0),
    ).toBeGreaterThanOrEqual(3);
    expect((silent.at(-1)?.committedRows ?? 0) - (silent[0]?.committedRows ?? 0)).toBe(0);
    expect(check.duplicated, describeCdcCheck(check)).toEqual([]);
    expect(lost, describeCdcCheck(check)).toBe(0);
  });

  it('database down: the job restarts while PostgreSQL is stopped and recovers by itself once it is back', async () => {
    const holdMs = 15_000;
    const before = await look(sb, jobId);
    const t0 = Date.now();
    stopDatabase();
    let duringOutage: CdcLook | undefined;
    try {
      await sleep(holdMs);
      duringOutage = await look(sb, jobId);
    } finally {
      startDatabase();
    }
    const started = Date.now();
    const back = await recovered(started, 120_000);
    const check = await waitForCatchUp(sb, 90_000);
    const lost = newLostSteps(check);
    const after = await look(sb, jobId);
    results.push({
      fault: `database down ${holdMs / 1000} s`,
      stateAtEndOfOutage: duringOutage?.state,
      restartsDuring: (duringOutage?.restarts ?? 0) - before.restarts,
      restartsTotal: after.restarts - before.restarts,
      newOutputAfterStartS: seconds(back),
      outageS: seconds(started - t0),
      lostSteps: lost,
      duplicated: check.duplicated.length,
    });
    expect((duringOutage?.restarts ?? 0) - before.restarts).toBeGreaterThanOrEqual(1);
    expect(check.duplicated, describeCdcCheck(check)).toEqual([]);
    expect(check.behind).toEqual([]);
    expect(lost, describeCdcCheck(check)).toBeLessThanOrEqual(after.restarts - before.restarts);
  });

  it('credentials revoked: the open session goes on; once it breaks, every reconnect is refused and the job restarts in a loop until LOGIN is back', async () => {
    const before = await look(sb, jobId);
    await revokeLogin();
    let looped: CdcLook | undefined;
    let quiet: CdcLook | undefined;
    try {
      await sleep(5000);
      quiet = await look(sb, jobId);
      await terminateWalsender();
      await sleep(20_000);
      looped = await look(sb, jobId);
    } finally {
      await restoreLogin();
    }
    const restored = Date.now();
    const back = await recovered(restored, 120_000);
    const check = await waitForCatchUp(sb, 90_000);
    const lost = newLostSteps(check);
    const after = await look(sb, jobId);
    results.push({
      fault: 'credentials revoked',
      restartsWhileSessionOpen: (quiet?.restarts ?? 0) - before.restarts,
      restartsIn20sAfterBreak: (looped?.restarts ?? 0) - (quiet?.restarts ?? 0),
      newOutputAfterRestoreS: seconds(back),
      lostSteps: lost,
      duplicated: check.duplicated.length,
    });
    expect((quiet?.restarts ?? 0) - before.restarts).toBe(0);
    expect((looped?.restarts ?? 0) - (quiet?.restarts ?? 0)).toBeGreaterThanOrEqual(2);
    expect(check.duplicated, describeCdcCheck(check)).toEqual([]);
    expect(check.behind).toEqual([]);
    expect(lost, describeCdcCheck(check)).toBeLessThanOrEqual(after.restarts - before.restarts);
  });
});
