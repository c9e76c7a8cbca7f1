import type { JobSpec, NamedCluster } from '../config/schema';
import type { PlannedContainer } from '../docker/container-plan';
import { haAgreementReport } from './ha-agreement';
import { sameLocation } from './retention';

/**
 * Pure: is the spec consistent enough to deploy? The schema already checked each field; these
 * are the checks across fields that the seeds make by hand before and after a deploy (identical
 * HA settings on every JobManager, checkpoint settings, storage that outlives the containers).
 */
export interface SpecProblem {
  /** The spec field at fault, e.g. `jobManagers[1].config`. */
  path: string;
  message: string;
}

/** The settings a Flink container is given, read back from its planned FLINK_PROPERTIES. */
export function plannedFlinkConfig(container: PlannedContainer): Record<string, string> {
  const config: Record<string, string> = {};
  for (const line of (container.env.FLINK_PROPERTIES ?? '').split('\n')) {
    const colon = line.indexOf(': ');
    if (colon > 0) config[line.slice(0, colon)] = line.slice(colon + 2);
  }
  return config;
}

/** `file:///a/b/` and `file:/a/b` both name the container path `/a/b`; other schemes give undefined. */
export function fileUriPath(uri: string): string | undefined {
  const match = /^file:(?:\/\/)?(\/.*)$/.exec(uri);
  if (!match?.[1]) return undefined;
  const path = match[1].replace(/^\/+/, '/').replace(/\/+$/, '');
  return path === '' ? '/' : path;
}

export function isWithin(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
}

const ms = (value: number) => (value % 1000 === 0 ? `${value / 1000}s` : `${value}ms`);

export function specProblems(
  cluster: NamedCluster,
  job: JobSpec,
  planned: PlannedContainer[],
): SpecProblem[] {
  return [
    ...haProblems(planned),
    ...portProblems(cluster, planned),
    ...storageProblems(cluster, job),
    ...checkpointProblems(cluster, job),
    ...slotProblems(cluster, job),
  ];
}

/** Every JobManager and TaskManager must be given the same high-availability settings. */
function haProblems(planned: PlannedContainer[]): SpecProblem[] {
  const flink = planned.filter((c) => c.role !== 'zookeeper');
  const report = haAgreementReport(flink.map((c) => ({ url: c.name, config: plannedFlinkConfig(c) })));
  return report.differences.map((d) => ({
    path: 'jobManagers',
    message: `${d.key} differs between containers: ${Object.entries(d.values)
      .map(([name, value]) => `${name}=${value ?? '(unset)'}`)
      .join(', ')}`,
  }));
}

function portProblems(cluster: NamedCluster, planned: PlannedContainer[]): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const owner = new Map<number, string>();
  for (const container of planned) {
    for (const port of container.ports) {
      const first = owner.get(port);
      if (first && first !== container.name)
        problems.push({
          path: 'containers',
          message: `port ${port} is planned for both ${first} and ${container.name}`,
        });
      else owner.set(port, container.name);
    }
  }
  const unpinned = cluster.jobManagers.filter((jm) => !jm.ports);
  if (unpinned.length > 1)
    problems.push({
      path: 'jobManagers',
      message: `${unpinned.map((jm) => jm.container).join(' and ')} would bind the same default RPC port on one host (host networking): set jobManagers[].ports`,
    });
  return problems;
}

/**
 * HA storage, checkpoints and savepoints must be on a mounted volume (file:// URIs), or they
 * vanish with the container; the cluster's default directories must be the job's; the HA
 * directory (which a fresh deploy may empty) must not hold checkpoints or savepoints.
 */
function storageProblems(cluster: NamedCluster, job: JobSpec): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const mounted = cluster.volumes.map((v) => v.container);
  const locations: Array<[string, string | undefined]> = [
    ['ha.storageDir', cluster.ha.storageDir],
    ['jobs.checkpointDir', job.checkpointDir],
    ['jobs.savepointDir', job.savepointDir],
    ['flinkConfig.state.checkpoints.dir', stringSetting(cluster, 'state.checkpoints.dir')],
    ['flinkConfig.state.savepoints.dir', stringSetting(cluster, 'state.savepoints.dir')],
  ];
  for (const [path, uri] of locations) {
    const inside = uri && fileUriPath(uri);
    if (inside && !mounted.some((dir) => isWithin(inside, dir)))
      problems.push({
        path,
        message: `${uri} is not on a mounted volume (volumes[].container): it would be lost with the container`,
      });
  }
  const pairs: Array<[string, string, string]> = [
    ['state.checkpoints.dir', 'checkpointDir', job.checkpointDir],
    ['state.savepoints.dir', 'savepointDir', job.savepointDir],
  ];
  for (const [key, field, expected] of pairs) {
    const configured = stringSetting(cluster, key);
    if (configured && !sameLocation(configured, expected))
      problems.push({
        path: `flinkConfig.${key}`,
        message: `the cluster's ${key} (${configured}) is not the job's ${field} (${expected})`,
      });
  }
  const ha = fileUriPath(cluster.ha.storageDir);
  for (const [field, uri] of [
    ['checkpointDir', job.checkpointDir],
    ['savepointDir', job.savepointDir],
  ] as const) {
    const kept = fileUriPath(uri);
    if (ha && kept && (isWithin(kept, ha) || isWithin(ha, kept)))
      problems.push({
        path: 'ha.storageDir',
        message: `${cluster.ha.storageDir} overlaps the job's ${field} (${uri}); HA storage is emptied when a cluster starts fresh`,
      });
  }
  return problems;
}

function stringSetting(cluster: NamedCluster, key: string): string | undefined {
  const value = cluster.flinkConfig[key];
  return value === undefined ? undefined : String(value);
}

/** Checkpoints commit the output: the windows that watch the output must be longer than their interval. */
function checkpointProblems(cluster: NamedCluster, job: JobSpec): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const { interval, minPause } = job.checkpoints;
  if (minPause >= interval)
    problems.push({
      path: 'jobs.checkpoints.minPause',
      message: `minPause (${ms(minPause)}) must be shorter than interval (${ms(interval)})`,
    });
  if (job.output && job.output.freshness <= interval)
    problems.push({
      path: 'jobs.output.freshness',
      message: `freshness (${ms(job.output.freshness)}) must be longer than checkpoints.interval (${ms(interval)}): files are committed only when a checkpoint completes`,
    });
  if (cluster.monitor.fileWindow <= interval)
    problems.push({
      path: 'monitor.fileWindow',
      message: `fileWindow (${ms(cluster.monitor.fileWindow)}) must be longer than the job's checkpoints.interval (${ms(interval)})`,
    });
  return problems;
}

function slotProblems(cluster: NamedCluster, job: JobSpec): SpecProblem[] {
  const slots = cluster.taskManagers.containers.length * cluster.taskManagers.slots;
  return job.parallelism > slots
    ? [
        {
          path: 'jobs.parallelism',
          message: `parallelism ${job.parallelism} needs ${job.parallelism} slots; ${cluster.taskManagers.containers.length} TaskManagers × ${cluster.taskManagers.slots} slots = ${slots}`,
        },
      ]
    : [];
}
