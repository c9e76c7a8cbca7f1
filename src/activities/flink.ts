import { FlinkRestClient } from '../flink/client';
import { FlinkClusterClient } from '../flink/cluster-client';
import { FlinkNotFoundError } from '../flink/errors';
import type { OnCluster } from '../flink/target';
import type { CheckpointSummary, JobState } from '../flink/types';
import { retentionOf, retentionProblem } from '../policy/checkpoint-retention';
import { isTerminalJobState } from '../policy/job-states';
import { FAILURE } from '../temporal/failure-types';
import { waitUntil } from './heartbeat';

/**
 * Flink REST activities. Each takes the JobManager URLs of the cluster and its REST access (see
 * OnCluster) and talks to whichever answers; errors keep their typed names (FlinkUnreachable,
 * FlinkNoLeader, FlinkNotFound, FlinkUnauthorized, ...).
 */
export type { OnCluster };

const rest = ({ urls, access }: OnCluster) => new FlinkClusterClient(urls, undefined, access);

export class UnsafeCancelError extends Error {
  override name = FAILURE.UnsafeCancel;
}
export class SavepointFailedError extends Error {
  override name = FAILURE.SavepointFailed;
}
/** Final: no wait brings back a trigger the leader that took it kept in its memory. */
export class SavepointTriggerLostError extends Error {
  override name = FAILURE.SavepointTriggerLost;
  readonly final = true;
}
export class JobSubmissionError extends Error {
  override name = FAILURE.JobSubmissionFailed;
}

export interface JobSummary {
  jobId: string;
  name: string;
  state: JobState;
  startTime: number;
}

/** Jobs the cluster knows, newest first. */
export async function listJobs(input: OnCluster): Promise<JobSummary[]> {
  const jobs = await rest(input).call((c) => c.jobsOverview());
  return jobs
    .map((j) => ({ jobId: j.jid, name: j.name, state: j.state, startTime: j['start-time'] }))
    .sort((a, b) => b.startTime - a.startTime);
}

/** A job's state, or `missing` when the cluster does not know the id. */
export async function getJobState(input: OnCluster & { jobId: string }): Promise<JobState | 'MISSING'> {
  try {
    return (await rest(input).call((c) => c.job(input.jobId))).state;
  } catch (error) {
    if (error instanceof FlinkNotFoundError) return 'MISSING';
    throw error;
  }
}

export interface SubmitJobInput extends OnCluster {
  /** 32 hex characters chosen by the workflow: the idempotency key of the submission. */
  jobId: string;
  jar: string;
  entryClass: string;
  parallelism: number;
  args: string[];
  savepointPath?: string;
  allowNonRestoredState?: boolean;
}

/**
 * Uploads the jar and runs it under the workflow's job id. A retry after a crash finds the job
 * already there and does not submit it twice.
 */
export async function submitJob(
  input: SubmitJobInput,
): Promise<{ jobId: string; alreadySubmitted: boolean }> {
  const client = rest(input);
  if ((await getJobState(input)) !== 'MISSING') return { jobId: input.jobId, alreadySubmitted: true };
  const jarId = await client.call((c) => c.uploadJar(input.jar));
  try {
    const jobId = await client.call((c) =>
      c.runJar(jarId, {
        jobId: input.jobId,
        entryClass: input.entryClass,
        parallelism: input.parallelism,
        programArgsList: input.args,
        savepointPath: input.savepointPath,
        allowNonRestoredState: input.allowNonRestoredState,
      }),
    );
    return { jobId, alreadySubmitted: false };
  } catch (error) {
    if ((await getJobState(input).catch(() => 'MISSING')) !== 'MISSING')
      return { jobId: input.jobId, alreadySubmitted: true };
    throw error;
  } finally {
    await client.call((c) => c.deleteJar(jarId)).catch(() => undefined);
  }
}

