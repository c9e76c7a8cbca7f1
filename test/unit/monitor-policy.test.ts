import { describe, expect, it } from 'vitest';
import { checkpointWindowMs, evaluateHealth } from '../../src/policy/health';
import type { JobObservation, RestartRecord, Verdict } from '../../src/policy/monitor-state';
import { confirmVerdict, decideRecovery, pruneRestarts } from '../../src/policy/recovery';

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
    'idle with no file ever written',
    running({ output: { committedInWindow: 0, stuckInProgress: 0 }, recordsPerSecond: 0 }),
    'idle',
    /quiet/,
  ],
  [
    'no file ever, checkpoints failing, running past the window',
    running(
      { output: { committedInWindow: 0, stuckInProgress: 0 }, recordsPerSecond: 0 },
      { failed: 1, latestFailedAt: NOW - 1_000, latestCompletedAt: NOW - 60_000 },
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

describe('evaluateHealth', () => {
  it.each(table)('%s', (_what, observation, verdict, reason) => {
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
