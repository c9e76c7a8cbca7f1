import type { ClusterSpec, JobManagerSpec, RestAccess } from '../config/schema';
import { FlinkRestClient } from '../flink/client';
import { FlinkRestError } from '../flink/errors';
import { haAgreementReport } from '../policy/ha-agreement';
import { readLeaders } from '../zookeeper/leader';
import { waitUntil } from './heartbeat';

export interface LeaderReport {
  /** The REST leader ZooKeeper names, and which configured JobManager that is. */
  restLeader?: { url: string; sessionId: string; container?: string; role?: JobManagerSpec['role'] };
  /** The dispatcher leader (Pekko address) and its JobManager, matched by HA RPC port. */
  dispatcher?: { address: string; sessionId: string; container?: string };
  /** REST and dispatcher leadership held by one JobManager in one session: anything else is a split. */
  consistent: boolean;
  observedAt: number;
}

function dispatcherContainer(address: string, jobManagers: JobManagerSpec[]): string | undefined {
  const port = Number(/:(\d+)\//.exec(address)?.[1]);
  return jobManagers.find((jm) => jm.ports?.ha === port || jm.ports?.rpc === port)?.container;
}

/** Who leads, as recorded in ZooKeeper. */
export async function readLeader(input: {
  zookeeper: ClusterSpec['zookeeper'];
  jobManagers: JobManagerSpec[];
}): Promise<LeaderReport> {
  const leaders = await readLeaders(input.zookeeper);
  const rest = leaders.restServer;
  const restJm = rest && input.jobManagers.find((jm) => jm.url === rest.address.replace(/\/+$/, ''));
  const dispatcher = leaders.dispatcher;
  const dispatcherJm = dispatcher && dispatcherContainer(dispatcher.address, input.jobManagers);
  return {
    restLeader: rest && {
      url: rest.address,
      sessionId: rest.sessionId,
      container: restJm?.container,
      role: restJm?.role,
    },
    dispatcher: dispatcher && {
      address: dispatcher.address,
      sessionId: dispatcher.sessionId,
      container: dispatcherJm,
    },
    consistent:
      !!rest &&
      !!dispatcher &&
      rest.sessionId === dispatcher.sessionId &&
      (!dispatcherJm || !restJm || dispatcherJm === restJm.container),
    observedAt: Date.now(),
  };
}

/** Waits until ZooKeeper names a REST leader other than `fromUrl`; returns it and when it was seen. */
export async function waitForLeaderChange(input: {
  zookeeper: ClusterSpec['zookeeper'];
  jobManagers: JobManagerSpec[];
  fromUrl: string;
  timeoutMs: number;
  intervalMs?: number;
}): Promise<LeaderReport> {
  return waitUntil(
    async () => {
      const report = await readLeader(input);
      return report.restLeader && report.restLeader.url !== input.fromUrl ? report : undefined;
    },
    {
      timeoutMs: input.timeoutMs,
      intervalMs: input.intervalMs ?? 250,
      what: `a REST leader other than ${input.fromUrl}`,
    },
  );
}

/**
 * The seeds' check after "the job was cancelled when the old leader came back": read every
 * JobManager's own configuration and compare the high-availability.* settings.
 */
export async function checkHaSettings(input: { jobManagers: JobManagerSpec[]; access?: RestAccess }) {
  const configs = await Promise.all(
    input.jobManagers.map(async (jm) => {
      try {
        const client = new FlinkRestClient(jm.url, 3_000, input.access);
        return { url: jm.url, config: await client.jobManagerConfig() };
      } catch (error) {
        if (error instanceof FlinkRestError) return { url: jm.url, error: error.message };
        throw error;
      }
    }),
  );
  return haAgreementReport(configs);
}
