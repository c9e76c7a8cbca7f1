import { loadClustersFile } from '../../src/config/load';
import type { NamedCluster } from '../../src/config/schema';

/**
 * A test's own sandbox cluster from its fixture file. Its containers must all carry the test's
 * prefix: the test creates, stops and removes them, and must never touch anyone else's.
 */
export async function loadFixtureCluster(file: string, name: string, prefix: string): Promise<NamedCluster> {
  const spec = (await loadClustersFile(file)).clusters[name];
  if (!spec) throw new Error(`${file} has no cluster ${name}`);
  const cluster = { name, ...spec };
  const names = [
    cluster.zookeeper.container,
    ...cluster.jobManagers.map((jm) => jm.container),
    ...cluster.taskManagers.containers.map((tm) => tm.container),
  ];
  if (!names.every((n) => n?.startsWith(prefix)))
    throw new Error(`the ${name} cluster must only name ${prefix}* containers`);
  return cluster;
}
