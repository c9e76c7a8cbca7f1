import { ApplicationFailure, patched, sleep } from '@temporalio/workflow';
import { haRecoveryWindowMs } from '../policy/ha-recovery';
import { ENDED_JOB_STATES, isTerminalJobState } from '../policy/job-states';
import type { RestorePoint, UpgradePath } from '../policy/upgrade-plan';
import { FAILURE } from '../temporal/failure-types';
import {
  cancelJob,
  findStateOnDisk,
  getJobState,
  latestRestorePoint,
  stopWithSavepoint,
  waits,
} from './activities';
import { failureText, failureType } from './failures';
import { newFlinkJobId } from './flink-ids';
import {
  alert,
  type OldJob,
  REST_CACHE_MS,
  type Snapshot,
  snapshotOf,
  UPGRADE_KEEPS_STATE,
  type Upgrade,
} from './upgrade-run';

/**
 * The upgrade's first change: stop the old job so that its state is kept. Savepoint and stateless
 * modes stop it with a savepoint; last-state cancels it (its checkpoints are retained) and takes
 * its newest checkpoint. A stop whose REST view a leader change lost goes on from the job's
 * newest complete state on disk, once HA job recovery has had its time.
 */

export interface Stopped {
  /** Where the old job's state is; none when there was no old job. */
  snapshot?: Snapshot;
  requestedAt?: number;
  stoppedAt?: number;
}

/** Savepoint and stateless: stop-with-savepoint. last-state: cancel, then its newest checkpoint. */
export async function stopOldJob(u: Upgrade, old: OldJob & { path: { ok: true } }): Promise<Stopped> {
  if (!old.job) return {};
  const { jobId } = old.job;
  const requestedAt = Date.now();
  const snapshot =
    old.path.stop === 'stop-with-savepoint'
      ? await stopKeepingSavepoint(u, jobId)
      : await endKeepingCheckpoint(u, jobId, old.path, old.restorePoint);
  u.run.status.snapshot = snapshot.path;
  u.run.step('old job stopped', `${jobId}; state in ${snapshot.kind} ${snapshot.path}`);
  return { snapshot, requestedAt, stoppedAt: Date.now() };
}

/** last-state: cancel a live job (its checkpoints are retained), then take its newest checkpoint. */
async function endKeepingCheckpoint(
  u: Upgrade,
  jobId: string,
  path: Extract<UpgradePath, { ok: true }>,
  before?: RestorePoint,
): Promise<Snapshot> {
  if (path.stop === 'cancel') {
    await cancelJob({ ...u.flink, jobId, stateSafeIn: 'checkpoint' });
    u.run.step('old job cancelled', jobId);
    await waits(60_000).waitForJobState({
      ...u.flink,
      jobId,
      states: [...ENDED_JOB_STATES],
      timeoutMs: 60_000,
    });
  }
  // Read again now that the job has ended, so no later checkpoint can complete any more, and
  // after Flink's REST cache of checkpoint statistics (web.refresh-interval, 3 s) has expired.
  await sleep(REST_CACHE_MS);
  const { restorePoint } = await latestRestorePoint({ ...u.flink, jobId });
  const newest = [restorePoint, before]
    .filter((p): p is RestorePoint => p !== undefined)
    .sort((a, b) => b.id - a.id)[0];
  if (!newest)
    throw ApplicationFailure.nonRetryable(`job ${jobId} left no checkpoint`, FAILURE.NoRestorePoint);
  return snapshotOf(newest);
}

/**
 * On timeout or failure the old job keeps running and the workflow fails, saying so. A job the
 * cluster no longer knows (a leader change) goes on from its newest complete state on disk.
 */
