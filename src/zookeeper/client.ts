import zookeeper from 'node-zookeeper-client';

export class ZooKeeperUnavailableError extends Error {
  override name = 'ZooKeeperUnavailable';
}

/**
 * Runs `use` with a connected client and always closes it. A quorum that does not answer
 * within `timeoutMs` is an error, never a hang.
 */
export async function withZooKeeper<T>(
  quorum: string,
  use: (client: zookeeper.Client) => Promise<T>,
  timeoutMs = 5_000,
): Promise<T> {
  const client = zookeeper.createClient(quorum, { sessionTimeout: timeoutMs, retries: 0, spinDelay: 200 });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new ZooKeeperUnavailableError(`ZooKeeper ${quorum} did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      client.once('connected', () => {
        clearTimeout(timer);
        resolve();
      });
      client.connect();
    });
    return await use(client);
  } finally {
    client.close();
  }
}

/** The node's data, or undefined when the node does not exist. */
export function getData(client: zookeeper.Client, path: string): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    client.getData(path, (error, data) => {
      if (error) {
        if (isNoNode(error)) resolve(undefined);
        else reject(new ZooKeeperUnavailableError(`reading ${path}: ${String(error)}`));
      } else resolve(data ?? undefined);
    });
  });
}

export function getChildren(client: zookeeper.Client, path: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    client.getChildren(path, (error, children) => {
      if (error) {
        if (isNoNode(error)) resolve([]);
        else reject(new ZooKeeperUnavailableError(`listing ${path}: ${String(error)}`));
      } else resolve(children);
    });
  });
}

function isNoNode(error: Error | zookeeper.Exception): boolean {
  return 'getCode' in error && error.getCode() === zookeeper.Exception.NO_NODE;
}
