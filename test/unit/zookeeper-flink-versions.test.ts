import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeConnectionInfo } from '../../src/zookeeper/connection-info';
import { leaderPath } from '../../src/zookeeper/leader';

/**
 * The leader records Flink 2.x writes to ZooKeeper are those of 1.20: the same nodes, the same
 * bytes. Evidence, besides the recorded nodes (test/fixtures/zookeeper/README.md):
 * - org.apache.flink.runtime.util.ZooKeeperUtils in flink-dist 1.20.3 and 2.3.0 has the same
 *   constants (LEADER_NODE "leader", REST_SERVER_NODE "rest_server", DISPATCHER_NODE
 *   "dispatcher", CONNECTION_INFO_NODE "connection_info") and byte-for-byte the same code in
 *   generateConnectionInformationPath, getLeaderPath and writeLeaderInformationToZooKeeper:
 *   `ObjectOutputStream.writeUTF(leaderAddress)` then `writeObject(leaderSessionID)` (a
 *   java.util.UUID), no bytes for an empty leader; ZooKeeperLeaderRetrievalDriver reads it back
 *   with readUTF and readObject in both (javap -c of each jar, constant pool indices aside);
 * - ZooKeeperLeaderElectionHaServices roots every component at `<path.root>/<cluster-id>/leader`
 *   in both; 2.x renames only the job graph store (`jobgraphs` → `execution-plans`) and adds
 *   `applications`, which the runbooks do not read.
 */
const recorded = (path: string) => readFileSync(new URL(`../fixtures/zookeeper/${path}`, import.meta.url));
const VERSIONS = {
  '1.20.3': {
    dir: '',
    rest: 'http://127.0.0.1:8081',
    dispatcher: 'pekko.tcp://flink@127.0.0.1:6140/user/rpc/dispatcher_1',
    session: '467c316a-391d-4dc5-b897-260fe0b77986',
  },
  '2.3.0': {
    dir: 'flink-2.3/',
    rest: 'http://127.0.0.1:28081',
    dispatcher: 'pekko.tcp://flink@127.0.0.1:28125/user/rpc/dispatcher_1',
    session: '93432977-6ef4-4ff3-b6de-43b1077b18a0',
  },
};

describe.each(Object.entries(VERSIONS))('leader records written by Flink %s', (_version, expected) => {
  it('the REST leader: its URL and the session id the JobManager logged', () => {
    expect(decodeConnectionInfo(recorded(`${expected.dir}rest_server-connection_info.bin`))).toEqual({
      address: expected.rest,
      sessionId: expected.session,
    });
  });

  it('the dispatcher leader: an RPC address on the HA port, the same session', () => {
    expect(decodeConnectionInfo(recorded(`${expected.dir}dispatcher-connection_info.bin`))).toEqual({
      address: expected.dispatcher,
      sessionId: expected.session,
    });
  });
});

describe('the leader record format across 1.20 and 2.x', () => {
  /** Everything but the address and the UUID's 16 value bytes: the stream header and the UUID's class descriptor. */
  const frame = (data: Buffer) => {
    const end = 8 + data.readUInt16BE(6);
    return Buffer.concat([data.subarray(0, 4), data.subarray(end, data.length - 16)]).toString('hex');
  };

  it('is the same Java serialisation stream on both: only the address and the session differ', () => {
    for (const component of ['rest_server', 'dispatcher'])
      expect(frame(recorded(`flink-2.3/${component}-connection_info.bin`))).toBe(
        frame(recorded(`${component}-connection_info.bin`)),
      );
  });

  it('is read from the same path on both', () => {
    const zk = { quorum: '127.0.0.1:22181', root: '/flink', clusterId: '/ha-2.3.0' };
    expect(leaderPath(zk, 'rest_server')).toBe('/flink/ha-2.3.0/leader/rest_server/connection_info');
    expect(leaderPath(zk, 'dispatcher')).toBe('/flink/ha-2.3.0/leader/dispatcher/connection_info');
  });
});
