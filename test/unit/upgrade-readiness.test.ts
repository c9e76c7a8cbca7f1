import { describe, expect, it } from 'vitest';
import {
  evaluateReadiness,
  type ReadinessCriteria,
  type ReadinessObservation,
  timedOut,
} from '../../src/policy/upgrade-readiness';

const submittedAt = 1_000_000;
const savepoint = 'file:/opt/flink/savepoints/savepoint-9b7c1e-09c1da704402';
const criteria: ReadinessCriteria = { expectOutput: true, expectRestoredFrom: savepoint };
const healthy: ReadinessObservation = {
  at: submittedAt + 8_000,
  submittedAt,
  state: 'RUNNING',
  restoredFrom: { id: 5, path: savepoint },
  latestCheckpoint: { id: 6, completedAt: submittedAt + 5_000 },
  exceptions: [],
  newestOutputAt: submittedAt + 5_100,
};

describe('is the new job ready', () => {
  it.each<
    [
      string,
      Partial<ReadinessObservation>,
      Partial<ReadinessCriteria>,
      'ready' | 'waiting' | 'failed',
      RegExp?,
    ]
  >([
    ['RUNNING, checkpointed, output resumed, restored', {}, {}, 'ready'],
    [
      'restored from the same place written differently',
      { restoredFrom: { id: 5, path: 'file:///opt/flink/savepoints/savepoint-9b7c1e-09c1da704402/' } },
      {},
      'ready',
    ],
    [
      'still INITIALIZING',
      {
        state: 'INITIALIZING',
        latestCheckpoint: undefined,
        restoredFrom: undefined,
        newestOutputAt: submittedAt - 10,
      },
      {},
      'waiting',
      /the job is INITIALIZING/,
    ],
    [
      'only the restored checkpoint so far',
      { latestCheckpoint: { id: 5, completedAt: submittedAt + 100 } },
      {},
      'waiting',
      /no checkpoint completed yet/,
    ],
    [
      'a checkpoint from before the submission',
      { latestCheckpoint: { id: 4, completedAt: submittedAt - 1 }, restoredFrom: undefined },
      { expectRestoredFrom: undefined },
      'waiting',
      /no checkpoint/,
    ],
    [
      "the old job's last file, nothing new",
      { newestOutputAt: submittedAt - 200 },
      {},
      'waiting',
      /no output committed yet/,
    ],
    ['no output expected', { newestOutputAt: undefined }, { expectOutput: false }, 'ready'],
    [
      'state unreadable (leader election)',
      { state: undefined, error: 'no JobManager knows a leader' },
      {},
      'waiting',
      /state unknown: no JobManager knows a leader/,
    ],
    ['FAILED', { state: 'FAILED' }, {}, 'failed', /the job is FAILED/],
    ['MISSING', { state: 'MISSING' }, {}, 'failed', /MISSING/],
    [
      'threw while RUNNING',
      {
        exceptions: [
          {
            name: 'java.io.IOException',
            firstLine: 'java.io.IOException: Mkdirs failed to create /proc/x',
            at: 1,
          },
        ],
      },
      {},
      'failed',
      /threw an exception: java.io.IOException: Mkdirs failed/,
    ],
    [
      'threw, exceptions tolerated',
      { exceptions: [{ name: 'X', firstLine: 'X', at: 1 }] },
      { failOnException: false },
      'ready',
    ],
    [
      'restored the wrong snapshot',
      { restoredFrom: { id: 2, path: 'file:/opt/flink/savepoints/savepoint-other' } },
      {},
      'failed',
      /restored file:\/opt\/flink\/savepoints\/savepoint-other, not/,
    ],
    [
      'checkpointed without restoring',
      { restoredFrom: undefined },
      {},
      'failed',
      /checkpointed without restoring/,
    ],
    [
      'stateless: no restore expected',
      { restoredFrom: undefined },
      { expectRestoredFrom: undefined },
      'ready',
    ],
  ])('%s', (_what, change, criteriaChange, verdict, reason) => {
    const result = evaluateReadiness({ ...healthy, ...change }, { ...criteria, ...criteriaChange });
    expect(result.verdict).toBe(verdict);
    if (reason) expect(result.reasons.join('; ')).toMatch(reason);
  });

  it('says what a ready job showed', () => {
    expect(evaluateReadiness(healthy, criteria).reasons).toEqual([
      'RUNNING',
      'checkpoint #6 completed',
      'output resumed',
      `restored from ${savepoint}`,
    ]);
  });

  it('still waiting at the timeout is failed, naming what was missing', () => {
    const waiting = evaluateReadiness({ ...healthy, latestCheckpoint: undefined }, criteria);
    expect(timedOut(waiting, 120_000)).toMatchObject({
      verdict: 'failed',
      reasons: ['not ready within 120 s', 'no checkpoint completed yet'],
    });
    const ready = evaluateReadiness(healthy, criteria);
    expect(timedOut(ready, 120_000)).toBe(ready);
  });
});
