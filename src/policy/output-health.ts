import type { OutputListing } from '../output/files';

/** Pure: what a listing of the output directory says about the job's output at `now`. */
export interface OutputObservation {
  committedFiles: number;
  newestCommittedAt?: number;
  /** How long since the newest committed file was written; undefined when there is none. */
  newestAgeMs?: number;
  /** Files committed within the window (the seeds' `find -mmin -5`). */
  committedInWindow: number;
  inProgressFiles: number;
  /** In-progress files older than the limit: written but never committed by a checkpoint. */
  stuckInProgress: number;
  /** When each stuck file was last written (newest first, at most 20), to tell a stall from leftovers. */
  stuckInProgressAt: number[];
  oldestInProgressAgeMs?: number;
  observedAt: number;
}

export function observeListing(
  listing: OutputListing,
  now: number,
  windowMs: number,
  inProgressLimitMs: number,
): OutputObservation {
  const newest = listing.committed.at(-1)?.mtimeMs;
  const inProgressAges = listing.inProgress.map((f) => now - f.mtimeMs);
  return {
    committedFiles: listing.committed.length,
    newestCommittedAt: newest,
    newestAgeMs: newest === undefined ? undefined : Math.max(0, now - newest),
    committedInWindow: listing.committed.filter((f) => now - f.mtimeMs <= windowMs).length,
    inProgressFiles: listing.inProgress.length,
    stuckInProgress: inProgressAges.filter((age) => age > inProgressLimitMs).length,
    stuckInProgressAt: listing.inProgress
      .filter((f) => now - f.mtimeMs > inProgressLimitMs)
      .map((f) => f.mtimeMs)
      .sort((a, b) => b - a)
      .slice(0, 20),
    oldestInProgressAgeMs: inProgressAges.length > 0 ? Math.max(...inProgressAges) : undefined,
    observedAt: now,
  };
}

/**
 * Stuck in-progress files written while this run of the job was running. One older than the run
 * is a leftover of an attempt that was cancelled or restarted (Flink never commits it), not a
 * sign that this job is stuck.
 */
export function stuckSinceStart(stuckAt: number[], runStartedAt: number | undefined): number {
  return runStartedAt === undefined ? stuckAt.length : stuckAt.filter((at) => at >= runStartedAt).length;
}
