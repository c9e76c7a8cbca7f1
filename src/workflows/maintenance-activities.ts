/**
 * Kept only for the upgrade runbook's files, which import from here; every activity's timeout
 * and retry policy is defined once, in ./activities.
 */
export {
  acquireMaintenanceLease,
  cancelJob,
  checkOutputSequence,
  checkSavepointDir,
  deleteSavepoints,
  findStateOnDisk,
  getJobState,
  inspectJar,
  latestRestorePoint,
  listJobs,
  listSavepoints,
  observeCheckpoints,
  observeOutput,
  planJob,
  recentExceptions,
  releaseMaintenanceLease,
  savepointsInUse,
  stopWithSavepoint,
  submitJob,
  triggerSavepoint,
  waits,
} from './activities';
