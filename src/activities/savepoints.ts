import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FlinkAccessError, FlinkNoLeaderError, FlinkRestError, FlinkUnreachableError } from '../flink/errors';
import { completedAt } from '../flink/observe';
import type { OnCluster } from '../flink/target';
import type { CheckpointSummary } from '../flink/types';
import { type JarContents, JarUnreadableError, readJar } from '../jar/read';
import { isTerminalJobState } from '../policy/job-states';
import { hostPathFor, normalizeLocation, type SavepointEntry } from '../policy/retention';
import type { RestorePoint } from '../policy/upgrade-plan';
import { FAILURE } from '../temporal/failure-types';
import { type Adapters, REST_TIMEOUT_MS, standardAdapters } from './adapters';

/**
 * Activities of the upgrade and savepoint runbooks: look at a jar before it is deployed, check
 * the savepoint directory, find a job's newest restore point, and list and delete savepoint
 * directories. Savepoint locations are URIs as Flink sees them (file:/opt/flink/savepoints/...);
 * the cluster's volumes say where they are on the worker's machine.
 */

type Volumes = Array<{ host: string; container: string }>;

export class SavepointDirUnmappedError extends Error {
  override name = FAILURE.SavepointDirUnmapped;
}
export class UnsafeDeleteError extends Error {
  override name = FAILURE.UnsafeDelete;
}

export interface JarInspection {
  path: string;
  readable: boolean;
  isJar: boolean;
  entryClass: string;
  hasEntryClass: boolean;
  sizeBytes?: number;
  sha256?: string;
  entries?: number;
  /** From META-INF/MANIFEST.MF. */
  mainClass?: string;
  implementationVersion?: string;
  error?: string;
}

/**
 * Reads the jar's table of contents (src/jar/read.ts): is it a jar, does it hold the entry class,
 * and what its manifest says. Reports what it found; never throws for a bad jar (the precheck decides).
 */
export async function inspectJar(input: { jar: string; entryClass: string }): Promise<JarInspection> {
  const base = { path: input.jar, entryClass: input.entryClass, hasEntryClass: false };
  let bytes: Buffer;
  try {
    bytes = await readFile(input.jar);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    return { ...base, readable: false, isJar: false, error: code };
  }
  const found = { ...base, readable: true, sizeBytes: bytes.length };
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  let contents: JarContents;
  try {
    contents = await readJar(bytes);
  } catch (error) {
    if (!(error instanceof JarUnreadableError)) throw error;
    return { ...found, sha256, isJar: false, error: error.message };
  }
  const classFile = `${input.entryClass.replace(/\./g, '/')}.class`;
  return {
    ...found,
    sha256,
    isJar: true,
    entries: contents.entryNames.length,
    hasEntryClass: contents.entryNames.includes(classFile),
    mainClass: contents.manifest['Main-Class'],
    implementationVersion: contents.manifest['Implementation-Version'],
  };
}

/** Not Flink's verdict on the jar: no JobManager answered, or the credentials or certificate were refused. */
const cannotAnswer = (error: unknown) =>
  error instanceof FlinkUnreachableError ||
  error instanceof FlinkNoLeaderError ||
  error instanceof FlinkAccessError;

export interface SavepointDirCheck {
  uri: string;
  hostPath?: string;
  checks: Array<{ where: string; ok: boolean; error?: string }>;
}

function savepointHostDir(savepointDir: string, volumes: Volumes): string {
  const dir = hostPathFor(savepointDir, volumes);
  if (!dir) {
    throw new SavepointDirUnmappedError(
      `savepoint directory ${savepointDir} is not a file: URI mounted from the worker's machine (the cluster's volumes); it cannot be listed or pruned from here`,
    );
  }
  return dir;
}

