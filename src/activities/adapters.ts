import { fourLetterWord } from '../cluster/readiness';
import type { ClusterSpec } from '../config/schema';
import { engineRegistry, type RoutedEngine, routedEngine } from '../docker/engines';
import { workerPlacement } from '../docker/placement';
import { type FlinkAdapter, REST_TIMEOUT_MS, restClients } from '../flink/adapter';
import { databaseSources, type SourceAdapters } from '../sources';
import { leaderReport } from '../zookeeper/leader-report';
import { type RestLeaderReader, RestLeaderSession } from '../zookeeper/rest-leader-session';

/**
 * The clients activities reach the cluster through, created once by the worker and handed to
 * the activities (createActivities in ./create.ts): a test hands in fakes and runs an activity
 * without Flink, Docker or a database.
 */
export interface Adapters {
  flink: FlinkAdapter;
  /**
   * The Docker engines (docker/engines.ts): containers, their logs and commands run in them, each
   * call about a container on the engine that container's node names (the worker's own by default).
   */
  docker: DockerAdapter;
  zookeeper: ZooKeeperAdapter;
  /** The jobs' CDC sources: PostgreSQL and Oracle sessions (src/sources). */
  sources: SourceAdapters;
}

/** ZooKeeper, where Flink's HA services record who leads. */
export interface ZooKeeperAdapter {
  /** The leaders ZooKeeper records (dispatcher, REST, resource manager), each as a JobManager. */
  leaders: typeof leaderReport;
  /** The REST leader record through one session kept open; reads give up after `timeoutMs`. */
  restLeader(zk: ClusterSpec['zookeeper'], timeoutMs: number): RestLeaderReader;
  /** A four-letter command (`ruok`, `srvr`) to one ZooKeeper server. */
  fourLetterWord: typeof fourLetterWord;
}

export type DockerAdapter = RoutedEngine;
export type { FlinkAdapter };
export { REST_TIMEOUT_MS };

export const standardAdapters: Adapters = {
  flink: restClients,
  docker: routedEngine(engineRegistry(), workerPlacement),
  zookeeper: {
    leaders: leaderReport,
    restLeader: (zk, timeoutMs) => new RestLeaderSession(zk, timeoutMs),
    fourLetterWord,
  },
  sources: databaseSources,
};
