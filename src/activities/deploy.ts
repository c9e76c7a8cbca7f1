import { mkdir, readdir, rm, stat, statfs } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { redactCredentials } from '../alerts/redact';
import { LABELS } from '../docker/container-plan';
import type { EngineApi } from '../docker/engine';
import { FlinkNoLeaderError, FlinkNotFoundError, FlinkUnreachableError } from '../flink/errors';
import { latestFailure } from '../flink/exceptions';
import type { OnCluster } from '../flink/target';
import { type EngineLook, type EngineNode, engineName } from '../policy/deploy-engines';
import { SPEC_HASH_LABEL } from '../policy/deploy-hash';
import type { DeployObservation, LiveJob, ObservedContainer } from '../policy/deploy-plan';
import { isWithin } from '../policy/deploy-spec';
import { FAILURE } from '../temporal/failure-types';
import { unlessFinal } from '../util/poll';
import { type Adapters, type DockerAdapter, REST_TIMEOUT_MS, standardAdapters } from './adapters';
import { waitUntil } from './heartbeat';

/**
 * The deploy runbook's own activities: the precheck's observations (engine, images, disk, ports,
 * containers, directories), preparing directories, removing a container of the cluster, and the
 * waits of an ordered start. Each is one observation or one idempotent action; what to do with
 * the answers is decided in src/policy/deploy-*.ts. The jar is inspected and planned by the
 * upgrade runbook's `inspectJar` and `planJob` (activities/savepoints.ts).
 */

export class NotOurContainerError extends Error {
  override name = FAILURE.NotOurContainer;
}
export class UnsafeCleanError extends Error {
  override name = FAILURE.UnsafeClean;
}

const isNotFound = (error: unknown) => (error as { statusCode?: number }).statusCode === 404;
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function nearestExisting(path: string): Promise<string> {
  for (let current = path; ; current = dirname(current)) {
    if (
      await stat(current).then(
        () => true,
        () => false,
      )
    )
      return current;
    if (dirname(current) === current) return current;
  }
}

/** Free bytes (for an unprivileged user) at each path, or at its nearest existing parent. */
export async function measureFreeDisk(input: { paths: string[] }): Promise<DeployObservation['disk']> {
  return Promise.all(
    input.paths.map(async (path) => {
      try {
        const measuredAt = await nearestExisting(path);
        const fs = await statfs(measuredAt);
        return { path, measuredAt, freeBytes: fs.bavail * fs.bsize };
      } catch (error) {
        return { path, error: message(error) };
      }
    }),
  );
}

function portFree(port: number): Promise<{ port: number; free: boolean; error?: string }> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) =>
      resolve({ port, free: false, error: error.code === 'EADDRINUSE' ? undefined : message(error) }),
    );
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () =>
      server.close(() => resolve({ port, free: true })),
    );
  });
}

/** Tries to bind each port on 127.0.0.1 (the containers use host networking and bind loopback). */
export async function checkPortsFree(input: { ports: number[] }): Promise<DeployObservation['ports']> {
  const results: DeployObservation['ports'] = [];
  for (const port of input.ports) results.push(await portFree(port));
  return results;
}

/** A container as its engine (`engine`: the one it runs on) reports it. */
async function observeContainer(
  engine: Pick<DockerAdapter, 'docker'>,
  name: string,
): Promise<ObservedContainer> {
  try {
    const info = await engine.docker().getContainer(name).inspect();
    const labels = info.Config.Labels ?? {};
    return {
      name,
      exists: true,
      running: info.State.Running,
      cluster: labels[LABELS.cluster],
      role: labels[LABELS.role],
      specHash: labels[SPEC_HASH_LABEL],
      id: info.Id.slice(0, 12),
      startedAt: info.State.StartedAt,
    };
  } catch (error) {
    if (isNotFound(error)) return { name, exists: false, running: false };
    throw error;
  }
}

export async function inspectDirectories(input: {
  paths: string[];
}): Promise<DeployObservation['directories']> {
  return Promise.all(
    input.paths.map(async (path) => {
      try {
        return { path, exists: (await stat(path)).isDirectory(), entries: (await readdir(path)).length };
      } catch {
        return { path, exists: false, entries: 0 };
      }
    }),
  );
}