/** The `savepoint-*` directories directly under the job's savepoint directory, oldest first. */
export async function listSavepoints(input: { savepointDir: string; volumes: Volumes }): Promise<{
  hostDir: string;
  savepoints: Array<SavepointEntry & { hostPath: string; sizeBytes: number }>;
}> {
  const hostDir = savepointHostDir(input.savepointDir, input.volumes);
  let names: string[];
  try {
    names = (await readdir(hostDir, { withFileTypes: true }))
      .filter((e) => e.isDirectory() && e.name.startsWith('savepoint-'))
      .map((e) => e.name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { hostDir, savepoints: [] };
    throw error;
  }
  const base = normalizeLocation(input.savepointDir);
  const savepoints = [];
  for (const name of names) {
    const hostPath = join(hostDir, name);
    const metadata = await stat(join(hostPath, '_metadata')).catch(() => undefined);
    const dir = await stat(hostPath).catch(() => undefined);
    if (!dir) continue; // removed meanwhile
    let sizeBytes = 0;
    for (const file of await readdir(hostPath).catch(() => [] as string[]))
      sizeBytes += (await stat(join(hostPath, file)).catch(() => undefined))?.size ?? 0;
    savepoints.push({
      uri: `file:${base}/${name}`,
      name,
      hostPath,
      complete: metadata !== undefined,
      createdAt: Math.round((metadata ?? dir).mtimeMs),
      sizeBytes,
    });
  }
  return { hostDir, savepoints: savepoints.sort((a, b) => a.createdAt - b.createdAt) };
}

/**
 * Deletes savepoint directories. Each must be a `savepoint-*` directory directly under the job's
 * savepoint directory (anything else is refused as `UnsafeDelete`); one already gone is reported
 * as such, so a retry is harmless.
 */
export async function deleteSavepoints(input: {
  savepointDir: string;
  volumes: Volumes;
  uris: string[];
}): Promise<{ deleted: string[]; missing: string[] }> {
  const hostDir = savepointHostDir(input.savepointDir, input.volumes);
  const targets = input.uris.map((uri) => {
    const hostPath = hostPathFor(uri, input.volumes);
    if (!hostPath || dirname(hostPath) !== hostDir || !/^savepoint-[\w-]+$/.test(basename(hostPath)))
      throw new UnsafeDeleteError(`${uri} is not a savepoint directory directly under ${input.savepointDir}`);
    return { uri, hostPath };
  });
  const deleted: string[] = [];
  const missing: string[] = [];
  for (const { uri, hostPath } of targets) {
    const exists = await stat(hostPath).catch(() => undefined);
    if (!exists) {
      missing.push(uri);
      continue;
    }
    await rm(hostPath, { recursive: true, force: true });
    deleted.push(uri);
  }
  return { deleted, missing };
}

/** The activities of this module that reach Flink or Docker, through the adapters handed in. */
export function savepointActivities({ flink, docker }: Pick<Adapters, 'flink' | 'docker'>) {
  const rest = ({ urls, access }: OnCluster) => flink.cluster(urls, REST_TIMEOUT_MS.cluster, access);

  /**
   * Flink's own check of the new job: uploads the jar and asks for the job graph
   * (`POST /jars/:id/plan`), which runs the entry class's main() with the given arguments without
   * submitting anything. The uploaded jar is deleted afterwards. An unreachable cluster is thrown
   * (worth a retry), and so are refused credentials or certificates; any answer of Flink's is reported.
   */
  async function planJob(
    input: OnCluster & {
      jar: string;
      entryClass: string;
      parallelism: number;
      args: string[];
    },
  ): Promise<{ ok: boolean; error?: string; jobName?: string; operators?: number }> {
    const client = rest(input);
    let jarId: string;
    try {
      jarId = await client.call((c) => c.uploadJar(input.jar));
    } catch (error) {
      if (cannotAnswer(error)) throw error;
      return { ok: false, error: `upload failed: ${(error as Error).message}` };
    }
    try {
      const answer = await client.call((c) =>
        c.call<{ plan: { name: string; nodes: unknown[] } }>(`/jars/${encodeURIComponent(jarId)}/plan`, {
          method: 'POST',
          body: { entryClass: input.entryClass, parallelism: input.parallelism, programArgsList: input.args },
          timeoutMs: 60_000,
        }),
      );
      return { ok: true, jobName: answer.plan.name, operators: answer.plan.nodes.length };
    } catch (error) {
      if (cannotAnswer(error)) throw error;
      if (error instanceof FlinkRestError) return { ok: false, error: error.message };
      throw error;
    } finally {
      await client.call((c) => c.deleteJar(jarId)).catch(() => undefined);
    }
  }

  /**
   * Can a savepoint be written to the directory? Checked on the worker's machine through the
   * volume that mounts it, and inside each running JobManager container (where Flink writes the
   * savepoint's metadata), by creating and removing a probe file. Other schemes (s3://, hdfs://)
   * are not checked: `checks` is empty.
   */
  async function checkSavepointDir(input: {
    savepointDir: string;
    volumes: Volumes;
    containers: string[];
  }): Promise<SavepointDirCheck> {
    const result: SavepointDirCheck = { uri: input.savepointDir, checks: [] };
    if (!input.savepointDir.startsWith('file:')) return result;
    const probeName = `.flink-runbooks-probe-${randomBytes(6).toString('hex')}`;
    const hostPath = hostPathFor(input.savepointDir, input.volumes);
    if (hostPath) {
      result.hostPath = hostPath;
      try {
        await mkdir(hostPath, { recursive: true });
        await writeFile(join(hostPath, probeName), '');
        await unlink(join(hostPath, probeName));
        result.checks.push({ where: 'the worker host', ok: true });
      } catch (error) {
        result.checks.push({ where: 'the worker host', ok: false, error: (error as Error).message });
      }
    }
    const path = normalizeLocation(input.savepointDir);
    for (const container of input.containers) {
      if (!(await docker.inspectContainer(container)).running) continue;
      const exec = await docker.execInContainer(container, [
        'sh',
        '-c',
        'mkdir -p "$1" && touch "$1/$2" && rm -f "$1/$2"',
        'sh',
        path,
        probeName,
      ]);
      result.checks.push({
        where: `container ${container}`,
        ok: exec.exitCode === 0,
        error: exec.exitCode === 0 ? undefined : exec.stderr.trim().slice(0, 300) || `exit ${exec.exitCode}`,
      });
    }
    return result;
  }

  /**
   * The newest completed checkpoint or savepoint of a job (Flink reports the two separately), and
   * whether its checkpoints survive a cancel. Works for a job that has already ended.
   */
  async function latestRestorePoint(
    input: OnCluster & { jobId: string },
  ): Promise<{ restorePoint?: RestorePoint; retainedOnCancel?: boolean }> {
    const client = rest(input);
    const [stats, config] = await Promise.all([
      client.call((c) => c.checkpoints(input.jobId)),
      client.call((c) => c.checkpointConfig(input.jobId)).catch(() => undefined),
    ]);
    const candidates = [stats.latest.completed, stats.latest.savepoint].filter(
      (cp): cp is CheckpointSummary => !!cp?.external_path && !(cp as { discarded?: boolean }).discarded,
    );
    const newest = candidates.sort((a, b) => b.id - a.id)[0];
    return {
      restorePoint: newest && {
        id: newest.id,
        path: newest.external_path as string,
        isSavepoint: newest.is_savepoint,
        completedAt: completedAt(newest),
      },
      retainedOnCancel: config?.externalization
        ? config.externalization.enabled && !config.externalization.delete_on_cancellation
        : undefined,
    };
  }

  /** Live jobs and the snapshot each was restored from: retention never deletes those. */
  async function savepointsInUse(
    input: OnCluster,
  ): Promise<Array<{ jobId: string; name: string; state: string; restoredFrom?: string }>> {
    const client = rest(input);
    const live = (await client.call((c) => c.jobsOverview())).filter((j) => !isTerminalJobState(j.state));
    return Promise.all(
      live.map(async (j) => {
        const stats = await client.call((c) => c.checkpoints(j.jid));
        return {
          jobId: j.jid,
          name: j.name,
          state: j.state,
          restoredFrom: stats.latest.restored?.external_path,
        };
      }),
    );
  }
  return { planJob, checkSavepointDir, latestRestorePoint, savepointsInUse };
}

export const { planJob, checkSavepointDir, latestRestorePoint, savepointsInUse } =
  savepointActivities(standardAdapters);
