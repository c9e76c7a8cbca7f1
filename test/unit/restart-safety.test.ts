import { describe, expect, it } from 'vitest';
import { clusterSpecSchema } from '../../src/config/schema';
import {
  RETENTION_SETTING,
  restoreAfterStop,
  retentionOf,
  retentionProblem,
  specRetentionProblem,
  stopRoute,
} from '../../src/policy/checkpoint-retention';
import { BadSessionTimeoutError, flinkDurationMs, haRecoveryWindowMs } from '../../src/policy/ha-recovery';
import { howJobEnded, restartAfterEnd } from '../../src/policy/job-end';
import { beforeSubmit } from '../../src/policy/one-live-job';
import { decideRecovery } from '../../src/policy/recovery';
import {
  BadStateQueryError,
  type CheckpointDirEntry,
  newestStateOnDisk,
  type SavepointDirEntry,
} from '../../src/policy/state-on-disk';

/**
 * The rules that keep a restart from destroying state or doubling a job: state found on disk,
 * cancel only what is retained, one live job per name, a person's cancel is not a crash, and
 * HA job recovery is waited for.
 */
const JOB = '0e3af3aaaaaaaaaaaaaaaaaa00000001';
const SUCCESSOR = '0e3af3aaaaaaaaaaaaaaaaaa99999999';
const OTHER = 'bbbbbbbbbbbbbbbbbbbbbbbb00000002';

const sp = (name: string, createdAt: number, complete = true): SavepointDirEntry => ({
  uri: `file:/opt/flink/savepoints/${name}`,
  name,
  createdAt,
  complete,
});
const chk = (jobId: string, id: number, createdAt: number, complete = true): CheckpointDirEntry => ({
  uri: `file:/opt/flink/checkpoints/${jobId}/chk-${id}`,
  jobId,
  id,
  createdAt,
  complete,
});

describe('newestStateOnDisk: the newest complete state of the job, never an incomplete one', () => {
  it.each<[string, Parameters<typeof newestStateOnDisk>[0], string | undefined, string[]]>([
    ['nothing on disk', { jobId: JOB, savepoints: [], checkpoints: [] }, undefined, []],
    [
      'a newer retained checkpoint wins over an older savepoint',
      { jobId: JOB, savepoints: [sp('savepoint-0e3af3-111111111111', 100)], checkpoints: [chk(JOB, 7, 200)] },
      `file:/opt/flink/checkpoints/${JOB}/chk-7`,
      [],
    ],
    [
      'the savepoint of a stop is newer than every checkpoint',
      {
        jobId: JOB,
        savepoints: [sp('savepoint-0e3af3-222222222222', 300)],
        checkpoints: [chk(JOB, 7, 200), chk(JOB, 6, 150)],
      },
      'file:/opt/flink/savepoints/savepoint-0e3af3-222222222222',
      [],
    ],
    [
      'an incomplete savepoint (no _metadata) is passed over, however new',
      {
        jobId: JOB,
        savepoints: [sp('savepoint-0e3af3-333333333333', 500, false)],
        checkpoints: [chk(JOB, 7, 200), chk(JOB, 8, 400, false)],
      },
      `file:/opt/flink/checkpoints/${JOB}/chk-7`,
      [
        'file:/opt/flink/savepoints/savepoint-0e3af3-333333333333',
        `file:/opt/flink/checkpoints/${JOB}/chk-8`,
      ],
    ],
    [
      "another job's savepoints and checkpoints are not this job's state",
      {
        jobId: JOB,
        savepoints: [sp('savepoint-bbbbbb-444444444444', 900)],
        checkpoints: [chk(OTHER, 9, 900), chk(JOB, 2, 100)],
      },
      `file:/opt/flink/checkpoints/${JOB}/chk-2`,
      [],
    ],
    [
      "the lineage's newer checkpoint counts: the monitor's successor keeps the first 24 digits",
      { jobId: JOB, savepoints: [], checkpoints: [chk(JOB, 5, 100), chk(SUCCESSOR, 1, 300)] },
      `file:/opt/flink/checkpoints/${SUCCESSOR}/chk-1`,
      [],
    ],
    [
      "the runbook's own trigger location is a candidate whatever its prefix",
      {
        jobId: JOB,
        savepoints: [sp('savepoint-cccccc-555555555555', 600)],
        checkpoints: [chk(JOB, 3, 100)],
        ownSavepoint: 'file:///opt/flink/savepoints/savepoint-cccccc-555555555555/',
      },
      'file:/opt/flink/savepoints/savepoint-cccccc-555555555555',
      [],
    ],
    [
      'same time: the higher checkpoint number wins',
      { jobId: JOB, savepoints: [], checkpoints: [chk(JOB, 3, 100), chk(JOB, 4, 100)] },
      `file:/opt/flink/checkpoints/${JOB}/chk-4`,
      [],
    ],
  ])('%s', (_name, query, uri, skipped) => {
    const answer = newestStateOnDisk(query);
    expect(answer.state?.uri).toBe(uri);
    expect(answer.skipped).toEqual(skipped);
    if (uri) expect(answer.state?.why).toMatch(/newest complete state on disk/);
  });

  it.each<[string, Parameters<typeof newestStateOnDisk>[0], RegExp]>([
    ['a job id that is not one', { jobId: 'job-1', savepoints: [], checkpoints: [] }, /32 hex/],
    [
      'a time that is not a number',
      { jobId: JOB, savepoints: [sp('savepoint-0e3af3-1', Number.NaN)], checkpoints: [] },
      /no valid time/,
    ],
    [
      'a negative checkpoint number',
      { jobId: JOB, savepoints: [], checkpoints: [chk(JOB, -1, 1)] },
      /checkpoint number/,
    ],
  ])('refuses %s with a typed error', (_name, query, message) => {
    expect(() => newestStateOnDisk(query)).toThrow(BadStateQueryError);
    expect(() => newestStateOnDisk(query)).toThrow(message);
  });
});

