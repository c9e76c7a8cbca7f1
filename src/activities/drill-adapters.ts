import { type JobManagerProbe, probeEachJobManager } from '../cluster/probe';
import { fourLetterWord } from '../cluster/readiness';
import type { ClusterSpec, JobManagerSpec, RestAccess } from '../config/schema';
import type * as engine from '../docker/engine';
import { outputFreshness, outputSequence } from '../output/observe';
import { renderChartSvg } from '../reports/chart';
import { writeReportFiles } from '../reports/files';
import { leaderReport } from '../zookeeper/leader-report';
import { type RestLeaderReader, RestLeaderSession } from '../zookeeper/rest-leader-session';
import { type Adapters, type FlinkAdapter, standardAdapters } from './adapters';

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
  flink: FlinkAdapter & {
    probeJobManagers(jobManagers: JobManagerSpec[], access?: RestAccess): Promise<JobManagerProbe[]>;
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

/** The drill's adapters on the worker's Docker and Flink adapters. */
export const drillAdaptersFrom = ({ docker, flink }: Pick<Adapters, 'docker' | 'flink'>): DrillAdapters => ({
  docker,
  flink: {
    ...flink,
    probeJobManagers: (jobManagers, access) => probeEachJobManager(jobManagers, access, flink),
  },
  zookeeper: {
    leaders: leaderReport,
    restLeader: (zk, timeoutMs) => new RestLeaderSession(zk, timeoutMs),
    fourLetterWord,
  },
  output: { freshness: outputFreshness, sequence: outputSequence },
  reports: { renderChart: renderChartSvg, write: writeReportFiles },
});

export const standardDrillAdapters: DrillAdapters = drillAdaptersFrom(standardAdapters);

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
