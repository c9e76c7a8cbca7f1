import { CONFIG_ERROR_TYPES } from '../config/errors';
import { NON_RETRYABLE_FLINK_ERRORS } from '../flink/errors';
import { NON_RETRYABLE_PROBE_ERRORS } from '../probes/error-types';
import { runbookActivities } from './runbook-activities';

/** The failover drill's activities, each with the retry policy that fits what it does. */

/** Looking before the fault: cheap, never throws for a part that cannot be read. */
export const { observeDrillBaseline, readFlinkLogEvents } = runbookActivities({
  startToCloseTimeout: '2m',
  retry: { maximumAttempts: 3 },
});

/** A retry finds the container already stopped and says so; a container that is not there is final. */
export const { injectFault } = runbookActivities({
  startToCloseTimeout: '2m',
  retry: { maximumAttempts: 3, initialInterval: '1s', nonRetryableErrorTypes: ['ContainerNotFound'] },
});

/**
 * The takeover is watched by one long activity that heartbeats every 250 ms: a dead worker is
 * noticed within 10 s and the retry resumes from the milestones in the last heartbeat.
 */
export function observing(timeoutMs: number) {
  return runbookActivities({
    startToCloseTimeout: timeoutMs + 60_000,
    retry: { maximumAttempts: 3, initialInterval: '1s' },
  });
}

/** Starting a container is idempotent; waiting for it heartbeats. */
export const { restoreNode, watchAfterRestore } = runbookActivities({
  startToCloseTimeout: '5m',
  retry: { maximumAttempts: 3, initialInterval: '2s', nonRetryableErrorTypes: ['ContainerNotFound'] },
});

/** The seeds' capture check: a change at the source that committed output must show. */
export const { runSourceProbe } = runbookActivities({
  startToCloseTimeout: '2m',
  retry: {
    maximumAttempts: 3,
    nonRetryableErrorTypes: [...NON_RETRYABLE_PROBE_ERRORS, ...CONFIG_ERROR_TYPES],
  },
});
export function probeWait(timeoutMs: number) {
  return runbookActivities({
    startToCloseTimeout: timeoutMs + 60_000,
    retry: {
      maximumAttempts: 2,
      nonRetryableErrorTypes: [...NON_RETRYABLE_PROBE_ERRORS, ...CONFIG_ERROR_TYPES],
    },
  });
}

/** After the drill: the committed output and its sequence. */
export const { checkOutputSequence, observeOutput } = runbookActivities({
  startToCloseTimeout: '2m',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: [...NON_RETRYABLE_FLINK_ERRORS, 'OutputUnreadable'] },
});

/** Rendering the chart and writing two files; a bad report name is final. */
export const { writeDrillReport } = runbookActivities({
  startToCloseTimeout: '2m',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: ['ReportNotWritten'] },
});
