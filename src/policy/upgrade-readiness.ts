import { TERMINAL_JOB_STATES } from './job-states';
import { sameLocation } from './retention';

/**
 * Pure: is a freshly submitted job (an upgrade's new job, or a rolled-back old one) healthy yet?
 * Ready means RUNNING, a checkpoint of its own completed, and (when the job has output) a file
 * committed since it was submitted. Failed means it never will be: it ended, threw, or did not
 * restore the state it was given.
 */
export interface ReadinessObservation {
  /** Workflow time of the look. */
  at: number;
  /** Workflow time just before the job was submitted; everything counted must be newer. */
  submittedAt: number;
  state?: string;
  /** Why the state could not be read (the look is then inconclusive). */
  error?: string;
  restoredFrom?: { id: number; path?: string };
  latestCheckpoint?: { id: number; completedAt: number };
  /** Exceptions the job threw since it was submitted, newest first. */
  exceptions?: Array<{ name: string; firstLine: string; at: number }>;
  /** Newest committed output file's time, when the job has output. */
  newestOutputAt?: number;
}

export interface ReadinessCriteria {
  /** The job writes output whose commits can be watched. */
  expectOutput: boolean;
  /** The snapshot the job must have been restored from; undefined for a job started without state. */
  expectRestoredFrom?: string;
  /** An exception thrown by the new job fails it at once (default) rather than waiting for the timeout. */
  failOnException?: boolean;
}

export interface ReadinessVerdict {
  verdict: 'ready' | 'waiting' | 'failed';
  reasons: string[];
  met: { running: boolean; checkpoint: boolean; output: boolean; restored: boolean };
}

/** Ended for this check: terminal, gone, or SUSPENDED (waiting for HA recovery, not running). */
const ENDED = new Set([...TERMINAL_JOB_STATES, 'MISSING', 'SUSPENDED']);

export function evaluateReadiness(obs: ReadinessObservation, criteria: ReadinessCriteria): ReadinessVerdict {
  const running = obs.state === 'RUNNING';
  const checkpoint =
    obs.latestCheckpoint !== undefined &&
    obs.latestCheckpoint.completedAt >= obs.submittedAt &&
    obs.latestCheckpoint.id !== obs.restoredFrom?.id;
  const output = !criteria.expectOutput || (obs.newestOutputAt ?? 0) > obs.submittedAt;
  const restored =
    criteria.expectRestoredFrom === undefined ||
    (obs.restoredFrom?.path !== undefined &&
      sameLocation(obs.restoredFrom.path, criteria.expectRestoredFrom));
  const met = { running, checkpoint, output, restored };

  const failures: string[] = [];
  if (obs.state && ENDED.has(obs.state)) failures.push(`the job is ${obs.state}`);
  const thrown = obs.exceptions?.[0];
  if (thrown && criteria.failOnException !== false)
    failures.push(
      `the job threw ${obs.exceptions?.length === 1 ? 'an exception' : `${obs.exceptions?.length} exceptions`}: ${thrown.firstLine}`,
    );
  if (criteria.expectRestoredFrom !== undefined && obs.restoredFrom?.path && !restored)
    failures.push(`the job restored ${obs.restoredFrom.path}, not ${criteria.expectRestoredFrom}`);
  if (criteria.expectRestoredFrom !== undefined && checkpoint && !obs.restoredFrom)
    failures.push(`the job checkpointed without restoring ${criteria.expectRestoredFrom}`);
  if (failures.length > 0) return { verdict: 'failed', reasons: failures, met };

  const waiting: string[] = [];
  if (obs.error) waiting.push(`state unknown: ${obs.error}`);
  else if (!running) waiting.push(`the job is ${obs.state ?? 'not seen yet'}`);
  if (!checkpoint) waiting.push('no checkpoint completed yet');
  if (!output) waiting.push('no output committed yet');
  if (!restored) waiting.push(`restore from ${criteria.expectRestoredFrom} not confirmed yet`);
  if (waiting.length > 0) return { verdict: 'waiting', reasons: waiting, met };
  const ready = [`RUNNING`, `checkpoint #${obs.latestCheckpoint?.id} completed`];
  if (criteria.expectOutput) ready.push('output resumed');
  if (criteria.expectRestoredFrom) ready.push(`restored from ${criteria.expectRestoredFrom}`);
  return { verdict: 'ready', reasons: ready, met };
}

/** The verdict when the readiness timeout is reached: still waiting means not healthy. */
export function timedOut(last: ReadinessVerdict, timeoutMs: number): ReadinessVerdict {
  if (last.verdict !== 'waiting') return last;
  return {
    verdict: 'failed',
    reasons: [`not ready within ${Math.round(timeoutMs / 1000)} s`, ...last.reasons],
    met: last.met,
  };
}
