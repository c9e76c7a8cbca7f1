import { stat, statfs } from 'node:fs/promises';
import { localDataRoot } from '../docker/engine';
import type { DiskUsage } from '../policy/disk';

/**
 * The disk watch's eyes: `df` and `df -i` of each watched host folder, through Node's statfs.
 * Reports what it saw, never throws for a folder it cannot look at (`error` says why). The
 * verdict is src/policy/disk.ts's.
 */
export interface DiskReader {
  statfs(
    path: string,
  ): Promise<{ bsize: number; blocks: number; bfree: number; bavail: number; files: number; ffree: number }>;
  /** The filesystem a folder is on, so folders on one disk are told as one. */
  device(path: string): Promise<number>;
}

export const nodeDiskReader: DiskReader = {
  statfs: (path) => statfs(path),
  device: async (path) => (await stat(path)).dev,
};

export interface DiskDeps {
  disk: DiskReader;
  /** The Docker engine's data root when the engine is local (container logs live there). */
  dockerDataRoot: () => Promise<string | undefined>;
  now: () => number;
}

const errorText = (error: unknown) =>
  (error as NodeJS.ErrnoException).code
    ? `${(error as NodeJS.ErrnoException).code}: ${(error as Error).message}`
    : String((error as Error).message ?? error);

export function createDiskActivities(deps: DiskDeps) {
  async function look(path: string, roles: string[]): Promise<DiskUsage> {
    const at = deps.now();
    try {
      const [fs, device] = await Promise.all([deps.disk.statfs(path), deps.disk.device(path)]);
      const countsInodes = fs.files > 0;
      return {
        path,
        roles,
        at,
        device,
        usedBytes: (fs.blocks - fs.bfree) * fs.bsize,
        availableBytes: fs.bavail * fs.bsize,
        ...(countsInodes ? { usedInodes: fs.files - fs.ffree, freeInodes: fs.ffree } : {}),
      };
    } catch (error) {
      return { path, roles, at, error: errorText(error) };
    }
  }

  return {
    /** One look at every folder (and the Docker data root when asked and local). */
    async measureDiskUsage(input: {
      folders: Array<{ path: string; roles: string[] }>;
      dockerDataRoot?: boolean;
    }): Promise<DiskUsage[]> {
      const folders = [...input.folders];
      if (input.dockerDataRoot) {
        const root = await deps.dockerDataRoot().catch(() => undefined);
        if (root && !folders.some((f) => f.path === root))
          folders.push({ path: root, roles: ['Docker data root'] });
      }
      return Promise.all(folders.map((f) => look(f.path, f.roles)));
    },
  };
}

export const { measureDiskUsage } = createDiskActivities({
  disk: nodeDiskReader,
  dockerDataRoot: localDataRoot,
  now: Date.now,
});