describe('cancel only what is retained', () => {
  it.each([
    [undefined, 'unknown'],
    [{ enabled: false, delete_on_cancellation: true }, 'not-externalized'],
    [{ enabled: true, delete_on_cancellation: true }, 'deleted-on-cancel'],
    [{ enabled: true, delete_on_cancellation: false }, 'retained'],
  ] as const)('externalization %j is %s', (externalization, retention) => {
    expect(retentionOf(externalization)).toBe(retention);
  });

  it.each<[string, Parameters<typeof stopRoute>[0], ReturnType<typeof stopRoute>['route'], boolean?]>([
    [
      'an ended job is not stopped',
      { jobId: JOB, state: 'FAILED', retention: 'unknown', prefer: 'checkpoint' },
      'ended',
    ],
    [
      'retained, zombie: cancel',
      { jobId: JOB, state: 'RUNNING', retention: 'retained', prefer: 'checkpoint' },
      'cancel',
    ],
    [
      'retained, forced: savepoint first, cancel if it fails',
      { jobId: JOB, state: 'RUNNING', retention: 'retained', prefer: 'savepoint' },
      'stop-with-savepoint',
      true,
    ],
    [
      'deleted on cancel, zombie: stop-with-savepoint and never cancel',
      { jobId: JOB, state: 'RUNNING', retention: 'deleted-on-cancel', prefer: 'checkpoint' },
      'stop-with-savepoint',
      false,
    ],
    [
      'unknown retention counts as not retained',
      { jobId: JOB, state: 'RUNNING', retention: 'unknown', prefer: 'checkpoint' },
      'stop-with-savepoint',
      false,
    ],
    [
      'not retained and not RUNNING: refused',
      { jobId: JOB, state: 'RESTARTING', retention: 'not-externalized', prefer: 'checkpoint' },
      'refuse',
    ],
    [
      'retained and RESTARTING: cancel',
      { jobId: JOB, state: 'RESTARTING', retention: 'retained', prefer: 'savepoint' },
      'cancel',
    ],
  ])('%s', (_name, input, route, thenCancel) => {
    const decided = stopRoute(input);
    expect(decided.route).toBe(route);
    if (decided.route === 'stop-with-savepoint') expect(decided.thenCancel).toBe(thenCancel);
    if (decided.route === 'refuse') expect(decided.reason).toContain(RETENTION_SETTING);
  });

  it('names the Flink setting to change', () => {
    expect(retentionProblem(JOB, 'deleted-on-cancel')).toMatch(
      /execution\.checkpointing\.externalized-checkpoint-retention: RETAIN_ON_CANCELLATION/,
    );
    expect(retentionProblem(JOB, 'retained')).toBeUndefined();
  });

  it.each<[string, Array<Record<string, unknown>>, boolean]>([
    ['unset: the job may set it in code', [{}], false],
    ['RETAIN_ON_CANCELLATION', [{ [RETENTION_SETTING]: 'RETAIN_ON_CANCELLATION' }], false],
    ['DELETE_ON_CANCELLATION', [{ [RETENTION_SETTING]: 'DELETE_ON_CANCELLATION' }], true],
    [
      'a JobManager of its own overriding it',
      [
        { [RETENTION_SETTING]: 'RETAIN_ON_CANCELLATION' },
        { [RETENTION_SETTING]: 'NO_EXTERNALIZED_CHECKPOINTS' },
      ],
      true,
    ],
  ])('spec retention %s: problem %s', (_name, configs, problem) => {
    expect(specRetentionProblem(configs) !== undefined).toBe(problem);
  });
});

