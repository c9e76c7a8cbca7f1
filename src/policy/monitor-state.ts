import type { SourceEvidence } from './source-liveness';

/**
 * The monitor's vocabulary: what it observed, what it concluded, what it did. Plain data,
 * shared by the observer activity, the pure policies and the workflow's status query.
 */
export type Verdict = 'healthy' | 'idle' | 'degraded' | 'zombie' | 'failed' | 'no-leader' | 'unknown';

/** Verdicts that call for a restart once confirmed. */
export const RESTARTABLE: ReadonlySet<Verdict> = new Set(['zombie', 'failed']);
export const HEALTHY: ReadonlySet<Verdict> = new Set(['healthy', 'idle']);

/** One look at a job, everything the verdict is made from. Fields are undefined when not seen. */
export interface JobObservation {
  at: number;
  jobId?: string;
  /** Flink's state of the watched job; MISSING when no JobManager knows it. */
  jobState?: string;
  /** Why the REST API could not be asked (all JobManagers down, no leader, ...). */
  restError?: string;
  restNoLeader?: boolean;
  leader?: { url?: string; consistent: boolean; error?: string };
  checkpoints?: {
    completed: number;
    failed: number;
    latestCompletedId?: number;
    latestCompletedAt?: number;
    latestCompletedPath?: string;
    latestFailedAt?: number;
    /** Age of the oldest checkpoint in progress, on the JobManager's clock. */
    inProgressAgeMs?: number;
    inProgressId?: number;
    /** Failed checkpoints in the history since the latest completed one. */
    failedSinceCompleted?: number;
    /** How long this job's recent completed checkpoints took (end to end, newest first). */
    recentDurationsMs?: number[];
    intervalMs: number;
    timeoutMs: number;
  };
  /** `error`: the output folder could not be read (or is missing); the other fields then mean nothing. */
  output?: { newestAgeMs?: number; committedInWindow: number; stuckInProgress: number; error?: string };
  recordsPerSecond?: number;
  /** numRecordsOut of the source vertex, summed over its subtasks. */
  recordsOutTotal?: number;
  /** How long the source vertex's numRecordsOut has not changed, across looks. */
  recordsFlatForMs?: number;
  /** Flink's sourceIdleTime of the source vertex (least over its subtasks): ms since it emitted. */
  sourceIdleMs?: number;
  /** The JobManager's clock at this look (`now` of /jobs/:id): Flink's times are compared with it. */
  flinkNow?: number;
  /** What the job's CDC source says (only for a job with a `source`). */
  source?: SourceEvidence;
  /** The opt-in canary: a row written upstream that must reach committed output. */
  canary?: CanaryState;
  taskManagers?: { registered: number; expected: number };
  /** The JobManagers of the spec that did not answer at all: a dead standby leaves no failover. */
  jobManagers?: { expected: number; down: Array<{ url: string; role: string }> };
  /** Exceptions the job threw since the previous look. */
  newExceptions?: Array<{ name: string; firstLine: string; at: number }>;
  /** For a CANCELED job: failures in its exception history since it last became RUNNING (none: a person cancelled it). */
  failuresInHistory?: number;
  /** How long since the job last became RUNNING (a restart by Flink starts it again), on the JobManager's clock. */
  runningForMs?: number;
}

export interface CanaryState {
  marker: string;
  /** Worker clock, like `at`. */
  writtenAt: number;
  arrivedAt?: number;
  slaMs: number;
}

export interface Evaluation {
  verdict: Verdict;
  reasons: string[];
  /** The evidence is building (a sign not yet past its window): look again this soon. */
  lookAgainInMs?: number;
}

export interface RestartRecord {
  at: number;
  trigger: 'policy' | 'forced';
  reason: string;
  fromJobId?: string;
  toJobId?: string;
  restoredFrom?: string;
  outcome: 'restarted' | 'failed';
  error?: string;
  durationMs: number;
}

export interface Lease {
  holder: string;
  purpose: string;
  expiresAt: number;
}

export type MonitorPhase = 'watching' | 'restarting' | 'standing-down' | 'paused' | 'escalated';

export interface MonitorStatus {
  cluster: string;
  job: string;
  jobId?: string;
  phase: MonitorPhase;
  verdict: Verdict;
  reasons: string[];
  verdictSince: number;
  lastObservation?: JobObservation;
  paused?: { reason?: string; at: number };
  lease?: Lease;
  restarts: RestartRecord[];
  budget: { max: number; used: number; left: number; windowMs: number; cooldownUntil?: number };
  escalated: boolean;
  /** The latest signals refused for a malformed payload, with why. */
  rejectedSignals?: Array<{ signal: string; at: number; problem: string }>;
}
