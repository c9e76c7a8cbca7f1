import { isTerminalJobState } from '../policy/job-states';
import type { FlinkRestClient } from './client';
import type { FlinkClusterClient } from './cluster-client';
import { FlinkNotFoundError, FlinkServerError } from './errors';
import type { CheckpointSummary, JobDetails, JobState } from './types';

/**
 * Reads of a running job that more than one activity makes (the monitor's look, the drill's
 * watch, the runbooks' own activities): each takes the clients it reads through.
 */

export interface RecentException {
  name: string;
  at: number;
  firstLine: string;
  task?: string;
}

export interface RecordsOut {
  perSecond: number;
  total: number;
  /** The JobManager that could tell. */
  via: string;
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

export const completedAt = (cp: CheckpointSummary) => cp.latest_ack_timestamp ?? cp.trigger_timestamp;

/** Checkpoint progress and the job's own checkpoint settings (the zombie window is computed from them). */
export async function checkpointsOf(
  client: FlinkClusterClient,
  jobId: string,
): Promise<CheckpointObservation> {
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

export interface JobLook {
  state: JobState | 'MISSING';
  /** Absent when only the job's status could be read. */
  details?: JobDetails;
}

/**
 * The job's state as the leader knows it. A JobManager that dies after a job ended, before it
 * cleaned up, leaves a dirty job result; the next leader knows the job only from it (Flink 1.20:
 * CheckpointResourcesCleanupRunner, then the ExecutionGraphInfoStore, an hour by default) as a
 * sparse graph without a job type. JobDetailsInfo requires one, so every GET /jobs/<id> answers
 * 500 with a NullPointerException and no message, while /jobs/<id>/status reads the state alone and
 * answers. Only an ended state is taken from there: a live job whose details fail is a REST
 * problem, and the error stands.
 */
export async function jobStateOf(client: FlinkClusterClient, jobId: string): Promise<JobLook> {
  try {
    const details = await client.call((c) => c.job(jobId));
    return { state: details.state, details };
  } catch (error) {
    if (error instanceof FlinkNotFoundError) return { state: 'MISSING' };
    if (!(error instanceof FlinkServerError)) throw error;
    const status = await client.call((c) => c.jobStatus(jobId)).catch(() => undefined);
    if (status && isTerminalJobState(status)) return { state: status };
    throw error;
  }
}

/** Exceptions newer than `since` (ms), newest first: what the seeds grep the logs for. */
export async function exceptionsOf(
  client: FlinkClusterClient,
  jobId: string,
  since: number,
  max = 10,
): Promise<RecentException[]> {
  const history = (await client.call((c) => c.exceptions(jobId, max))).exceptionHistory?.entries ?? [];
  return history
    .filter((e) => e.timestamp > since)
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
export async function recordsOutOf(
  client: FlinkClusterClient,
  jobManagers: FlinkRestClient[],
  jobId: string,
): Promise<RecordsOut | undefined> {
  const job = await client.call((c) => c.job(jobId));
  const source = job.vertices[0];
  if (!source) return undefined;
  for (const jobManager of jobManagers) {
    const metrics = await jobManager
      .vertexMetrics(jobId, source.id, ['numRecordsOut', 'numRecordsOutPerSecond'])
      .catch(() => []);
    const value = (id: string) => metrics.find((m) => m.id === id)?.sum;
    const perSecond = value('numRecordsOutPerSecond');
    const total = value('numRecordsOut');
    if (perSecond !== undefined && total !== undefined) return { perSecond, total, via: jobManager.baseUrl };
  }
  return undefined;
}
