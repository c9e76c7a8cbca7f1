import { describe, expect, it } from 'vitest';
import { checkpointWindowMs, evaluateHealth } from '../../src/policy/health';
import type { JobObservation, RestartRecord, Verdict } from '../../src/policy/monitor-state';
import { confirmVerdict, decideRecovery, pruneRestarts } from '../../src/policy/recovery';
import type { SourceEvidence } from '../../src/policy/source-liveness';

const NOW = 10_000_000;
const SETTINGS = { fileWindowMs: 300_000 };
/** The seeds' checkpointing: every 30 s, 3-minute timeout. Window = 180 + 2 × 30 = 240 s. */
const CP = { intervalMs: 30_000, timeoutMs: 180_000 };

/** A healthy RUNNING job: a checkpoint 10 s ago, a file 20 s ago, 50 records/s. */
function running(
  overrides: Partial<JobObservation> = {},
  checkpoints: Partial<NonNullable<JobObservation['checkpoints']>> = {},
): JobObservation {
  return {
    at: NOW,
    jobId: 'a'.repeat(32),
    jobState: 'RUNNING',
    runningForMs: 3_600_000,
    leader: { url: 'http://127.0.0.1:8081', consistent: true },
    checkpoints: {
      completed: 100,
      failed: 0,
      latestCompletedId: 100,
      latestCompletedAt: NOW - 10_000,
      ...CP,
      ...checkpoints,
    },
    output: { newestAgeMs: 20_000, committedInWindow: 10, stuckInProgress: 0 },
    recordsPerSecond: 50,
    taskManagers: { registered: 3, expected: 3 },
    newExceptions: [],
    ...overrides,
  };
}

