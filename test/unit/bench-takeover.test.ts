import { describe, expect, it } from 'vitest';
import {
  duplicateAlerts,
  heldBy,
  matchTakeovers,
  perThousandJobs,
  spreadOf,
  type TakeoverOutcome,
  takeoverPhases,
  takeoverVerdicts,
  type WatchSighting,
} from '../../bench/lib/takeover';

/** The pure parts of the two-worker takeover benchmark (bench/scale-workers.ts). */
const KILL = 1_000_000;
const sight = (
  workflowId: string,
  identity: string,
  heartbeatAt?: number,
  startedAt?: number,
): WatchSighting => ({
  workflowId,
  identity,
  attempt: 1,
  heartbeatAt,
  startedAt,
});

describe('heldBy', () => {
  it('names the watches whose latest sighting is on the worker', () => {
    const sightings = [sight('m1', 'a'), sight('m2', 'b'), sight('m3', 'a'), sight('m3', 'b')];
    expect(heldBy(sightings, 'a')).toEqual(['m1']);
    expect(heldBy(sightings, 'b')).toEqual(['m2', 'm3']);
  });
});

describe('matchTakeovers', () => {
  it('takes the earliest heartbeat after the kill from another worker', () => {
    const { takeovers, lost } = matchTakeovers(['m1'], 'a', KILL, [
      sight('m1', 'b', KILL + 9_000, KILL + 8_000),
      sight('m1', 'b', KILL + 7_000, KILL + 6_500),
      sight('m1', 'b', KILL + 8_000),
    ]);
    expect(lost).toEqual([]);
    expect(takeovers).toEqual([{ workflowId: 'm1', identity: 'b', heartbeatMs: 7_000, pickedUpMs: 6_500 }]);
  });

  it('does not count the killed worker, heartbeats from before the kill, or watches it did not hold', () => {
    const { takeovers, lost } = matchTakeovers(['m1', 'm2'], 'a', KILL, [
      sight('m1', 'a', KILL + 5_000),
      sight('m2', 'b', KILL - 1),
      sight('m3', 'b', KILL + 1_000),
    ]);
    expect(takeovers).toEqual([]);
    expect(lost).toEqual(['m1', 'm2']);
  });

  it('dates the takeover by the look the details report when the server has a later heartbeat', () => {
    const seen = { ...sight('m1', 'b', KILL + 9_000), lookAt: KILL + 6_000 };
    const stale = { ...sight('m1', 'b', KILL + 9_500), lookAt: KILL - 30_000 };
    const { takeovers } = matchTakeovers(['m1'], 'a', KILL, [stale, seen]);
    expect(takeovers[0]?.heartbeatMs).toBe(6_000);
    expect(matchTakeovers(['m1'], 'a', KILL, [stale]).takeovers[0]?.heartbeatMs).toBe(9_500);
  });

  it('leaves pickedUp out when the attempt started before the kill', () => {
    const { takeovers } = matchTakeovers(['m1'], 'a', KILL, [sight('m1', 'b', KILL + 2_000, KILL - 50)]);
    expect(takeovers[0]?.pickedUpMs).toBeUndefined();
    expect(takeovers[0]?.heartbeatMs).toBe(2_000);
  });
});

