import { describe, expect, it } from 'vitest';
import {
  aboutDuration,
  type DiskUsage,
  diskCritical,
  diskFolders,
  diskVerdict,
  growthRate,
  rememberDiskLooks,
  usedPercent,
  withDiskVerdict,
} from '../../src/policy/disk';

const GB = 1024 ** 3;
const NOW = 1_800_000_000_000;
const MIN = 60_000;
const HOUR = 3_600_000;
const thresholds = { warnAtPercent: 80, criticalAtPercent: 90, forecastHorizonMs: 6 * HOUR };

/** A folder on a 100 GB disk with `usedGb` used, and 1 M inodes with `usedInodes` used. */
function look(usedGb: number, extra: Partial<DiskUsage> = {}): DiskUsage {
  return {
    path: '/data/checkpoints',
    roles: ['checkpoints'],
    at: NOW,
    usedBytes: usedGb * GB,
    availableBytes: (100 - usedGb) * GB,
    usedInodes: 1_000,
    freeInodes: 999_000,
    ...extra,
  };
}

describe('usedPercent (df Use%)', () => {
  it.each([
    [50, 50, 50],
    [0, 100, 0],
    [100, 0, 100],
    [undefined, 10, undefined],
    [0, 0, undefined],
  ])('used %s, available %s → %s', (used, available, percent) => {
    expect(usedPercent(used, available)).toBe(percent);
  });
});

describe('aboutDuration', () => {
  it.each([
    [30_000, 'about a minute'],
    [40 * MIN, 'about 40 min'],
    [3 * HOUR, 'about 3 h'],
    [2.6 * HOUR, 'about 3 h'],
    [3 * 24 * HOUR, 'about 3 d'],
  ])('%s ms → %s', (ms, text) => {
    expect(aboutDuration(ms)).toBe(text);
  });
});

describe('growthRate (least squares)', () => {
  it.each<[string, Array<{ at: number; value: number }>, number | undefined]>([
    ['a steady 1 byte/ms', [0, 5, 10, 15].map((i) => ({ at: i * MIN, value: i * MIN })), 1],
    ['flat', [0, 5, 10].map((i) => ({ at: i * MIN, value: 500 })), 0],
    ['shrinking', [0, 5, 10].map((i) => ({ at: i * MIN, value: 1_000 - i * MIN })), -1],
    ['one sample', [{ at: 0, value: 5 }], undefined],
    [
      'a jump seen over less than ten minutes (noise on a shared disk)',
      [
        { at: 0, value: 0 },
        { at: 9 * MIN, value: 9 },
      ],
      undefined,
    ],
  ])('%s', (_name, samples, rate) => {
    const got = growthRate(samples);
    if (rate === undefined) expect(got).toBeUndefined();
    else expect(got).toBeCloseTo(rate, 9);
  });
});

describe('diskVerdict', () => {
  it.each<[string, DiskUsage[], DiskUsage[], string, string[]]>([
    ['half full: ok', [look(50)], [], 'ok', []],
    [
      'past 80 %: warning',
      [look(85)],
      [],
      'warning',
      ['checkpoints (/data/checkpoints): 85 % of its space used (warning at 80 %)'],
    ],
    [
      'past 90 %: critical',
      [look(95)],
      [],
      'critical',
      ['checkpoints (/data/checkpoints): 95 % of its space used (critical at 90 %)'],
    ],
    ['exactly at the warning threshold counts', [look(80)], [], 'warning', [expect.stringMatching(/80 %/)]],
    [
      'inodes run short while bytes are fine',
      [look(10, { usedInodes: 950_000, freeInodes: 50_000 })],
      [],
      'critical',
      ['checkpoints (/data/checkpoints): 95 % of its inodes used (critical at 90 %)'],
    ],
    [
      'growth fills it within the horizon: an early warning at 60 %',
      [look(60)],
      // 10 GB an hour: 40 GB left is about 4 h.
      [look(50, { at: NOW - HOUR }), look(55, { at: NOW - 30 * MIN })],
      'warning',
      ['checkpoints (/data/checkpoints): full in about 4 h at the growth of the last 60 min'],
    ],
    [
      'a burst of 5 GB in two minutes is not a forecast',
      [look(60)],
      [look(55, { at: NOW - 2 * MIN })],
      'ok',
      [],
    ],
    [
      'slow growth beyond the horizon: ok',
      [look(60)],
      // 1 GB an hour: 40 h.
      [look(59, { at: NOW - HOUR })],
      'ok',
      [],
    ],
    [
      'looks older than the forecast window do not count',
      [look(60)],
      [look(10, { at: NOW - 3 * HOUR })],
      'ok',
      [],
    ],
    [
      "another folder's history does not count",
      [look(60)],
      [look(50, { at: NOW - HOUR, path: '/data/savepoints' })],
      'ok',
      [],
    ],
    [
      'inode forecast',
      [look(10, { usedInodes: 600_000, freeInodes: 400_000 })],
      [look(10, { at: NOW - HOUR, usedInodes: 400_000, freeInodes: 600_000 })],
      'warning',
      ['checkpoints (/data/checkpoints): inodes run out in about 2 h at the growth of the last 60 min'],
    ],
    [
      'two folders on one disk: one reason naming both',
      [
        look(92, { device: 7 }),
        look(92, { device: 7, path: '/data/savepoints', roles: ['savepoints'] }),
        look(10, { device: 8, path: '/data/output', roles: ['output'] }),
      ],
      [],
      'critical',
      [
        'checkpoints, savepoints (/data/checkpoints, /data/savepoints): 92 % of its space used (critical at 90 %)',
      ],
    ],
    [
      'a folder that cannot be read is not a disk verdict',
      [look(0, { error: 'ENOENT', usedBytes: undefined, availableBytes: undefined })],
      [],
      'ok',
      [],
    ],
  ])('%s', (_name, usage, history, level, reasons) => {
    const verdict = diskVerdict({ now: NOW, thresholds, usage, history });
    expect(verdict.level).toBe(level);
    expect(verdict.reasons).toEqual(reasons);
  });

  it('reports each folder with its percentages and forecast, and the unreadable ones apart', () => {
    const verdict = diskVerdict({
      now: NOW,
      thresholds,
      usage: [look(60), look(0, { path: '/gone', roles: ['output'], error: 'ENOENT: no such folder' })],
      history: [look(50, { at: NOW - HOUR })],
    });
    expect(verdict.folders[0]).toMatchObject({
      path: '/data/checkpoints',
      level: 'warning',
      bytesPercent: 60,
      inodesPercent: 0.1,
      forecast: { resource: 'bytes', fullInMs: 4 * HOUR, overMs: HOUR },
    });
    expect(verdict.unreadable).toEqual(['/gone: ENOENT: no such folder']);
  });

  it('thresholds are the cluster’s own', () => {
    const strict = { ...thresholds, warnAtPercent: 40, criticalAtPercent: 50 };
    expect(diskVerdict({ now: NOW, thresholds: strict, usage: [look(45)] }).level).toBe('warning');
    expect(diskVerdict({ now: NOW, thresholds: strict, usage: [look(55)] }).level).toBe('critical');
  });
});