// [case, observation, verdict, reason pattern]
const table: Array<[string, JobObservation, Verdict, RegExp]> = [
  ['a job making progress', running(), 'healthy', /checkpoint 100 completed 10 s ago/],
  [
    'the seeds zombie: checkpoints stopped past the window',
    running({}, { latestCompletedAt: NOW - 241_000, failed: 3, latestFailedAt: NOW - 5_000 }),
    'zombie',
    /no checkpoint completed for 241 s \(window 240 s/,
  ],
  [
    'just inside the window is not yet a zombie',
    running({}, { latestCompletedAt: NOW - 239_000, failed: 1, latestFailedAt: NOW - 1_000 }),
    'degraded',
    /latest checkpoint failed/,
  ],
  [
    'the seeds rule: no new file for 5 min and checkpoints failing',
    running(
      { output: { newestAgeMs: 301_000, committedInWindow: 0, stuckInProgress: 0 } },
      { failed: 2, latestFailedAt: NOW - 1_000, latestCompletedAt: NOW - 100_000 },
    ),
    'zombie',
    /no file committed for 301 s and checkpoints failing/,
  ],
  [
    'no new file but checkpoints completing: an idle source',
    running({
      output: { newestAgeMs: 900_000, committedInWindow: 0, stuckInProgress: 0 },
      recordsPerSecond: 0,
    }),
    'idle',
    /source is quiet/,
  ],
  [
    "a burst's one-minute rate still above 0, the total flat for 15 s: idle",
    running({
      output: { newestAgeMs: 120_000, committedInWindow: 0, stuckInProgress: 0 },
      recordsPerSecond: 0.3,
      recordsFlatForMs: 15_000,
    }),
    'idle',
    /source is quiet/,
  ],
  [
    'records still flowing (the total moved within 15 s), nothing committed in the window: not idle',
    running({
      output: { newestAgeMs: 120_000, committedInWindow: 0, stuckInProgress: 0 },
      recordsPerSecond: 0.3,
      recordsFlatForMs: 14_000,
    }),
    'healthy',
    /checkpoint 100 completed/,
  ],
  [
    'idle with no file ever written',
    running({ output: { committedInWindow: 0, stuckInProgress: 0 }, recordsPerSecond: 0 }),
    'idle',
    /quiet/,
  ],
  [
    'no file ever, checkpoints failing, running past the window',
    running(
      { output: { committedInWindow: 0, stuckInProgress: 0 }, recordsPerSecond: 0 },
      { failed: 2, latestFailedAt: NOW - 1_000, latestCompletedAt: NOW - 60_000, failedSinceCompleted: 2 },
    ),
    'zombie',
    /checkpoints failing/,
  ],
  [
    'a checkpoint in progress past its timeout counts as failing',
    running(
      { output: { newestAgeMs: 400_000, committedInWindow: 0, stuckInProgress: 0 } },
      { inProgressAgeMs: 181_000, latestCompletedAt: NOW - 200_000 },
    ),
    'zombie',
    /checkpoints failing/,
  ],
  [
    'a fresh job before its first checkpoint',
    running(
      { runningForMs: 20_000 },
      { completed: 0, latestCompletedId: undefined, latestCompletedAt: undefined },
    ),
    'healthy',
    /starting: running 20 s, no checkpoint yet/,
  ],
  [
    'a job that never completed a checkpoint in the window',
    running(
      { runningForMs: 250_000 },
      { completed: 0, latestCompletedId: undefined, latestCompletedAt: undefined },
    ),
    'zombie',
    /no checkpoint completed for 250 s/,
  ],
  ['job FAILED', running({ jobState: 'FAILED' }), 'failed', /job is FAILED/],
  ['job CANCELED', running({ jobState: 'CANCELED' }), 'failed', /CANCELED/],
  ['job unknown to the cluster', running({ jobState: 'MISSING' }), 'failed', /unknown to the cluster/],
  [
    'Flink restarting the job itself',
    running({ jobState: 'RESTARTING' }),
    'degraded',
    /Flink is restarting the job/,
  ],
  ['job still initializing', running({ jobState: 'INITIALIZING' }), 'degraded', /INITIALIZING/],
  [
    'REST answers 503: an election in progress',
    { at: NOW, restError: 'no JobManager knows a leader', restNoLeader: true },
    'no-leader',
    /knows a leader/,
  ],
  [
    'REST down and ZooKeeper names no leader',
    { at: NOW, restError: 'no JobManager answers', leader: { consistent: false } },
    'no-leader',
    /no JobManager answers/,
  ],
  [
    'REST and ZooKeeper both unreachable: cannot see, not "no leader"',
    {
      at: NOW,
      restError: 'no JobManager answers',
      leader: { consistent: false, error: 'ZooKeeper did not answer' },
    },
    'unknown',
    /could not be asked/,
  ],
  [
    'REST down, a leader is known: cannot see, do not guess',
    {
      at: NOW,
      restError: 'no JobManager answers',
      leader: { url: 'http://127.0.0.1:8081', consistent: true },
    },
    'unknown',
    /could not be asked/,
  ],
  [
    'a TaskManager missing',
    running({ taskManagers: { registered: 2, expected: 3 } }),
    'degraded',
    /2 of 3 TaskManagers registered/,
  ],
  [
    'the standby JobManager down: the job runs, but a leader failure would be an outage',
    running({ jobManagers: { expected: 2, down: [{ url: 'http://127.0.0.1:8082', role: 'standby' }] } }),
    'degraded',
    /JobManager http:\/\/127\.0\.0\.1:8082 \(standby\) not answering: 1 of 2 up, no failover possible/,
  ],
  [
    'one of three JobManagers down still leaves a failover',
    running({ jobManagers: { expected: 3, down: [{ url: 'http://127.0.0.1:8083', role: 'standby' }] } }),
    'degraded',
    /^JobManager http:\/\/127\.0\.0\.1:8083 \(standby\) not answering: 2 of 3 up$/,
  ],
  [
    'every JobManager answering is healthy',
    running({ jobManagers: { expected: 2, down: [] } }),
    'healthy',
    /checkpoint 100 completed/,
  ],
  [
    'in-progress files never committed',
    running({ output: { newestAgeMs: 20_000, committedInWindow: 5, stuckInProgress: 2 } }),
    'degraded',
    /2 in-progress files never committed/,
  ],
  [
    'split leadership in ZooKeeper',
    running({ leader: { url: 'http://127.0.0.1:8081', consistent: false } }),
    'degraded',
    /leadership disagree/,
  ],
  [
    'a new exception',
    running({
      newExceptions: [
        {
          name: 'java.sql.SQLRecoverableException',
          firstLine: 'java.sql.SQLRecoverableException: No more data to read from socket',
          at: NOW - 1,
        },
      ],
    }),
    'degraded',
    /No more data to read from socket/,
  ],
  [
    'no checkpoint statistics seen',
    running({ checkpoints: undefined }),
    'unknown',
    /checkpoint statistics were not observed/,
  ],
  ['no job state seen', { at: NOW }, 'unknown', /job state was not observed/],
];

/** A quiet job: checkpoints complete, nothing written for 15 minutes, no records. */
const QUIET = {
  output: { newestAgeMs: 900_000, committedInWindow: 0, stuckInProgress: 0 },
  recordsPerSecond: 0,
};
/** This job's recent checkpoints took about a second (p90 1.1 s). */
const RECENT = [900, 1_000, 1_200, 800, 950, 1_100, 1_000, 900, 1_050, 980];

// The wrong restarts of the seeds' rule, each fixed: [case, observation, verdict, reason pattern]
const fixes: Array<[string, JobObservation, Verdict, RegExp]> = [
  [
    '(a) a quiet job with one tolerable checkpoint failure is idle, not a zombie',
    running(QUIET, {
      failed: 1,
      latestFailedAt: NOW - 10_000,
      latestCompletedAt: NOW - 25_000,
      failedSinceCompleted: 1,
    }),
    'idle',
    /source is quiet/,
  ],
  [
    '(a) two failures in a row since the last completion still count as failing',
    running(QUIET, {
      failed: 2,
      latestFailedAt: NOW - 5_000,
      latestCompletedAt: NOW - 70_000,
      failedSinceCompleted: 2,
    }),
    'zombie',
    /checkpoints failing \(the seeds' rule\)/,
  ],
  [
    '(b) an output folder that cannot be read is reported, never taken for "no file"',
    running(
      {
        output: {
          committedInWindow: 0,
          stuckInProgress: 0,
          error: 'EACCES: permission denied, scandir /data/out',
        },
        recordsPerSecond: 0,
      },
      { failed: 2, latestFailedAt: NOW - 5_000, latestCompletedAt: NOW - 100_000, failedSinceCompleted: 2 },
    ),
    'degraded',
    /the output could not be read: EACCES/,
  ],
  [
    '(b) a missing output folder is reported, and a quiet job with it is not idle',
    running({
      output: {
        committedInWindow: 0,
        stuckInProgress: 0,
        error: 'the output folder /data/out does not exist',
      },
      recordsPerSecond: 0,
    }),
    'degraded',
    /the output could not be read: the output folder \/data\/out does not exist/,
  ],
  [
    "(c) a worker clock 10 minutes ahead of Flink's does not make a healthy job a zombie",
    running({ at: NOW + 600_000, flinkNow: NOW }),
    'healthy',
    /checkpoint 100 completed 10 s ago/,
  ],
  [
    "(c) a worker clock behind Flink's does not hide a stall",
    running({ at: NOW - 600_000, flinkNow: NOW }, { latestCompletedAt: NOW - 241_000 }),
    'zombie',
    /no checkpoint completed for 241 s/,
  ],
  [
    '(d) after Flink restarted the job itself, progress counts from the new RUNNING',
    running({ runningForMs: 20_000 }, { latestCompletedAt: NOW - 250_000 }),
    'healthy',
    /running again for 20 s, no checkpoint since/,
  ],
  [
    '(d) a restarted job that makes no checkpoint within the window is still a zombie',
    running({ runningForMs: 245_000 }, { latestCompletedAt: NOW - 400_000 }),
    'zombie',
    /no checkpoint completed for 245 s/,
  ],
];

/**
 * A stuck checkpoint on the seeds' settings (interval 30 s, timeout 180 s, a look every 60 s
 * and a second one 5 s after a new verdict). The worst case: the stall begins just after a look,
 * the next checkpoint is triggered 30 s into it, so the next look (60 s) sees it 30 s in
 * progress and the confirmation look (65 s) 35 s: confirmed 65 s after the stall, where the
 * checkpoint window alone waits 240 s and the seeds' rule 330 s.
 */
const stuck: Array<[string, JobObservation, Verdict, RegExp]> = [
  [
    'the look 60 s into a stall: checkpoint 30 s in progress, usually 1 s, records flat',
    running(
      { recordsPerSecond: 0, recordsFlatForMs: 60_000 },
      {
        latestCompletedAt: NOW - 58_000,
        inProgressAgeMs: 30_000,
        inProgressId: 101,
        recentDurationsMs: RECENT,
      },
    ),
    'zombie',
    /checkpoint 101 in progress for 30 s, this job's recent ones take 1\.1 s \(p90\).*records out flat/,
  ],
  [
    'the confirmation look 5 s later',
    running(
      { at: NOW + 5_000, recordsPerSecond: 0, recordsFlatForMs: 65_000 },
      {
        latestCompletedAt: NOW - 58_000,
        inProgressAgeMs: 35_000,
        inProgressId: 101,
        recentDurationsMs: RECENT,
      },
    ),
    'zombie',
    /checkpoint 101 in progress for 35 s/,
  ],
  [
    "Flink's sourceIdleTime alone shows the records are flat",
    running(
      { recordsPerSecond: 3, sourceIdleMs: 45_000 },
      {
        latestCompletedAt: NOW - 58_000,
        inProgressAgeMs: 30_000,
        inProgressId: 101,
        recentDurationsMs: RECENT,
      },
    ),
    'zombie',
    /in progress for 30 s/,
  ],
  [
    'a slow checkpoint while records flow is no zombie',
    running(
      { recordsPerSecond: 50, recordsFlatForMs: 0 },
      {
        latestCompletedAt: NOW - 58_000,
        inProgressAgeMs: 30_000,
        inProgressId: 101,
        recentDurationsMs: RECENT,
      },
    ),
    'healthy',
    /checkpoint 100 completed 58 s ago/,
  ],
  [
    "a checkpoint within 3 × this job's p90 is no zombie (checkpoints here take 20 s)",
    running(
      { recordsPerSecond: 0, recordsFlatForMs: 60_000 },
      {
        latestCompletedAt: NOW - 58_000,
        inProgressAgeMs: 50_000,
        inProgressId: 101,
        recentDurationsMs: RECENT.map((d) => d * 20),
      },
    ),
    'healthy',
    /checkpoint 100 completed 58 s ago/,
  ],
  [
    'below the 20 s floor it is not yet a stall, but it is looked at again soon',
    running(
      { recordsPerSecond: 0, recordsFlatForMs: 60_000 },
      {
        latestCompletedAt: NOW - 58_000,
        inProgressAgeMs: 15_000,
        inProgressId: 101,
        recentDurationsMs: RECENT,
      },
    ),
    'healthy',
    /checkpoint 100 completed 58 s ago/,
  ],
  [
    'without a few recent checkpoints to compare with, only the checkpoint window counts',
    running(
      { recordsPerSecond: 0, recordsFlatForMs: 60_000 },
      {
        latestCompletedAt: NOW - 58_000,
        inProgressAgeMs: 50_000,
        inProgressId: 101,
        recentDurationsMs: [900],
      },
    ),
    'healthy',
    /checkpoint 100 completed 58 s ago/,
  ],
];

/** A job reading PostgreSQL through slot flink_cdc: dead signs count after 30 s, changes after 150 s. */
const SOURCE_SETTINGS = {
  fileWindowMs: 300_000,
  source: { deadAfterMs: 30_000, deliveryAllowanceMs: 150_000 },
};
/** Silent: Flink's source has emitted nothing for 2 minutes, no file in the window. */
const SILENT = { ...QUIET, sourceIdleMs: 120_000 };
const LIVE_SLOT =
  'slot flink_cdc active (pid 4242), walsender streaming, WAL 0/19E41C8, confirmed 0/19E41C8, 0 B behind';
function source(evidence: Partial<SourceEvidence> = {}): SourceEvidence {
  return { type: 'postgres', summary: LIVE_SLOT, nothingPending: true, ...evidence };
}

// [case, observation, verdict, reason pattern]
const sourceRows: Array<[string, JobObservation, Verdict, RegExp]> = [
  [
    'silent, slot active, reply_time moving, nothing pending: a quiet source',
    running({ ...SILENT, source: source() }),
    'idle',
    /the source is quiet \(slot flink_cdc active/,
  ],
  [
    'silent, slot inactive past the window: a dead source',
    running({
      ...SILENT,
      source: source({
        nothingPending: false,
        transportDead: {
          what: 'replication slot flink_cdc is inactive (no consumer connected)',
          forMs: 45_000,
        },
      }),
    }),
    'zombie',
    /the source is dead: replication slot flink_cdc is inactive \(no consumer connected\) for 45 s \(window 30 s\)/,
  ],
  [
    'silent, slot inactive for less than the window: a warning, looked at again',
    running({
      ...SILENT,
      source: source({
        nothingPending: false,
        transportDead: {
          what: 'replication slot flink_cdc is inactive (no consumer connected)',
          forMs: 10_000,
        },
      }),
    }),
    'degraded',
    /inactive \(no consumer connected\) for 10 s/,
  ],
  [
    'silent, walsender gone past the window',
    running({
      ...SILENT,
      source: source({
        nothingPending: false,
        transportDead: { what: 'slot flink_cdc has no walsender in pg_stat_replication', forMs: 31_000 },
      }),
    }),
    'zombie',
    /no walsender in pg_stat_replication for 31 s/,
  ],
  [
    'silent, reply_time frozen past the window: a half-open connection',
    running({
      ...SILENT,
      source: source({
        consumerSilent: { what: 'reply_time of walsender 4242 has not moved', forMs: 40_000 },
      }),
    }),
    'zombie',
    /reply_time of walsender 4242 has not moved for 40 s \(window 30 s\)/,
  ],
  [
    'reply_time unchanged between two looks 5 s apart is normal (status every 10 s)',
    running({
      ...SILENT,
      source: source({
        consumerSilent: { what: 'reply_time of walsender 4242 has not moved', forMs: 5_000 },
      }),
    }),
    'idle',
    /source is quiet/,
  ],
  [
    'silent, upstream changes not confirmed past the commit-delay allowance',
    running({
      ...SILENT,
      source: source({
        nothingPending: false,
        undelivered: { forMs: 160_000, fromLsn: '0/1953220', confirmedLsn: '0/1953220', lagBytes: 286_720 },
      }),
    }),
    'zombie',
    /changes to the captured tables since WAL 0\/1953220 not confirmed \(confirmed_flush_lsn 0\/1953220, 280\.0 KiB behind\) for 160 s \(window 150 s\)/,
  ],
  [
    'silent, changes pending within the allowance: not idle, not yet dead',
    running({
      ...SILENT,
      source: source({
        nothingPending: false,
        undelivered: { forMs: 60_000, fromLsn: '0/1953220', confirmedLsn: '0/1953220', lagBytes: 4096 },
      }),
    }),
    'healthy',
    /does not yet show there was nothing to deliver/,
  ],
  [
    'silent and the source cannot be asked: a warning, never a restart on its own',
    running({
      ...SILENT,
      source: source({
        nothingPending: false,
        summary: 'the postgres source could not be asked: query timed out after 5000 ms',
        unreachable: { error: 'query timed out after 5000 ms', forMs: 180_000 },
      }),
    }),
    'degraded',
    /could not be asked: query timed out after 5000 ms \(for 180 s\) while the job is silent/,
  ],
  [
    "records stopped 20 s ago, Flink's one-minute rate still above 0: a slot without a consumer past its window is a zombie",
    running({
      sourceIdleMs: 20_000,
      source: source({
        nothingPending: false,
        transportDead: {
          what: 'replication slot flink_cdc is inactive (no consumer connected)',
          forMs: 31_000,
        },
        consumerSilent: { what: 'reply_time of walsender 4242 has not moved', forMs: 60_000 },
      }),
    }),
    'zombie',
    /source is dead: replication slot flink_cdc is inactive \(no consumer connected\) for 31 s \(window 30 s\)$/,
  ],
  [
    'records stopped 20 s ago, the slot without a consumer for 5 s: a warning, no zombie yet',
    running({
      sourceIdleMs: 20_000,
      source: source({
        nothingPending: false,
        transportDead: {
          what: 'replication slot flink_cdc is inactive (no consumer connected)',
          forMs: 5_000,
        },
      }),
    }),
    'degraded',
    /replication slot flink_cdc is inactive \(no consumer connected\) for 5 s/,
  ],
  [
    'records stopped 20 s ago, changes undelivered past the allowance: not judged before the full silence (a backlog looks so)',
    running({
      sourceIdleMs: 20_000,
      source: source({
        nothingPending: false,
        undelivered: { forMs: 200_000, fromLsn: '0/1953220', confirmedLsn: '0/1900000' },
      }),
    }),
    'healthy',
    /checkpoint 100 completed 10 s ago/,
  ],
  [
    'records flowing: a dead-looking slot is not acted on (the snapshot reads without it)',
    running({
      sourceIdleMs: 200,
      source: source({
        nothingPending: false,
        transportDead: {
          what: 'replication slot flink_cdc is inactive (no consumer connected)',
          forMs: 300_000,
        },
      }),
    }),
    'healthy',
    /checkpoint 100 completed 10 s ago/,
  ],
  [
    "a legacy source's sourceIdleTime kept low by stale heartbeats: no records out is silence enough",
    running({
      ...QUIET,
      sourceIdleMs: 2_000,
      source: source({
        nothingPending: false,
        transportDead: {
          what: 'replication slot flink_cdc is inactive (no consumer connected)',
          forMs: 45_000,
        },
      }),
    }),
    'zombie',
    /the source is dead: replication slot flink_cdc is inactive/,
  ],
  [
    'silent, the canary arrived: idle',
    running({
      ...SILENT,
      source: source({ nothingPending: false }),
      canary: { marker: 'canary-1-a', writtenAt: NOW - 60_000, arrivedAt: NOW - 35_000, slaMs: 120_000 },
    }),
    'idle',
    /canary canary-1-a arrived 25 s after it was written/,
  ],
  [
    'silent, the canary missed its SLA: a zombie',
    running({
      ...SILENT,
      source: source(),
      canary: { marker: 'canary-1-a', writtenAt: NOW - 125_000, slaMs: 120_000 },
    }),
    'zombie',
    /canary canary-1-a not in committed output 125 s after it was written \(SLA 120 s\)/,
  ],
  [
    'silent, the canary still within its SLA: no verdict from it yet',
    running({
      ...SILENT,
      source: source(),
      canary: { marker: 'canary-1-a', writtenAt: NOW - 60_000, slaMs: 120_000 },
    }),
    'idle',
    /source is quiet/,
  ],
];

describe('evaluateHealth', () => {
  it.each(table)('%s', (_what, observation, verdict, reason) => {
    const evaluation = evaluateHealth(observation, SETTINGS);
    expect(evaluation.verdict).toBe(verdict);
    expect(evaluation.reasons.join('; ')).toMatch(reason);
  });

  it.each(fixes)('%s', (_what, observation, verdict, reason) => {
    const evaluation = evaluateHealth(observation, SETTINGS);
    expect(evaluation.verdict).toBe(verdict);
    expect(evaluation.reasons.join('; ')).toMatch(reason);
  });

  it.each(sourceRows)('with a source: %s', (_what, observation, verdict, reason) => {
    const evaluation = evaluateHealth(observation, SOURCE_SETTINGS);
    expect(evaluation.verdict).toBe(verdict);
    expect(evaluation.reasons.join('; ')).toMatch(reason);
  });

  it('a dead sign not yet past its window asks for the next look when it will be', () => {
    const [, observation] = sourceRows[2] as (typeof sourceRows)[number];
    expect(evaluateHealth(observation, SOURCE_SETTINGS).lookAgainInMs).toBe(21_000);
  });

  it('a quiet job whose reply_time was last compared a minute ago is idle, looked at again in 15 s', () => {
    const evaluation = evaluateHealth(
      running({ ...SILENT, source: source({ unsettled: true }) }),
      SOURCE_SETTINGS,
    );
    expect(evaluation.verdict).toBe('idle');
    expect(evaluation.lookAgainInMs).toBe(15_000);
  });

  it.each([
    ['emitting (idle 2 s)', 2_000, undefined],
    ['silent 14 s: a gap between records', 14_000, undefined],
    ['silent 20 s of the 30-s span', 20_000, 10_000],
    ['silent 28 s: no sooner than 5 s', 28_000, 5_000],
    ['silent past the span: the source is asked now', 45_000, undefined],
  ] as const)(
    'a source silent for a while but records still counted: %s, look again in %s ms',
    (_what, idle, again) => {
      const evaluation = evaluateHealth(running({ sourceIdleMs: idle }), SOURCE_SETTINGS);
      expect(evaluation.verdict).toBe('healthy');
      expect(evaluation.lookAgainInMs).toBe(again);
    },
  );

  it('a checkpoint past 3 × p90 but under the floor asks for a look when it would cross it', () => {
    const [, observation] = stuck[5] as (typeof stuck)[number];
    expect(evaluateHealth(observation, SETTINGS).lookAgainInMs).toBe(5_000);
    const younger = running({}, { inProgressAgeMs: 8_000, recentDurationsMs: RECENT });
    expect(evaluateHealth(younger, SETTINGS).lookAgainInMs).toBe(12_000);
  });

  it('without a source in the settings, source evidence restarts nothing', () => {
    const [, observation] = sourceRows[1] as (typeof sourceRows)[number];
    expect(evaluateHealth(observation, SETTINGS).verdict).not.toBe('zombie');
  });

  it.each(stuck)('stuck checkpoint: %s', (_what, observation, verdict, reason) => {
    const evaluation = evaluateHealth(observation, SETTINGS);
    expect(evaluation.verdict).toBe(verdict);
    expect(evaluation.reasons.join('; ')).toMatch(reason);
  });

  it.each([
    [{ intervalMs: 30_000, timeoutMs: 180_000 }, 240_000],
    [{ intervalMs: 2_000, timeoutMs: 10_000 }, 14_000],
    [{ intervalMs: 300_000, timeoutMs: 60_000 }, 900_000],
  ])('the checkpoint window of %o is %d ms', (config, window) =>
    expect(checkpointWindowMs(config)).toBe(window),
  );
});

describe('confirmVerdict: one failed observation never counts', () => {
  it.each<[string, Verdict[], Verdict | undefined]>([
    ['a single blip', ['healthy', 'unknown'], undefined],
    ['an election in progress for one look', ['no-leader'], undefined],
    ['twice in a row counts', ['zombie', 'zombie'], 'zombie'],
    ['interrupted runs start again', ['zombie', 'healthy', 'zombie'], undefined],
  ])('%s', (_what, seen, confirmed) => {
    let state = { seen: 0 } as ReturnType<typeof confirmVerdict>;
    for (const v of seen) state = confirmVerdict(state, v, 2);
    expect(state.confirmed).toBe(confirmed);
  });
});

const restart = (at: number, trigger: RestartRecord['trigger'] = 'policy'): RestartRecord => ({
  at,
  trigger,
  reason: 'test',
  outcome: 'restarted',
  durationMs: 1_000,
});
const BUDGET = { maxRestarts: 3, windowMs: 3_600_000, cooldownMs: 300_000 };
const base = { now: NOW, restarts: [] as RestartRecord[], budget: BUDGET, paused: false, escalated: false };

describe('decideRecovery: the seeds budget, 3 restarts, 5 minutes apart', () => {
  it.each<[string, Partial<Parameters<typeof decideRecovery>[0]> & { verdict: Verdict }, string, RegExp]>([
    ['a zombie with the budget untouched restarts', { verdict: 'zombie' }, 'restart', /restart 1 of 3/],
    ['a failed job restarts', { verdict: 'failed' }, 'restart', /failed: restart 1 of 3/],
    ['healthy needs nothing', { verdict: 'healthy' }, 'none', /needs no restart/],
    ['degraded needs nothing', { verdict: 'degraded' }, 'none', /needs no restart/],
    ['no leader: restarting cannot help', { verdict: 'no-leader' }, 'none', /needs no restart/],
    ['unknown: never act on what was not seen', { verdict: 'unknown' }, 'none', /needs no restart/],
    ['paused', { verdict: 'zombie', paused: true }, 'none', /paused/],
    [
      'a lease held by an upgrade',
      { verdict: 'zombie', lease: { holder: 'upgrade-7', purpose: 'upgrade', expiresAt: NOW + 1 } },
      'stand-down',
      /upgrade-7 holds the job for upgrade/,
    ],
    [
      'an expired lease no longer holds',
      { verdict: 'zombie', lease: { holder: 'upgrade-7', purpose: 'upgrade', expiresAt: NOW } },
      'restart',
      /restart 1/,
    ],
    [
      'cooldown: 4m59s after the last restart',
      { verdict: 'zombie', restarts: [restart(NOW - 299_000)] },
      'wait-cooldown',
      /cooling down/,
    ],
    [
      'cooldown over: exactly 5 min after',
      { verdict: 'zombie', restarts: [restart(NOW - 300_000)] },
      'restart',
      /restart 2 of 3/,
    ],
    [
      'the third restart is allowed',
      { verdict: 'zombie', restarts: [restart(NOW - 1_200_000), restart(NOW - 600_000)] },
      'restart',
      /restart 3 of 3/,
    ],
    [
      'a fourth in the window escalates',
      {
        verdict: 'zombie',
        restarts: [restart(NOW - 1_800_000), restart(NOW - 1_200_000), restart(NOW - 600_000)],
      },
      'escalate',
      /3 of 3 restarts used/,
    ],
    [
      'restarts older than the window no longer count',
      {
        verdict: 'zombie',
        restarts: [restart(NOW - 3_700_000), restart(NOW - 3_650_000), restart(NOW - 600_000)],
      },
      'restart',
      /restart 2 of 3/,
    ],
    [
      'forced restarts are outside the budget',
      {
        verdict: 'zombie',
        restarts: [
          restart(NOW - 1_800_000, 'forced'),
          restart(NOW - 1_200_000, 'forced'),
          restart(NOW - 600_000, 'forced'),
        ],
      },
      'restart',
      /restart 1 of 3/,
    ],
    [
      'but a forced restart still starts a cooldown',
      { verdict: 'zombie', restarts: [restart(NOW - 60_000, 'forced')] },
      'wait-cooldown',
      /cooling down/,
    ],
    ['already escalated: people have it', { verdict: 'failed', escalated: true }, 'none', /escalated/],
    [
      'a budget of zero escalates at once',
      { verdict: 'zombie', budget: { ...BUDGET, maxRestarts: 0 } },
      'escalate',
      /0 of 0/,
    ],
  ])('%s', (_what, ctx, action, reason) => {
    const decision = decideRecovery({ ...base, ...ctx });
    expect(decision.action).toBe(action);
    expect(decision.reason).toMatch(reason);
  });

  it('says when the cooldown ends', () => {
    const decision = decideRecovery({ ...base, verdict: 'zombie', restarts: [restart(NOW - 100_000)] });
    expect(decision).toMatchObject({ action: 'wait-cooldown', retryAt: NOW + 200_000 });
  });
});

describe('pruneRestarts', () => {
  it('keeps the window and the latest few, in order', () => {
    const restarts = [restart(NOW - 9_000_000), restart(NOW - 8_000_000), restart(NOW - 100)];
    expect(pruneRestarts(restarts, NOW, 3_600_000, 2).map((r) => r.at)).toEqual([NOW - 8_000_000, NOW - 100]);
  });
});
