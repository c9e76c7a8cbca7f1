import { NON_RETRYABLE_FLINK_ERRORS } from '../flink/errors';
import { runbookActivities } from './runbook-activities';

/**
 * The activities of the housekeeping and daily-check runbooks, each with the retry policy that
 * fits what it does. A removal that is refused (`UnsafeDelete`) is a bug no retry can fix.
 */
const UNMAPPED = ['CheckpointDirUnmapped', 'SavepointDirUnmapped'];

/** Looking: safe to repeat; a folder listing may take a while on a large checkpoint folder. */
export const {
  knownJobs,
  listCheckpointFolders,
  listSavepoints,
  listDrillReports,
  measureDiskUsage,
  monitorStatusOf,
  probeJobManagers,
  inspectClusterContainers,
} = runbookActivities({
  startToCloseTimeout: '5m',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: [...NON_RETRYABLE_FLINK_ERRORS, ...UNMAPPED] },
});

/** Removing: each checks its targets again and reports one already gone as missing, so a retry is harmless. */
export const { removeCheckpointFolders, removeDrillReports, deleteSavepoints, cleanFlinkLogs } =
  runbookActivities({
    startToCloseTimeout: '10m',
    retry: { maximumAttempts: 3, nonRetryableErrorTypes: ['UnsafeDelete', ...UNMAPPED] },
  });
