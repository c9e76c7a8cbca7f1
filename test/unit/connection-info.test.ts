import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConnectionInfoFormatError, decodeConnectionInfo } from '../../src/zookeeper/connection-info';
import { leaderPath } from '../../src/zookeeper/leader';

// Recorded from the sandbox's ZooKeeper (Flink 1.20.3, primary JobManager leading):
// /flink/realtime-pipeline/leader/{rest_server,dispatcher}/connection_info
const fixture = (name: string) => readFileSync(new URL(`../fixtures/zookeeper/${name}`, import.meta.url));

describe('decodeConnectionInfo', () => {
  it('reads the REST leader URL and its session id', () => {
    expect(decodeConnectionInfo(fixture('rest_server-connection_info.bin'))).toEqual({
      address: 'http://127.0.0.1:8081',
      sessionId: '467c316a-391d-4dc5-b897-260fe0b77986',
    });
  });

  it('reads the dispatcher leader, an RPC address on the leader HA port, with the same session', () => {
    const info = decodeConnectionInfo(fixture('dispatcher-connection_info.bin'));
    expect(info.address).toBe('pekko.tcp://flink@127.0.0.1:6140/user/rpc/dispatcher_1');
    expect(info.sessionId).toBe('467c316a-391d-4dc5-b897-260fe0b77986');
  });

  it('refuses data that is not a Java serialisation stream', () => {
    expect(() => decodeConnectionInfo(Buffer.from('http://127.0.0.1:8081'))).toThrow(
      ConnectionInfoFormatError,
    );
  });

  it('refuses a stream without the UUID', () => {
    const truncated = fixture('rest_server-connection_info.bin').subarray(0, 40);
    expect(() => decodeConnectionInfo(truncated)).toThrow(/java.util.UUID/);
  });
});

describe('leaderPath', () => {
  it.each([
    [
      { root: '/flink', clusterId: '/realtime-pipeline' },
      '/flink/realtime-pipeline/leader/rest_server/connection_info',
    ],
    [
      { root: '/flink/', clusterId: 'realtime-pipeline' },
      '/flink/realtime-pipeline/leader/rest_server/connection_info',
    ],
  ])('joins root and cluster id without doubled slashes', (zk, path) =>
    expect(leaderPath({ quorum: '127.0.0.1:2181', ...zk }, 'rest_server')).toBe(path),
  );
});