export async function stopKeepingSavepoint(u: Upgrade, jobId: string, attempt = 1): Promise<Snapshot> {
  const triggerId = newFlinkJobId();
  const timeoutMs = u.timeouts.savepointMs;
  try {
    u.run.step('stop-with-savepoint', `job ${jobId}, triggerId ${triggerId}`);
    await stopWithSavepoint({
      ...u.flink,
      jobId,
      targetDirectory: u.job.savepointDir,
      triggerId,
      drain: u.input.drain,
    });
    const { location } = await waits(timeoutMs).waitForSavepoint({
      ...u.flink,
      jobId,
      triggerId,
      timeoutMs,
    });
    await waits(60_000).waitForJobState({
      ...u.flink,
      jobId,
      states: [...ENDED_JOB_STATES],
      timeoutMs: 60_000,
    });
    return { kind: 'savepoint', path: location };
  } catch (error) {
    let state = await getJobState({ ...u.flink, jobId }).catch(() => 'unknown');
    const reason = failureText(error);
    // The JobManager that took the trigger is gone; the new leader recovers the job from its
    // latest checkpoint: once it runs again, stop it again, with a trigger of its own.
    if (
      failureType(error) === FAILURE.SavepointTriggerLost &&
      attempt < STOP_ATTEMPTS &&
      patched(STOP_AGAIN_AFTER_LEADER_CHANGE)
    ) {
      state = await waitForRecovery(u, jobId, state);
      if (state === 'RUNNING') {
        u.run.step('stop-with-savepoint again', `${reason}; job ${jobId} runs again on the new leader`);
        return stopKeepingSavepoint(u, jobId, attempt + 1);
      }
    }
    if (state !== 'RUNNING' && patched(UPGRADE_KEEPS_STATE)) {
      state = await waitForHaRecovery(u, jobId, state);
      const found = state === 'RUNNING' ? undefined : await stateOnDisk(u, jobId, reason);
      if (found) return found;
    }
    const unchanged = state === 'RUNNING';
    const message = unchanged
      ? `stop-with-savepoint of job ${jobId} failed: ${reason}. The job is still RUNNING; nothing was changed.`
      : `stop-with-savepoint of job ${jobId} failed: ${reason}. The job is now ${state}: check it.`;
    u.run.step('stop-with-savepoint failed', message);
    await alert(
      u,
      { oldJobId: jobId },
      unchanged ? 'warning' : 'critical',
      'upgrade stopped: savepoint failed',
      message,
    );
    throw ApplicationFailure.nonRetryable(message, FAILURE.SavepointFailed, { jobId, state, triggerId });
  }
}

/** Upgrades that recorded a stop lost with its JobManager before this gave up there; they replay so. */
export const STOP_AGAIN_AFTER_LEADER_CHANGE = 'upgrade-stop-again-after-leader-change';
/** Stops tried in all: a second leader change in the same stop is a cluster to look at first. */
const STOP_ATTEMPTS = 2;

/** A job the new leader has not yet recovered (MISSING, or still CREATED/RESTARTING): wait for it to run or end. */
async function waitForRecovery(u: Upgrade, jobId: string, state: string): Promise<string> {
  if (state === 'RUNNING' || isTerminalJobState(state)) return state;
  return waitForHaRecovery(u, jobId, 'MISSING');
}

/** A job the cluster does not know right after a leader change may be recovered from HA storage. */
async function waitForHaRecovery(u: Upgrade, jobId: string, state: string): Promise<string> {
  if (state !== 'MISSING') return state;
  let windowMs: number;
  try {
    windowMs = haRecoveryWindowMs(u.cluster);
  } catch (error) {
    u.run.warnings.push(`${failureText(error)}; waiting as for Flink's default session timeout`);
    windowMs = haRecoveryWindowMs({ flinkConfig: {}, jobManagers: [] });
  }
  u.run.step(
    'waiting for HA job recovery',
    `job ${jobId} is unknown to the cluster; waiting up to ${Math.round(windowMs / 1000)} s`,
  );
  const seen = await waits(windowMs)
    .waitForJobState({
      ...u.flink,
      jobId,
      states: ['RUNNING', ...ENDED_JOB_STATES],
      timeoutMs: windowMs,
    })
    .catch(() => undefined);
  return seen?.state ?? 'MISSING';
}

/** The old job's newest complete savepoint or retained checkpoint on disk, if any. */
async function stateOnDisk(u: Upgrade, jobId: string, reason: string): Promise<Snapshot | undefined> {
  const found = await findStateOnDisk({
    jobId,
    savepointDir: u.job.savepointDir,
    checkpointDir: u.job.checkpointDir,
    volumes: u.cluster.volumes,
  }).catch(() => undefined);
  if (!found?.state) return undefined;
  u.run.step('state found on disk', `${found.state.why}: ${found.state.uri}`);
  u.run.warnings.push(
    `the stop of job ${jobId} lost its REST view (${reason}); the upgrade went on from ${found.state.uri}`,
  );
  return { kind: found.state.kind, path: found.state.uri };
}