export interface CancelJobInput extends OnCluster {
  jobId: string;
  /**
   * Where the job's state is safe: `checkpoint` (the activity checks a completed, retained
   * checkpoint exists) or the location of a completed savepoint the workflow holds.
   */
  stateSafeIn: 'checkpoint' | { savepoint: string };
}

/** Cancels a job, refusing unless its state is safe; cancelling a finished job is a no-op. */
export async function cancelJob(
  input: CancelJobInput,
): Promise<{ cancelled: boolean; state: JobState | 'MISSING' }> {
  const state = await getJobState(input);
  if (state === 'MISSING' || isTerminalJobState(state)) return { cancelled: false, state };
  if (input.stateSafeIn === 'checkpoint') {
    const [stats, config] = await Promise.all([
      rest(input).call((c) => c.checkpoints(input.jobId)),
      rest(input).call((c) => c.checkpointConfig(input.jobId)),
    ]);
    const latest = stats.latest;
    const safe = [latest.completed, latest.savepoint].some((cp) => cp?.external_path);
    if (!safe)
      throw new UnsafeCancelError(
        `job ${input.jobId} has no completed checkpoint or savepoint; not cancelling`,
      );
    // A checkpoint is no safe place when the cancel itself deletes it (Flink's default).
    const problem = retentionProblem(input.jobId, retentionOf(config.externalization));
    if (problem) throw new UnsafeCancelError(`not cancelling ${problem}`);
  } else if (!input.stateSafeIn.savepoint) {
    throw new UnsafeCancelError(`no savepoint location given for job ${input.jobId}; not cancelling`);
  }
  await rest(input).call((c) => c.cancel(input.jobId));
  return { cancelled: true, state };
}

export interface SavepointInput extends OnCluster {
  jobId: string;
  targetDirectory: string;
  /** The idempotency key: a retry with the same id finds the operation already under way. */
  triggerId: string;
}

export async function triggerSavepoint(input: SavepointInput): Promise<{ triggerId: string }> {
  const triggerId = await rest(input).call((c) =>
    c.triggerSavepoint(input.jobId, { targetDirectory: input.targetDirectory, triggerId: input.triggerId }),
  );
  return { triggerId };
}

export async function stopWithSavepoint(
  input: SavepointInput & { drain?: boolean },
): Promise<{ triggerId: string }> {
  const triggerId = await rest(input).call((c) =>
    c.stopWithSavepoint(input.jobId, {
      targetDirectory: input.targetDirectory,
      triggerId: input.triggerId,
      drain: input.drain,
    }),
  );
  return { triggerId };
}

/**
 * Savepoints and state changes of a running upgrade usually land within a second: looking every
 * 100 ms at first keeps the job's downtime short, backing off to 1 s keeps a long wait cheap.
 */
const QUICK_THEN_GENTLE = { intervalMs: 100, maxIntervalMs: 1_000 };
/** How long a savepoint trigger may be unknown to the leader before it counts as lost with its JobManager. */
export const TRIGGER_LOST_AFTER_MS = 20_000;

/** Waits for a savepoint (or stop-with-savepoint) operation; returns its location or fails with its cause. */
export async function waitForSavepoint(
  input: OnCluster & { jobId: string; triggerId: string; timeoutMs: number; lostAfterMs?: number },
): Promise<{ location: string }> {
  const lostAfterMs = input.lostAfterMs ?? TRIGGER_LOST_AFTER_MS;
  let unknownSince: number | undefined;
  const status = await waitUntil(
    async () => {
      try {
        const answer = await rest(input).call((c) => c.savepointStatus(input.jobId, input.triggerId));
        unknownSince = undefined;
        return answer.status.id === 'COMPLETED' ? answer : undefined;
      } catch (error) {
        if (!(error instanceof FlinkNotFoundError)) throw error;
        // A leader keeps its triggers in memory: after a leader change the new one answers 404
        // for good. Waiting out the whole timeout for it would change nothing.
        unknownSince ??= Date.now();
        if (Date.now() - unknownSince >= lostAfterMs)
          throw new SavepointTriggerLostError(
            `savepoint ${input.triggerId} of job ${input.jobId} is unknown to the leading JobManager for ${Math.round(lostAfterMs / 1000)} s (${error.message}): the JobManager that took it is gone`,
          );
        throw error;
      }
    },
    {
      timeoutMs: input.timeoutMs,
      ...QUICK_THEN_GENTLE,
      what: `savepoint ${input.triggerId} of job ${input.jobId}`,
    },
  );
  const location = status.operation?.location;
  if (location) return { location };
  const cause = status.operation?.['failure-cause']?.['stack-trace']?.split('\n')[0] ?? 'no cause given';
  throw new SavepointFailedError(`savepoint ${input.triggerId} of job ${input.jobId} failed: ${cause}`);
}

