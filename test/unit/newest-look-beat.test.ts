import { describe, expect, it } from 'vitest';
import { describeLook, type Look, lookFromHeartbeat, newestLook } from '../../src/cli/newest-look';
import type { MonitorStatus } from '../../src/policy/monitor-state';

/**
 * The watch also beats in the middle of a look (while it asks the source database), with no
 * figures: `monitor status` must say a look is under way, not show an empty look as the newest.
 */
const now = Date.parse('2026-12-05T12:00:00Z');

const status: MonitorStatus = {
  cluster: 'cdc-pipeline',
  job: 'cdc',
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

describe('lookFromHeartbeat: the look in the watch activity heartbeat details', () => {
  it.each<[string, Parameters<typeof lookFromHeartbeat>[0], Look | undefined]>([
    [
      'a finished look',
      { at: now, verdict: 'healthy', reasons: ['checkpoint 57 completed 1s ago'], jobState: 'RUNNING' },
      {
        at: now,
        verdict: 'healthy',
        reasons: ['checkpoint 57 completed 1s ago'],
        jobState: 'RUNNING',
        source: 'watch',
      },
    ],
    [
      'a beat from the middle of a look at the source',
      { at: now, looking: 'source' },
      { at: now, verdict: undefined, reasons: [], jobState: undefined, source: 'watch', looking: 'source' },
    ],
    ['details without a time', { verdict: 'healthy' }, undefined],
    ['no details', undefined, undefined],
  ])('%s', (_name, details, look) => {
    expect(lookFromHeartbeat(details)).toEqual(look);
  });
});

describe('monitor status text for a beat from the middle of a look', () => {
  it.each([
    [
      2_000,
      [
        '  newest look: under way, the watch is looking at the source (beat 2s ago); its figures come when the look ends',
      ],
    ],
    [
      5 * 60_000,
      [
        '  newest look: under way, the watch is looking at the source (beat 5m ago); its figures come when the look ends',
        '  that beat is older than one monitor interval (1m): the monitor is not looking; is its worker running?',
      ],
    ],
  ])('%i ms old', (ageMs, lines) => {
    const beat = lookFromHeartbeat({ at: now - ageMs, looking: 'source' });
    expect(describeLook(newestLook(beat, status), status, 60_000, now)).toEqual(lines);
  });
});
