import { NON_RETRYABLE_FLINK_ERRORS } from '../flink/errors';
import { runbookActivities } from './runbook-activities';

/** The monitor's activities, each with the retry policy that fits what it does. */

/**
 * The watch runs for up to half an hour, heartbeating every few seconds: a dead worker is
 * noticed within 10 s and the watch resumes on another; a signal cancels it within seconds.
 */
export const { watchJob } = runbookActivities({
  startToCloseTimeout: '40m',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});

export const { findJobId, getJobState, observeCheckpoints, listJobs, findStateOnDisk } = runbookActivities({
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 5, nonRetryableErrorTypes: [...NON_RETRYABLE_FLINK_ERRORS] },
});

/**
 * Acting on the job. Each is idempotent (a workflow-chosen job id, a triggerId, cancel of a
 * cancelled job is a no-op), so a retry after a crash does not act twice. A caller's mistake
 * (unknown job, bad jar) or an unsafe cancel is final.
 */
export const { cancelJob, stopWithSavepoint, submitJob } = runbookActivities({
  startToCloseTimeout: '2m',
  retry: {
    maximumAttempts: 5,
    nonRetryableErrorTypes: [...NON_RETRYABLE_FLINK_ERRORS, 'UnsafeCancel', 'JobSubmissionFailed'],
  },
});

/** Waits heartbeat; running out of time is a verdict, not something to retry. */
export const { waitForCheckpoint, waitForJobState, waitForSavepoint } = runbookActivities({
  startToCloseTimeout: '10m',
  retry: {
    maximumAttempts: 3,
    nonRetryableErrorTypes: [...NON_RETRYABLE_FLINK_ERRORS, 'WaitTimeout', 'SavepointFailed'],
  },
});
