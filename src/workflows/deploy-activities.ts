import { CONFIG_ERROR_TYPES } from '../config/errors';
import { NON_RETRYABLE_FLINK_ERRORS } from '../flink/errors';
import { runbookActivities } from './runbook-activities';

/**
 * The activities the deploy runbook calls, each group with the retry policy that suits it.
 * Every activity heartbeats (runbook-activities.ts), so a worker that dies in the middle of one
 * is noticed within seconds and it resumes on another; a wait that ran out of time is final.
 */

/** Reading the spec: a bad or unknown cluster or job is final. */
export const { resolveClusterJob } = runbookActivities({
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: [...CONFIG_ERROR_TYPES] },
});

/** The precheck's observations: read-only, cheap, retried a little. */
export const {
  checkDockerEngine,
  inspectImages,
  measureFreeDisk,
  checkPortsFree,
  inspectClusterContainers,
  inspectDirectories,
  inspectJar,
  probeJobManagers,
  checkHaSettings,
  listTaskManagers,
  getJobState,
  observeCheckpoints,
  jobFailureCause,
  checkSourceReadiness,
} = runbookActivities({
  startToCloseTimeout: '2m',
  retry: {
    maximumAttempts: 3,
    initialInterval: '1s',
    nonRetryableErrorTypes: [...NON_RETRYABLE_FLINK_ERRORS],
  },
});

/** Waits that poll the cluster, from a few seconds to a few minutes; each call passes its own timeout. */
const waits = runbookActivities({
  startToCloseTimeout: '15m',
  retry: {
    maximumAttempts: 5,
    initialInterval: '2s',
    nonRetryableErrorTypes: ['WaitTimeout', 'SavepointFailed', ...NON_RETRYABLE_FLINK_ERRORS],
  },
});
export const {
  observeClusterJobs,
  waitForZooKeeperReady,
  waitForJobManagerReady,
  waitForTaskManagersReady,
  waitForJobState,
  waitForCheckpoint,
  waitForSavepoint,
  waitForNewOutput,
} = waits;

/** Asking the JobManager to plan the jar: a rejection is an answer, not an error; only a lost JobManager is retried. */
export const { planJob } = runbookActivities({
  startToCloseTimeout: '5m',
  retry: {
    maximumAttempts: 3,
    initialInterval: '2s',
    nonRetryableErrorTypes: [...NON_RETRYABLE_FLINK_ERRORS],
  },
});

/** Docker actions: each idempotent (create finds an existing container, stop a stopped one). */
export const { createContainer, startContainer, stopContainer, removeClusterContainer, prepareDirectories } =
  runbookActivities({
    startToCloseTimeout: '3m',
    retry: {
      maximumAttempts: 5,
      initialInterval: '2s',
      nonRetryableErrorTypes: ['ContainerNotFound', 'NotOurContainer', 'UnsafeClean'],
    },
  });

/**
 * Submitting and stopping the job. submitJob carries the workflow's job id, stopWithSavepoint
 * its trigger id, so a retry after a crash finds the work done instead of doing it twice.
 */
export const { submitJob, stopWithSavepoint } = runbookActivities({
  startToCloseTimeout: '3m',
  retry: {
    maximumAttempts: 5,
    initialInterval: '2s',
    nonRetryableErrorTypes: [...NON_RETRYABLE_FLINK_ERRORS, 'JobSubmissionFailed'],
  },
});

/** The job's monitor: the maintenance lease (a lease held by another runbook is final) and the hand-over. */
export const { acquireMaintenanceLease, releaseMaintenanceLease, ensureMonitor } = runbookActivities({
  startToCloseTimeout: '1m',
  retry: { maximumAttempts: 3, initialInterval: '2s', nonRetryableErrorTypes: ['LeaseHeld'] },
});
