import type { DrillKind } from './drill-plan';
import { isLeaderKind } from './drill-plan';
import { isTerminalJobState } from './job-states';

/**
 * Pure: the milestones of a failover drill, as the drill's observer sees them, and the timeline a
 * person reads. The observer (activities/drill.ts) polls ZooKeeper, the REST API, checkpoints and
 * the output every few hundred milliseconds and feeds each look to the `note…` functions here;
 * they decide when a milestone is reached. Nothing here does I/O or reads a clock.
 */
export type MilestoneName =
  | 'fault-injected'
  | 'leader-lost'
  | 'failure-detected'
  | 'new-leader-elected'
  | 'job-restored'
  | 'first-checkpoint'
  | 'first-new-output'
  | 'probe-after-takeover'
  | 'takeover-aborted'
  | 'node-restored'
  | 'probe-after-restore';

export const MILESTONE_LABEL: Record<MilestoneName, string> = {
  'fault-injected': 'fault injected',
  'leader-lost': 'leader lost',
  'failure-detected': 'failure detected by Flink',
  'new-leader-elected': 'new leader elected',
  'job-restored': 'job RUNNING again',
  'first-checkpoint': 'first new checkpoint',
  'first-new-output': 'first new output',
  'probe-after-takeover': 'probe landed (after takeover)',
  'takeover-aborted': 'takeover limit reached: aborted',
  'node-restored': 'node restored',
  'probe-after-restore': 'probe landed (after restore)',
};

/** Where a milestone's time comes from. */
export type MilestoneSource = 'drill' | 'zookeeper' | 'rest' | 'checkpoint' | 'output' | 'probe';

export interface Milestone {
  /** The time on the timeline (ms since the epoch). */
  at: number;
  /** When the drill saw it. Equal to `at` except where Flink records the time itself. */
  seenAt: number;
  source: MilestoneSource;
  /** Flink's own time for it, where the REST API tells (job status timestamps). */
  flinkAt?: number;
  detail?: string;
}
export type Milestones = Partial<Record<MilestoneName, Milestone>>;

/** What the observer is waiting for, and what it knew before the fault. */
export interface TakeoverGoal {
  kind: DrillKind;
  faultAt: number;
  before: { leaderUrl?: string; sessionId?: string; checkpointId: number };
}

export interface TakeoverProgress {
  milestones: Milestones;
  /** The REST leader as last read from ZooKeeper (the job is asked through it). */
  leader?: { url: string; sessionId: string };
  /** The leader elected after the fault. */
  newLeader?: { url: string; sessionId: string };
  /** Every change of the REST leader record seen (a flapping election shows here). */
  leaderChanges: Array<{ at: number; url?: string; sessionId?: string; error?: string }>;
  /** Every change of the job's state seen. */
  jobStates: Array<{ at: number; state: string; via?: string }>;
  /** The job reached a terminal state: nothing will bring it back during the drill. */
  jobEnded?: { at: number; state: string };
  lastError?: string;
}

export const newProgress = (milestones: Milestones = {}): TakeoverProgress => ({
  milestones,
  leaderChanges: [],
  jobStates: [],
});

export interface LeaderLook {
  at: number;
  leader?: { url: string; sessionId: string };
  error?: string;
}
export interface JobLook {
  /** When the request was sent, and when the answer came. */
  startedAt: number;
  at: number;
  via?: string;
  state?: string;
  /** Flink's job status timestamps (from the job details), when read. */
  statusTimestamps?: Partial<Record<string, number>>;
  error?: string;
}
export interface CheckpointLook {
  at: number;
  completed: Array<{ id: number; completedAt: number }>;
  error?: string;
}
export interface OutputLook {
  at: number;
  newestCommittedAt?: number;
  error?: string;
}

/** A Flink status timestamp that belongs to this drill (Flink reports 0 for states never reached). */
const after = (t: number | undefined, faultAt: number) => (t !== undefined && t > faultAt ? t : undefined);
const KEEP = 60;

function pushChange<T>(list: T[], entry: T, same: (a: T, b: T) => boolean): T[] {
  const last = list.at(-1);
  if (last && same(last, entry)) return list;
  return [...list, entry].slice(-KEEP);
}

