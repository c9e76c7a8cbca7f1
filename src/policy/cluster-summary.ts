import type { JobManagerProbe } from '../activities/cluster';
import type { NamedCluster } from '../config/schema';

export interface ClusterStatusSummary {
  cluster: string;
  flinkVersion: string;
  zookeeper: { quorum: string; root: string; clusterId: string };
  jobManagers: JobManagerProbe[];
  /** JobManagers that answered out of those configured. */
  answering: number;
  taskManagers: { expected: number; registered?: number };
  jobs: string[];
  /** One line a person reads first. */
  headline: string;
}

/** Pure: turns a spec and what the JobManagers said into the summary a person reads. */
export function summarizeCluster(
  cluster: NamedCluster,
  jobManagers: JobManagerProbe[],
): ClusterStatusSummary {
  const answering = jobManagers.filter((jm) => jm.state === 'up');
  const registered = answering.map((jm) => jm.taskManagers ?? 0).reduce((a, b) => Math.max(a, b), -1);
  const expected = cluster.taskManagers.containers.length;
  const version = answering[0]?.flinkVersion;
  const headline =
    answering.length === 0
      ? `no JobManager of ${cluster.name} answers`
      : `${answering.length}/${jobManagers.length} JobManagers answer (Flink ${version}); ` +
        `${registered}/${expected} TaskManagers registered`;
  return {
    cluster: cluster.name,
    flinkVersion: version ?? cluster.flinkVersion,
    zookeeper: {
      quorum: cluster.zookeeper.quorum,
      root: cluster.zookeeper.root,
      clusterId: cluster.zookeeper.clusterId,
    },
    jobManagers,
    answering: answering.length,
    taskManagers: { expected, registered: registered >= 0 ? registered : undefined },
    jobs: cluster.jobs.map((job) => job.name),
    headline,
  };
}
