import zookeeper from 'node-zookeeper-client';
import type { ClusterSpec } from '../config/schema';
import { getData, ZooKeeperUnavailableError } from './client';
import { decodeConnectionInfo } from './connection-info';
import { leaderPath } from './leader';

/** What a look at the REST leader record needs: tests hand in a fake. */
export interface RestLeaderReader {
  read(): Promise<{ url: string; sessionId: string } | undefined>;
  close(): void;
}

/**
 * The REST leader record, read through one ZooKeeper session kept for a whole observation: a look
 * is a single read, not a new session (which costs ZooKeeper a write, and the look its latency).
 * A failed read drops the session; the next look connects again. A read or a connect that takes
 * longer than `timeoutMs` fails, so a ZooKeeper that is down cannot stall the look.
 */
export class RestLeaderSession implements RestLeaderReader {
  private client?: zookeeper.Client;

  constructor(
    private readonly zk: ClusterSpec['zookeeper'],
    private readonly timeoutMs: number,
  ) {}

  async read(): Promise<{ url: string; sessionId: string } | undefined> {
    const client = this.client ?? (await this.connect());
    try {
      const data = await within(
        getData(client, leaderPath(this.zk, 'rest_server')),
        this.timeoutMs,
        'a read',
      );
      const info = data && data.length > 0 ? decodeConnectionInfo(data) : undefined;
      return info && { url: info.address, sessionId: info.sessionId };
    } catch (error) {
      this.close();
      throw error;
    }
  }

  close(): void {
    this.client?.close();
    this.client = undefined;
  }

  private async connect(): Promise<zookeeper.Client> {
    const client = zookeeper.createClient(this.zk.quorum, {
      sessionTimeout: 10_000,
      retries: 0,
      spinDelay: 100,
    });
    const connected = new Promise<void>((resolve) => client.once('connected', () => resolve()));
    client.connect();
    try {
      await within(connected, this.timeoutMs, 'connecting');
    } catch (error) {
      client.close();
      throw error;
    }
    const drop = () => {
      if (this.client === client) this.close();
    };
    client.once('disconnected', drop);
    client.once('expired', drop);
    this.client = client;
    return client;
  }
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ZooKeeperUnavailableError(`ZooKeeper: no answer to ${what} within ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