export async function waitForJobState(
  input: OnCluster & { jobId: string; states: Array<JobState | 'MISSING'>; timeoutMs: number },
): Promise<{ state: JobState | 'MISSING'; waitedMs: number }> {
  const started = Date.now();
  const state = await waitUntil(
    async () => {
      const current = await getJobState(input);
      return input.states.includes(current) ? current : undefined;
    },
    {
      timeoutMs: input.timeoutMs,
      ...QUICK_THEN_GENTLE,
      what: `job ${input.jobId} in ${input.states.join('|')}`,
    },
  );
  return { state, waitedMs: Date.now() - started };
}

export interface CheckpointObservation {
  counts: { completed: number; failed: number; inProgress: number; restored: number };
  latestCompleted?: { id: number; completedAt: number; path?: string; isSavepoint: boolean };
  latestFailed?: { id: number; failedAt: number; message?: string };
  /** Age of the oldest checkpoint still in progress, from the history. */
  inProgressAgeMs?: number;
  /** The oldest checkpoint in progress: its id and trigger time (the JobManager's clock). */
  inProgress?: { id: number; triggeredAt: number };
  /** Failed checkpoints in the history since the latest completed one. */
  failedSinceCompleted?: number;
  /** End-to-end durations of the completed checkpoints in the history, newest first. */
  recentDurationsMs?: number[];
  restoredFrom?: { id: number; path?: string; isSavepoint: boolean };
  config: {
    intervalMs: number;
    timeoutMs: number;
    minPauseMs: number;
    tolerableFailures?: number;
    retainedOnCancel?: boolean;
  };
  observedAt: number;
}

const completedAt = (cp: CheckpointSummary) => cp.latest_ack_timestamp ?? cp.trigger_timestamp;

/** Checkpoint progress and the job's own checkpoint settings (the zombie window is computed from them). */
export async function observeCheckpoints(
  input: OnCluster & { jobId: string },
): Promise<CheckpointObservation> {
  const { jobId } = input;
  const client = rest(input);
  const [stats, config] = await Promise.all([
    client.call((c) => c.checkpoints(jobId)),
    client.call((c) => c.checkpointConfig(jobId)),
  ]);
  const now = Date.now();
  const inProgress = stats.history.filter((h) => h.status === 'IN_PROGRESS');
  const oldest = inProgress.reduce<number | undefined>(
    (min, h) => Math.min(min ?? h.trigger_timestamp, h.trigger_timestamp),
    undefined,
  );
  const oldestEntry = inProgress.find((h) => h.trigger_timestamp === oldest);
  const { completed, failed, restored } = stats.latest;
  const completedHistory = stats.history.filter((h) => h.status === 'COMPLETED' && !h.is_savepoint);
  return {
    counts: {
      completed: stats.counts.completed,
      failed: stats.counts.failed,
      inProgress: stats.counts.in_progress,
      restored: stats.counts.restored,
    },
    latestCompleted: completed
      ? {
          id: completed.id,
          completedAt: completedAt(completed),
          path: completed.external_path,
          isSavepoint: completed.is_savepoint,
        }
      : undefined,
    latestFailed: failed
      ? {
          id: failed.id,
          failedAt: failed.failure_timestamp ?? failed.trigger_timestamp,
          message: failed.failure_message,
        }
      : undefined,
    inProgressAgeMs: oldest === undefined ? undefined : now - oldest,
    inProgress: oldestEntry && { id: oldestEntry.id, triggeredAt: oldestEntry.trigger_timestamp },
    failedSinceCompleted: stats.history.filter(
      (h) => h.status === 'FAILED' && (completed === null || h.id > completed.id),
    ).length,
    recentDurationsMs: completedHistory
      .map((h) => h.end_to_end_duration)
      .filter((d): d is number => typeof d === 'number' && d >= 0),
    restoredFrom: restored
      ? { id: restored.id, path: restored.external_path, isSavepoint: restored.is_savepoint }
      : undefined,
    config: {
      intervalMs: config.interval,
      timeoutMs: config.timeout,
      minPauseMs: config.min_pause,
      tolerableFailures: config.tolerable_failed_checkpoints,
      retainedOnCancel: config.externalization
        ? config.externalization.enabled && !config.externalization.delete_on_cancellation
        : undefined,
    },
    observedAt: now,
  };
}

