import { HOUSEKEEPING_DEFAULTS } from '../config/disk-schema';
import { type DockerEndpoint, endpointOfNode } from '../config/docker-endpoint';
import type { ClusterSpec, NamedCluster } from '../config/schema';

/**
 * Pure: the containers a cluster spec asks for, in start order (ZooKeeper, JobManagers,
 * TaskManagers). Every container uses host networking, so each one's ports are pinned here.
 * The Flink containers follow the official image's interface (command + FLINK_PROPERTIES), so
 * the same plan runs on the locally built images or on the official ones.
 */
export type ContainerRole = 'zookeeper' | 'jobmanager' | 'taskmanager';

export interface PlannedContainer {
  name: string;
  role: ContainerRole;
  image: string;
  cmd: string[];
  env: Record<string, string>;
  /** host:container bind mounts */
  binds: string[];
  labels: Record<string, string>;
  /** TCP ports on 127.0.0.1 this container listens on, for the "ports free" precheck. */
  ports: number[];
  /** Docker's json-file limits for the container's stdout and stderr (see create-options.ts). */
  logs?: { maxSize: string; maxFiles: number };
  /** The engine the container is created on; absent: the worker's own. */
  docker?: DockerEndpoint;
}

export const LABELS = {
  cluster: 'io.flink-runbooks.cluster',
  role: 'io.flink-runbooks.role',
} as const;

/** The settings both JobManagers must agree on; the seeds compare them by hand after a failover. */
export function haSettings(spec: ClusterSpec): Record<string, string> {
  return {
    'high-availability.type': 'zookeeper',
    'high-availability.zookeeper.quorum': spec.zookeeper.quorum,
    'high-availability.zookeeper.path.root': spec.zookeeper.root,
    'high-availability.cluster-id': spec.zookeeper.clusterId,
    'high-availability.storageDir': spec.ha.storageDir,
  };
}

export function flinkProperties(settings: Record<string, string | number | boolean>): string {
  return Object.entries(settings)
    .map(([key, value]) => `${key}: ${value}`)
    .join('\n');
}

function portOf(url: string): number {
  const parsed = new URL(url);
  return Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80));
}

function zookeeperPort(spec: ClusterSpec): number {
  const first = spec.zookeeper.quorum.split(',')[0] ?? '';
  return Number(first.split(':')[1]);
}

export function planContainers(cluster: NamedCluster): PlannedContainer[] {
  const labels = (role: ContainerRole) => ({ [LABELS.cluster]: cluster.name, [LABELS.role]: role });
  const binds = cluster.volumes.map((v) => `${v.host}:${v.container}`);
  const logs = { ...(cluster.housekeeping?.dockerLogs ?? HOUSEKEEPING_DEFAULTS.dockerLogs) };
  const shared = { ...haSettings(cluster), ...cluster.flinkConfig };
  const planned: PlannedContainer[] = [];

  if (cluster.zookeeper.container) {
    const port = zookeeperPort(cluster);
    planned.push({
      name: cluster.zookeeper.container,
      role: 'zookeeper',
      image: cluster.images.zookeeper,
      cmd: [],
      env: { ZOO_CLIENT_PORT: String(port) },
      binds: [],
      labels: labels('zookeeper'),
      ports: [port],
      logs,
    });
  }

  for (const jm of cluster.jobManagers) {
    const rest = portOf(jm.url);
    const pinned: Record<string, string | number> = {
      'jobmanager.rpc.address': '127.0.0.1',
      'jobmanager.bind-host': '127.0.0.1',
      'rest.address': '127.0.0.1',
      'rest.bind-address': '127.0.0.1',
      'rest.port': rest,
    };
    if (jm.ports) {
      Object.assign(pinned, {
        'jobmanager.rpc.port': jm.ports.rpc,
        'blob.server.port': jm.ports.blob,
        'high-availability.jobmanager.port': jm.ports.ha,
      });
    }
    planned.push({
      name: jm.container,
      role: 'jobmanager',
      image: cluster.images.flink,
      cmd: ['jobmanager'],
      env: { FLINK_PROPERTIES: flinkProperties({ ...shared, ...pinned, ...jm.config }) },
      binds,
      labels: labels('jobmanager'),
      ports: [rest, ...(jm.ports ? [jm.ports.rpc, jm.ports.blob, jm.ports.ha] : [])],
      logs,
    });
  }

  for (const tm of cluster.taskManagers.containers) {
    const pinned: Record<string, string | number> = {
      'taskmanager.host': '127.0.0.1',
      'taskmanager.bind-host': '127.0.0.1',
      'taskmanager.numberOfTaskSlots': cluster.taskManagers.slots,
    };
    if (tm.ports)
      Object.assign(pinned, { 'taskmanager.rpc.port': tm.ports.rpc, 'taskmanager.data.port': tm.ports.data });
    planned.push({
      name: tm.container,
      role: 'taskmanager',
      image: cluster.images.flink,
      cmd: ['taskmanager'],
      env: { FLINK_PROPERTIES: flinkProperties({ ...shared, ...pinned, ...tm.config }) },
      binds,
      labels: labels('taskmanager'),
      ports: tm.ports ? [tm.ports.rpc, tm.ports.data] : [],
      logs,
    });
  }
  // Only a node that names an engine carries one: plans (and their hashes) of other nodes stay as they were.
  return planned.map((plan) => {
    const docker = endpointOfNode(cluster, plan.name);
    return docker ? { ...plan, docker } : plan;
  });
}
