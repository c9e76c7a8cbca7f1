import { describe, expect, it } from 'vitest';
import {
  hostPathFor,
  jobsSharingSavepointDir,
  planRetention,
  type RetentionRules,
  retentionRuleIssues,
  type SavepointEntry,
  sameLocation,
} from '../../src/policy/retention';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const now = 100 * DAY;

/** Savepoint `name` completed `ageMs` ago. */
const sp = (name: string, ageMs: number, complete = true): SavepointEntry => ({
  uri: `file:/opt/flink/savepoints/savepoint-${name}`,
  name: `savepoint-${name}`,
  createdAt: now - ageMs,
  complete,
});

// Newest first: a (1 h) b (1 d) c (10 d) d (40 d) e (90 d)
const five = [sp('e', 90 * DAY), sp('c', 10 * DAY), sp('a', HOUR), sp('d', 40 * DAY), sp('b', DAY)];

function deleted(rules: RetentionRules, savepoints = five, protectedUris: string[] = []) {
  return planRetention({ savepoints, rules, now, protectedUris })
    .delete.map((d) => d.name.replace('savepoint-', ''))
    .sort();
}

describe('which savepoints retention deletes', () => {
  it.each<[string, RetentionRules, string[]]>([
    ['no rule: nothing', {}, []],
    ['keep the last 2', { keepLast: 2 }, ['c', 'd', 'e']],
    ['keep the last 1: the newest stays', { keepLast: 1 }, ['b', 'c', 'd', 'e']],
    ['keep the last 10: all', { keepLast: 10 }, []],
    ['younger than 30 d', { maxAgeMs: 30 * DAY }, ['d', 'e']],
    ['younger than 1 min: still never the newest', { maxAgeMs: 60_000 }, ['b', 'c', 'd', 'e']],
    ['last 2 or younger than 30 d: kept by either rule', { keepLast: 2, maxAgeMs: 30 * DAY }, ['d', 'e']],
    ['last 4 or younger than 2 d', { keepLast: 4, maxAgeMs: 2 * DAY }, ['e']],
  ])('%s', (_what, rules, expected) => {
    expect(deleted(rules)).toEqual(expected);
  });

  it('never deletes the one a live job was restored from, however old', () => {
    expect(deleted({ keepLast: 1 }, five, ['file:///opt/flink/savepoints/savepoint-e/'])).toEqual([
      'b',
      'c',
      'd',
    ]);
  });

  it('the newest completed one is kept even when newer incomplete ones exist', () => {
    const savepoints = [sp('old', 5 * DAY), sp('new', 2 * DAY), sp('writing', 1_000, false)];
    const plan = planRetention({ savepoints, rules: { keepLast: 1 }, now, protectedUris: [] });
    expect(plan.keep.map((k) => [k.name, k.reason])).toEqual([
      ['savepoint-new', 'the newest completed savepoint'],
      ['savepoint-writing', 'incomplete: it may still be being written'],
    ]);
    expect(plan.delete.map((d) => [d.name, d.reason])).toEqual([['savepoint-old', 'not among the last 1']]);
  });

  it('deletes incomplete leftovers after an hour, only when a rule asks for pruning', () => {
    const savepoints = [sp('done', DAY), sp('leftover', 2 * HOUR, false), sp('fresh', 10 * 60_000, false)];
    expect(deleted({ keepLast: 5 }, savepoints)).toEqual(['leftover']);
    expect(deleted({}, savepoints)).toEqual([]);
    expect(deleted({ keepLast: 5, incompleteAfterMs: 5 * 60_000 }, savepoints)).toEqual([
      'fresh',
      'leftover',
    ]);
  });

  it('says why, in words', () => {
    const plan = planRetention({
      savepoints: five,
      rules: { keepLast: 2, maxAgeMs: 30 * DAY },
      now,
      protectedUris: [],
    });
    expect(plan.delete.find((d) => d.name === 'savepoint-e')?.reason).toBe(
      'not among the last 2 and older than 30d (90d)',
    );
    expect(plan.keep.find((d) => d.name === 'savepoint-c')?.reason).toBe('younger than 30d');
    expect(plan.keep.find((d) => d.name === 'savepoint-b')?.reason).toBe('one of the last 2');
  });

  it('no savepoints, nothing to do', () => {
    expect(planRetention({ savepoints: [], rules: { keepLast: 1 }, now, protectedUris: [] })).toEqual({
      keep: [],
      delete: [],
    });
  });
});

describe('retention rules and shared directories', () => {
  it.each<[RetentionRules, string[]]>([
    [{ keepLast: 3 }, []],
    [{ maxAgeMs: DAY }, []],
    [{ keepLast: 0 }, ['keepLast must be a whole number of at least 1, got 0']],
    [{ keepLast: 1.5 }, ['keepLast must be a whole number of at least 1, got 1.5']],
    [{}, ['give keepLast, maxAge or both; without a rule nothing would be deleted']],
  ])('%j', (rules, issues) => {
    expect(retentionRuleIssues(rules)).toEqual(issues);
  });

  it('finds jobs writing savepoints to the same directory', () => {
    const jobs = [
      { name: 'a', savepointDir: 'file:///opt/flink/savepoints' },
      { name: 'b', savepointDir: 'file:/opt/flink/savepoints/' },
      { name: 'c', savepointDir: 'file:///opt/flink/savepoints/c' },
    ];
    expect(jobsSharingSavepointDir(jobs, 'a')).toEqual(['b']);
    expect(jobsSharingSavepointDir(jobs, 'c')).toEqual([]);
  });
});

describe('savepoint locations on the host', () => {
  const volumes = [
    { host: '/data/sandbox/savepoints', container: '/opt/flink/savepoints' },
    { host: '/data/sandbox/flink', container: '/opt/flink' },
    { host: '/data/other/', container: '/opt/flink/savepoints/other/' },
  ];
  it.each([
    [
      'file:/opt/flink/savepoints/savepoint-0e3af3-51bf8b3b899e',
      '/data/sandbox/savepoints/savepoint-0e3af3-51bf8b3b899e',
    ],
    ['file:///opt/flink/savepoints', '/data/sandbox/savepoints'],
    ['/opt/flink/savepoints/', '/data/sandbox/savepoints'],
    ['file:///opt/flink/savepoints/other/sp-1', '/data/other/sp-1'],
    ['file:///opt/flink/ha', '/data/sandbox/flink/ha'],
    ['file:///opt/flink-other/x', undefined],
    ['s3://bucket/opt/flink/savepoints', undefined],
    ['hdfs:///opt/flink/savepoints', undefined],
  ])('%s', (uri, host) => {
    expect(hostPathFor(uri, volumes)).toBe(host);
  });

  it.each([
    ['file:/a/b', 'file:///a/b/', true],
    ['/a/b', 'file:/a/b', true],
    ['file:/a/b', 'file:/a/bc', false],
  ])('%s = %s: %s', (a, b, same) => {
    expect(sameLocation(a, b)).toBe(same);
  });
});