export function noteLeaderLook(p: TakeoverProgress, goal: TakeoverGoal, look: LeaderLook): TakeoverProgress {
  const next: TakeoverProgress = {
    ...p,
    leaderChanges: pushChange(
      p.leaderChanges,
      {
        at: look.at,
        url: look.leader?.url,
        sessionId: look.leader?.sessionId,
        error: look.error && 'unreachable',
      },
      (a, b) => a.url === b.url && a.sessionId === b.sessionId && a.error === b.error,
    ),
    leader: look.error ? p.leader : look.leader,
    lastError: look.error ?? p.lastError,
  };
  if (look.at <= goal.faultAt) return next;
  const m = { ...p.milestones };
  // ZooKeeper not answering is the fault itself in a ZooKeeper drill; in the others, a slow answer
  // says nothing about who leads.
  const moved =
    look.error !== undefined
      ? goal.kind === 'stop-zookeeper'
      : !look.leader || look.leader.sessionId !== goal.before.sessionId;
  if (!m['leader-lost'] && moved) {
    m['leader-lost'] = {
      at: look.at,
      seenAt: look.at,
      source: 'zookeeper',
      detail: look.error
        ? `ZooKeeper unreachable (${look.error})`
        : !look.leader
          ? 'ZooKeeper names no REST leader'
          : `ZooKeeper names ${look.leader.url}`,
    };
  }
  // A new leadership session: after a ZooKeeper outage the old record can outlive the outage for
  // a moment, and Flink re-grants leadership (possibly to the same JobManager) under a new session.
  const elected =
    look.leader !== undefined && look.error === undefined && look.leader.sessionId !== goal.before.sessionId;
  if (m['leader-lost'] && !m['new-leader-elected'] && elected && look.leader) {
    m['new-leader-elected'] = {
      at: look.at,
      seenAt: look.at,
      source: 'zookeeper',
      detail: `${look.leader.url}, session ${look.leader.sessionId}`,
    };
    next.newLeader = look.leader;
  }
  next.milestones = m;
  return next;
}

export function noteJobLook(p: TakeoverProgress, goal: TakeoverGoal, look: JobLook): TakeoverProgress {
  const next: TakeoverProgress = {
    ...p,
    jobStates: look.state
      ? pushChange(
          p.jobStates,
          { at: look.at, state: look.state, via: look.via },
          (a, b) => a.state === b.state,
        )
      : p.jobStates,
    lastError: look.error ?? p.lastError,
  };
  if (look.at <= goal.faultAt || !look.state) return next;
  if (isTerminalJobState(look.state) && !next.jobEnded) next.jobEnded = { at: look.at, state: look.state };
  const m = { ...p.milestones };
  const ts = look.statusTimestamps ?? {};
  const runningSince = ts.RUNNING;
  if (goal.kind === 'kill-taskmanager') {
    const leftAt = ['RESTARTING', 'FAILING', 'CANCELLING']
      .map((s) => ts[s])
      .find((t): t is number => t !== undefined && t > goal.faultAt);
    if (!m['failure-detected'] && (look.state !== 'RUNNING' || leftAt !== undefined)) {
      m['failure-detected'] = {
        at: look.state !== 'RUNNING' ? look.at : (leftAt as number),
        seenAt: look.at,
        source: 'rest',
        flinkAt: leftAt ?? after(ts[look.state], goal.faultAt),
        detail: look.state !== 'RUNNING' ? `job ${look.state}` : 'job restarted between two looks',
      };
    }
    const restartedRunning = runningSince !== undefined && runningSince > goal.faultAt;
    if (
      m['failure-detected'] &&
      !m['job-restored'] &&
      look.state === 'RUNNING' &&
      (look.startedAt >= m['failure-detected'].seenAt || restartedRunning)
    ) {
      m['job-restored'] = {
        at: look.at,
        seenAt: look.at,
        source: 'rest',
        flinkAt: restartedRunning ? runningSince : undefined,
        detail: `RUNNING again via ${look.via ?? 'REST'}`,
      };
    }
  } else {
    const elected = m['new-leader-elected'];
    const viaNewLeader = !isLeaderKind(goal.kind) || look.via === p.newLeader?.url;
    if (
      elected &&
      !m['job-restored'] &&
      look.state === 'RUNNING' &&
      look.startedAt >= elected.seenAt &&
      viaNewLeader
    ) {
      m['job-restored'] = {
        at: look.at,
        seenAt: look.at,
        source: 'rest',
        flinkAt: runningSince !== undefined && runningSince > goal.faultAt ? runningSince : undefined,
        detail: `RUNNING under ${look.via ?? 'the new leader'}`,
      };
    }
  }
  next.milestones = m;
  return next;
}

/**
 * The first checkpoint completed after the cluster noticed the fault. None can complete between
 * the fault and its detection (the checkpoint coordinator died with the leader; a dead TaskManager
 * cannot acknowledge), so this holds even when the observer started a moment before the fault.
 */
