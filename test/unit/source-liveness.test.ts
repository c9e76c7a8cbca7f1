import { describe, expect, it } from 'vitest';
import {
  judgeSource,
  lsnToNumber,
  NEW_TRACK,
  type OracleReading,
  type PostgresReading,
  type SourceEvidence,
  type SourceReading,
  type SourceTrack,
  trackSource,
} from '../../src/policy/source-liveness';

const T0 = 1_000_000;
const SETTINGS = { deadAfterMs: 30_000, deliveryAllowanceMs: 150_000 };

/** A live slot as the spike read it: active, streaming walsender, confirmed close behind. */
function pg(at: number, overrides: Partial<PostgresReading> = {}): PostgresReading {
  return {
    type: 'postgres',
    at,
    slot: 'flink_cdc',
    slotState: { active: true, activePid: 4242, confirmedFlushLsn: '0/1953220' },
    walsender: { pid: 4242, state: 'streaming', replyTime: `reply@${at}` },
    currentWalLsn: '0/1953B68',
    lagBytes: 2376,
    tableChanges: 100,
    ...overrides,
  };
}

/** Feeds readings one after another; returns the evidence of the last. */
function evidenceAfter(readings: SourceReading[]): { track: SourceTrack; evidence: SourceEvidence } {
  let track = NEW_TRACK;
  let last: { track: SourceTrack; evidence: SourceEvidence } | undefined;
  for (const reading of readings) {
    last = trackSource(track, reading, SETTINGS);
    track = last.track;
  }
  return last as { track: SourceTrack; evidence: SourceEvidence };
}

