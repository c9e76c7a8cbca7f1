import { probeEachJobManager } from '../cluster/probe';
import { fourLetterWord } from '../cluster/readiness';
import type { ClusterSpec, RestAccess } from '../config/schema';
import * as engine from '../docker/engine';
import { FlinkRestClient } from '../flink/client';
import { FlinkClusterClient } from '../flink/cluster-client';
import { outputFreshness, outputSequence } from '../output/observe';
import { renderChartSvg } from '../reports/chart';
import { writeReportFiles } from '../reports/files';
import { leaderReport } from '../zookeeper/leader-report';
import { type RestLeaderReader, RestLeaderSession } from '../zookeeper/rest-leader-session';
import { observeCheckpoints, recordsOut } from './flink';

/**
 * Everything the failover drill's activities touch, handed in: Docker, Flink's REST API,
 * ZooKeeper, the job's output and the report files. The worker uses the standard set; a test
 * hands in fakes and runs an activity without a cluster.
 */
export interface DrillAdapters {
  docker: Pick<
    typeof engine,
    | 'inspectContainer'
    | 'stopContainer'
    | 'killContainer'
    | 'startContainer'
    | 'containerLogs'
    | 'execInContainer'
  >;
  flink: {
    /** One JobManager's REST API. */
    jobManager(url: string, timeoutMs: number, access?: RestAccess): FlinkRestClient;
    /** Whichever of the JobManagers answers. */
    cluster(urls: string[], timeoutMs: number, access?: RestAccess): FlinkClusterClient;
    probeJobManagers: typeof probeEachJobManager;
    checkpoints: typeof observeCheckpoints;
    recordsOut: typeof recordsOut;
  };
  zookeeper: {
    leaders: typeof leaderReport;
    /** The REST leader record through one session kept open; reads give up after `timeoutMs`. */
    restLeader(zk: ClusterSpec['zookeeper'], timeoutMs: number): RestLeaderReader;
    fourLetterWord: typeof fourLetterWord;
  };
  output: { freshness: typeof outputFreshness; sequence: typeof outputSequence };
  reports: { renderChart: typeof renderChartSvg; write: typeof writeReportFiles };
}

export const standardDrillAdapters: DrillAdapters = {
  docker: engine,
  flink: {
    jobManager: (url, timeoutMs, access) => new FlinkRestClient(url, timeoutMs, access),
    cluster: (urls, timeoutMs, access) => new FlinkClusterClient(urls, timeoutMs, access),
    probeJobManagers: probeEachJobManager,
    checkpoints: observeCheckpoints,
    recordsOut,
  },
  zookeeper: {
    leaders: leaderReport,
    restLeader: (zk, timeoutMs) => new RestLeaderSession(zk, timeoutMs),
    fourLetterWord,
  },
  output: { freshness: outputFreshness, sequence: outputSequence },
  reports: { renderChart: renderChartSvg, write: writeReportFiles },
};

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