/**
 * Creates missing directories and empties the ones the plan says to clean. A directory is never
 * removed, only its content (a running container's bind mount holds the directory itself), and
 * nothing inside or around a protected directory (checkpoints, savepoints, output) is touched.
 */
export async function prepareDirectories(input: {
  create: string[];
  empty: string[];
  protectedDirs: string[];
}): Promise<Array<{ path: string; action: 'created' | 'existed' | 'emptied'; removed?: number }>> {
  for (const path of input.empty) {
    const clash = input.protectedDirs.find((p) => isWithin(p, path) || isWithin(path, p));
    if (clash) throw new UnsafeCleanError(`refusing to empty ${path}: it overlaps ${clash}, which is kept`);
  }
  const done: Array<{ path: string; action: 'created' | 'existed' | 'emptied'; removed?: number }> = [];
  for (const path of input.create) {
    const made = await mkdir(path, { recursive: true });
    done.push({ path, action: made === undefined ? 'existed' : 'created' });
  }
  for (const path of input.empty) {
    const entries = await readdir(path).catch(() => [] as string[]);
    for (const entry of entries) await rm(`${path}/${entry}`, { recursive: true, force: true });
    done.push({ path, action: 'emptied', removed: entries.length });
  }
  return done;
}

/** How long the precheck waits for an engine's version: a dropped connection would otherwise hang past the activity's timeout. */
const ENGINE_ANSWER_MS = 20_000;

