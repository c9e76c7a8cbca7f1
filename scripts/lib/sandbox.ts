import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { waitForRest, waitForTaskManagers, waitForZooKeeper } from '../../src/cluster/readiness';
import { nodePlacements } from '../../src/config/docker-endpoint';
import { loadClustersFile } from '../../src/config/load';
import type { NamedCluster } from '../../src/config/schema';
import { LABELS, type PlannedContainer, planContainers } from '../../src/docker/container-plan';
import {
  createContainer,
  docker,
  type EngineApi,
  listContainersByLabel,
  localEngine,
  removeContainer,
  startContainer,
} from '../../src/docker/engine';
import { dockerodeEngine } from '../../src/docker/engines';
import { runLocked } from './locked-script';

/**
 * The sandbox: a real Flink HA cluster in Docker, described by sandbox/clusters.yaml. Another
 * clusters file (FLINK_RUNBOOKS_CLUSTERS) and cluster name (SANDBOX_CLUSTER), with other ports
 * and container names, runs a second sandbox beside the first.
 */
export const SANDBOX_FILE = fileURLToPath(new URL('../../sandbox/clusters.yaml', import.meta.url));
export const SANDBOX_CLUSTER = process.env.SANDBOX_CLUSTER ?? 'realtime-pipeline';
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export async function loadSandbox(
  file = process.env.FLINK_RUNBOOKS_CLUSTERS ?? SANDBOX_FILE,
): Promise<NamedCluster> {
  const { clusters } = await loadClustersFile(file);
  const spec = clusters[SANDBOX_CLUSTER];
  if (!spec) throw new Error(`${file} has no cluster ${SANDBOX_CLUSTER}`);
  return { name: SANDBOX_CLUSTER, ...spec };
}

/**
 * Runs one of the project's set-up scripts under a lock: two test projects run side by side
 * (e2e and crash) and must not build the same image or jar at the same time.
 */
function run(script: string, args: string[] = [], env: Record<string, string> = {}): void {
  runLocked(`${repoRoot}/.data/prepare.lock`, `${repoRoot}/${script}`, args, undefined, env);
}

/** Docker engine, images and the jobs' jars: each step is a no-op when already done. */
export function prepareSandbox(): void {
  run('scripts/ensure-docker.sh');
  run('sandbox/images/build.sh');
  const jars = jarsDir();
  run('sandbox/job/build.sh', [jars]);
  run('sandbox/cdc-job/build.sh', [jars]);
}

/**
 * The Flink 2.3 sandbox's parts (sandbox/clusters-flink-2.3.yaml): the Docker engine, the
 * flink-runbooks/flink:2.3.0 image and the 1.20.3 one it is moved from (and the shared base and
 * ZooKeeper ones) and the FLIP-27 sample job's jars, which run on 1.20 and 2.3 alike. Each step is a no-op when already done.
 */
export function prepareFlink2Sandbox(): void {
  run('scripts/ensure-docker.sh');
  run('sandbox/images/build.sh');
  run('sandbox/images/build.sh', [], { FLINK_VERSION: '2.3.0' });
  run('sandbox/job-source/build.sh', [jarsDir()]);
}

function jarsDir(): string {
  return process.env.FLINK_RUNBOOKS_DATA
    ? `${process.env.FLINK_RUNBOOKS_DATA}/jars`
    : `${repoRoot}/.data/jars`;
}

/** Every cluster of the sandbox's clusters file: the sample one and the CDC one. */
export async function loadSandboxClusters(
  file = process.env.FLINK_RUNBOOKS_CLUSTERS ?? SANDBOX_FILE,
): Promise<NamedCluster[]> {
  const { clusters } = await loadClustersFile(file);
  return Object.entries(clusters).map(([name, spec]) => ({ name, ...spec }));
}

export interface UpTimings {
  [step: string]: number;
}