// [case, readings in order, what the evidence must show]
const rows: Array<[string, SourceReading[], (e: SourceEvidence) => void]> = [
  [
    'a live, quiet slot: nothing pending, no dead sign',
    [pg(T0), pg(T0 + 60_000)],
    (e) => {
      expect(e.nothingPending).toBe(true);
      expect(e.transportDead).toBeUndefined();
      expect(e.consumerSilent).toBeUndefined();
      expect(e.unsettled).toBe(true);
      expect(e.summary).toMatch(/slot flink_cdc active \(pid 4242\), walsender streaming/);
    },
  ],
  [
    'reply_time frozen: measured from the first look that saw its value',
    [
      pg(T0),
      pg(T0 + 60_000, { walsender: { pid: 4242, state: 'streaming', replyTime: 'r1' } }),
      pg(T0 + 100_000, { walsender: { pid: 4242, state: 'streaming', replyTime: 'r1' } }),
    ],
    (e) =>
      expect(e.consumerSilent).toEqual({ what: 'reply_time of walsender 4242 has not moved', forMs: 40_000 }),
  ],
  [
    'a new reply_time after a look longer than the window ago is unsettled: look again soon',
    [pg(T0), pg(T0 + 60_000)],
    (e) => expect(e.unsettled).toBe(true),
  ],
  [
    'a new reply_time since a look within the window is settled',
    [pg(T0), pg(T0 + 15_000)],
    (e) => expect(e.unsettled).toBeUndefined(),
  ],
  [
    'slot inactive: dead since the first look that saw it',
    [
      pg(T0),
      pg(T0 + 10_000, { slotState: { active: false, confirmedFlushLsn: '0/1953220' }, walsender: undefined }),
      pg(T0 + 50_000, { slotState: { active: false, confirmedFlushLsn: '0/1953220' }, walsender: undefined }),
    ],
    (e) => {
      expect(e.transportDead).toEqual({
        what: 'replication slot flink_cdc is inactive (no consumer connected)',
        forMs: 40_000,
      });
      expect(e.nothingPending).toBe(false);
    },
  ],
  [
    "PostgreSQL 17's inactive_since dates an inactive slot on the first look",
    [pg(T0, { slotState: { active: false, inactiveSince: T0 - 45_000 }, walsender: undefined })],
    (e) => expect(e.transportDead?.forMs).toBe(45_000),
  ],
  [
    'active slot but no walsender row',
    [pg(T0, { walsender: undefined }), pg(T0 + 31_000, { walsender: undefined })],
    (e) =>
      expect(e.transportDead).toEqual({
        what: 'slot flink_cdc has no walsender in pg_stat_replication',
        forMs: 31_000,
      }),
  ],
  [
    'a missing slot',
    [pg(T0, { slotState: undefined, walsender: undefined })],
    (e) => expect(e.transportDead?.what).toBe('replication slot flink_cdc does not exist'),
  ],
  [
    'a consumer back after a dead spell starts afresh',
    [pg(T0, { slotState: { active: false }, walsender: undefined }), pg(T0 + 60_000)],
    (e) => {
      expect(e.transportDead).toBeUndefined();
      expect(e.nothingPending).toBe(true);
    },
  ],
  [
    'changes to the captured tables not confirmed beyond the WAL position before them',
    [
      pg(T0, { currentWalLsn: '0/1953B68', tableChanges: 100 }),
      pg(T0 + 60_000, { currentWalLsn: '0/1960000', tableChanges: 118 }),
      pg(T0 + 220_000, { currentWalLsn: '0/1999A78', tableChanges: 118, lagBytes: 288_856 }),
    ],
    (e) => {
      expect(e.undelivered).toEqual({
        forMs: 160_000,
        fromLsn: '0/1953B68',
        confirmedLsn: '0/1953220',
        lagBytes: 288_856,
      });
      expect(e.nothingPending).toBe(false);
    },
  ],
  [
    'changes confirmed beyond that position are delivered',
    [
      pg(T0, { currentWalLsn: '0/1953B68', tableChanges: 100 }),
      pg(T0 + 60_000, { currentWalLsn: '0/1960000', tableChanges: 118 }),
      pg(T0 + 120_000, {
        currentWalLsn: '0/1960000',
        tableChanges: 118,
        slotState: { active: true, activePid: 4242, confirmedFlushLsn: '0/195FF00' },
      }),
    ],
    (e) => {
      expect(e.undelivered).toBeUndefined();
      expect(e.nothingPending).toBe(true);
    },
  ],
  [
    'WAL that grows without changes to the captured tables is nothing to deliver',
    [
      pg(T0, { currentWalLsn: '0/1953B68' }),
      pg(T0 + 300_000, { currentWalLsn: '0/1999A78', lagBytes: 288_856 }),
    ],
    (e) => {
      expect(e.undelivered).toBeUndefined();
      expect(e.nothingPending).toBe(true);
    },
  ],
  [
    'a source that cannot be asked: since the first failed look, other timers kept',
    [
      pg(T0),
      { type: 'postgres', at: T0 + 60_000, error: 'query timed out after 5000 ms' },
      { type: 'postgres', at: T0 + 120_000, error: 'query timed out after 5000 ms' },
    ],
    (e) => {
      expect(e.unreachable).toEqual({ error: 'query timed out after 5000 ms', forMs: 60_000 });
      expect(e.nothingPending).toBe(false);
    },
  ],
];

/** Oracle answers as V$SESSION and V$DATABASE give them (recorded shapes; no Oracle runs here). */
function ora(at: number, sessions: OracleReading['sessions']): OracleReading {
  return { type: 'oracle', at, cdcUser: 'C##FLINKCDC', sessions, currentScn: '48213377' };
}

