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