describe('rememberDiskLooks', () => {
  it('keeps readable looks of the last hour', () => {
    const old = look(1, { at: NOW - 2 * HOUR });
    const recent = look(2, { at: NOW - 10 * MIN });
    const broken = look(3, { error: 'EACCES' });
    const now = look(4);
    expect(rememberDiskLooks([old, recent], [now, broken], NOW)).toEqual([recent, now]);
  });
});

describe('diskFolders', () => {
  it("names what each volume holds, adds outputs outside the volumes and the file's extra paths", () => {
    const folders = diskFolders({
      ha: { storageDir: 'file:///opt/flink/ha' },
      volumes: [
        { host: '/data/ha/', container: '/opt/flink/ha' },
        { host: '/data/flink', container: '/opt/flink/state' },
        { host: '/data/control', container: '/opt/flink/control' },
      ],
      jobs: [
        {
          checkpointDir: 'file:///opt/flink/state/checkpoints',
          savepointDir: 'file:///opt/flink/state/savepoints',
          output: { path: '/mnt/csv' },
        },
        {
          checkpointDir: 's3://bucket/cp',
          savepointDir: 's3://bucket/sp',
          output: { path: '/x', container: 'tm' },
        },
      ],
      disk: { paths: ['/var/log/flink'] },
    });
    expect(folders).toEqual([
      { path: '/data/ha', roles: ['HA storage'] },
      { path: '/data/flink', roles: ['checkpoints', 'savepoints'] },
      { path: '/data/control', roles: ['control'] },
      { path: '/mnt/csv', roles: ['output'] },
      { path: '/var/log/flink', roles: ['watched'] },
    ]);
  });
});

describe('withDiskVerdict: the disk in the monitor’s look', () => {
  const full = diskVerdict({ now: NOW, thresholds, usage: [look(95)] });
  const filling = diskVerdict({ now: NOW, thresholds, usage: [look(85)] });
  it.each<[string, string, typeof full | undefined, string, string[]]>([
    [
      'a healthy job on a full disk is degraded, not restarted',
      'healthy',
      full,
      'degraded',
      ['disk critical: checkpoints (/data/checkpoints): 95 % of its space used (critical at 90 %)'],
    ],
    [
      'an idle job on a filling disk is degraded',
      'idle',
      filling,
      'degraded',
      ['disk warning: checkpoints (/data/checkpoints): 85 % of its space used (warning at 80 %)'],
    ],
    [
      'a zombie stays a zombie, the disk named beside it',
      'zombie',
      full,
      'zombie',
      ['no checkpoint', expect.stringMatching(/^disk critical: /)],
    ],
    [
      'a disk below its thresholds changes nothing',
      'healthy',
      diskVerdict({ now: NOW, thresholds, usage: [look(10)] }),
      'healthy',
      [],
    ],
    ['no disk look changes nothing', 'healthy', undefined, 'healthy', []],
  ])('%s', (_name, verdict, disk, expected, reasons) => {
    const before = { verdict, reasons: verdict === 'zombie' ? ['no checkpoint'] : [], lookAgainInMs: 7 };
    const after = withDiskVerdict(before, disk);
    expect(after.verdict).toBe(expected);
    expect(after.reasons).toEqual(reasons);
    expect(after.lookAgainInMs).toBe(7);
    expect(diskCritical(after.reasons)).toBe(disk?.level === 'critical');
  });
});
