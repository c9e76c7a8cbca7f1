import { type ActivityOptions, proxyActivities } from '@temporalio/workflow';
import type * as activities from '../activities';
import { ALERT_ERROR_TYPES } from '../alerts/types';
import { CONFIG_ERROR_TYPES } from '../config/errors';
import { NON_RETRYABLE_FLINK_ERRORS } from '../flink/errors';
import { NON_RETRYABLE_PROBE_ERRORS } from '../probes/error-types';
import { FAILURE } from '../temporal/failure-types';

/**
 * Every activity a runbook calls, each once, with the timeout and retry policy that fit what it
 * does: the one place to look up how hard a call is retried and which failures are final.
 *
 * Every activity heartbeats through the worker's keep-alive (temporal/keep-alive.ts), so a worker
 * that dies in the middle of one is noticed within WORKER_LOSS_NOTICED_WITHIN and the attempt is
 * retried on another worker, whatever its start-to-close timeout.
 */
export const WORKER_LOSS_NOTICED_WITHIN = '10s';

type Options = Omit<ActivityOptions, 'heartbeatTimeout'>;
function proxy(options: Options) {
  return proxyActivities<typeof activities>({ ...options, heartbeatTimeout: WORKER_LOSS_NOTICED_WITHIN });
}

const FLINK_FINAL = [...NON_RETRYABLE_FLINK_ERRORS];
const UNMAPPED = [FAILURE.CheckpointDirUnmapped, FAILURE.SavepointDirUnmapped];

/** Reading the spec: a bad or unknown cluster or job is final, anything else (a file being written) is retried. */
export const { resolveCluster, resolveClusterJob } = proxy({
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: [...CONFIG_ERROR_TYPES] },
});

/**
 * Looking at the cluster: read-only and safe to repeat, each call bounded by its own REST or
 * Docker timeouts; what Flink refuses (an unknown job, a bad request) is final. Five attempts
 * (1 + 2 + 4 + 8 s apart) ride out a leader change, when every JobManager answers 503 for a
 * while: the monitor's restart reads the job in the middle of one and must not fail for it.
 */
export const {
  probeJobManagers,
  listJobs,
  findJobId,
  getJobState,
  observeCheckpoints,
  recentExceptions,
  jobFailureCause,
  savepointsInUse,
  latestRestorePoint,
  knownJobs,
  listTaskManagers,
  checkHaSettings,
  checkDockerEngine,
  checkNodeEngines,
  inspectImages,
  inspectClusterContainers,
  inspectDirectories,
  inspectJar,
  measureFreeDisk,
  measureDiskUsage,
  checkPortsFree,
  checkSourceReadiness,
  monitorStatusOf,
} = proxy({
  startToCloseTimeout: '2m',
  retry: { maximumAttempts: 5, initialInterval: '1s', nonRetryableErrorTypes: FLINK_FINAL },
});

/** Looking at state on disk: a folder no volume mounts, or a question that cannot be answered, is final. */
export const { findStateOnDisk, checkSavepointDir, listSavepoints, listCheckpointFolders, listDrillReports } =
  proxy({
    startToCloseTimeout: '5m',
    retry: {
      maximumAttempts: 3,
      nonRetryableErrorTypes: [...FLINK_FINAL, ...UNMAPPED, FAILURE.BadStateQuery],
    },
  });

/** The job's committed output and its sequence: output that cannot be read is final. */
export const { observeOutput, checkOutputSequence } = proxy({
  startToCloseTimeout: '2m',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: [...FLINK_FINAL, FAILURE.OutputUnreadable] },
});

/** Upload and /plan: the jar travels and main() runs in the JobManager; a rejection is an answer, not an error. */
export const { planJob } = proxy({
  startToCloseTimeout: '5m',
  retry: { maximumAttempts: 3, initialInterval: '2s', nonRetryableErrorTypes: FLINK_FINAL },
});

/**
 * Acting on the job, each idempotent: submitJob carries the workflow's job id, a savepoint or a
 * stop its trigger id, a cancel of an ended job is a no-op, so a retry after a crash finds the
 * work done instead of doing it twice. A caller's mistake (unknown job, bad jar), a submission
 * Flink refused or a cancel the job's state makes unsafe is final. The retries outlast a leader
 * election (every JobManager answers 503 until the ZooKeeper session of the dead leader expires:
 * 15 s in the sandbox, 60 s by Flink's default): about 65 s of backoff.
 */
export const { submitJob, triggerSavepoint, stopWithSavepoint, cancelJob } = proxy({
  startToCloseTimeout: '3m',
  retry: {
    maximumAttempts: 10,
    initialInterval: '1s',
    maximumInterval: '10s',
    nonRetryableErrorTypes: [...FLINK_FINAL, FAILURE.JobSubmissionFailed, FAILURE.UnsafeCancel],
  },
});

/** Removing: each checks its targets again and reports one already gone as missing; a refused removal is a bug. */
export const { deleteSavepoints, removeCheckpointFolders, removeDrillReports, cleanFlinkLogs } = proxy({
  startToCloseTimeout: '10m',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: [FAILURE.UnsafeDelete, ...UNMAPPED] },
});

/** Docker actions, each idempotent (create finds an existing container, stop a stopped one). */
export const { createContainer, startContainer, stopContainer, removeClusterContainer, prepareDirectories } =
  proxy({
    startToCloseTimeout: '3m',
    retry: {
      maximumAttempts: 5,
      initialInterval: '2s',
      nonRetryableErrorTypes: [FAILURE.ContainerNotFound, FAILURE.NotOurContainer, FAILURE.UnsafeClean],
    },
  });

