import { type Adapters, standardAdapters } from '../../src/activities/adapters';
import { ZooKeeperUnavailableError } from '../../src/zookeeper/client';

/**
 * The worker's adapters with a ZooKeeper that is not there and says so at once, as a real client
 * does after its connect timeout (5 s of waiting per look otherwise): the look goes on without
 * the leader ZooKeeper names.
 */
export const adaptersWithoutZooKeeper: Adapters = {
  ...standardAdapters,
  zookeeper: {
    ...standardAdapters.zookeeper,
    leaders: async ({ zookeeper }) => {
      throw new ZooKeeperUnavailableError(`ZooKeeper ${zookeeper.quorum} did not answer`);
    },
  },
};
