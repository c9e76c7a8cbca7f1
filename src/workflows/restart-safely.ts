import { ApplicationFailure, isCancellation, log, patched } from '@temporalio/workflow';
import type { CheckpointObservation } from '../activities/flink';
import { restoreAfterStop, retentionOfFlag, SET_RETENTION, stopRoute } from '../policy/checkpoint-retention';
import { ENDED_JOB_STATES, isTerminalJobState } from '../policy/job-states';
import { beforeSubmit } from '../policy/one-live-job';
import { FAILURE } from '../temporal/failure-types';
import {
  cancelJob,
  findStateOnDisk,
  getJobState,
  listJobs,
  observeCheckpoints,
  stopWithSavepoint,
  submitJob,
  waitForCheckpoint,
  waitForJobState,
  waitForSavepoint,
} from './activities';
import { newFlinkJobId } from './flink-ids';
import type { RestartPlan, RestartResult } from './monitor-restart';

/**
 * The monitor's restart, so that it never destroys state and never runs two copies:
 *
 *   where is the job → (lost by the cluster: its newest complete state on disk) →
 *   (live: stop it keeping its state — a cancel only when Flink retains checkpoints on cancel,
 *   else stop-with-savepoint) → ask the leader for live jobs of the name (adopt our own, refuse a
 *   stray) → submit the successor from that state → RUNNING → a checkpoint completes.
 */

interface Restored {
  path: string;
  via: RestartResult['via'];
}

