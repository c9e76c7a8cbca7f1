import type { ClusterSpec, JobManagerSpec } from '../config/schema';
import { readLeaders } from './leader';

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

/** Who leads, as recorded in ZooKeeper, matched to the configured JobManagers. */
export async function leaderReport(input: {
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