describe('an ended job is restored from the checkpoint the cluster names, else from disk', () => {
  const CHK = `file:/opt/flink/checkpoints/${JOB}/chk-7`;
  it.each<[string, Parameters<typeof restoreAfterStop>[0], string]>([
    [
      'cancelled by the restart, retained: the latest checkpoint',
      { stateBefore: 'RUNNING', view: { latestPath: CHK, retainedOnCancel: true } },
      CHK,
    ],
    ['failed on its own: the latest checkpoint', { stateBefore: 'FAILED', view: { latestPath: CHK } }, CHK],
    [
      'its checkpoints can no longer be read (a leader that knows it only from its job result): disk',
      { stateBefore: 'RUNNING' },
      'disk',
    ],
    [
      'ended before any checkpoint completed, as the cluster says: disk',
      { stateBefore: 'RUNNING', view: {} },
      'disk',
    ],
    [
      'cancelled by someone else, retention not reported: disk',
      { stateBefore: 'CANCELED', view: { latestPath: CHK } },
      'disk',
    ],
    [
      'cancelled by someone else, checkpoints deleted on cancel: disk',
      { stateBefore: 'CANCELED', view: { latestPath: CHK, retainedOnCancel: false } },
      'disk',
    ],
    [
      'cancelled by someone else, retained: the latest checkpoint',
      { stateBefore: 'CANCELED', view: { latestPath: CHK, retainedOnCancel: true } },
      CHK,
    ],
  ])('%s', (_name, input, expected) => {
    const decided = restoreAfterStop(input);
    expect(decided.from === 'checkpoint' ? decided.path : decided.from).toBe(expected);
  });
});

describe('one live job per name, checked before every submit', () => {
  const live = (jobId: string, state = 'RUNNING', name = 'pipeline') => ({ jobId, name, state });
  it.each<[string, Parameters<typeof beforeSubmit>[0], ReturnType<typeof beforeSubmit>['action'], string?]>([
    ['no live job: submit', { jobs: [live(OTHER, 'CANCELED')], name: 'pipeline', jobId: JOB }, 'submit'],
    ['its own id already live: adopt', { jobs: [live(JOB)], name: 'pipeline', jobId: JOB }, 'adopt', JOB],
    ['a stray of the same name: refuse', { jobs: [live(OTHER)], name: 'pipeline', jobId: JOB }, 'refuse'],
    [
      'a job of another name is no stray',
      { jobs: [live(OTHER, 'RUNNING', 'other')], name: 'pipeline', jobId: JOB },
      'submit',
    ],
    [
      'the job being replaced is no stray',
      { jobs: [live(OTHER)], name: 'pipeline', jobId: JOB, replacing: [OTHER] },
      'submit',
    ],
    [
      'a successor of the lineage, for the monitor: adopt',
      { jobs: [live(SUCCESSOR)], name: 'pipeline', jobId: JOB, lineage: true },
      'adopt',
      SUCCESSOR,
    ],
    [
      'a successor without lineage: refuse',
      { jobs: [live(SUCCESSOR)], name: 'pipeline', jobId: JOB },
      'refuse',
    ],
    [
      'ours and a stray: refuse, never a second',
      { jobs: [live(JOB), live(OTHER)], name: 'pipeline', jobId: JOB },
      'refuse',
    ],
  ])('%s', (_name, input, action, adopted) => {
    const decided = beforeSubmit(input);
    expect(decided.action).toBe(action);
    if (decided.action === 'adopt') expect(decided.jobId).toBe(adopted);
    if (decided.action === 'refuse') expect(decided.reason).toMatch(/not adding a second/);
  });
});

describe("someone else's cancel is not a crash; a FINISHED job is never restarted", () => {
  it.each<[string, Parameters<typeof howJobEnded>[0], ReturnType<typeof howJobEnded>]>([
    ['FINISHED', { state: 'FINISHED' }, 'finished'],
    ['FAILED', { state: 'FAILED', failuresInHistory: 3 }, 'failed'],
    [
      'CANCELED with no failure: a person',
      { state: 'CANCELED', failuresInHistory: 0 },
      'cancelled-by-person',
    ],
    [
      'CANCELED after failures: the cluster',
      { state: 'CANCELED', failuresInHistory: 2 },
      'cancelled-after-failure',
    ],
    ['CANCELED, history unread: as before, a failure', { state: 'CANCELED' }, 'cancelled-after-failure'],
    ['RUNNING has not ended', { state: 'RUNNING' }, undefined],
  ])('%s', (_name, input, end) => {
    expect(howJobEnded(input)).toBe(end);
  });

  it.each<[Parameters<typeof restartAfterEnd>[0], boolean, boolean]>([
    ['finished', false, false],
    ['finished', true, false],
    ['cancelled-by-person', false, false],
    ['cancelled-by-person', true, true],
    ['cancelled-after-failure', false, true],
    ['failed', false, true],
    [undefined, false, true],
  ])('%s with restartCancelled %s: restart %s', (end, restartCancelled, restart) => {
    expect(restartAfterEnd(end, { restartCancelled }).restart).toBe(restart);
  });
});

