import { ApplicationFailure, log, patched } from '@temporalio/workflow';
import type { JobSpec } from '../config/schema';
import type { OnCluster } from '../flink/target';
import { ENDED_JOB_STATES, isTerminalJobState } from '../policy/job-states';
import { FAILURE } from '../temporal/failure-types';
import {
  cancelJob,
  getJobState,
  observeCheckpoints,
  stopWithSavepoint,
  submitJob,
  waitForCheckpoint,
  waitForJobState,
  waitForSavepoint,
} from './activities';
import { newFlinkJobId } from './flink-ids';
import { restartSafely } from './restart-safely';

/**
 * The seeds' fix-ha-job-restart.sh, done so that no state is lost: restart the job from a
 * savepoint when it can still take one, else from its latest completed checkpoint; never cancel
 * a job whose state is not safe; verify the new job completes a checkpoint.
 */
export interface RestartPlan {
  flink: OnCluster;
  job: JobSpec;
  jobId?: string;
  /** `savepoint`: try stop-with-savepoint first (a healthy job, forced restart). */
  prefer: 'savepoint' | 'checkpoint';
  savepointTimeoutMs: number;
  verifyTimeoutMs: number;
  /** The cluster's volumes: where the job's savepoint and checkpoint directories are on this machine. */
  volumes?: Array<{ host: string; container: string }>;
}

/**
 * Restarts that look on disk when the cluster lost the job, cancel only retained checkpoints and
 * never submit a second live job of the name. Monitors that recorded a restart before replay it
 * as it ran.
 */
export const RESTART_KEEPS_STATE = 'restart-keeps-state-one-live-job';

export interface RestartResult {
  jobId: string;
  restoredFrom: string;
  /** disk: found in the job's directories; adopted: a live copy this monitor had submitted. */
  via: 'savepoint' | 'checkpoint' | 'disk' | 'adopted';
}

/**
 * The replacement keeps the old id's first 24 digits: a deploy encodes the cluster, job and
 * submission spec there, so the next deploy of the same spec still finds its job unchanged.
 */
const successorId = (oldJobId: string) => `${oldJobId.slice(0, 24)}${newFlinkJobId().slice(0, 8)}`;

export async function restartJob(plan: RestartPlan): Promise<RestartResult> {
  if (patched(RESTART_KEEPS_STATE)) return restartSafely(plan, successorId);
  return restartAsRecorded(plan);
}

async function restartAsRecorded(plan: RestartPlan): Promise<RestartResult> {
  const { flink, job } = plan;
  const oldJobId = plan.jobId;
  const state = oldJobId ? await getJobState({ ...flink, jobId: oldJobId }) : 'MISSING';
  if (!oldJobId || state === 'MISSING') {
    throw ApplicationFailure.nonRetryable(
      `job ${job.name} is unknown to the cluster: no checkpoint to restore from; not starting it from scratch`,
      FAILURE.NoRestorePoint,
    );
  }

  let restored: { path: string; via: RestartResult['via'] } | undefined;
  if (plan.prefer === 'savepoint' && state === 'RUNNING')
    restored = await tryStopWithSavepoint(plan, oldJobId);
  if (!restored)
    restored = { path: await stopKeepingLatestCheckpoint(plan, oldJobId, state), via: 'checkpoint' };

  const jobId = successorId(oldJobId);
  await submitJob({
    ...flink,
    jobId,
    jar: job.jar,
    entryClass: job.entryClass,
    parallelism: job.parallelism,
    args: job.args,
    savepointPath: restored.path,
  });
  await waitForJobState({ ...flink, jobId, states: ['RUNNING'], timeoutMs: 120_000 });
  await waitForCheckpoint({ ...flink, jobId, afterId: 0, timeoutMs: plan.verifyTimeoutMs });
  return { jobId, restoredFrom: restored.path, via: restored.via };
}

async function tryStopWithSavepoint(plan: RestartPlan, jobId: string) {
  const triggerId = newFlinkJobId();
  try {
    await stopWithSavepoint({ ...plan.flink, jobId, targetDirectory: plan.job.savepointDir, triggerId });
    const { location } = await waitForSavepoint({
      ...plan.flink,
      jobId,
      triggerId,
      timeoutMs: plan.savepointTimeoutMs,
    });
    await waitForJobState({ ...plan.flink, jobId, states: [...ENDED_JOB_STATES], timeoutMs: 60_000 });
    return { path: location, via: 'savepoint' as const };
  } catch (error) {
    log.warn('stop-with-savepoint did not complete; restarting from the latest checkpoint', {
      jobId,
      error: String(error),
    });
    return undefined;
  }
}

/** Cancels the job (only if a completed checkpoint holds its state) and returns that checkpoint. */
async function stopKeepingLatestCheckpoint(plan: RestartPlan, jobId: string, state: string): Promise<string> {
  if (!isTerminalJobState(state)) {
    await cancelJob({ ...plan.flink, jobId, stateSafeIn: 'checkpoint' });
    await waitForJobState({ ...plan.flink, jobId, states: [...ENDED_JOB_STATES], timeoutMs: 60_000 });
  }
  // Read after the job stopped, so no checkpoint can complete after the one we restore.
  const path = (await observeCheckpoints({ ...plan.flink, jobId })).latestCompleted?.path;
  if (!path) {
    throw ApplicationFailure.nonRetryable(
      `job ${jobId} has no completed checkpoint to restore from`,
      FAILURE.NoRestorePoint,
    );
  }
  return path;
}