/** `promise`, or a rejection with `why` after `ms`. */
async function withinMs<T>(promise: Promise<T>, ms: number, why: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(why)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The deploy's activities that reach Docker, Flink or ZooKeeper, through the adapters handed in. */
export function deployActivities(
  { flink, docker, zookeeper }: Pick<Adapters, 'flink' | 'docker' | 'zookeeper'>,
  { engineAnswerMs = ENGINE_ANSWER_MS }: { engineAnswerMs?: number } = {},
) {
  /** ZooKeeper answers `ruok` with `imok`. */
  async function waitForZooKeeperReady(input: {
    quorum: string;
    timeoutMs: number;
  }): Promise<{ waitedMs: number }> {
    const started = Date.now();
    const first = input.quorum.split(',')[0] ?? input.quorum;
    await waitUntil(
      async () => ((await zookeeper.fourLetterWord(first, 'ruok')) === 'imok' ? true : undefined),
      {
        timeoutMs: input.timeoutMs,
        intervalMs: 500,
        what: `ZooKeeper ${first} answering imok`,
      },
    );
    return { waitedMs: Date.now() - started };
  }

  /** Whether the Docker engine answers; never throws, so the precheck can report it with the rest. */
  async function checkDockerEngine(): Promise<DeployObservation['engine']> {
    try {
      return { reachable: true, version: await docker.engineVersion() };
    } catch (error) {
      return { reachable: false, error: message(error) };
    }
  }

  /**
   * Every engine the nodes run on, each found as the other runbooks find it (the node's own
   * `docker`, else where the worker places its name): whether it answers within
   * `engineAnswerMs`, and the id of each node's image there. Never throws for an engine that does
   * not answer, so the precheck names it with the rest; nothing is changed on any engine.
   */
  async function checkNodeEngines(input: { nodes: EngineNode[] }): Promise<EngineLook[]> {
    const engines = new Map<EngineApi, { engine: string; nodes: EngineNode[] }>();
    for (const node of input.nodes) {
      const endpoint = await docker.placeOf({ name: node.container, docker: node.docker });
      const api = docker.engineAt(endpoint);
      const seen = engines.get(api) ?? { engine: engineName(endpoint), nodes: [] };
      seen.nodes.push(node);
      engines.set(api, seen);
    }
    return Promise.all([...engines].map(([api, { engine, nodes }]) => lookAtEngine(api, engine, nodes)));
  }

  async function lookAtEngine(api: EngineApi, engine: string, nodes: EngineNode[]): Promise<EngineLook> {
    const unasked = nodes.map(({ container, image }) => ({ container, image }));
    let version: string;
    try {
      version = await withinMs(api.engineVersion(), engineAnswerMs, `no answer within ${engineAnswerMs} ms`);
    } catch (error) {
      return { engine, reachable: false, error: redactCredentials(message(error)), nodes: unasked };
    }
    const ids = new Map<string, string | undefined>();
    for (const image of new Set(nodes.map((n) => n.image))) {
      try {
        ids.set(image, (await api.docker().getImage(image).inspect()).Id);
      } catch (error) {
        if (!isNotFound(error))
          throw new Error(
            `Docker engine ${engine}: inspecting image ${image} failed: ${redactCredentials(message(error))}`,
          );
        ids.set(image, undefined);
      }
    }
    return {
      engine,
      reachable: true,
      version,
      nodes: unasked.map((n) => {
        const id = ids.get(n.image);
        return id ? { ...n, id } : n;
      }),
    };
  }

  /** The id each image tag names on the engine; no id when the image is absent. */
  async function inspectImages(input: { images: string[] }): Promise<DeployObservation['images']> {
    return Promise.all(
      input.images.map(async (image) => {
        try {
          return { image, id: (await docker.docker().getImage(image).inspect()).Id };
        } catch (error) {
          if (isNotFound(error)) return { image };
          throw error;
        }
      }),
    );
  }

  /** The planned containers, and every other container labelled with the cluster's name. */
  async function inspectClusterContainers(input: {
    cluster: string;
    names: string[];
  }): Promise<ObservedContainer[]> {
    // Every engine a node runs on may hold a container labelled with the cluster; each is observed where it was found.
    const engines = await docker.allEngines();
    const listed = await Promise.all(
      engines.map((e) => e.listContainersByLabel(LABELS.cluster, input.cluster)),
    );
    const foundOn = new Map<string, Pick<DockerAdapter, 'docker'>>();
    listed.forEach((names, i) => {
      for (const name of names)
        if (!foundOn.has(name)) foundOn.set(name, engines[i] as Pick<DockerAdapter, 'docker'>);
    });
    const names = [...new Set([...input.names, ...foundOn.keys()])];
    return Promise.all(
      names.map(async (name) =>
        observeContainer(
          input.names.includes(name) ? await docker.engineFor(name) : (foundOn.get(name) ?? docker),
          name,
        ),
      ),
    );
  }

  /**
   * The jobs the cluster knows, waiting up to `waitMs` for a JobManager to answer (one that was
   * just started needs a few seconds). Never throws for a cluster that does not answer.
   */
  async function observeClusterJobs(
    input: OnCluster & { waitMs: number },
  ): Promise<NonNullable<DeployObservation['rest']>> {
    try {
      const jobs = await waitUntil(
        async () => {
          for (const url of input.urls) {
            const client = flink.jobManager(url, REST_TIMEOUT_MS.oneJobManager, input.access);
            const answer = await client.jobsOverview().catch((error) => {
              if (error instanceof FlinkUnreachableError || error instanceof FlinkNoLeaderError)
                return undefined;
              throw error;
            });
            if (answer) return answer;
          }
          return undefined;
        },
        {
          timeoutMs: input.waitMs,
          intervalMs: 1_000,
          what: `a JobManager of ${input.urls.join(', ')} answering`,
        },
      );
      const live: LiveJob[] = jobs
        .map((j) => ({ jobId: j.jid, name: j.name, state: j.state, startTime: j['start-time'] }))
        .sort((a, b) => b.startTime - a.startTime);
      return { answering: true, jobs: live };
    } catch (error) {
      return { answering: false, jobs: [], error: message(error) };
    }
  }

  /**
   * Removes a container of this cluster (after it was stopped gracefully). A container that does
   * not carry the cluster's label is refused: a deploy never removes what it does not own.
   */
  async function removeClusterContainer(input: {
    container: string;
    cluster: string;
  }): Promise<'removed' | 'absent'> {
    const seen = await observeContainer(await docker.engineFor(input.container), input.container);
    if (!seen.exists) return 'absent';
    if (seen.cluster !== input.cluster)
      throw new NotOurContainerError(
        `container ${input.container} is not labelled ${LABELS.cluster}=${input.cluster}; not removing it`,
      );
    try {
      await (await docker.engineFor(input.container)).docker().getContainer(input.container).remove({
        force: true,
        v: true,
      });
    } catch (error) {
      if (isNotFound(error)) return 'absent';
      throw error;
    }
    return 'removed';
  }

  /** A JobManager's REST answers /overview (a standby does once it knows the leader). */
  async function waitForJobManagerReady(input: {
    url: string;
    access?: OnCluster['access'];
    timeoutMs: number;
  }): Promise<{ waitedMs: number; flinkVersion: string }> {
    const started = Date.now();
    const client = flink.jobManager(input.url, REST_TIMEOUT_MS.oneJobManager, input.access);
    const overview = await waitUntil(() => client.overview(), {
      timeoutMs: input.timeoutMs,
      intervalMs: 1_000,
      what: `${input.url}/overview answering`,
    });
    return { waitedMs: Date.now() - started, flinkVersion: overview['flink-version'] };
  }

  /**
   * Exactly `expected` TaskManagers registered. A TaskManager that was removed while a JobManager
   * kept running stays listed until its heartbeat times out, and a job scheduled onto it fails:
   * with `heardSince` (epoch ms), only a list in which every TaskManager was heard from since then
   * counts, so a stale registration is waited out rather than counted.
   */
  async function waitForTaskManagersReady(
    input: OnCluster & { expected: number; timeoutMs: number; heardSince?: number },
  ): Promise<{ waitedMs: number; registered: number; slots: number }> {
    const started = Date.now();
    const since = input.heardSince;
    const list = await waitUntil(
      async () => {
        for (const url of input.urls) {
          const seen = await flink
            .jobManager(url, REST_TIMEOUT_MS.oneJobManager, input.access)
            .taskManagers()
            .catch(unlessFinal);
          if (!seen) continue;
          const fresh = since === undefined || seen.every((tm) => tm.timeSinceLastHeartbeat >= since);
          return seen.length === input.expected && fresh ? seen : undefined;
        }
        return undefined;
      },
      {
        timeoutMs: input.timeoutMs,
        intervalMs: 1_000,
        what: `${input.expected} TaskManagers registered${since === undefined ? '' : `, each heard from since ${new Date(since).toISOString()}`}`,
      },
    );
    return {
      waitedMs: Date.now() - started,
      registered: list.length,
      slots: list.reduce((sum, tm) => sum + tm.slotsNumber, 0),
    };
  }

  /**
   * Why a job is not healthy, in a line a person can act on: its state, and the root cause of its
   * latest exception (the last "Caused by:" of the stack trace, else its first line).
   */
  async function jobFailureCause(
    input: OnCluster & { jobId: string },
  ): Promise<{ state: string; rootCause?: string; at?: number }> {
    const rest = flink.cluster(input.urls, REST_TIMEOUT_MS.cluster, input.access);
    const state = await rest
      .call((c) => c.job(input.jobId))
      .then(
        (job) => job.state as string,
        (error) => (error instanceof FlinkNotFoundError ? 'MISSING' : `unknown (${message(error)})`),
      );
    const exceptions = await rest.call((c) => c.exceptions(input.jobId, 1)).catch(() => undefined);
    const latest = latestFailure(exceptions);
    if (!latest) return { state };
    const lines = latest.trace.split('\n').map((l) => l.trim());
    const cause =
      lines
        .filter((l) => l.startsWith('Caused by: '))
        .at(-1)
        ?.slice('Caused by: '.length) ?? lines[0];
    return { state, rootCause: cause?.slice(0, 500), at: latest.at };
  }
  return {
    waitForZooKeeperReady,
    checkDockerEngine,
    checkNodeEngines,
    inspectImages,
    inspectClusterContainers,
    observeClusterJobs,
    removeClusterContainer,
    waitForJobManagerReady,
    waitForTaskManagersReady,
    jobFailureCause,
  };
}

export const {
  waitForZooKeeperReady,
  checkDockerEngine,
  checkNodeEngines,
  inspectImages,
  inspectClusterContainers,
  observeClusterJobs,
  removeClusterContainer,
  waitForJobManagerReady,
  waitForTaskManagersReady,
  jobFailureCause,
} = deployActivities(standardAdapters);
