import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { createDiskActivities, type DiskReader, nodeDiskReader } from '../../src/activities/disk';

const AT = 1_800_000_000_000;

/** A fake statfs: fixed numbers per path, as `df` would show them. */
const fakeDisk: DiskReader = {
  statfs: async (path) => {
    if (path === '/missing') throw Object.assign(new Error('no such file or directory'), { code: 'ENOENT' });
    // 4 KiB blocks: 1000 total, 300 free, 250 available to users; btrfs-like (no inode count) for /btrfs.
    return {
      bsize: 4096,
      blocks: 1000,
      bfree: 300,
      bavail: 250,
      files: path === '/btrfs' ? 0 : 100,
      ffree: 40,
    };
  },
  device: async (path) => (path === '/data/b' ? 2 : 1),
};

describe('measureDiskUsage', () => {
  const { measureDiskUsage } = createDiskActivities({
    disk: fakeDisk,
    dockerDataRoot: async () => '/var/lib/docker',
    now: () => AT,
  });

  it('reads used and available bytes and inodes as df does, and says why a folder could not be read', async () => {
    const looks = await measureDiskUsage({
      folders: [
        { path: '/data/a', roles: ['checkpoints'] },
        { path: '/btrfs', roles: ['output'] },
        { path: '/missing', roles: ['savepoints'] },
      ],
    });
    expect(looks).toEqual([
      {
        path: '/data/a',
        roles: ['checkpoints'],
        at: AT,
        device: 1,
        usedBytes: 700 * 4096,
        availableBytes: 250 * 4096,
        usedInodes: 60,
        freeInodes: 40,
      },
      {
        path: '/btrfs',
        roles: ['output'],
        at: AT,
        device: 1,
        usedBytes: 700 * 4096,
        availableBytes: 250 * 4096,
      },
      { path: '/missing', roles: ['savepoints'], at: AT, error: 'ENOENT: no such file or directory' },
    ]);
  });

  it("adds the Docker engine's data root when asked, once", async () => {
    const asked = await measureDiskUsage({
      folders: [{ path: '/data/a', roles: ['x'] }],
      dockerDataRoot: true,
    });
    expect(asked.map((l) => [l.path, l.roles])).toEqual([
      ['/data/a', ['x']],
      ['/var/lib/docker', ['Docker data root']],
    ]);
    const notAsked = await measureDiskUsage({ folders: [{ path: '/data/a', roles: ['x'] }] });
    expect(notAsked).toHaveLength(1);
  });

  it('with the real statfs, a real folder has a size', async () => {
    const real = createDiskActivities({
      disk: nodeDiskReader,
      dockerDataRoot: async () => undefined,
      now: Date.now,
    });
    const [look] = await real.measureDiskUsage({ folders: [{ path: tmpdir(), roles: ['tmp'] }] });
    expect(look?.error).toBeUndefined();
    expect((look?.usedBytes ?? 0) + (look?.availableBytes ?? 0)).toBeGreaterThan(0);
  });
});
