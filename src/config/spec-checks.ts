import type { z } from 'zod';
import { flinkDurationMs, SESSION_TIMEOUT_KEY } from '../policy/ha-recovery';
import { hostPort, urlHostPort } from '../trust/hosts';
import {
  BUILT_FLINK_IMAGES,
  defaultFlinkImage,
  flinkMajor,
  imageFlinkVersion,
  REMOVED_IN_FLINK_2,
  sameRelease,
} from './flink-versions';

/**
 * Checks across the fields of one cluster, and across the clusters of one file, for settings
 * that each look fine alone but hurt the cluster together. Called from the schemas' superRefine.
 */

interface PortSpec {
  rpc?: number;
  blob?: number;
  ha?: number;
  data?: number;
}

/** The parts of a parsed cluster these checks read (the schema's output type would be circular here). */
export interface CheckedCluster {
  flinkVersion: string;
  images: { flink?: string };
  zookeeper: { quorum: string; root: string; clusterId: string; container?: string };
  jobManagers: Array<{ url: string; container: string; ports?: PortSpec; config: Record<string, unknown> }>;
  flinkConfig: Record<string, unknown>;
  taskManagers: {
    containers: Array<{ container: string; ports?: PortSpec; config: Record<string, unknown> }>;
  };
  jobs: Array<{
    name: string;
    checkpoints: { interval: number };
    output?: { freshness: number; inProgressLimit: number };
  }>;
  monitor: { fileWindow: number };
  volumes: Array<{ host: string; container: string }>;
}

type Ctx = z.RefinementCtx;
const issue = (ctx: Ctx, path: PropertyKey[], message: string) =>
  ctx.addIssue({ code: 'custom', path, message });

/** Host mounts that hand a container the host itself. */
const FORBIDDEN_MOUNTS = ['/', '/etc', '/proc', '/sys', '/dev', '/run', '/var/run'];

/** Why a host path may never be mounted, or undefined. `/etc`, `/proc`, `/sys` and what is under them count too. */
export function forbiddenMount(hostPath: string): string | undefined {
  const path = hostPath.replace(/\/+$/, '') || '/';
  if (path === '/') return "is the host's root filesystem";
  if (/(docker|containerd|podman)\.sock$/.test(path))
    return "is the container engine's socket (root on the host)";
  for (const root of FORBIDDEN_MOUNTS.slice(1)) {
    if (path === root || path.startsWith(`${root}/`))
      return `is ${root} or under it, which belongs to the host`;
  }
  return undefined;
}

export function clusterChecks(spec: CheckedCluster, ctx: Ctx): void {
  duplicateJobManagers(spec, ctx);
  portClashes(spec, ctx);
  windowsAgainstCheckpoints(spec, ctx);
  spec.volumes.forEach((volume, index) => {
    const why = forbiddenMount(volume.host);
    if (why) issue(ctx, ['volumes', index, 'host'], `"${volume.host}" is refused: it ${why}`);
  });
  sessionTimeouts(spec, ctx);
  flinkVersionChecks(spec, ctx);
}

/**
 * The image must run the Flink the cluster says it runs, and on 2.x no setting may be one that
 * 2.x no longer reads: it would be ignored without a word.
 */
function flinkVersionChecks(spec: CheckedCluster, ctx: Ctx): void {
  const image = spec.images.flink;
  if (image === undefined && !defaultFlinkImage(spec.flinkVersion))
    issue(
      ctx,
      ['images', 'flink'],
      `no image is built for Flink ${spec.flinkVersion} (built: ${Object.keys(BUILT_FLINK_IMAGES).join(', ')}); name the image`,
    );
  const tagged = image && imageFlinkVersion(image);
  if (tagged && !sameRelease(tagged, spec.flinkVersion))
    issue(
      ctx,
      ['images', 'flink'],
      `"${image}" is Flink ${tagged}, but flinkVersion is ${spec.flinkVersion}: change both together`,
    );
  if (flinkMajor(spec.flinkVersion) < 2) return;
  const places: Array<[PropertyKey[], Record<string, unknown>]> = [
    [['flinkConfig'], spec.flinkConfig],
    ...spec.jobManagers.map((jm, index): [PropertyKey[], Record<string, unknown>] => [
      ['jobManagers', index, 'config'],
      jm.config,
    ]),
    ...spec.taskManagers.containers.map((tm, index): [PropertyKey[], Record<string, unknown>] => [
      ['taskManagers', 'containers', index, 'config'],
      tm.config,
    ]),
  ];
  for (const [path, config] of places)
    for (const key of Object.keys(config))
      if (REMOVED_IN_FLINK_2.has(key))
        issue(
          ctx,
          [...path, key],
          `Flink ${spec.flinkVersion} no longer reads this setting (removed in 2.0) and would ignore it`,
        );
}

/** The monitor waits for HA job recovery as long as the ZooKeeper session timeout says: it must be a duration. */
function sessionTimeouts(spec: CheckedCluster, ctx: Ctx): void {
  const places: Array<[PropertyKey[], unknown]> = [
    [['flinkConfig', SESSION_TIMEOUT_KEY], spec.flinkConfig[SESSION_TIMEOUT_KEY]],
    ...spec.jobManagers.map((jm, index): [PropertyKey[], unknown] => [
      ['jobManagers', index, 'config', SESSION_TIMEOUT_KEY],
      jm.config[SESSION_TIMEOUT_KEY],
    ]),
  ];
  for (const [path, value] of places) {
    if (value === undefined) continue;
    const ms = flinkDurationMs(value);
    if (ms === undefined || ms <= 0)
      issue(ctx, path, `must be a positive duration such as 60000 or "60 s", got "${String(value)}"`);
  }
}

