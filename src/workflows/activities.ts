import { ALERT_ERROR_TYPES } from '../alerts/types';
import { CONFIG_ERROR_TYPES } from '../config/errors';
import { runbookActivities } from './runbook-activities';

/** Reading the spec: a bad or unknown cluster is final, anything else (a file being written) is retried. */
export const { resolveCluster, resolveClusterJob } = runbookActivities({
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: [...CONFIG_ERROR_TYPES] },
});

/** Observation: cheap, each call bounded by its own REST timeouts. */
export const { probeJobManagers } = runbookActivities({
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 3 },
});

/**
 * Alerts: the activity never fails because a channel did (a retry would resend to the channels
 * that took it), so only a lost worker is retried, once; an alert that cannot be rendered is
 * final. Up to 8 minutes covers delivery at its largest settings (5 attempts of 60 s per channel).
 */
export const { sendAlert } = runbookActivities({
  startToCloseTimeout: '8m',
  retry: { maximumAttempts: 2, nonRetryableErrorTypes: [...ALERT_ERROR_TYPES] },
});
