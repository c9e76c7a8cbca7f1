import { lstat, readdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { OnCluster } from '../flink/target';
import {
  type CheckpointFolder,
  drillReportPattern,
  flinkLogCleanupCommand,
  JOB_FOLDER,
  type KnownJob,
  parseFoundFiles,
} from '../policy/housekeeping';
import { isTerminalJobState } from '../policy/job-states';
import { hostPathFor } from '../policy/retention';
import { FAILURE } from '../temporal/failure-types';
import { resolveReportDir } from '../trust/report-dir';
import { type DockerAdapter, type FlinkAdapter, REST_TIMEOUT_MS, standardAdapters } from './adapters';
import { UnsafeDeleteError } from './savepoints';

/**
 * The housekeeping runbook's hands: list and remove checkpoint folders, drill reports and
 * Flink's log files. Every removal checks again that its target is what the runbook may touch
 * (a job-id folder directly under the job's checkpoint folder, a drill report of the cluster)
 * and refuses anything else as `UnsafeDelete`; a target already gone is reported as missing, so
 * a retry is harmless. What may go is decided in src/policy/housekeeping.ts.
 */
type Volumes = Array<{ host: string; container: string }>;

export class CheckpointDirUnmappedError extends Error {
  override name = FAILURE.CheckpointDirUnmapped;
}

/** Docker, as the log step needs it; the workflow tests hand in a fake of this. */
export interface ContainerShell {
  isRunning(container: string): Promise<boolean>;
  run(container: string, cmd: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }>;
}

export const containerShell = (docker: DockerAdapter): ContainerShell => ({
  isRunning: async (container) => (await docker.inspectContainer(container)).running,
  run: (container, cmd) => docker.execInContainer(container, cmd),
});

/** Size of everything under a path and its newest modification, without following links. */
async function measure(path: string): Promise<{ bytes: number; modifiedAt: number }> {
  const info = await lstat(path).catch(() => undefined);
  if (!info) return { bytes: 0, modifiedAt: 0 };
  let bytes = info.isDirectory() ? 0 : info.size;
  let modifiedAt = info.mtimeMs;
  if (info.isDirectory()) {
    for (const entry of await readdir(path).catch(() => [] as string[])) {
      const inner = await measure(join(path, entry));
      bytes += inner.bytes;
      modifiedAt = Math.max(modifiedAt, inner.modifiedAt);
    }
  }
  return { bytes, modifiedAt: Math.round(modifiedAt) };
}

function checkpointHostDir(checkpointDir: string, volumes: Volumes): string {
  const dir = hostPathFor(checkpointDir, volumes);
  if (!dir)
    throw new CheckpointDirUnmappedError(
      `checkpoint folder ${checkpointDir} is not a file: URI mounted from the worker's machine (the cluster's volumes)`,
    );
  return dir;
}

/** The newest `chk-N` holding a `_metadata`: a checkpoint Flink finished and can restore. */
async function newestComplete(folder: string): Promise<CheckpointFolder['newestComplete']> {
  const ids = (await readdir(folder).catch(() => [] as string[]))
    .map((name) => /^chk-(\d+)$/.exec(name)?.[1])
    .filter((id): id is string => id !== undefined)
    .map(Number)
    .sort((a, b) => b - a);
  for (const id of ids) {
    const metadata = await stat(join(folder, `chk-${id}`, '_metadata')).catch(() => undefined);
    if (metadata?.isFile()) return { id, completedAt: Math.round(metadata.mtimeMs) };
  }
  return undefined;
}

/** The job-id folders directly under a job's checkpoint folder, with size, age and newest complete checkpoint. */
export async function listCheckpointFolders(input: {
  checkpointDir: string;
  volumes: Volumes;
}): Promise<{ hostDir: string; folders: CheckpointFolder[] }> {
  const hostDir = checkpointHostDir(input.checkpointDir, input.volumes);
  const entries = await readdir(hostDir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  const folders: CheckpointFolder[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || !JOB_FOLDER.test(entry.name)) continue;
    const hostPath = join(hostDir, entry.name);
    const { bytes, modifiedAt } = await measure(hostPath);
    folders.push({
      jobId: entry.name,
      hostPath,
      sizeBytes: bytes,
      modifiedAt,
      newestComplete: await newestComplete(hostPath),
    });
  }
  return { hostDir, folders };
}

/** Removes job-id folders directly under the job's checkpoint folder; anything else is refused. */
export async function removeCheckpointFolders(input: {
  checkpointDir: string;
  volumes: Volumes;
  paths: string[];
}): Promise<{ removed: Array<{ path: string; bytes: number }>; missing: string[] }> {
  const hostDir = checkpointHostDir(input.checkpointDir, input.volumes);
  for (const path of input.paths)
    if (dirname(path) !== hostDir || !JOB_FOLDER.test(basename(path)))
      throw new UnsafeDeleteError(`${path} is not a job's checkpoint folder directly under ${hostDir}`);
  const removed: Array<{ path: string; bytes: number }> = [];
  const missing: string[] = [];
  for (const path of input.paths) {
    const { bytes, modifiedAt } = await measure(path);
    if (modifiedAt === 0) {
      missing.push(path);
      continue;
    }
    await rm(path, { recursive: true, force: true });
    removed.push({ path, bytes });
  }
  return { removed, missing };
}

export interface DrillReportFile {
  name: string;
  bytes: number;
  modifiedAt: number;
  /** The first heading of a Markdown report: kind, cluster, job and outcome. */
  title?: string;
}

/** The cluster's drill reports in the report folder (the drill's `reportDir`, default `reports/`). */
export async function listDrillReports(input: {
  reportDir?: string;
  cluster: string;
}): Promise<{ dir: string; files: DrillReportFile[] }> {
  const dir = resolveReportDir(input.reportDir);
  const pattern = drillReportPattern(input.cluster);
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => pattern.test(n));
  const files: DrillReportFile[] = [];
  for (const name of names) {
    const info = await stat(join(dir, name)).catch(() => undefined);
    if (!info?.isFile()) continue;
    const title = name.endsWith('.md')
      ? /^# (.+)$/m.exec((await readFile(join(dir, name), 'utf8').catch(() => '')).slice(0, 500))?.[1]
      : undefined;
    files.push({ name, bytes: info.size, modifiedAt: Math.round(info.mtimeMs), title });
  }
  return { dir, files: files.sort((a, b) => a.name.localeCompare(b.name)) };
}

