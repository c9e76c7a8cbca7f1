import type { Adapters } from './adapters';
import { sendAlert } from './alerts';
import { clusterActivities, resolveCluster, resolveClusterJob } from './cluster';
import {
  checkPortsFree,
  deployActivities,
  inspectDirectories,
  measureFreeDisk,
  prepareDirectories,
} from './deploy';
import { createDiskActivities, nodeDiskReader } from './disk';
import { dockerActivities } from './docker';
import { drillActivities } from './drill';
import { drillAdaptersFrom } from './drill-adapters';
import { flinkActivities } from './flink';
import {
  containerShell,
  createHousekeepingActivities,
  listCheckpointFolders,
  listDrillReports,
  removeCheckpointFolders,
  removeDrillReports,
} from './housekeeping';
import { monitorStatusOf } from './housekeeping-daily-check';
import { leaderActivities } from './leader';
import { acquireMaintenanceLease, ensureMonitor, releaseMaintenanceLease } from './monitor-link';
import { checkOutputSequence, outputActivities } from './output';
import { runSourceProbe, waitForProbeOutput } from './probes';
import { deleteSavepoints, inspectJar, listSavepoints, savepointActivities } from './savepoints';
import { checkSourceReadiness } from './source-readiness';
import { findStateOnDisk } from './state-on-disk';
import { watchActivities } from './watch';

/**
 * Every activity the worker registers, made on the adapters handed in: the worker's are the
 * standard ones (./index.ts); a test hands in fakes. Activities not listed with a factory touch
 * only the worker's own files, its clusters file or Temporal.
 */
export function createActivities(adapters: Adapters) {
  return {
    sendAlert,
    resolveCluster,
    resolveClusterJob,
    ...clusterActivities(adapters),
    ...deployActivities(adapters),
    checkPortsFree,
    inspectDirectories,
    measureFreeDisk,
    prepareDirectories,
    ...createDiskActivities({
      disk: nodeDiskReader,
      dockerDataRoot: adapters.docker.localDataRoot,
      now: Date.now,
    }),
    ...dockerActivities(adapters),
    ...drillActivities(drillAdaptersFrom(adapters)),
    ...flinkActivities(adapters),
    ...createHousekeepingActivities({ shell: containerShell(adapters.docker), flink: adapters.flink }),
    listCheckpointFolders,
    removeCheckpointFolders,
    listDrillReports,
    removeDrillReports,
    monitorStatusOf,
    ...leaderActivities(adapters),
    acquireMaintenanceLease,
    ensureMonitor,
    releaseMaintenanceLease,
    ...outputActivities(adapters),
    checkOutputSequence,
    runSourceProbe,
    waitForProbeOutput,
    ...savepointActivities(adapters),
    deleteSavepoints,
    inspectJar,
    listSavepoints,
    checkSourceReadiness,
    findStateOnDisk,
    ...watchActivities(adapters),
  };
}
