import { describe, expect, it } from 'vitest';
import type { DrillKind } from '../../src/policy/drill-plan';
import {
  buildTimeline,
  type CheckpointLook,
  type JobLook,
  type LeaderLook,
  type Milestones,
  newProgress,
  noteCheckpointLook,
  noteJobLook,
  noteLeaderLook,
  noteOutputLook,
  type OutputLook,
  type TakeoverGoal,
  type TakeoverProgress,
  takeoverMetrics,
  takeoverReached,
} from '../../src/policy/drill-timeline';

const F = 1_000_000; // the fault
const OLD = { url: 'http://127.0.0.1:8081', sessionId: 'old-session' };
const NEW = { url: 'http://127.0.0.1:8082', sessionId: 'new-session' };

const goal = (kind: DrillKind): TakeoverGoal => ({
  kind,
  faultAt: F,
  before: { leaderUrl: OLD.url, sessionId: OLD.sessionId, checkpointId: 41 },
});

type Look =
  | ({ type: 'leader' } & LeaderLook)
  | ({ type: 'job' } & JobLook)
  | ({ type: 'checkpoint' } & CheckpointLook)
  | ({ type: 'output' } & OutputLook);

/** Feeds looks in order, as the observer's loops do. */
function replay(kind: DrillKind, looks: Look[], start: Milestones = {}): TakeoverProgress {
  const g = goal(kind);
  return looks.reduce((p, look) => {
    if (look.type === 'leader') return noteLeaderLook(p, g, look);
    if (look.type === 'job') return noteJobLook(p, g, look);
    if (look.type === 'checkpoint') return noteCheckpointLook(p, g, look);
    return noteOutputLook(p, g, look);
  }, newProgress(start));
}

const leader = (at: number, l?: { url: string; sessionId: string }, error?: string): Look => ({
  type: 'leader',
  at,
  leader: l,
  error,
});
const job = (at: number, state: string, via = NEW.url, statusTimestamps?: Record<string, number>): Look => ({
  type: 'job',
  startedAt: at - 20,
  at,
  via,
  state,
  statusTimestamps,
});
const checkpoints = (at: number, ...completed: Array<[number, number]>): Look => ({
  type: 'checkpoint',
  at,
  completed: completed.map(([id, completedAt]) => ({ id, completedAt })),
});
const output = (at: number, newestCommittedAt: number): Look => ({ type: 'output', at, newestCommittedAt });

const times = (p: TakeoverProgress) =>
  Object.fromEntries(Object.entries(p.milestones).map(([name, m]) => [name, m?.at]));

