import type { ActivityOptions } from '@temporalio/workflow';
import { describe, expect, it, vi } from 'vitest';

/**
 * The options every runbook activity is scheduled with (src/workflows/activities.ts), read by
 * standing in for proxyActivities: what the README promises about a killed worker and about
 * waits holds for each activity, not only for the ones a test happens to run.
 */
const seen = new Map<string, ActivityOptions>();
vi.mock('@temporalio/workflow', () => ({
  proxyActivities: (options: ActivityOptions) =>
    new Proxy(
      {},
      {
        get: (_target, name) => {
          seen.set(String(name), options);
          return async () => options;
        },
      },
    ),
}));

const activities = await import('../../src/workflows/activities');
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const ms = (d: ActivityOptions['startToCloseTimeout']) => {
  if (typeof d === 'number') return d;
  const [, amount, unit] = /^(\d+)(ms|s|m|h)$/.exec(String(d)) ?? [];
  return Number(amount) * (UNIT_MS[unit ?? ''] ?? Number.NaN);
};

describe('the runbooks’ activity options', () => {
  it('every activity has the 10 s heartbeat timeout: a killed worker is noticed within 10 s', async () => {
    await activities.waitForJobState({ urls: [], jobId: 'j', states: ['RUNNING'], timeoutMs: 1 });
    activities.observing(1);
    activities.probeWait(1);
    expect(seen.size).toBeGreaterThanOrEqual(50);
    for (const [name, options] of seen) expect(options.heartbeatTimeout, name).toBe('10s');
  });

  it('each wait runs for longer than the wait it is asked for, and its running out of time is final', async () => {
    const timeoutMs = 25 * 60_000;
    const on = { urls: ['http://jm:8081'] };
    const waits: Array<[string, Promise<unknown>]> = [
      ['waitForJobState', activities.waitForJobState({ ...on, jobId: 'j', states: ['RUNNING'], timeoutMs })],
      ['waitForCheckpoint', activities.waitForCheckpoint({ ...on, jobId: 'j', afterId: 0, timeoutMs })],
      ['waitForSavepoint', activities.waitForSavepoint({ ...on, jobId: 'j', triggerId: 't', timeoutMs })],
      [
        'waitForNewOutput',
        activities.waitForNewOutput({ output: { path: '/o' } as never, after: 0, timeoutMs }),
      ],
      ['waitForZooKeeperReady', activities.waitForZooKeeperReady({ quorum: 'zk:2181', timeoutMs })],
      ['waitForJobManagerReady', activities.waitForJobManagerReady({ url: 'http://jm:8081', timeoutMs })],
      ['waitForTaskManagersReady', activities.waitForTaskManagersReady({ ...on, expected: 1, timeoutMs })],
      ['observeClusterJobs', activities.observeClusterJobs({ ...on, waitMs: timeoutMs })],
    ];
    for (const [name, scheduled] of waits) {
      const options = (await scheduled) as ActivityOptions;
      expect(ms(options.startToCloseTimeout), name).toBeGreaterThan(timeoutMs);
      expect(options.retry?.nonRetryableErrorTypes, name).toContain('WaitTimeout');
    }
  });

  it('reads of the cluster are retried through a leader change (five attempts)', () => {
    for (const name of ['getJobState', 'listJobs', 'observeCheckpoints', 'findJobId', 'jobFailureCause'])
      expect(seen.get(name)?.retry?.maximumAttempts, name).toBeGreaterThanOrEqual(5);
  });

  it("actions on the job keep retrying through a leader election of Flink's default 60 s session timeout", () => {
    for (const name of ['cancelJob', 'submitJob', 'stopWithSavepoint', 'triggerSavepoint']) {
      const retry = seen.get(name)?.retry;
      const initial = ms(retry?.initialInterval ?? '1s');
      const most = ms(retry?.maximumInterval ?? 100 * initial);
      const coefficient = retry?.backoffCoefficient ?? 2;
      let backoff = 0;
      for (let attempt = 1; attempt < (retry?.maximumAttempts ?? 1); attempt++)
        backoff += Math.min(most, initial * coefficient ** (attempt - 1));
      expect(backoff, name).toBeGreaterThanOrEqual(60_000);
    }
  });

  it('a lease another runbook holds is final, and so is a refused removal or an unsafe cancel', () => {
    expect(seen.get('acquireMaintenanceLease')?.retry?.nonRetryableErrorTypes).toContain('LeaseHeld');
    expect(seen.get('deleteSavepoints')?.retry?.nonRetryableErrorTypes).toContain('UnsafeDelete');
    expect(seen.get('cancelJob')?.retry?.nonRetryableErrorTypes).toContain('UnsafeCancel');
  });
});