/** The job's monitor: the maintenance lease (one held by another runbook is final) and the hand-over. */
export const { acquireMaintenanceLease, releaseMaintenanceLease, ensureMonitor } = proxy({
  startToCloseTimeout: '1m',
  retry: { maximumAttempts: 5, initialInterval: '1s', nonRetryableErrorTypes: [FAILURE.LeaseHeld] },
});

/**
 * Alerts: the activity never fails because a channel did (a retry would resend to the channels
 * that took it), so only a lost worker is retried, once; an alert that cannot be rendered is
 * final. Up to 8 minutes covers delivery at its largest settings (5 attempts of 60 s per channel).
 */
export const { sendAlert } = proxy({
  startToCloseTimeout: '8m',
  retry: { maximumAttempts: 2, nonRetryableErrorTypes: [...ALERT_ERROR_TYPES] },
});

/**
 * The monitor's watch runs for up to half an hour, heartbeating every few seconds: a dead worker
 * is noticed within seconds and the watch resumes on another; a signal cancels it within seconds.
 * It is retried for as long as the monitor runs. A shorter first backoff would not bring the
 * retry sooner: the server fires no timer, a retry's included, earlier than about 1 s after it
 * sets it (history.timerProcessorMaxTimeShift).
 */
export const { watchJob } = proxy({
  startToCloseTimeout: '40m',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});

/**
 * Waits that poll until something happens, bounded by the timeout each call passes (plus a
 * minute for the last poll): running out of time, or a savepoint Flink reports failed, is a
 * verdict, not something to retry.
 */
export function waits(timeoutMs: number) {
  return proxy({
    startToCloseTimeout: timeoutMs + 60_000,
    retry: {
      maximumAttempts: 3,
      initialInterval: '2s',
      nonRetryableErrorTypes: [
        ...FLINK_FINAL,
        FAILURE.WaitTimeout,
        FAILURE.SavepointFailed,
        FAILURE.SavepointTriggerLost,
      ],
    },
  });
}

type Activities = typeof activities;
type Bounded<K extends keyof Activities> = (input: Parameters<Activities[K]>[0]) => ReturnType<Activities[K]>;
export const waitForJobState: Bounded<'waitForJobState'> = (input) =>
  waits(input.timeoutMs).waitForJobState(input);
export const waitForCheckpoint: Bounded<'waitForCheckpoint'> = (input) =>
  waits(input.timeoutMs).waitForCheckpoint(input);
export const waitForSavepoint: Bounded<'waitForSavepoint'> = (input) =>
  waits(input.timeoutMs).waitForSavepoint(input);
export const waitForNewOutput: Bounded<'waitForNewOutput'> = (input) =>
  waits(input.timeoutMs).waitForNewOutput(input);
export const waitForZooKeeperReady: Bounded<'waitForZooKeeperReady'> = (input) =>
  waits(input.timeoutMs).waitForZooKeeperReady(input);
export const waitForJobManagerReady: Bounded<'waitForJobManagerReady'> = (input) =>
  waits(input.timeoutMs).waitForJobManagerReady(input);
export const waitForTaskManagersReady: Bounded<'waitForTaskManagersReady'> = (input) =>
  waits(input.timeoutMs).waitForTaskManagersReady(input);
export const observeClusterJobs: Bounded<'observeClusterJobs'> = (input) =>
  waits(input.waitMs).observeClusterJobs(input);

// ---- the failover drill ----

/** Looking before the fault: cheap, never throws for a part that cannot be read. */
export const { observeDrillBaseline, readFlinkLogEvents } = proxy({
  startToCloseTimeout: '2m',
  retry: { maximumAttempts: 3 },
});

/** A retry finds the container already stopped and says so; a container that is not there is final. */
export const { injectFault } = proxy({
  startToCloseTimeout: '2m',
  retry: { maximumAttempts: 3, initialInterval: '1s', nonRetryableErrorTypes: [FAILURE.ContainerNotFound] },
});

/**
 * The takeover is watched by one long activity that heartbeats every 250 ms: a dead worker is
 * noticed within seconds and the retry resumes from the milestones in the last heartbeat.
 */
export function observing(timeoutMs: number) {
  return proxy({
    startToCloseTimeout: timeoutMs + 60_000,
    retry: { maximumAttempts: 3, initialInterval: '1s' },
  });
}

/** Starting a container is idempotent; waiting for it heartbeats. */
export const { restoreNode, watchAfterRestore } = proxy({
  startToCloseTimeout: '5m',
  retry: { maximumAttempts: 3, initialInterval: '2s', nonRetryableErrorTypes: [FAILURE.ContainerNotFound] },
});

/** The seeds' capture check: a change at the source that committed output must show. */
export const { runSourceProbe } = proxy({
  startToCloseTimeout: '2m',
  retry: {
    maximumAttempts: 3,
    nonRetryableErrorTypes: [...NON_RETRYABLE_PROBE_ERRORS, ...CONFIG_ERROR_TYPES],
  },
});
export function probeWait(timeoutMs: number) {
  return proxy({
    startToCloseTimeout: timeoutMs + 60_000,
    retry: {
      maximumAttempts: 2,
      nonRetryableErrorTypes: [...NON_RETRYABLE_PROBE_ERRORS, ...CONFIG_ERROR_TYPES],
    },
  });
}

/** Rendering the chart and writing two files; a bad report name is final. */
export const { writeDrillReport } = proxy({
  startToCloseTimeout: '2m',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: [FAILURE.ReportNotWritten] },
});