describe('milestones of a takeover, from the looks of the observer', () => {
  it('a graceful stop of the leader: lost, elected, RUNNING under the new leader, checkpoint, output', () => {
    const p = replay('stop-leader', [
      leader(F - 100, OLD), // the observer starts a moment before the fault
      job(F - 50, 'RUNNING', OLD.url), // leader kinds only believe the new leader
      leader(F + 270), // the old leader gave up: the record is empty
      leader(F + 560, NEW),
      job(F + 700, 'INITIALIZING'),
      checkpoints(F + 800, [41, F - 1_500]), // nothing new yet
      job(F + 1_280, 'RUNNING', NEW.url, { RUNNING: F + 1_040 }),
      checkpoints(F + 3_000, [41, F - 1_500], [42, F + 2_430], [43, F + 2_900]),
      output(F + 3_100, F + 2_370),
    ]);
    expect(times(p)).toEqual({
      'leader-lost': F + 270,
      'new-leader-elected': F + 560,
      'job-restored': F + 1_280,
      'first-checkpoint': F + 2_430,
      'first-new-output': F + 2_370,
    });
    expect(p.milestones['job-restored']).toMatchObject({
      seenAt: F + 1_280,
      flinkAt: F + 1_040,
      source: 'rest',
    });
    expect(p.milestones['first-checkpoint']).toMatchObject({ seenAt: F + 3_000, detail: 'checkpoint #42' });
    expect(p.newLeader).toEqual(NEW);
    expect(p.leaderChanges.map((c) => c.url ?? 'none')).toEqual([OLD.url, 'none', NEW.url]);
    expect(takeoverReached(p, goal('stop-leader'), 'recovered')).toBe(true);
  });

  it('a killed leader: ZooKeeper keeps naming it until its session expires; the old REST saying RUNNING does not count', () => {
    const p = replay('kill-leader', [
      leader(F + 250, OLD),
      job(F + 300, 'RUNNING', OLD.url), // a stale answer from before the kill
      leader(F + 15_900, OLD),
      leader(F + 16_100, NEW), // lost and elected in the same look
      job(F + 16_050, 'RUNNING', NEW.url), // sent before the election was seen: not yet
      job(F + 16_900, 'RUNNING', NEW.url),
    ]);
    expect(times(p)).toEqual({
      'leader-lost': F + 16_100,
      'new-leader-elected': F + 16_100,
      'job-restored': F + 16_900,
    });
    expect(takeoverReached(p, goal('kill-leader'), 'recovered')).toBe(false); // no checkpoint yet
  });

  it('a slow ZooKeeper answer is not a lost leader, except when ZooKeeper is what the drill stopped', () => {
    const looks = [leader(F + 300, undefined, 'ZooKeeper 127.0.0.1:2181 did not answer within 700 ms')];
    expect(replay('kill-leader', looks).milestones['leader-lost']).toBeUndefined();
    expect(replay('stop-zookeeper', looks).milestones['leader-lost']).toMatchObject({
      at: F + 300,
      detail: 'ZooKeeper unreachable (ZooKeeper 127.0.0.1:2181 did not answer within 700 ms)',
    });
  });

  it('a ZooKeeper outage: the old record outlives it; only a new session is a new leader (even on the same JobManager)', () => {
    const again = { url: OLD.url, sessionId: 'regranted' };
    const p = replay('stop-zookeeper', [
      leader(F + 360, undefined, 'CONNECTION_LOSS'),
      leader(F + 2_000, OLD), // ZooKeeper back, the old ephemeral record not yet gone
      job(F + 2_050, 'SUSPENDED', OLD.url),
      leader(F + 2_200, again),
      job(F + 2_450, 'RUNNING', OLD.url),
    ]);
    expect(times(p)).toEqual({
      'leader-lost': F + 360,
      'new-leader-elected': F + 2_200,
      'job-restored': F + 2_450,
    });
    expect(p.newLeader).toEqual(again);
    expect(p.jobStates.map((s) => s.state)).toEqual(['SUSPENDED', 'RUNNING']);
  });

  it('a killed TaskManager: the job leaves RUNNING, and RUNNING again is the restore', () => {
    const p = replay('kill-taskmanager', [
      job(F + 200, 'RUNNING', OLD.url),
      job(F + 13_800, 'RESTARTING', OLD.url, { RESTARTING: F + 13_700 }),
      job(F + 15_300, 'RUNNING', OLD.url, { RUNNING: F + 15_070, RESTARTING: F + 13_700 }),
      checkpoints(F + 16_000, [41, F - 500], [45, F + 15_900]),
    ]);
    expect(times(p)).toEqual({
      'failure-detected': F + 13_800,
      'job-restored': F + 15_300,
      'first-checkpoint': F + 15_900,
    });
    expect(p.milestones['failure-detected']?.flinkAt).toBe(F + 13_700);
    expect(takeoverReached(p, goal('kill-taskmanager'), 'recovered')).toBe(true);
  });

  it('a TaskManager restart quicker than two looks is still seen, from the status timestamps', () => {
    const p = replay('kill-taskmanager', [
      job(F + 200, 'RUNNING', OLD.url, { RUNNING: F - 60_000 }),
      job(F + 14_000, 'RUNNING', OLD.url, { RUNNING: F + 13_900, RESTARTING: F + 13_600 }),
    ]);
    expect(p.milestones['failure-detected']).toMatchObject({
      at: F + 13_600,
      detail: 'job restarted between two looks',
    });
    expect(p.milestones['job-restored']).toMatchObject({ at: F + 14_000, flinkAt: F + 13_900 });
  });

  it("Flink's zero timestamps for states never reached, or stale ones from the REST cache, are not taken", () => {
    const p = replay('kill-taskmanager', [
      job(F + 13_800, 'RESTARTING', OLD.url, { RESTARTING: 0, RUNNING: F - 60_000 }),
    ]);
    expect(p.milestones['failure-detected']).toMatchObject({ at: F + 13_800, flinkAt: undefined });
  });

  it('a checkpoint completed before the failure was detected is not "after the fault"', () => {
    const p = replay('kill-taskmanager', [
      job(F + 13_800, 'RESTARTING', OLD.url),
      job(F + 15_300, 'RUNNING', OLD.url),
      checkpoints(F + 15_400, [42, F + 150]), // completed right after the observer started, before detection
    ]);
    expect(p.milestones['first-checkpoint']).toBeUndefined();
  });

  it('a job that ends (CANCELED, FAILED) is noted: nothing will bring it back during the drill', () => {
    const p = replay('kill-taskmanager', [job(F + 13_800, 'FAILED', OLD.url)]);
    expect(p.jobEnded).toEqual({ at: F + 13_800, state: 'FAILED' });
  });

  it('fault-detected: leadership lost, or for a TaskManager the job leaving RUNNING', () => {
    expect(
      takeoverReached(
        replay('stop-zookeeper', [leader(F + 300, undefined, 'x')]),
        goal('stop-zookeeper'),
        'fault-detected',
      ),
    ).toBe(true);
    expect(
      takeoverReached(
        replay('kill-taskmanager', [job(F + 300, 'RESTARTING')]),
        goal('kill-taskmanager'),
        'fault-detected',
      ),
    ).toBe(true);
    expect(
      takeoverReached(replay('kill-leader', [leader(F + 300, OLD)]), goal('kill-leader'), 'fault-detected'),
    ).toBe(false);
  });
});

