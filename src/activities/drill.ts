import { type DrillAdapters, standardDrillAdapters } from './drill-adapters';
import { observeDrillBaselineWith } from './drill-baseline';
import {
  injectFaultWith,
  readFlinkLogEventsWith,
  restoreNodeWith,
  watchAfterRestoreWith,
} from './drill-node';
import { writeDrillReportWith } from './drill-report';
import { observeTakeoverWith } from './drill-takeover';

/**
 * The failover drill's eyes and hands: the baseline before the fault, the fault itself (with the
 * moment it was injected), one long observation of the takeover at sub-second resolution that
 * returns only the milestones, the node's restore and the watch after it, Flink's own log, and
 * the report files. Decisions (is the cluster fit for a drill, what passed) are in src/policy;
 * ZooKeeper sessions in src/zookeeper, the chart and the files in src/reports.
 */
export function drillActivities(adapters: DrillAdapters) {
  return {
    observeDrillBaseline: observeDrillBaselineWith(adapters),
    injectFault: injectFaultWith(adapters),
    observeTakeover: observeTakeoverWith(adapters),
    restoreNode: restoreNodeWith(adapters),
    watchAfterRestore: watchAfterRestoreWith(adapters),
    readFlinkLogEvents: readFlinkLogEventsWith(adapters),
    writeDrillReport: writeDrillReportWith(adapters),
  };
}

export const {
  observeDrillBaseline,
  injectFault,
  observeTakeover,
  restoreNode,
  watchAfterRestore,
  readFlinkLogEvents,
  writeDrillReport,
} = drillActivities(standardDrillAdapters);

export { ReportNotWrittenError } from '../reports/files';
export type { DrillAdapters } from './drill-adapters';
export type { BaselineInput } from './drill-baseline';
export type { RestoreNodeInput, WatchAfterRestoreInput } from './drill-node';
export type { WriteReportInput } from './drill-report';
export type { ObserveTakeoverInput, PollSource, TakeoverObservation } from './drill-takeover';