/** The same JobManager twice (127.0.0.1:8081 and localhost:8081) is no HA pair. */
function duplicateJobManagers(spec: CheckedCluster, ctx: Ctx): void {
  const first = new Map<string, number>();
  spec.jobManagers.forEach((jm, index) => {
    const key = `${urlHostPort(jm.url) ?? jm.url}${proxyPath(jm.url)}`;
    const earlier = first.get(key);
    if (earlier === undefined) first.set(key, index);
    else {
      const same = spec.jobManagers[earlier]?.url === jm.url ? '' : `: both reach ${key}`;
      issue(
        ctx,
        ['jobManagers', index, 'url'],
        `duplicate JobManager URL "${jm.url}" (also at jobManagers[${earlier}]${same})`,
      );
    }
  });
}

/** The path of a JobManager URL behind a proxy (`/jm-1`), or '' for a JobManager's own address. */
function proxyPath(url: string): string {
  try {
    return new URL(url).pathname.replace(/\/+$/, '');
  } catch {
    return '';
  }
}

/** Every container uses host networking: two listeners on one port cannot both start. */
function portClashes(spec: CheckedCluster, ctx: Ctx): void {
  const owners = new Map<number, string>();
  const claim = (port: number | undefined, owner: string, path: PropertyKey[]) => {
    if (port === undefined) return;
    const earlier = owners.get(port);
    if (earlier)
      issue(ctx, path, `port ${port} is also ${earlier}; every container shares the host's network`);
    else owners.set(port, owner);
  };
  if (spec.zookeeper.container) {
    const port = Number(/:(\d+)/.exec(spec.zookeeper.quorum)?.[1]);
    if (port) claim(port, "ZooKeeper's client port", ['zookeeper', 'quorum']);
  }
  spec.jobManagers.forEach((jm, index) => {
    // A URL with a path is a route through a proxy: its port is the proxy's, not the JobManager's.
    const rest = proxyPath(jm.url) ? undefined : Number(urlHostPort(jm.url)?.split(':').pop());
    claim(rest || undefined, `the REST port of ${jm.container}`, ['jobManagers', index, 'url']);
    for (const kind of ['rpc', 'blob', 'ha'] as const)
      claim(jm.ports?.[kind], `the ${kind} port of ${jm.container}`, ['jobManagers', index, 'ports', kind]);
  });
  spec.taskManagers.containers.forEach((tm, index) => {
    for (const kind of ['rpc', 'data'] as const)
      claim(tm.ports?.[kind], `the ${kind} port of ${tm.container}`, [
        'taskManagers',
        'containers',
        index,
        'ports',
        kind,
      ]);
  });
}

/** Files are committed only at checkpoints: a window no longer than the checkpoint interval sees every file as late. */
function windowsAgainstCheckpoints(spec: CheckedCluster, ctx: Ctx): void {
  spec.jobs.forEach((job, index) => {
    const interval = job.checkpoints.interval;
    if (spec.monitor.fileWindow <= interval)
      issue(
        ctx,
        ['monitor', 'fileWindow'],
        `must be longer than the checkpoint interval of job ${job.name} (${interval} ms): files are committed only at checkpoints`,
      );
    for (const field of ['freshness', 'inProgressLimit'] as const) {
      const value = job.output?.[field];
      if (value !== undefined && value <= interval)
        issue(
          ctx,
          ['jobs', index, 'output', field],
          `must be longer than the job's checkpoint interval (${interval} ms): files are committed only at checkpoints`,
        );
    }
  });
}

/** Two clusters of one file must not share a ZooKeeper namespace or a container. */
export function clustersFileChecks(clusters: Record<string, CheckedCluster>, ctx: Ctx): void {
  const namespaces: Array<{ name: string; hosts: Set<string>; key: string }> = [];
  const containers = new Map<string, string>();
  for (const [name, spec] of Object.entries(clusters)) {
    const hosts = new Set(
      spec.zookeeper.quorum.split(',').map((member) => {
        const [host = '', port] = member.split(':');
        return hostPort(host, port);
      }),
    );
    const key = `${spec.zookeeper.root.replace(/\/+$/, '')}/${spec.zookeeper.clusterId.replace(/^\//, '')}`;
    const clash = namespaces.find((n) => n.key === key && [...n.hosts].some((h) => hosts.has(h)));
    if (clash)
      issue(
        ctx,
        [name, 'zookeeper', 'clusterId'],
        `cluster ${name} shares ZooKeeper ${key} with cluster ${clash.name}: their JobManagers would elect one leader between them`,
      );
    namespaces.push({ name, hosts, key });
    const names = [
      ...(spec.zookeeper.container ? [spec.zookeeper.container] : []),
      ...spec.jobManagers.map((jm) => jm.container),
      ...spec.taskManagers.containers.map((tm) => tm.container),
    ];
    for (const container of new Set(names)) {
      const owner = containers.get(container);
      if (owner)
        issue(
          ctx,
          [name],
          `container name "${container}" is also used by cluster ${owner}: a deploy of one would replace the other's`,
        );
      else containers.set(container, name);
    }
  }
}
