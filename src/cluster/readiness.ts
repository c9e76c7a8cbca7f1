import { Socket } from 'node:net';
import type { NamedCluster, RestAccess } from '../config/schema';
import { REST_TIMEOUT_MS, restClients } from '../flink/adapter';
import { pollUntil, unlessFinal } from '../util/poll';

/**
 * Waits used when bringing a cluster up in order (ZooKeeper, JobManagers, TaskManagers):
 * each resolves once the component answers, or fails naming what it waited for.
 */

/** Sends a ZooKeeper four-letter word and returns the answer ("imok" for ruok). */
export function fourLetterWord(hostPort: string, word: string, timeoutMs = 2_000): Promise<string> {
  const [host = '127.0.0.1', port = '2181'] = hostPort.split(':');
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    let answer = '';
    socket.setTimeout(timeoutMs);
    socket.on('data', (chunk) => {
      answer += chunk.toString('utf8');
    });
    socket.once('end', () => resolve(answer));
    socket.once('error', reject);
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error(`ZooKeeper ${hostPort} did not answer "${word}" within ${timeoutMs} ms`));
    });
    socket.connect(Number(port), host, () => socket.write(word));
  });
}

export async function waitForZooKeeper(quorum: string, timeoutMs = 60_000): Promise<void> {
  const first = quorum.split(',')[0] ?? quorum;
  await pollUntil(async () => ((await fourLetterWord(first, 'ruok')) === 'imok' ? true : undefined), {
    timeoutMs,
    what: `ZooKeeper ${first} answering imok`,
  });
}

/** A JobManager's REST answers /overview with 200 (a standby does so once it knows the leader). */
export async function waitForRest(url: string, timeoutMs = 120_000, access?: RestAccess): Promise<void> {
  const client = restClients.jobManager(url, REST_TIMEOUT_MS.oneJobManager, access);
  await pollUntil(async () => (await client.overview()) && true, {
    timeoutMs,
    what: `${url}/overview answering`,
  });
}

/**
 * Exactly the expected TaskManagers, each heard from since the wait began: a TaskManager that was
 * just replaced stays listed until its heartbeat times out, and must not be counted.
 */
export async function waitForTaskManagers(cluster: NamedCluster, timeoutMs = 120_000): Promise<number> {
  const since = Date.now();
  const expected = cluster.taskManagers.containers.length;
  const urls = cluster.jobManagers.map((jm) => jm.url);
  return pollUntil(
    async () => {
      for (const url of urls) {
        const tms = await restClients
          .jobManager(url, REST_TIMEOUT_MS.oneJobManager, cluster.rest)
          .taskManagers()
          .catch(unlessFinal);
        // timeSinceLastHeartbeat is, despite its name, the time of the last heartbeat.
        if (tms && tms.length === expected && tms.every((tm) => tm.timeSinceLastHeartbeat >= since))
          return tms.length;
      }
      return undefined;
    },
    { timeoutMs, what: `${expected} TaskManagers registered and heard from` },
  );
}