/** Waits until a checkpoint newer than `afterId` completes; returns it. */
export async function waitForCheckpoint(
  input: OnCluster & { jobId: string; afterId: number; timeoutMs: number },
): Promise<{ id: number; completedAt: number; path?: string }> {
  return waitUntil(
    async () => {
      const latest = (await rest(input).call((c) => c.checkpoints(input.jobId))).latest.completed;
      return latest && latest.id > input.afterId
        ? { id: latest.id, completedAt: completedAt(latest), path: latest.external_path }
        : undefined;
    },
    {
      timeoutMs: input.timeoutMs,
      intervalMs: 500,
      what: `a checkpoint of job ${input.jobId} after #${input.afterId}`,
    },
  );
}

/** Exceptions newer than `since` (ms), newest first: what the seeds grep the logs for. */
export async function recentExceptions(
  input: OnCluster & { jobId: string; since: number; max?: number },
): Promise<Array<{ name: string; at: number; firstLine: string; task?: string }>> {
  const history =
    (await rest(input).call((c) => c.exceptions(input.jobId, input.max ?? 10))).exceptionHistory?.entries ??
    [];
  return history
    .filter((e) => e.timestamp > input.since)
    .map((e) => ({
      name: e.exceptionName,
      at: e.timestamp,
      firstLine: e.stacktrace.split('\n')[0] ?? '',
      task: e.taskName ?? undefined,
    }));
}

/**
 * Records per second leaving the job's source vertex (summed over subtasks), and in total.
 * A JobManager's metric fetcher can come back empty (seen after a leadership change), so every
 * JobManager is asked in turn; `undefined` means no JobManager could tell, not "no records".
 */
export async function recordsOut(
  input: OnCluster & { jobId: string },
): Promise<{ perSecond: number; total: number; via: string } | undefined> {
  const { jobId } = input;
  const job = await rest(input).call((c) => c.job(jobId));
  const source = job.vertices[0];
  if (!source) return undefined;
  for (const url of input.urls) {
    const metrics = await new FlinkRestClient(url, 3_000, input.access)
      .vertexMetrics(jobId, source.id, ['numRecordsOut', 'numRecordsOutPerSecond'])
      .catch(() => []);
    const value = (id: string) => metrics.find((m) => m.id === id)?.sum;
    const perSecond = value('numRecordsOutPerSecond');
    const total = value('numRecordsOut');
    if (perSecond !== undefined && total !== undefined) return { perSecond, total, via: url };
  }
  return undefined;
}

export async function listTaskManagers(
  input: OnCluster,
): Promise<Array<{ id: string; slots: number; freeSlots: number; heartbeatAgeMs: number }>> {
  const now = Date.now();
  return (await rest(input).call((c) => c.taskManagers())).map((tm) => ({
    id: tm.id,
    slots: tm.slotsNumber,
    freeSlots: tm.freeSlots,
    heartbeatAgeMs: now - tm.timeSinceLastHeartbeat,
  }));
}
