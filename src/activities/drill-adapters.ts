import { type JobManagerProbe, probeEachJobManager } from '../cluster/probe';
import type { JobManagerSpec, RestAccess } from '../config/schema';
import type * as engine from '../docker/engine';
import { outputFreshness, outputSequence } from '../output/observe';
import { renderChartSvg } from '../reports/chart';
import { writeReportFiles } from '../reports/files';
import { type Adapters, type FlinkAdapter, standardAdapters, type ZooKeeperAdapter } from './adapters';

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
  zookeeper: ZooKeeperAdapter;
  output: { freshness: typeof outputFreshness; sequence: typeof outputSequence };
  reports: { renderChart: typeof renderChartSvg; write: typeof writeReportFiles };
}

/** The drill's adapters on the worker's Docker, Flink and ZooKeeper adapters. */
export const drillAdaptersFrom = ({
  docker,
  flink,
  zookeeper,
}: Pick<Adapters, 'docker' | 'flink' | 'zookeeper'>): DrillAdapters => ({
  docker,
  flink: {
    ...flink,
    probeJobManagers: (jobManagers, access) => probeEachJobManager(jobManagers, access, flink),
  },
  zookeeper,
  // An output read in a container goes to that container's engine.
  output: {
    freshness: (output, windowMs, exec = docker.execInContainer) => outputFreshness(output, windowMs, exec),
    sequence: outputSequence,
  },
  reports: { renderChart: renderChartSvg, write: writeReportFiles },
});

export const standardDrillAdapters: DrillAdapters = drillAdaptersFrom(standardAdapters);

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
