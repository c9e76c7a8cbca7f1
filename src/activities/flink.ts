import { FlinkNotFoundError } from '../flink/errors';
import {
  type CheckpointObservation,
  checkpointsOf,
  completedAt,
  exceptionsOf,
  jobStateOf,
  type RecentException,
  type RecordsOut,
  recordsOutOf,
} from '../flink/observe';
import type { OnCluster } from '../flink/target';
import type { JobState } from '../flink/types';
import { retentionOf, retentionProblem } from '../policy/checkpoint-retention';
import { isTerminalJobState } from '../policy/job-states';
import { FAILURE } from '../temporal/failure-types';
import { type Adapters, REST_TIMEOUT_MS, standardAdapters } from './adapters';
import { waitUntil } from './heartbeat';

export type { CheckpointObservation, OnCluster };

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

export interface CancelJobInput extends OnCluster {
  jobId: string;
  /**
   * Where the job's state is safe: `checkpoint` (the activity checks a completed, retained
   * checkpoint exists) or the location of a completed savepoint the workflow holds.
   */
  stateSafeIn: 'checkpoint' | { savepoint: string };
}

export interface SavepointInput extends OnCluster {
  jobId: string;
  targetDirectory: string;
  /** The idempotency key: a retry with the same id finds the operation already under way. */
  triggerId: string;
}

/**
 * Savepoints and state changes of a running upgrade usually land within a second: looking every
 * 100 ms at first keeps the job's downtime short, backing off to 1 s keeps a long wait cheap.
 */
const QUICK_THEN_GENTLE = { intervalMs: 100, maxIntervalMs: 1_000 };
/** How long a savepoint trigger may be unknown to the leader before it counts as lost with its JobManager. */
export const TRIGGER_LOST_AFTER_MS = 20_000;

/**
 * Flink REST activities. Each takes the JobManager URLs of the cluster and its REST access (see
 * OnCluster) and talks to whichever answers, through the Flink adapter handed in; errors keep
 * their typed names (FlinkUnreachable, FlinkNoLeader, FlinkNotFound, FlinkUnauthorized, ...).
 */
export function flinkActivities({ flink }: Pick<Adapters, 'flink'>) {
  const rest = ({ urls, access }: OnCluster) => flink.cluster(urls, REST_TIMEOUT_MS.cluster, access);

  /** Jobs the cluster knows, newest first. */
  async function listJobs(input: OnCluster): Promise<JobSummary[]> {
    const jobs = await rest(input).call((c) => c.jobsOverview());
    return jobs
      .map((j) => ({ jobId: j.jid, name: j.name, state: j.state, startTime: j['start-time'] }))
      .sort((a, b) => b.startTime - a.startTime);
  }

  /** A job's state, or `missing` when the cluster does not know the id. */
  async function getJobState(input: OnCluster & { jobId: string }): Promise<JobState | 'MISSING'> {
    return (await jobStateOf(rest(input), input.jobId)).state;
  }

  /**
   * Uploads the jar and runs it under the workflow's job id. A retry after a crash finds the job
   * already there and does not submit it twice.
   */
  async function submitJob(input: SubmitJobInput): Promise<{ jobId: string; alreadySubmitted: boolean }> {
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

  /** Cancels a job, refusing unless its state is safe; cancelling a finished job is a no-op. */
  async function cancelJob(
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

  async function triggerSavepoint(input: SavepointInput): Promise<{ triggerId: string }> {
    const triggerId = await rest(input).call((c) =>
      c.triggerSavepoint(input.jobId, { targetDirectory: input.targetDirectory, triggerId: input.triggerId }),
    );
    return { triggerId };
  }

  async function stopWithSavepoint(
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

  /** Waits for a savepoint (or stop-with-savepoint) operation; returns its location or fails with its cause. */
  async function waitForSavepoint(
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

  async function waitForJobState(
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

  /** Waits until a checkpoint newer than `afterId` completes; returns it. */
  async function waitForCheckpoint(
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

  async function listTaskManagers(
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

  /** Checkpoint progress and the job's own checkpoint settings (the zombie window is computed from them). */
  async function observeCheckpoints(input: OnCluster & { jobId: string }): Promise<CheckpointObservation> {
    return checkpointsOf(rest(input), input.jobId);
  }

  /** Exceptions newer than `since` (ms), newest first: what the seeds grep the logs for. */
  async function recentExceptions(
    input: OnCluster & { jobId: string; since: number; max?: number },
  ): Promise<RecentException[]> {
    return exceptionsOf(rest(input), input.jobId, input.since, input.max);
  }

  /**
   * Records per second leaving the job's source vertex (summed over subtasks), and in total;
   * `undefined` when no JobManager could tell (see recordsOutOf).
   */
  async function recordsOut(input: OnCluster & { jobId: string }): Promise<RecordsOut | undefined> {
    const jobManagers = input.urls.map((url) =>
      flink.jobManager(url, REST_TIMEOUT_MS.oneJobManager, input.access),
    );
    return recordsOutOf(rest(input), jobManagers, input.jobId);
  }

  return {
    listJobs,
    getJobState,
    submitJob,
    cancelJob,
    triggerSavepoint,
    stopWithSavepoint,
    waitForSavepoint,
    waitForJobState,
    observeCheckpoints,
    waitForCheckpoint,
    recentExceptions,
    recordsOut,
    listTaskManagers,
  };
}

export const {
  listJobs,
  getJobState,
  submitJob,
  cancelJob,
  triggerSavepoint,
  stopWithSavepoint,
  waitForSavepoint,
  waitForJobState,
  observeCheckpoints,
  waitForCheckpoint,
  recentExceptions,
  recordsOut,
  listTaskManagers,
} = flinkActivities(standardAdapters);