describe('the timeline', () => {
  const milestones: Milestones = {
    'fault-injected': { at: F, seenAt: F, source: 'drill' },
    'leader-lost': { at: F + 270, seenAt: F + 270, source: 'zookeeper' },
    'new-leader-elected': { at: F + 560, seenAt: F + 560, source: 'zookeeper' },
    'job-restored': { at: F + 1_280, seenAt: F + 1_280, source: 'rest', flinkAt: F + 1_040 },
    'first-new-output': { at: F + 2_370, seenAt: F + 2_500, source: 'output' },
    'first-checkpoint': { at: F + 2_430, seenAt: F + 3_000, source: 'checkpoint' },
    'node-restored': { at: F + 11_420, seenAt: F + 11_420, source: 'drill' },
  };

  it('puts the milestones in time order, each with its distance from the fault and from the one before', () => {
    expect(buildTimeline(milestones).map((e) => [e.milestone, e.sinceFaultMs, e.sincePreviousMs])).toEqual([
      ['fault-injected', 0, 0],
      ['leader-lost', 270, 270],
      ['new-leader-elected', 560, 290],
      ['job-restored', 1_280, 720],
      ['first-new-output', 2_370, 1_090],
      ['first-checkpoint', 2_430, 60],
      ['node-restored', 11_420, 8_990],
    ]);
  });

  it('ties keep the runbook order (lost before elected when one look saw both)', () => {
    const tie: Milestones = {
      'fault-injected': { at: F, seenAt: F, source: 'drill' },
      'new-leader-elected': { at: F + 500, seenAt: F + 500, source: 'zookeeper' },
      'leader-lost': { at: F + 500, seenAt: F + 500, source: 'zookeeper' },
    };
    expect(buildTimeline(tie).map((e) => e.milestone)).toEqual([
      'fault-injected',
      'leader-lost',
      'new-leader-elected',
    ]);
  });

  it('measures detection, election, takeover (the SLA measure), checkpoint, output and the node down time', () => {
    expect(takeoverMetrics('stop-leader', milestones)).toEqual({
      detectionMs: 270,
      electionMs: 560,
      takeoverMs: 1_280,
      firstCheckpointMs: 2_430,
      firstOutputMs: 2_370,
      nodeDownMs: 11_420,
    });
    expect(takeoverMetrics('kill-taskmanager', milestones)).toMatchObject({
      detectionMs: undefined,
      electionMs: undefined,
    });
  });
});