export async function restartSafely(plan: RestartPlan, successorId: (old: string) => string) {
  const { flink, job } = plan;
  const oldJobId = plan.jobId;
  if (!oldJobId) throw noRestorePoint(`the monitor knows no job of ${job.name} to restart`);
  const state = await getJobState({ ...flink, jobId: oldJobId });

  let restored: Restored;
  if (state === 'MISSING') {
    // The leader that knew the job is gone: a copy of ours may run already, else its state is on disk.
    const adopted = await adoptLiveCopy(plan, oldJobId);
    if (adopted) return adopted;
    restored = await newestStateOnDisk(plan, oldJobId);
  } else {
    restored = await stopKeepingState(plan, oldJobId, state);
  }

  const jobId = successorId(oldJobId);
  const adopted = await adoptLiveCopy(plan, jobId, oldJobId);
  if (adopted) return adopted;
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

/** One live job per name: our own submission is adopted, a stray refused (never a second copy). */
async function adoptLiveCopy(
  plan: RestartPlan,
  jobId: string,
  replacing?: string,
): Promise<RestartResult | undefined> {
  const jobs = await listJobs(plan.flink);
  const decision = beforeSubmit({
    jobs,
    name: plan.job.name,
    jobId,
    replacing: replacing ? [replacing] : [],
    lineage: true,
  });
  if (decision.action === 'refuse')
    throw ApplicationFailure.nonRetryable(decision.reason, FAILURE.StrayJob, {
      strays: decision.strays.map((j) => j.jobId),
    });
  if (decision.action === 'submit') return undefined;
  log.info(decision.reason);
  return { jobId: decision.jobId, restoredFrom: '(already running)', via: 'adopted' };
}

/** A live job is stopped so that its state survives; an ended one is restored as it is. */
async function stopKeepingState(plan: RestartPlan, jobId: string, state: string): Promise<Restored> {
  const ended = isTerminalJobState(state);
  const before = ended ? undefined : await observeCheckpoints({ ...plan.flink, jobId });
  const retention = before ? retentionOfFlag(before.config.retainedOnCancel) : 'unknown';
  // What a person resumes from when the monitor may not stop the job: it lasts while the job does.
  const resumeFrom = before?.latestCompleted?.path
    ? ` Its latest completed checkpoint is ${before.latestCompleted.path}; Flink deletes it if the job is cancelled. To keep checkpoints: ${SET_RETENTION}.`
    : '';
  const route = stopRoute({ jobId, state, retention, prefer: plan.prefer });
  if (route.route === 'refuse')
    throw ApplicationFailure.nonRetryable(`${route.reason}.${resumeFrom}`, FAILURE.UnsafeCancel);
  if (route.route === 'stop-with-savepoint') {
    const saved = await tryStopWithSavepoint(plan, jobId);
    if (saved) return saved;
    if (!route.thenCancel)
      throw ApplicationFailure.nonRetryable(
        `stop-with-savepoint of job ${jobId} did not complete, and a cancel would delete its checkpoints: not cancelling it.${resumeFrom}`,
        FAILURE.UnsafeCancel,
      );
  }
  if (!ended) {
    await cancelJob({ ...plan.flink, jobId, stateSafeIn: 'checkpoint' });
    await waitUntilCancelled(plan, jobId);
  }
  // Read after the job stopped, so no checkpoint can complete after the one restored.
  const seen = await checkpointView(plan, jobId);
  const restore = restoreAfterStop({
    stateBefore: state,
    view: seen && { latestPath: seen.latestCompleted?.path, retainedOnCancel: seen.config.retainedOnCancel },
  });
  return restore.from === 'checkpoint'
    ? { path: restore.path, via: 'checkpoint' }
    : newestStateOnDisk(plan, jobId);
}

/** Restarts that could not read the ended job's checkpoints failed there; they replay so. */
export const CHECKPOINT_VIEW_LOST = 'restart-checkpoint-view-lost-then-disk';

/**
 * The ended job's checkpoints as the cluster reports them, or undefined when it no longer can:
 * a leader that took over from a JobManager that died right after the job ended knows the job
 * only from its job result (404 for its checkpoints, 500 for its details). Its retained
 * checkpoints are on disk; the job has ended, so none newer can appear.
 */
async function checkpointView(plan: RestartPlan, jobId: string): Promise<CheckpointObservation | undefined> {
  try {
    return await observeCheckpoints({ ...plan.flink, jobId });
  } catch (error) {
    if (isCancellation(error) || !patched(CHECKPOINT_VIEW_LOST)) throw error;
    log.warn('the checkpoints of the ended job cannot be read: restoring its newest state on disk', {
      jobId,
      error: String(error),
    });
    return undefined;
  }
}

/** Restarts that recorded a cancel lost with its JobManager gave up there; they replay so. */
export const CANCEL_AGAIN_AFTER_LEADER_CHANGE = 'restart-cancel-again-after-leader-change';

/**
 * A cancel the leader took and then died with is forgotten: the new leader recovers the job from
 * its latest checkpoint and runs it. Cancel it once more (its checkpoints are retained, as the
 * first cancel required), giving the new leader time to recover it first.
 */
async function waitUntilCancelled(plan: RestartPlan, jobId: string): Promise<void> {
  const ended = { ...plan.flink, jobId, states: [...ENDED_JOB_STATES] };
  try {
    await waitForJobState({ ...ended, timeoutMs: 60_000 });
  } catch (error) {
    if (!patched(CANCEL_AGAIN_AFTER_LEADER_CHANGE)) throw error;
    const state = await getJobState({ ...plan.flink, jobId });
    if (isTerminalJobState(state)) return;
    if (state === 'MISSING') throw error;
    log.warn('the cancel did not end the job, which runs again (a leader change?): cancelling it again', {
      jobId,
      state,
    });
    await cancelJob({ ...plan.flink, jobId, stateSafeIn: 'checkpoint' });
    await waitForJobState({ ...ended, timeoutMs: 120_000 });
  }
}

async function tryStopWithSavepoint(plan: RestartPlan, jobId: string): Promise<Restored | undefined> {
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
    return { path: location, via: 'savepoint' };
  } catch (error) {
    log.warn('stop-with-savepoint did not complete', { jobId, error: String(error) });
    return undefined;
  }
}

/** The job's newest complete savepoint or retained checkpoint on disk; none is final. */
async function newestStateOnDisk(plan: RestartPlan, jobId: string): Promise<Restored> {
  const found = await findStateOnDisk({
    jobId,
    savepointDir: plan.job.savepointDir,
    checkpointDir: plan.job.checkpointDir,
    volumes: plan.volumes ?? [],
  });
  if (!found.state) {
    const where = [...found.looked, ...found.unmapped.map((u) => `${u} (not on this machine)`)].join(', ');
    throw noRestorePoint(
      `job ${jobId} of ${plan.job.name} is unknown to the cluster and no complete savepoint or retained checkpoint of it is on disk (looked in ${where}); not starting it from scratch`,
    );
  }
  log.info(found.state.why, { uri: found.state.uri, skipped: found.skipped });
  return { path: found.state.uri, via: 'disk' };
}

function noRestorePoint(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, FAILURE.NoRestorePoint);
}
