import { describe, expect, it } from 'vitest';
import { classifyOutput, globToRegExp, parseFindListing } from '../../src/output/files';
import { checkSequence } from '../../src/output/sequence';
import { observeListing, stuckSinceStart } from '../../src/policy/output-health';

describe('checkSequence', () => {
  it.each([
    ['a clean run', [0, 1, 2, 3], { first: 0, last: 3, gaps: [], duplicates: [], continuous: true }],
    ['order does not matter', [3, 1, 0, 2], { first: 0, last: 3, continuous: true }],
    ['one gap', [0, 1, 4, 5], { gaps: [[2, 3]], duplicates: [], continuous: false }],
    [
      'two gaps',
      [0, 2, 3, 7],
      {
        gaps: [
          [1, 1],
          [4, 6],
        ],
      },
    ],
    ['a duplicated range', [0, 1, 2, 1, 2, 3], { gaps: [], duplicates: [[1, 2]], rows: 6, distinct: 4 }],
    [
      'separate duplicates',
      [0, 0, 1, 2, 3, 3],
      {
        duplicates: [
          [0, 0],
          [3, 3],
        ],
      },
    ],
    ['nothing', [], { rows: 0, first: undefined, gaps: [], continuous: true }],
    ['a run that starts late', [100, 101], { first: 100, continuous: true }],
  ])('%s', (_what, values, expected) => expect(checkSequence(values)).toMatchObject(expected));
});

const file = (path: string, mtimeMs: number, size = 10) => ({ path, mtimeMs, size });

describe('classifyOutput', () => {
  it('separates committed part files from hidden in-progress ones, oldest first', () => {
    const listing = classifyOutput([
      file('/o/part-a-1.csv', 300),
      file('/o/.part-a-2.csv.inprogress.1f2e', 400),
      file('/o/part-a-0.csv', 100),
      file('/o/_SUCCESS', 50),
      file('/o/.hidden.csv', 60),
    ]);
    expect(listing.committed.map((f) => f.path)).toEqual(['/o/part-a-0.csv', '/o/part-a-1.csv']);
    expect(listing.inProgress.map((f) => f.path)).toEqual(['/o/.part-a-2.csv.inprogress.1f2e']);
  });

  it('matches patterns within one name only', () => {
    expect(globToRegExp('*.csv').test('part-1.csv')).toBe(true);
    expect(globToRegExp('*.csv').test('part-1.csv.bak')).toBe(false);
    expect(globToRegExp('part-?.csv').test('part-1.csv')).toBe(false);
    expect(globToRegExp('part-?.csv').test('part-?.csv')).toBe(true);
  });

  it('parses find -printf output from a container', () => {
    const text =
      '1795240502.5634 120 /opt/flink/output/part-x-0.csv\nnoise\n1795240503 0 /opt/flink/output/.part-x-1.csv.inprogress.9\n';
    expect(parseFindListing(text)).toEqual([
      { mtimeMs: 1795240502563, size: 120, path: '/opt/flink/output/part-x-0.csv' },
      { mtimeMs: 1795240503000, size: 0, path: '/opt/flink/output/.part-x-1.csv.inprogress.9' },
    ]);
  });
});

describe('observeListing', () => {
  const now = 1_000_000;
  it('reads freshness, the window count and stuck in-progress files', () => {
    const seen = observeListing(
      {
        committed: [file('a', now - 400_000), file('b', now - 100_000), file('c', now - 20_000)],
        inProgress: [file('d', now - 700_000), file('e', now - 5_000)],
      },
      now,
      300_000,
      600_000,
    );
    expect(seen).toEqual({
      committedFiles: 3,
      newestCommittedAt: now - 20_000,
      newestAgeMs: 20_000,
      committedInWindow: 2,
      inProgressFiles: 2,
      stuckInProgress: 1,
      stuckInProgressAt: [now - 700_000],
      oldestInProgressAgeMs: 700_000,
      observedAt: now,
    });
  });

  it('says nothing about freshness when no file was ever committed', () => {
    const seen = observeListing({ committed: [], inProgress: [] }, now, 300_000, 600_000);
    expect(seen.newestAgeMs).toBeUndefined();
    expect(seen.committedInWindow).toBe(0);
    expect(seen.oldestInProgressAgeMs).toBeUndefined();
  });
});

describe('stuckSinceStart', () => {
  it.each([
    ['files of the running job count', [5_000, 4_000], 1_000, 2],
    ['leftovers of a restarted attempt do not', [5_000, 500, 100], 1_000, 1],
    ['all count when the job start is unknown', [5_000, 500], undefined, 2],
    ['none stuck', [], 1_000, 0],
  ])('%s', (_what, stuckAt, startedAt, count) => expect(stuckSinceStart(stuckAt, startedAt)).toBe(count));
});