export function noteCheckpointLook(
  p: TakeoverProgress,
  goal: TakeoverGoal,
  look: CheckpointLook,
): TakeoverProgress {
  if (!p.milestones['job-restored'] || p.milestones['first-checkpoint']) return p;
  const detected = p.milestones['failure-detected'] ?? p.milestones['leader-lost'];
  const since = Math.max(goal.faultAt, detected?.flinkAt ?? detected?.at ?? goal.faultAt);
  const first = look.completed
    .filter((c) => c.id > goal.before.checkpointId && c.completedAt > since)
    .sort((a, b) => a.id - b.id)[0];
  if (!first) return p;
  return {
    ...p,
    milestones: {
      ...p.milestones,
      'first-checkpoint': {
        at: first.completedAt,
        seenAt: look.at,
        source: 'checkpoint',
        detail: `checkpoint #${first.id}`,
      },
    },
  };
}

export function noteOutputLook(p: TakeoverProgress, _goal: TakeoverGoal, look: OutputLook): TakeoverProgress {
  const restored = p.milestones['job-restored'];
  if (!restored || p.milestones['first-new-output'] || look.newestCommittedAt === undefined) return p;
  if (look.newestCommittedAt <= (restored.flinkAt ?? restored.at)) return p;
  return {
    ...p,
    milestones: {
      ...p.milestones,
      'first-new-output': { at: look.newestCommittedAt, seenAt: look.at, source: 'output' },
    },
  };
}

/**
 * `fault-detected`: the cluster noticed the fault (leadership lost; for a TaskManager, the job
 * left RUNNING). `recovered`: a leader again (a new one, for the leader kinds), the job RUNNING
 * under it and a checkpoint completed after the fault.
 */
export function takeoverReached(
  p: TakeoverProgress,
  goal: TakeoverGoal,
  until: 'fault-detected' | 'recovered',
) {
  const m = p.milestones;
  if (until === 'fault-detected')
    return goal.kind === 'kill-taskmanager'
      ? m['failure-detected'] !== undefined || m['job-restored'] !== undefined
      : m['leader-lost'] !== undefined;
  const leader = goal.kind === 'kill-taskmanager' || m['new-leader-elected'] !== undefined;
  return leader && m['job-restored'] !== undefined && m['first-checkpoint'] !== undefined;
}

export interface TimelineEntry {
  milestone: MilestoneName;
  label: string;
  at: number;
  seenAt: number;
  source: MilestoneSource;
  flinkAt?: number;
  detail?: string;
  /** From the fault (negative before it). */
  sinceFaultMs: number;
  /** From the milestone before it on the timeline (never negative). */
  sincePreviousMs: number;
}

/** The milestones in time order, each with its distance from the fault and from the one before. */
export function buildTimeline(milestones: Milestones): TimelineEntry[] {
  const fault = milestones['fault-injected']?.at;
  const entries = (Object.entries(milestones) as Array<[MilestoneName, Milestone]>)
    .filter(([, m]) => m !== undefined)
    .sort(([na, a], [nb, b]) => a.at - b.at || ORDER.indexOf(na) - ORDER.indexOf(nb));
  let previous: number | undefined;
  return entries.map(([name, m]) => {
    const entry: TimelineEntry = {
      milestone: name,
      label: MILESTONE_LABEL[name],
      at: m.at,
      seenAt: m.seenAt,
      source: m.source,
      flinkAt: m.flinkAt,
      detail: m.detail,
      sinceFaultMs: fault === undefined ? 0 : m.at - fault,
      sincePreviousMs: previous === undefined ? 0 : Math.max(0, m.at - previous),
    };
    previous = Math.max(previous ?? m.at, m.at);
    return entry;
  });
}

const ORDER = Object.keys(MILESTONE_LABEL) as MilestoneName[];

export interface TakeoverMetrics {
  /** Fault → leadership lost in ZooKeeper (TaskManager: → the job left RUNNING). */
  detectionMs?: number;
  /** Fault → a new leader in ZooKeeper. */
  electionMs?: number;
  /** Fault → the job RUNNING again: the seeds' 故障转移时间, judged against the SLA. */
  takeoverMs?: number;
  firstCheckpointMs?: number;
  firstOutputMs?: number;
  /** Fault → the node started again and answering. */
  nodeDownMs?: number;
}

export function takeoverMetrics(kind: DrillKind, m: Milestones): TakeoverMetrics {
  const fault = m['fault-injected']?.at;
  const since = (name: MilestoneName) => {
    const at = m[name]?.at;
    return fault === undefined || at === undefined ? undefined : at - fault;
  };
  return {
    detectionMs: kind === 'kill-taskmanager' ? since('failure-detected') : since('leader-lost'),
    electionMs: kind === 'kill-taskmanager' ? undefined : since('new-leader-elected'),
    takeoverMs: since('job-restored'),
    firstCheckpointMs: since('first-checkpoint'),
    firstOutputMs: since('first-new-output'),
    nodeDownMs: since('node-restored'),
  };
}
