import { describe, expect, it } from 'vitest';
import {
  applyChanges,
  chooseUpgradePath,
  defaultTimeouts,
  describeChanges,
  evaluatePrecheck,
  type JobConfig,
  leaseTtlMs,
  type PathObservation,
  type PrecheckFindings,
  pickRunningJob,
} from '../../src/policy/upgrade-plan';

const v1: JobConfig = {
  jar: '/jars/sample-pipeline-1.jar',
  entryClass: 'io.flinkrunbooks.sample.SamplePipeline',
  parallelism: 2,
  args: ['--rate', '20'],
};

describe('the new job: the deployed one with the changes applied', () => {
  it.each([
    [{}, v1, []],
    [
      { jar: '/jars/sample-pipeline-2.jar' },
      { ...v1, jar: '/jars/sample-pipeline-2.jar' },
      ['jar: /jars/sample-pipeline-1.jar → /jars/sample-pipeline-2.jar'],
    ],
    [{ parallelism: 4 }, { ...v1, parallelism: 4 }, ['parallelism: 2 → 4']],
    [{ args: [] }, { ...v1, args: [] }, ['args: ["--rate","20"] → []']],
    [
      { entryClass: 'a.B', parallelism: 2 },
      { ...v1, entryClass: 'a.B' },
      ['entryClass: io.flinkrunbooks.sample.SamplePipeline → a.B'],
    ],
  ])('%j', (changes, expected, described) => {
    const target = applyChanges(v1, changes);
    expect(target).toEqual(expected);
    expect(describeChanges(v1, target)).toEqual(described);
  });
});

describe('which job is upgraded', () => {
  const jobs = [
    { jobId: 'a'.repeat(32), name: 'sample-pipeline', state: 'FINISHED' as const, startTime: 1 },
    { jobId: 'b'.repeat(32), name: 'sample-pipeline', state: 'RUNNING' as const, startTime: 2 },
    { jobId: 'c'.repeat(32), name: 'other', state: 'RUNNING' as const, startTime: 3 },
  ];
  it.each([
    ['the one live job of that name', jobs, undefined, 'b'.repeat(32), undefined],
    ['the one named by id, in any state', jobs, 'a'.repeat(32), 'a'.repeat(32), undefined],
    [
      'none live',
      jobs.slice(0, 1),
      undefined,
      undefined,
      'no live job named "sample-pipeline" on the cluster',
    ],
    ['unknown id', jobs, 'd'.repeat(32), undefined, `the cluster does not know job ${'d'.repeat(32)}`],
    [
      'two live: ambiguous',
      [
        ...jobs,
        { jobId: 'e'.repeat(32), name: 'sample-pipeline', state: 'RESTARTING' as const, startTime: 4 },
      ],
      undefined,
      undefined,
      /2 live jobs are named "sample-pipeline" .*name one with jobId/,
    ],
  ])('%s', (_what, list, jobId, expectedId, problem) => {
    const picked = pickRunningJob(list, 'sample-pipeline', jobId);
    expect(picked.job?.jobId).toBe(expectedId);
    if (problem instanceof RegExp) expect(picked.problem).toMatch(problem);
    else expect(picked.problem).toBe(problem);
  });
});

