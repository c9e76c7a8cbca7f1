import type { ClusterSpec } from '../config/schema';
import { getData, withZooKeeper } from './client';
import { decodeConnectionInfo, type LeaderInfo } from './connection-info';

export type LeaderComponent = 'rest_server' | 'dispatcher' | 'resource_manager';

/** `<root>/<cluster-id>/leader/<component>/connection_info`, as Flink 1.15+ lays it out. */
export function leaderPath(zk: ClusterSpec['zookeeper'], component: LeaderComponent): string {
  const clusterId = zk.clusterId.replace(/^\/+/, '');
  return `${zk.root.replace(/\/+$/, '')}/${clusterId}/leader/${component}/connection_info`;
}

export interface ZooKeeperLeaders {
  /** REST leader (a URL such as http://127.0.0.1:8081), undefined while none is elected. */
  restServer?: LeaderInfo;
  /** Dispatcher leader (an Pekko RPC address). */
  dispatcher?: LeaderInfo;
}

async function readLeader(
  client: Parameters<typeof getData>[0],
  path: string,
): Promise<LeaderInfo | undefined> {
  const data = await getData(client, path);
  // An empty node means the previous leader gave up leadership and no one holds it yet.
  return data && data.length > 0 ? decodeConnectionInfo(data) : undefined;
}

export async function readLeaders(
  zk: ClusterSpec['zookeeper'],
  timeoutMs = 5_000,
): Promise<ZooKeeperLeaders> {
  return withZooKeeper(
    zk.quorum,
    async (client) => ({
      restServer: await readLeader(client, leaderPath(zk, 'rest_server')),
      dispatcher: await readLeader(client, leaderPath(zk, 'dispatcher')),
    }),
    timeoutMs,
  );
}