const oracleRows: Array<[string, SourceReading[], (e: SourceEvidence) => void]> = [
  [
    'a LogMiner session calling every second',
    [ora(T0, [{ sid: 71, status: 'ACTIVE', lastCallEtS: 0, event: 'LogMiner reader: redo (idle)' }])],
    (e) => {
      expect(e.nothingPending).toBe(true);
      expect(e.consumerSilent).toBeUndefined();
      expect(e.summary).toMatch(/1 session\(s\) of C##FLINKCDC, freshest ACTIVE for 0 s .*SCN 48213377/);
    },
  ],
  [
    'one call hanging for 10 minutes (a black-holed JDBC read)',
    [ora(T0, [{ sid: 71, status: 'ACTIVE', lastCallEtS: 600, event: 'SQL*Net message from client' }])],
    (e) => {
      expect(e.consumerSilent).toEqual({
        what: 'session 71 of C##FLINKCDC has been in one call',
        forMs: 600_000,
      });
      expect(e.nothingPending).toBe(false);
    },
  ],
  [
    'an idle session making no calls',
    [ora(T0, [{ sid: 71, status: 'INACTIVE', lastCallEtS: 95 }])],
    (e) => expect(e.consumerSilent?.what).toBe('session 71 of C##FLINKCDC has made no call'),
  ],
  [
    'the freshest of several sessions counts',
    [
      ora(T0, [
        { sid: 71, status: 'INACTIVE', lastCallEtS: 900 },
        { sid: 88, status: 'ACTIVE', lastCallEtS: 1 },
      ]),
    ],
    (e) => expect(e.consumerSilent?.forMs).toBe(1_000),
  ],
  [
    'no session of the CDC user',
    [ora(T0, []), ora(T0 + 35_000, [])],
    (e) =>
      expect(e.transportDead).toEqual({
        what: 'no session of CDC user C##FLINKCDC in V$SESSION',
        forMs: 35_000,
      }),
  ],
];

describe('trackSource', () => {
  it.each([...rows, ...oracleRows])('%s', (_what, readings, check) =>
    check(evidenceAfter(readings).evidence),
  );

  it('keeps at most 20 unconfirmed changes between looks', () => {
    const readings: SourceReading[] = Array.from({ length: 30 }, (_, i) =>
      pg(T0 + i * 60_000, {
        currentWalLsn: `0/${(0x1953b68 + i * 4096).toString(16)}`,
        tableChanges: 100 + i,
      }),
    );
    expect(evidenceAfter(readings).track.pending).toHaveLength(20);
  });
});

describe('judgeSource', () => {
  it.each<[string, Partial<SourceEvidence>, string[], string[]]>([
    ['nothing wrong', {}, [], []],
    ['unsettled: no dead sign, no warning', { unsettled: true }, [], []],
    [
      'inactive past the window',
      { transportDead: { what: 'slot x is inactive', forMs: 31_000 } },
      ['slot x is inactive for 31 s (window 30 s)'],
      [],
    ],
    [
      'inactive within the window warns',
      { transportDead: { what: 'slot x is inactive', forMs: 29_000 } },
      [],
      ['slot x is inactive for 29 s'],
    ],
    [
      'a frozen reply past the window',
      { consumerSilent: { what: 'reply_time has not moved', forMs: 31_000 } },
      ['reply_time has not moved for 31 s (window 30 s)'],
      [],
    ],
    [
      'a reply unchanged for a status interval is no warning',
      { consumerSilent: { what: 'r', forMs: 9_000 } },
      [],
      [],
    ],
    [
      'undelivered past the allowance',
      { undelivered: { forMs: 151_000, fromLsn: '0/1', confirmedLsn: '0/1' } },
      [
        'changes to the captured tables since WAL 0/1 not confirmed (confirmed_flush_lsn 0/1) for 151 s (window 150 s)',
      ],
      [],
    ],
    [
      'cannot be asked: a warning only, whatever else is known',
      {
        unreachable: { error: 'ECONNREFUSED', forMs: 1_000 },
        summary: 'the postgres source could not be asked: ECONNREFUSED',
        transportDead: { what: 'x', forMs: 999_000 },
      },
      [],
      ['the postgres source could not be asked: ECONNREFUSED (for 1 s) while the job is silent'],
    ],
  ])('%s', (_what, evidence, dead, warnings) => {
    const judged = judgeSource(
      { type: 'postgres', summary: 's', nothingPending: false, ...evidence },
      SETTINGS,
    );
    expect(judged.dead).toEqual(dead);
    expect(judged.warnings).toEqual(warnings);
  });

  it('an unsettled reply_time asks for a look half a window later', () => {
    const base = { type: 'postgres' as const, summary: 's', nothingPending: true };
    expect(judgeSource({ ...base, unsettled: true }, SETTINGS).lookAgainInMs).toBe(15_000);
    expect(judgeSource(base, SETTINGS).lookAgainInMs).toBeUndefined();
  });
});

describe('lsnToNumber', () => {
  it.each<[string | undefined, number | undefined]>([
    ['0/1953220', 0x1953220],
    ['1/0', 2 ** 32],
    ['16/B374D848', 0x16 * 2 ** 32 + 0xb374d848],
    ['not an lsn', undefined],
    [undefined, undefined],
  ])('%s', (lsn, value) => expect(lsnToNumber(lsn)).toBe(value));
});
