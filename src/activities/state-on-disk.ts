import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { hostPathFor, normalizeLocation } from '../policy/retention';
import {
  type CheckpointDirEntry,
  type DiskStateAnswer,
  newestStateOnDisk,
  type SavepointDirEntry,
  sameLineage,
} from '../policy/state-on-disk';

/**
 * Finds a job's newest complete state in its savepoint and checkpoint directories, read on the
 * worker's machine through the cluster's volumes: for when no JobManager remembers the job. It
 * only lists directories and reads file times; src/policy/state-on-disk.ts decides.
 */
export interface FindStateInput {
  jobId: string;
  savepointDir: string;
  checkpointDir: string;
  volumes: Array<{ host: string; container: string }>;
  /** The location the runbook's own savepoint trigger reported, if any. */
  ownSavepoint?: string;
}

export interface FindStateResult extends DiskStateAnswer {
  /** Host directories listed. */
  looked: string[];
  /** Directories that are not a `file:` URI mounted from this machine: they could not be looked at. */
  unmapped: string[];
}

const dirsIn = async (path: string) =>
  (
    await readdir(path, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    })
  )
    .filter((e) => e.isDirectory())
    .map((e) => e.name);

/** `_metadata`'s time when it exists (complete), else the directory's (incomplete); undefined when gone. */
async function entryTimes(hostPath: string): Promise<{ complete: boolean; createdAt: number } | undefined> {
  const metadata = await stat(join(hostPath, '_metadata')).catch(() => undefined);
  if (metadata?.isFile()) return { complete: true, createdAt: Math.round(metadata.mtimeMs) };
  const dir = await stat(hostPath).catch(() => undefined);
  return dir && { complete: false, createdAt: Math.round(dir.mtimeMs) };
}

export async function findStateOnDisk(input: FindStateInput): Promise<FindStateResult> {
  const looked: string[] = [];
  const unmapped: string[] = [];
  const savepoints: SavepointDirEntry[] = [];
  const checkpoints: CheckpointDirEntry[] = [];

  const savepointHost = hostPathFor(input.savepointDir, input.volumes);
  if (!savepointHost) unmapped.push(input.savepointDir);
  else {
    looked.push(savepointHost);
    const base = normalizeLocation(input.savepointDir);
    for (const name of (await dirsIn(savepointHost)).filter((n) => n.startsWith('savepoint-'))) {
      const times = await entryTimes(join(savepointHost, name));
      if (times) savepoints.push({ uri: `file:${base}/${name}`, name, ...times });
    }
  }

  const checkpointHost = hostPathFor(input.checkpointDir, input.volumes);
  if (!checkpointHost) unmapped.push(input.checkpointDir);
  else {
    looked.push(checkpointHost);
    const base = normalizeLocation(input.checkpointDir);
    const jobDirs = (await dirsIn(checkpointHost)).filter(
      (name) => /^[0-9a-f]{32}$/.test(name) && sameLineage(name, input.jobId),
    );
    for (const jobId of jobDirs) {
      for (const name of await dirsIn(join(checkpointHost, jobId))) {
        const match = /^chk-(\d+)$/.exec(name);
        if (!match) continue;
        const times = await entryTimes(join(checkpointHost, jobId, name));
        if (times)
          checkpoints.push({ uri: `file:${base}/${jobId}/${name}`, jobId, id: Number(match[1]), ...times });
      }
    }
  }

  const answer = newestStateOnDisk({
    jobId: input.jobId,
    savepoints,
    checkpoints,
    ownSavepoint: input.ownSavepoint,
  });
  return { ...answer, looked, unmapped };
}
