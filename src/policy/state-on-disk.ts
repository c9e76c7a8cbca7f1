import { FAILURE } from '../temporal/failure-types';

/**
 * Pure: a job's newest complete state as its directories show it, for when the REST view of the
 * job is gone (a leader change forgets finished jobs and in-flight savepoint triggers; the disk
 * does not). Candidates are the job's savepoints (`savepoint-<first 6 digits of its id>-*`, or the
 * location the runbook's own trigger reported) and its retained checkpoints (`chk-N` under
 * `<checkpointDir>/<job id>/`, and under the ids of its lineage: the monitor's successors keep the
 * first 24 digits). Only a directory holding `_metadata` is complete; an incomplete one is never
 * chosen, however new.
 */

export interface DiskEntry {
  /** As Flink names it: file:/opt/flink/savepoints/savepoint-0e3af3-51bf8b3b899e, file:/…/<job>/chk-7 */
  uri: string;
  /** `_metadata` exists: Flink finished writing it. */
  complete: boolean;
  /** When `_metadata` was written (or the directory made, when incomplete), ms. */
  createdAt: number;
}

export interface CheckpointDirEntry extends DiskEntry {
  /** The job id whose checkpoint directory holds it. */
  jobId: string;
  /** N of chk-N. */
  id: number;
}

export interface SavepointDirEntry extends DiskEntry {
  /** The directory name, savepoint-<6 hex>-<12 hex>. */
  name: string;
}

export interface DiskStateQuery {
  jobId: string;
  savepoints: SavepointDirEntry[];
  checkpoints: CheckpointDirEntry[];
  /** The location the runbook's own savepoint trigger reported, if it heard one. */
  ownSavepoint?: string;
}

export interface DiskState {
  kind: 'savepoint' | 'checkpoint';
  uri: string;
  createdAt: number;
  /** Why this one, for the step log and the alert. */
  why: string;
}

export interface DiskStateAnswer {
  state?: DiskState;
  /** Incomplete directories passed over (newer than the chosen state): written when the leader went away. */
  skipped: string[];
}

export class BadStateQueryError extends Error {
  override name = FAILURE.BadStateQuery;
  readonly nonRetryable = true;
}

const JOB_ID = /^[0-9a-f]{32}$/;

/** The prefix Flink gives a job's savepoint directories: `savepoint-` and the job id's first 6 digits. */
export function savepointPrefix(jobId: string): string {
  return `savepoint-${jobId.slice(0, 6)}-`;
}

/** Job ids of one lineage: the monitor's successor of a job keeps its first 24 digits. */
export function sameLineage(a: string, b: string): boolean {
  return a.slice(0, 24) === b.slice(0, 24);
}

const lastSegment = (uri: string) => uri.replace(/\/+$/, '').split('/').at(-1) ?? '';

export function newestStateOnDisk(query: DiskStateQuery): DiskStateAnswer {
  if (!JOB_ID.test(query.jobId))
    throw new BadStateQueryError(`jobId must be a Flink job id (32 hex characters), got "${query.jobId}"`);
  for (const entry of [...query.savepoints, ...query.checkpoints])
    if (!Number.isFinite(entry.createdAt))
      throw new BadStateQueryError(`${entry.uri} has no valid time (createdAt ${entry.createdAt})`);
  for (const cp of query.checkpoints)
    if (!Number.isInteger(cp.id) || cp.id < 0)
      throw new BadStateQueryError(`${cp.uri} has no valid checkpoint number (${cp.id})`);

  const own = query.ownSavepoint ? lastSegment(query.ownSavepoint) : undefined;
  const savepoints = query.savepoints.filter(
    (sp) => sp.name.startsWith(savepointPrefix(query.jobId)) || sp.name === own,
  );
  const checkpoints = query.checkpoints.filter((cp) => sameLineage(cp.jobId, query.jobId));
  type Candidate = DiskEntry & { kind: DiskState['kind']; rank: number; why: string };
  const candidates: Candidate[] = [
    ...savepoints.map((sp) => ({
      ...sp,
      kind: 'savepoint' as const,
      rank: 0,
      why: sp.name === own ? "the savepoint of the runbook's own trigger" : `savepoint ${sp.name}`,
    })),
    ...checkpoints.map((cp) => ({
      ...cp,
      kind: 'checkpoint' as const,
      rank: cp.id,
      why: `retained checkpoint ${cp.id} of job ${cp.jobId}`,
    })),
  ].sort((a, b) => b.createdAt - a.createdAt || b.rank - a.rank);

  const chosen = candidates.find((c) => c.complete);
  const skipped = candidates
    .filter((c) => !c.complete && (!chosen || c.createdAt >= chosen.createdAt))
    .map((c) => c.uri);
  if (!chosen) return { skipped };
  return {
    state: {
      kind: chosen.kind,
      uri: chosen.uri,
      createdAt: chosen.createdAt,
      why: `the newest complete state on disk: ${chosen.why}`,
    },
    skipped,
  };
}
