import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { createDiskActivities, type DiskReader, DiskWatch, nodeDiskReader } from '../../src/activities/disk';

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

describe('DiskWatch: the disk part of every look of the monitor', () => {
  it('judges each look with the growth of the earlier ones: the forecast warns before the thresholds', async () => {
    let clock = AT;
    let usedGb = 40;
    const measure = async () => [
      {
        path: '/data/cp',
        roles: ['checkpoints'],
        at: clock,
        usedBytes: usedGb * 1024 ** 3,
        availableBytes: (100 - usedGb) * 1024 ** 3,
      },
    ];
    const watch = new DiskWatch(
      {
        folders: [{ path: '/data/cp', roles: ['checkpoints'] }],
        dockerDataRoot: false,
        thresholds: { warnAtPercent: 80, criticalAtPercent: 90, forecastHorizonMs: 6 * 3_600_000 },
      },
      measure,
      () => clock,
    );
    expect((await watch.look())?.level).toBe('ok');
    clock += 10 * 60_000;
    usedGb = 45; // 30 GB an hour: 55 GB left is under 2 h
    const second = await watch.look();
    expect(second?.level).toBe('warning');
    expect(second?.reasons).toEqual([
      'checkpoints (/data/cp): full in about 2 h at the growth of the last 10 min',
    ]);
  });

  it('looks at nothing without a target', async () => {
    expect(await new DiskWatch(undefined).look()).toBeUndefined();
  });
});