describe('how the old job is stopped and the new one restored', () => {
  const job = (state: string) => ({ jobId: 'f'.repeat(32), state: state as 'RUNNING' });
  const point = { id: 7, path: 'file:/opt/flink/checkpoints/x/chk-7', isSavepoint: false, completedAt: 1 };
  const cases: Array<[string, PathObservation, Record<string, unknown>]> = [
    [
      'savepoint, RUNNING',
      { mode: 'savepoint', job: job('RUNNING') },
      { ok: true, stop: 'stop-with-savepoint', restore: 'savepoint' },
    ],
    [
      'savepoint, RESTARTING: refused, points at last-state',
      { mode: 'savepoint', job: job('RESTARTING') },
      {
        ok: false,
        reason: expect.stringMatching(/is RESTARTING; a savepoint needs a RUNNING job \(mode last-state/),
      },
    ],
    ['savepoint, no job', { mode: 'savepoint' }, { ok: false }],
    [
      'last-state, RUNNING (stalled), retained checkpoint',
      { mode: 'last-state', job: job('RUNNING'), restorePoint: point, retainedOnCancel: true },
      { ok: true, stop: 'cancel', restore: 'latest-checkpoint' },
    ],
    [
      'last-state, FAILED: nothing to stop',
      { mode: 'last-state', job: job('FAILED'), restorePoint: point },
      { ok: true, stop: 'none', restore: 'latest-checkpoint' },
    ],
    [
      'last-state, no checkpoint',
      { mode: 'last-state', job: job('RUNNING'), retainedOnCancel: true },
      { ok: false, reason: expect.stringMatching(/no completed checkpoint/) },
    ],
    [
      'last-state, checkpoints deleted on cancel',
      { mode: 'last-state', job: job('RUNNING'), restorePoint: point, retainedOnCancel: false },
      { ok: false, reason: expect.stringMatching(/does not retain its checkpoints/) },
    ],
    [
      'last-state, retention unknown: refused',
      { mode: 'last-state', job: job('RUNNING'), restorePoint: point },
      { ok: false },
    ],
    [
      'stateless, RUNNING: still a savepoint for the rollback',
      { mode: 'stateless', job: job('RUNNING') },
      { ok: true, stop: 'stop-with-savepoint', restore: 'none' },
    ],
    ['stateless, no job', { mode: 'stateless' }, { ok: true, stop: 'none', restore: 'none' }],
    [
      'stateless, CANCELED',
      { mode: 'stateless', job: job('CANCELED') },
      { ok: true, stop: 'none', restore: 'none' },
    ],
    ['stateless, RESTARTING: refused', { mode: 'stateless', job: job('RESTARTING') }, { ok: false }],
  ];
  it.each(cases)('%s', (_what, observation, expected) => {
    expect(chooseUpgradePath(observation)).toMatchObject(expected);
  });
});

describe('precheck', () => {
  const good: PrecheckFindings = {
    jobManagers: [
      { url: 'http://127.0.0.1:8081', state: 'up', taskManagers: 2, slotsTotal: 4 },
      { url: 'http://127.0.0.1:8082', state: 'up', taskManagers: 2, slotsTotal: 4 },
    ],
    expectedTaskManagers: 2,
    jar: { path: '/j.jar', readable: true, isJar: true, hasEntryClass: true, entryClass: 'a.B' },
    plan: { ok: true },
    savepointDir: { uri: 'file:///opt/flink/savepoints', checks: [{ where: 'the worker host', ok: true }] },
    path: { ok: true, stop: 'stop-with-savepoint', restore: 'savepoint', summary: '' },
    parallelism: 2,
  };
  it.each<[string, Partial<PrecheckFindings>, string[]]>([
    ['all good', {}, []],
    ['no JobManager', { jobManagers: [{ url: 'x', state: 'down' }] }, ['no JobManager answers']],
    [
      'a TaskManager missing',
      { jobManagers: [{ url: 'x', state: 'up', taskManagers: 1, slotsTotal: 2 }] },
      ['1/2 TaskManagers registered'],
    ],
    ['too few slots', { parallelism: 8 }, ['the cluster has 4 slots; the new job needs 8']],
    [
      'jar missing',
      { jar: { ...good.jar, readable: false, isJar: false, error: 'ENOENT' } },
      ['jar /j.jar cannot be read: ENOENT'],
    ],
    [
      'not a jar',
      { jar: { ...good.jar, isJar: false, error: 'no zip end-of-central-directory record' } },
      ['/j.jar is not a jar (zip) file: no zip end-of-central-directory record'],
    ],
    [
      'entry class missing',
      { jar: { ...good.jar, hasEntryClass: false } },
      ['/j.jar does not contain the entry class a.B'],
    ],
    [
      'main() rejects the args',
      { plan: { ok: false, error: 'unknown option --bogus' } },
      ['Flink cannot build the job from /j.jar: unknown option --bogus'],
    ],
    [
      'savepoint dir not writable',
      {
        savepointDir: {
          uri: 'file:///sp',
          checks: [{ where: 'container jm', ok: false, error: 'Permission denied' }],
        },
      },
      ['savepoint directory file:///sp is not writable in container jm: Permission denied'],
    ],
    ['no path', { path: { ok: false, reason: 'job is FAILED' } }, ['job is FAILED']],
  ])('%s', (_what, change, problems) => {
    const verdict = evaluatePrecheck({ ...good, ...change });
    expect(verdict.problems).toEqual(problems);
    expect(verdict.ok).toBe(problems.length === 0);
  });

  it('notes what it could not check, without failing', () => {
    const verdict = evaluatePrecheck({
      ...good,
      jobManagers: [good.jobManagers[0] as PrecheckFindings['jobManagers'][0], { url: 'y', state: 'down' }],
      savepointDir: { uri: 's3://bucket/sp', checks: [] },
    });
    expect(verdict.ok).toBe(true);
    expect(verdict.notes).toEqual([
      '1/2 JobManagers answer (HA standby missing)',
      'savepoint directory s3://bucket/sp could not be checked (not mapped to a host path)',
    ]);
  });

  it('a cancel (last-state) does not need the savepoint directory', () => {
    const verdict = evaluatePrecheck({
      ...good,
      path: { ok: true, stop: 'cancel', restore: 'latest-checkpoint', summary: '' },
      savepointDir: { uri: 'file:///sp', checks: [{ where: 'x', ok: false, error: 'read-only' }] },
    });
    expect(verdict.ok).toBe(true);
  });
});

describe('timeouts and the lease', () => {
  it("follow the job's checkpoint settings", () => {
    expect(defaultTimeouts({ interval: 2_000, timeout: 10_000 })).toEqual({
      savepointMs: 70_000,
      readinessMs: 120_000,
      readinessIntervalMs: 2_000,
    });
    // The seeds' production settings: 30 s interval, 3 min timeout.
    expect(defaultTimeouts({ interval: 30_000, timeout: 180_000 })).toEqual({
      savepointMs: 240_000,
      readinessMs: 120_000,
      readinessIntervalMs: 5_000,
    });
    expect(defaultTimeouts({ interval: 60_000, timeout: 180_000 }, { readinessMs: 30_000 }).readinessMs).toBe(
      30_000,
    );
  });

  it('the lease outlives stop, readiness and a rollback', () => {
    expect(leaseTtlMs({ savepointMs: 70_000, readinessMs: 120_000, readinessIntervalMs: 2_000 })).toBe(
      70_000 + 240_000 + 600_000,
    );
  });
});
