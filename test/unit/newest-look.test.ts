import { describe, expect, it } from 'vitest';
import { describeStatus } from '../../src/cli/commands/monitor';
import {
  describeLook,
  describeUnanswered,
  LOOK_ALLOWANCE_MS,
  type Look,
  lookAge,
  newestLook,
} from '../../src/cli/newest-look';
import type { MonitorStatus } from '../../src/policy/monitor-state';

const now = Date.parse('2026-12-05T12:00:00Z');

const status: MonitorStatus = {
  cluster: 'realtime-pipeline',
  job: 'sample-pipeline',
  jobId: 'a'.repeat(32),
  phase: 'watching',
  verdict: 'healthy',
  reasons: ['checkpoint 4 completed 2s ago'],
  verdictSince: now - 20 * 60_000,
  lastObservation: { at: now - 15 * 60_000, jobState: 'RUNNING' },
  restarts: [],
  budget: { max: 3, used: 0, left: 3, windowMs: 3_600_000 },
  escalated: false,
};

const heartbeat = (ageMs: number, verdict: Look['verdict'] = 'healthy'): Look => ({
  at: now - ageMs,
  verdict,
  reasons: ['checkpoint 57 completed 1s ago'],
  jobState: 'RUNNING',
  source: 'watch',
});

describe('newestLook', () => {
  it('takes the running watch heartbeat over the observation the watch last reported', () => {
    expect(newestLook(heartbeat(3_000), status)).toEqual(heartbeat(3_000));
  });

  it('takes the reported observation when no watch runs, with the confirmed reasons', () => {
    expect(newestLook(undefined, status)).toEqual({
      at: now - 15 * 60_000,
      jobState: 'RUNNING',
      reasons: ['checkpoint 4 completed 2s ago'],
      source: 'report',
    });
  });

  it('takes the reported observation when it is newer than a heartbeat left from before', () => {
    expect(newestLook(heartbeat(20 * 60_000), status)?.source).toBe('report');
  });

  it('has nothing before the first look', () => {
    expect(newestLook(undefined, { ...status, lastObservation: undefined })).toBeUndefined();
  });
});

describe('lookAge: late when older than one interval plus the time a look may take', () => {
  it.each([
    [0, 60_000, false],
    [60_000, 60_000, false],
    [60_000 + LOOK_ALLOWANCE_MS, 60_000, false],
    [60_000 + LOOK_ALLOWANCE_MS + 1, 60_000, true],
    [30_000, 5_000, true],
  ])('%i ms old at interval %i ms: late %s', (age, interval, late) => {
    expect(lookAge(heartbeat(age), interval, now)).toEqual({ ageMs: age, late });
  });
});

describe('monitor status text', () => {
  it('shows the newest look with its age, and its figures instead of the reported ones', () => {
    const text = describeStatus(status, now, describeLook(heartbeat(3_000), status, 60_000, now));
    expect(text.split('\n').slice(0, 3)).toEqual([
      'realtime-pipeline/sample-pipeline: healthy for 20m (watching)',
      '  newest look 3s ago: healthy, job RUNNING',
      '    - checkpoint 57 completed 1s ago',
    ]);
    expect(text).not.toContain('checkpoint 4 ');
    expect(text).not.toContain('older than one monitor interval');
  });

  it('says when the figures are older than one interval', () => {
    const lines = describeLook(heartbeat(5 * 60_000), status, 60_000, now);
    expect(lines[0]).toBe('  newest look 5m ago: healthy, job RUNNING');
    expect(lines.at(-1)).toBe(
      '  these figures are older than one monitor interval (1m): the monitor is not looking; is its worker running?',
    );
  });

  it('names a reported look as such, and a verdict seen but not yet confirmed', () => {
    expect(describeLook(newestLook(undefined, status), status, 60_000, now)).toEqual([
      '  newest look 15m ago: job RUNNING (the last one the watch reported; none running now)',
      '    - checkpoint 4 completed 2s ago',
      '  these figures are older than one monitor interval (1m): the monitor is not looking; is its worker running?',
    ]);
    expect(describeLook(heartbeat(1_000, 'zombie'), status, 60_000, now)[1]).toBe(
      '    (zombie seen, not confirmed yet: a verdict counts when seen twice in a row)',
    );
  });

  it('says when there is no look yet', () => {
    expect(describeLook(undefined, status, 60_000, now)).toEqual([
      '  newest look: none yet (the monitor has not looked at the job)',
    ]);
    expect(describeLook(undefined, undefined, 60_000, now)).toEqual([
      '  newest look: not known (no watch is running, and only a worker answers the status query)',
    ]);
  });

  it('without a look it lists the reasons as before', () => {
    expect(describeStatus(status, now).split('\n')[1]).toBe('  - checkpoint 4 completed 2s ago');
  });

  it('with no worker to answer the status query, shows the last heartbeat and says it is old', () => {
    expect(
      describeUnanswered(
        'monitor:realtime-pipeline:sample-pipeline',
        'no poller seen for task queue recently, worker may be down',
        heartbeat(3 * 60_000),
        60_000,
        now,
      ).split('\n'),
    ).toEqual([
      'monitor:realtime-pipeline:sample-pipeline: the monitor does not answer: no poller seen for task queue recently, worker may be down',
      '  newest look 3m ago: healthy, job RUNNING',
      '    - checkpoint 57 completed 1s ago',
      '  these figures are older than one monitor interval (1m): the monitor is not looking; is its worker running?',
    ]);
  });
});
