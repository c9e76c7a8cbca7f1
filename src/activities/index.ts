/** Every activity the worker registers. Activities do I/O; decisions live in src/policy. */
export { sendAlert } from './alerts';
export { probeJobManagers, resolveCluster, resolveClusterJob } from './cluster';
export {
  checkDockerEngine,
  checkPortsFree,
  inspectClusterContainers,
  inspectDirectories,
  inspectImages,
  jobFailureCause,
  measureFreeDisk,
  observeClusterJobs,
  prepareDirectories,
  removeClusterContainer,
  waitForJobManagerReady,
  waitForTaskManagersReady,
  waitForZooKeeperReady,
} from './deploy';
export { measureDiskUsage } from './disk';
export {
  createContainer,
  execInContainer,
  grepContainerLogs,
  inspectContainer,
  killContainer,
  restartContainer,
  startContainer,
  stopContainer,
} from './docker';
export {
  injectFault,
  observeDrillBaseline,
  observeTakeover,
  readFlinkLogEvents,
  restoreNode,
  watchAfterRestore,
  writeDrillReport,
} from './drill';
export {
  cancelJob,
  getJobState,
  listJobs,
  listTaskManagers,
  observeCheckpoints,
  recentExceptions,
  recordsOut,
  stopWithSavepoint,
  submitJob,
  triggerSavepoint,
  waitForCheckpoint,
  waitForJobState,
  waitForSavepoint,
} from './flink';
export {
  cleanFlinkLogs,
  knownJobs,
  listCheckpointFolders,
  listDrillReports,
  removeCheckpointFolders,
  removeDrillReports,
} from './housekeeping';
export { monitorStatusOf } from './housekeeping-daily-check';
export { checkHaSettings, readLeader, waitForLeaderChange } from './leader';
export { acquireMaintenanceLease, ensureMonitor, releaseMaintenanceLease } from './monitor-link';
export { checkOutputSequence, observeOutput, waitForNewOutput } from './output';
export { runSourceProbe, waitForProbeOutput } from './probes';
export {
  checkSavepointDir,
  deleteSavepoints,
  inspectJar,
  latestRestorePoint,
  listSavepoints,
  planJob,
  savepointsInUse,
} from './savepoints';
export { checkSourceReadiness } from './source-readiness';
export { findStateOnDisk } from './state-on-disk';
export { findJobId, watchJob } from './watch';