describe('HA job recovery is waited for, bounded by the ZooKeeper session timeout', () => {
  const cluster = (flinkConfig: Record<string, unknown>, jm: Record<string, unknown> = {}) => ({
    flinkConfig,
    jobManagers: [{ config: jm }, { config: {} }],
  });
  it.each<[string, ReturnType<typeof cluster>, number]>([
    ["Flink's default 60 s", cluster({}), 150_000],
    [
      '15000 ms in the cluster',
      cluster({ 'high-availability.zookeeper.client.session-timeout': 15000 }),
      60_000,
    ],
    [
      '"20 s" in the cluster',
      cluster({ 'high-availability.zookeeper.client.session-timeout': '20 s' }),
      70_000,
    ],
    [
      'a JobManager of its own with a longer one',
      cluster(
        { 'high-availability.zookeeper.client.session-timeout': 15000 },
        { 'high-availability.zookeeper.client.session-timeout': '1 min' },
      ),
      150_000,
    ],
  ])('%s', (_name, spec, window) => {
    expect(haRecoveryWindowMs(spec)).toBe(window);
  });

  it('refuses a session timeout that is not a duration, naming the setting', () => {
    const bad = cluster({ 'high-availability.zookeeper.client.session-timeout': 'soon' });
    expect(() => haRecoveryWindowMs(bad)).toThrow(BadSessionTimeoutError);
    expect(() => haRecoveryWindowMs(bad)).toThrow(/session-timeout must be a positive duration/);
    expect(flinkDurationMs('0')).toBe(0);
    expect(() =>
      haRecoveryWindowMs(cluster({ 'high-availability.zookeeper.client.session-timeout': 0 })),
    ).toThrow(BadSessionTimeoutError);
  });
});

describe('the clusters file refuses a session timeout that is not a duration', () => {
  const spec = (value: unknown) => ({
    zookeeper: { quorum: '127.0.0.1:1', clusterId: '/fast' },
    ha: { storageDir: 'file:///tmp/ha' },
    jobManagers: [
      { role: 'primary', url: 'http://127.0.0.1:9', container: 'jm-a' },
      {
        role: 'standby',
        url: 'http://127.0.0.1:7',
        container: 'jm-b',
        config: { 'high-availability.zookeeper.client.session-timeout': value },
      },
    ],
    taskManagers: { containers: [{ container: 'tm-1' }] },
    jobs: [
      {
        name: 'pipeline',
        jar: '/opt/jars/pipeline-1.jar',
        entryClass: 'com.example.Pipeline',
        savepointDir: 'file:///data/savepoints',
        checkpointDir: 'file:///data/checkpoints',
      },
    ],
  });
  it.each([['soon'], ['-5'], [0]])('%j is refused, naming the field', (value) => {
    const parsed = clusterSpecSchema.safeParse(spec(value));
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toMatch(
      /jobManagers.*1.*config.*session-timeout.*must be a positive duration/,
    );
  });
  it.each([[15000], ['20 s'], ['1 min']])('%j is accepted', (value) => {
    expect(clusterSpecSchema.safeParse(spec(value)).success).toBe(true);
  });
});

describe('decideRecovery with how the job ended and HA recovery', () => {
  const NOW = 10_000_000;
  const base = {
    verdict: 'failed' as const,
    now: NOW,
    restarts: [],
    budget: { maxRestarts: 3, windowMs: 3_600_000, cooldownMs: 300_000 },
    paused: false,
    escalated: false,
  };
  it.each<[string, Partial<Parameters<typeof decideRecovery>[0]>, string]>([
    ['a failed job is restarted', {}, 'restart'],
    ['a person cancelled it: hold', { ended: 'cancelled-by-person' }, 'hold'],
    [
      'a person cancelled it, the spec opts in: restart',
      { ended: 'cancelled-by-person', restartCancelled: true },
      'restart',
    ],
    ['it FINISHED: hold, even when opted in', { ended: 'finished', restartCancelled: true }, 'hold'],
    [
      'missing within the recovery window: wait',
      { missingSince: NOW - 10_000, recoveryWindowMs: 60_000 },
      'wait-recovery',
    ],
    [
      'missing past the recovery window: restart',
      { missingSince: NOW - 60_000, recoveryWindowMs: 60_000 },
      'restart',
    ],
    ['paused beats everything', { paused: true, ended: 'finished' }, 'none'],
  ])('%s', (_name, ctx, action) => {
    const decision = decideRecovery({ ...base, ...ctx });
    expect(decision.action).toBe(action);
    if (decision.action === 'wait-recovery') expect(decision.retryAt).toBe(NOW - 10_000 + 60_000);
  });
});
