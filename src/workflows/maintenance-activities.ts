import { NON_RETRYABLE_FLINK_ERRORS } from '../flink/errors';
import { runbookActivities } from './runbook-activities';

/**
 * The activities of the upgrade and savepoint runbooks, each with the retry policy that fits
 * what it does. Errors no retry can fix are listed next to the call they govern.
 */
const FINAL = [...NON_RETRYABLE_FLINK_ERRORS];

/** Looking: cheap, bounded by their REST timeouts, safe to repeat. */
export const {
  listJobs,
  getJobState,
  observeCheckpoints,
  recentExceptions,
  observeOutput,
  inspectJar,
  checkSavepointDir,
  latestRestorePoint,
  savepointsInUse,
  listSavepoints,
  checkOutputSequence,
  findStateOnDisk,
} = runbookActivities({
  startToCloseTimeout: '1m',
  retry: {
    maximumAttempts: 3,
    nonRetryableErrorTypes: [...FINAL, 'SavepointDirUnmapped', 'OutputUnreadable', 'BadStateQuery'],
  },
});

/** Upload + /plan: the jar travels and main() runs in the JobManager. */
export const { planJob } = runbookActivities({
  startToCloseTimeout: '3m',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: FINAL },
});

/** Starting a savepoint or a stop: the triggerId makes a retry find the operation already under way. */
export const { triggerSavepoint, stopWithSavepoint } = runbookActivities({
  startToCloseTimeout: '1m',
  retry: { maximumAttempts: 5, initialInterval: '1s', nonRetryableErrorTypes: FINAL },
});

/** A retry finds the job already there (the workflow chose its id) and does not submit twice. */
export const { submitJob } = runbookActivities({
  startToCloseTimeout: '3m',
  retry: { maximumAttempts: 4, initialInterval: '2s', nonRetryableErrorTypes: FINAL },
});

/** Refuses (UnsafeCancel) unless the job's state is safe; cancelling an ended job is a no-op. */
export const { cancelJob } = runbookActivities({
  startToCloseTimeout: '1m',
  retry: { maximumAttempts: 5, nonRetryableErrorTypes: [...FINAL, 'UnsafeCancel'] },
});

/** Refuses (UnsafeDelete) anything that is not a savepoint directory of the job; a retry is harmless. */
export const { deleteSavepoints } = runbookActivities({
  startToCloseTimeout: '5m',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: ['UnsafeDelete', 'SavepointDirUnmapped'] },
});

/** The monitor's lease: held by someone else is final. */
export const { acquireMaintenanceLease, releaseMaintenanceLease } = runbookActivities({
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 5, nonRetryableErrorTypes: ['LeaseHeld'] },
});

/**
 * Long waits that heartbeat on every poll: a dead worker is noticed within the heartbeat
 * timeout and the wait resumes on another one. Each call's own timeout bounds it.
 */
export function waits(timeoutMs: number) {
  return runbookActivities({
    startToCloseTimeout: timeoutMs + 60_000,
    retry: {
      maximumAttempts: 3,
      nonRetryableErrorTypes: [...FINAL, 'WaitTimeout', 'SavepointFailed'],
    },
  });
}