/** Creates and starts ZooKeeper, the JobManagers, then the TaskManagers, waiting on each. */
export async function sandboxUp(
  cluster: NamedCluster,
  log: (line: string) => void = console.log,
): Promise<UpTimings> {
  const timings: UpTimings = {};
  const started = Date.now();
  const step = async (name: string, work: () => Promise<unknown>) => {
    const t0 = Date.now();
    await work();
    timings[name] = Date.now() - t0;
    log(`  ${name}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  };
  for (const volume of cluster.volumes) mkdirSync(volume.host, { recursive: true });

  const plan = planContainers(cluster);
  // A container left by another checkout mounts that checkout's directories: replace it.
  for (const container of plan) await removeIfDifferent(container);
  const startRole = async (role: string) => {
    for (const container of plan.filter((c) => c.role === role)) {
      await createContainer(container);
      await startContainer(container.name);
    }
  };
  await step('zookeeper', async () => {
    await startRole('zookeeper');
    await waitForZooKeeper(cluster.zookeeper.quorum);
  });
  // The primary first, so that it wins the first election as in the seeds' deployment.
  for (const jm of [...cluster.jobManagers].sort((a, b) =>
    a.role === 'primary' ? -1 : b.role === 'primary' ? 1 : 0,
  )) {
    await step(`jobmanager ${jm.container}`, async () => {
      const container = plan.find((c) => c.name === jm.container);
      if (!container) throw new Error(`no planned container ${jm.container}`);
      await createContainer(container);
      await startContainer(container.name);
      await waitForRest(jm.url, undefined, cluster.rest);
    });
  }
  await step('taskmanagers', async () => {
    await startRole('taskmanager');
    await waitForTaskManagers(cluster);
  });
  timings.total = Date.now() - started;
  return timings;
}

async function removeIfDifferent(plan: PlannedContainer): Promise<void> {
  const info = await docker()
    .getContainer(plan.name)
    .inspect()
    .catch(() => undefined);
  if (!info) return;
  const sameBinds =
    JSON.stringify([...(info.HostConfig.Binds ?? [])].sort()) === JSON.stringify([...plan.binds].sort());
  const sameEnv = Object.entries(plan.env).every(([k, v]) => (info.Config.Env ?? []).includes(`${k}=${v}`));
  if (!sameBinds || !sameEnv || info.Config.Image !== plan.image) await removeContainer(plan.name);
}

/** The engine each of the cluster's nodes runs on: the one its `docker:` names, else this machine's. */
export function nodeEngines(cluster: NamedCluster): (container: string) => EngineApi {
  const placed = new Map(nodePlacements(cluster).map((n) => [n.container, n.docker]));
  const engines = new Map<string, EngineApi>();
  return (container) => {
    const endpoint = placed.get(container);
    if (!endpoint) return localEngine;
    const engine = engines.get(endpoint.host) ?? dockerodeEngine(endpoint);
    engines.set(endpoint.host, engine);
    return engine;
  };
}

/** Removes the sandbox's containers, each on its engine, and every host directory it mounted. */
export async function sandboxDown(cluster: NamedCluster): Promise<string[]> {
  const engineOf = nodeEngines(cluster);
  const names = new Set([
    ...planContainers(cluster).map((c) => c.name),
    ...(await listContainersByLabel(LABELS.cluster, cluster.name)),
  ]);
  const removed: string[] = [];
  for (const name of names) if (await engineOf(name).removeContainer(name)) removed.push(name);
  for (const volume of cluster.volumes) rmSync(volume.host, { recursive: true, force: true });
  return removed;
}

export async function sandboxContainers(cluster: NamedCluster) {
  const engineOf = nodeEngines(cluster);
  return Promise.all(planContainers(cluster).map((c) => engineOf(c.name).inspectContainer(c.name)));
}

/** The worker's container image (sandbox/images/build-worker.sh), built when its inputs changed; its name. */
export function prepareWorkerImage(): string {
  run('scripts/ensure-docker.sh');
  run('sandbox/images/build-worker.sh');
  const { version } = JSON.parse(readFileSync(`${repoRoot}/package.json`, 'utf8')) as { version: string };
  return `flink-runbooks/worker:${version}`;
}

/**
 * The two-engine sandbox's parts (sandbox/clusters-two-engines.yaml): the first engine's images
 * and jars, and a second dockerd with the Flink image copied into it (scripts/ensure-second-docker.sh).
 */
export function prepareTwoEngineSandbox(): void {
  prepareSandbox();
  run('scripts/ensure-second-docker.sh', ['flink-runbooks/flink:1.20.3']);
}