export async function removeDrillReports(input: {
  reportDir?: string;
  cluster: string;
  names: string[];
}): Promise<{ removed: Array<{ path: string; bytes: number }>; missing: string[] }> {
  const dir = resolveReportDir(input.reportDir);
  const pattern = drillReportPattern(input.cluster);
  for (const name of input.names)
    if (!pattern.test(name)) throw new UnsafeDeleteError(`${name} is not a drill report of ${input.cluster}`);
  const removed: Array<{ path: string; bytes: number }> = [];
  const missing: string[] = [];
  for (const name of input.names) {
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (!info) {
      missing.push(path);
      continue;
    }
    await rm(path, { force: true });
    removed.push({ path, bytes: info.size });
  }
  return { removed, missing };
}

export interface ContainerLogCleanup {
  container: string;
  files: Array<{ path: string; bytes: number }>;
  /** Not running, or find failed: nothing was removed there. */
  problem?: string;
}

/** Docker through `shell` (the workflow tests hand in a fake of it), Flink through `flink`. */
export function createHousekeepingActivities(deps: { shell: ContainerShell; flink?: FlinkAdapter }) {
  const flink = deps.flink ?? standardAdapters.flink;
  return {
    /**
     * Every job the JobManagers know (finished ones too, while they remember them), and for each
     * job still going the checkpoint or savepoint it was restored from.
     */
    async knownJobs(input: OnCluster): Promise<KnownJob[]> {
      const client = flink.cluster(input.urls, REST_TIMEOUT_MS.cluster, input.access);
      const jobs = await client.call((c) => c.jobsOverview());
      return Promise.all(
        jobs.map(async (j): Promise<KnownJob> => {
          if (isTerminalJobState(j.state)) return { jobId: j.jid, name: j.name, state: j.state };
          const stats = await client.call((c) => c.checkpoints(j.jid));
          return {
            jobId: j.jid,
            name: j.name,
            state: j.state,
            restoredFrom: stats.latest.restored?.external_path ?? undefined,
          };
        }),
      );
    },

    /**
     * The seeds' weekly log cleanup inside each running Flink container; with `remove` false it
     * only lists. A container that is not running is reported, not started.
     */
    async cleanFlinkLogs(input: {
      containers: string[];
      maxAgeDays: number;
      remove: boolean;
    }): Promise<ContainerLogCleanup[]> {
      const results: ContainerLogCleanup[] = [];
      for (const container of input.containers) {
        if (!(await deps.shell.isRunning(container).catch(() => false))) {
          results.push({
            container,
            files: [],
            problem: `${container} is not running: its logs were not looked at`,
          });
          continue;
        }
        const exec = await deps.shell.run(
          container,
          flinkLogCleanupCommand({ maxAgeDays: input.maxAgeDays, remove: input.remove }),
        );
        const files = parseFoundFiles(exec.stdout);
        results.push(
          exec.exitCode === 0
            ? { container, files }
            : {
                container,
                files,
                problem: `find exited ${exec.exitCode}: ${exec.stderr.trim().slice(0, 300)}`,
              },
        );
      }
      return results;
    },
  };
}

export const { cleanFlinkLogs, knownJobs } = createHousekeepingActivities({
  shell: containerShell(standardAdapters.docker),
  flink: standardAdapters.flink,
});