describe('where a takeover spends its time', () => {
  const T = 10_000;
  it("dates the earliest notice by the killed attempt's last heartbeat before the kill, plus the timeout", () => {
    const { takeovers } = matchTakeovers(
      ['m1'],
      'a',
      KILL,
      [
        sight('m1', 'a', KILL - 7_000),
        sight('m1', 'a', KILL - 3_000), // a later sighting of the same attempt
        sight('m1', 'a', KILL + 500), // recorded after the kill: not from the dead attempt's life
        { ...sight('m1', 'b', KILL + 8_400, KILL + 8_150), dueAt: KILL + 8_100 },
      ],
      T,
    );
    expect(takeovers).toEqual([
      {
        workflowId: 'm1',
        identity: 'b',
        heartbeatMs: 8_400,
        pickedUpMs: 8_150,
        dueMs: 8_100,
        earliestNoticeMs: 7_000,
      },
    ]);
    expect(takeoverPhases(takeovers)).toEqual({
      killToDue: [8_100],
      earliestNotice: [7_000],
      noticeToDue: [1_100],
      dueToPickedUp: [50],
      pickedUpToHeartbeat: [250],
      beyondEarliestNotice: [1_400],
    });
  });

  it('leaves a phase out for a watch whose ends are not known', () => {
    const { takeovers } = matchTakeovers(['m1', 'm2'], 'a', KILL, [
      sight('m1', 'a', KILL - 1_000),
      { ...sight('m1', 'b', KILL + 9_500), dueAt: KILL - 20_000 },
      sight('m2', 'b', KILL + 4_000, KILL + 3_900),
    ]);
    // No timeout given: no earliest notice; a due time before the kill is the old attempt's.
    expect(takeovers.map((t) => [t.earliestNoticeMs, t.dueMs])).toEqual([
      [undefined, undefined],
      [undefined, undefined],
    ]);
    expect(takeoverPhases(takeovers)).toEqual({
      killToDue: [],
      earliestNotice: [],
      noticeToDue: [],
      dueToPickedUp: [],
      pickedUpToHeartbeat: [100],
      beyondEarliestNotice: [],
    });
  });
});

describe('spreadOf and perThousandJobs', () => {
  it('gives nearest-rank p50, p95 and the max', () => {
    const values = Array.from({ length: 20 }, (_, i) => (i + 1) * 100);
    expect(spreadOf(values)).toEqual({ p50: 1_000, p95: 1_900, max: 2_000, n: 20 });
    expect(spreadOf([])).toEqual({ p50: undefined, p95: undefined, max: undefined, n: 0 });
  });

  it('scales a cost to 1,000 jobs, and has none for a worker with no job', () => {
    expect(perThousandJobs(0.05, 500)).toBe(0.1);
    expect(perThousandJobs(0.05, 0)).toBeUndefined();
  });
});

describe('duplicateAlerts', () => {
  it('counts an alert received again, not a different incident or its resolution', () => {
    const alert = { incidentKey: 'k1', verdict: 'zombie', severity: 'critical', title: 'zombie' };
    expect(
      duplicateAlerts([
        alert,
        { ...alert, incidentKey: 'k2' },
        { ...alert, resolved: true },
        { ...alert },
        { ...alert },
      ]),
    ).toBe(2);
    expect(duplicateAlerts([])).toBe(0);
  });
});

describe('takeoverVerdicts', () => {
  const good: TakeoverOutcome = {
    held: 10,
    lost: 0,
    takeoverMaxMs: 9_000,
    heartbeatTimeoutMs: 10_000,
    restarts: 0,
    duplicateAlerts: 0,
    heldPerWorker: [10, 12],
    degraded: 2,
    degradedHeld: 1,
    alertedJobs: 2,
  };
  const verdicts = (o: TakeoverOutcome) => takeoverVerdicts(o).map((v) => v.verdict);

  it('passes a clean takeover', () => {
    expect(verdicts(good)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass']);
    expect(verdicts({ ...good, takeoverMaxMs: 13_000 })[2]).toBe('pass');
  });

  it('fails each promise on its own', () => {
    expect(verdicts({ ...good, heldPerWorker: [22, 0] })[0]).toBe('fail');
    expect(verdicts({ ...good, lost: 1 })[1]).toBe('fail');
    expect(verdicts({ ...good, takeoverMaxMs: 13_001 })[2]).toBe('fail');
    expect(verdicts({ ...good, lost: 1 })[2]).toBe('fail');
    expect(verdicts({ ...good, restarts: 1 })[3]).toBe('fail');
    expect(verdicts({ ...good, duplicateAlerts: 1 })[4]).toBe('fail');
    expect(verdicts({ ...good, alertedJobs: 1 })[4]).toBe('fail');
  });

  it('does not call the alerts checked when the killed worker watched no degraded job', () => {
    expect(verdicts({ ...good, degradedHeld: 0 })[4]).toBe('not-measured');
  });

  it('says not measured when the killed worker held nothing', () => {
    expect(verdicts({ ...good, held: 0, takeoverMaxMs: undefined }).slice(1, 3)).toEqual([
      'not-measured',
      'not-measured',
    ]);
  });
});
