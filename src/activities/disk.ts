import { stat, statfs } from 'node:fs/promises';
import {
  type DiskThresholds,
  type DiskUsage,
  type DiskVerdict,
  diskVerdict,
  rememberDiskLooks,
} from '../policy/disk';
import { standardAdapters } from './adapters';

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
  let dataRoot: string | undefined;
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
        // Asked once per worker (the monitor looks every minute); a failed ask is tried again.
        dataRoot ??= await deps.dockerDataRoot().catch(() => undefined);
        const root = dataRoot;
        if (root && !folders.some((f) => f.path === root))
          folders.push({ path: root, roles: ['Docker data root'] });
      }
      return Promise.all(folders.map((f) => look(f.path, f.roles)));
    },
  };
}

export const { measureDiskUsage } = createDiskActivities({
  disk: nodeDiskReader,
  dockerDataRoot: standardAdapters.docker.localDataRoot,
  now: Date.now,
});

/** What the monitor's watch looks at on every look (built by `diskWatchTarget` from the spec). */
export interface DiskWatchTarget {
  folders: Array<{ path: string; roles: string[] }>;
  dockerDataRoot: boolean;
  thresholds: DiskThresholds;
}

/**
 * The disk part of the monitor's look, kept across the looks of one watch: each look measures
 * the folders and judges them with the growth seen over the earlier looks (the forecast).
 */
export class DiskWatch {
  private history: DiskUsage[] = [];

  constructor(
    private readonly target: DiskWatchTarget | undefined,
    private readonly measure: (input: {
      folders: DiskWatchTarget['folders'];
      dockerDataRoot?: boolean;
    }) => Promise<DiskUsage[]> = measureDiskUsage,
    private readonly now: () => number = Date.now,
  ) {}

  /** Undefined when the watch has no disk to look at. */
  async look(): Promise<DiskVerdict | undefined> {
    if (!this.target || (this.target.folders.length === 0 && !this.target.dockerDataRoot)) return undefined;
    const usage = await this.measure({
      folders: this.target.folders,
      dockerDataRoot: this.target.dockerDataRoot,
    });
    const verdict = diskVerdict({
      now: this.now(),
      thresholds: this.target.thresholds,
      usage,
      history: this.history,
    });
    this.history = rememberDiskLooks(this.history, usage, this.now());
    return verdict;
  }
}
