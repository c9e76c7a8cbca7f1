import type { ClusterSpec, JobManagerSpec, RestAccess } from '../config/schema';
import { FlinkRestError } from '../flink/errors';
import { haAgreementReport } from '../policy/ha-agreement';
import type { LeaderReport } from '../zookeeper/leader-report';
import { type Adapters, REST_TIMEOUT_MS, standardAdapters } from './adapters';
import { waitUntil } from './heartbeat';

export type { LeaderReport } from '../zookeeper/leader-report';

/** Who leads, from ZooKeeper's records and from each JobManager, through the adapters handed in. */
export function leaderActivities({ flink, zookeeper }: Pick<Adapters, 'flink' | 'zookeeper'>) {
  /** Waits until ZooKeeper names a REST leader other than `fromUrl`; returns it and when it was seen. */
  async function waitForLeaderChange(input: {
    zookeeper: ClusterSpec['zookeeper'];
    jobManagers: JobManagerSpec[];
    fromUrl: string;
    timeoutMs: number;
    intervalMs?: number;
  }): Promise<LeaderReport> {
    return waitUntil(
      async () => {
        const report = await zookeeper.leaders(input);
        return report.restLeader && report.restLeader.url !== input.fromUrl ? report : undefined;
      },
      {
        timeoutMs: input.timeoutMs,
        intervalMs: input.intervalMs ?? 250,
        what: `a REST leader other than ${input.fromUrl}`,
      },
    );
  }

  /** Who leads, as recorded in ZooKeeper. */
  async function readLeader(input: {
    zookeeper: ClusterSpec['zookeeper'];
    jobManagers: JobManagerSpec[];
  }): Promise<LeaderReport> {
    return zookeeper.leaders(input);
  }

  /**
   * The seeds' check after "the job was cancelled when the old leader came back": read every
   * JobManager's own configuration and compare the high-availability.* settings.
   */
  async function checkHaSettings(input: { jobManagers: JobManagerSpec[]; access?: RestAccess }) {
    const configs = await Promise.all(
      input.jobManagers.map(async (jm) => {
        try {
          const client = flink.jobManager(jm.url, REST_TIMEOUT_MS.oneJobManager, input.access);
          return { url: jm.url, config: await client.jobManagerConfig() };
        } catch (error) {
          if (error instanceof FlinkRestError) return { url: jm.url, error: error.message };
          throw error;
        }
      }),
    );
    return haAgreementReport(configs);
  }
  return { readLeader, waitForLeaderChange, checkHaSettings };
}

export const { readLeader, waitForLeaderChange, checkHaSettings } = leaderActivities(standardAdapters);
