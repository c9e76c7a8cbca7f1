import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { OracleSourceSpec, PostgresSourceSpec } from '../../src/config/source-schema';
import { CANARY_PREFIX, newCanary } from '../../src/sources/canary';
import {
  type OracleSession,
  observeOracleSource,
  readOracleSource,
  SCN_SQL,
  SESSIONS_SQL,
} from '../../src/sources/oracle';
import {
  observePostgresSource,
  parseSourceRow,
  READ_SOURCE_SQL,
  readPostgresSource,
} from '../../src/sources/postgres';

const AT = 1_764_972_000_000;

/**
 * Oracle answers as node-oracledb (thin, default array rows) returns them for the two queries:
 * V$SESSION of the CDC user and V$DATABASE's SCN. No Oracle Database can run on these machines;
 * the shapes follow the driver's documented result format and the views' columns.
 */
function recorded(
  answers: Record<string, unknown[][]>,
): OracleSession & { asked: Array<[string, unknown[]]> } {
  const asked: Array<[string, unknown[]]> = [];
  return {
    asked,
    async execute(sql, binds) {
      asked.push([sql, binds]);
      const rows = answers[sql];
      if (!rows)
        throw Object.assign(new Error('ORA-00942: table or view does not exist'), { code: 'ORA-00942' });
      return { rows };
    },
  };
}

describe('readOracleSource (recorded answers)', () => {
  it('reads the CDC user sessions and the current SCN, asking by the upper-case user name', async () => {
    const session = recorded({
      [SESSIONS_SQL]: [
        [71, 'ACTIVE', 0, 'LogMiner reader: redo (idle)'],
        [88, 'INACTIVE', 412, 'SQL*Net message from client'],
      ],
      [SCN_SQL]: [['48213377']],
    });
    const reading = await readOracleSource('c##flinkcdc', session, AT);
    expect(session.asked[0]).toEqual([SESSIONS_SQL, ['C##FLINKCDC']]);
    expect(reading).toEqual({
      type: 'oracle',
      at: AT,
      cdcUser: 'C##FLINKCDC',
      sessions: [
        { sid: 71, status: 'ACTIVE', lastCallEtS: 0, event: 'LogMiner reader: redo (idle)' },
        { sid: 88, status: 'INACTIVE', lastCallEtS: 412, event: 'SQL*Net message from client' },
      ],
      currentScn: '48213377',
    });
  });

  it('no session of the CDC user is an empty list, not an error', async () => {
    const reading = await readOracleSource(
      'FLINKCDC',
      recorded({ [SESSIONS_SQL]: [], [SCN_SQL]: [['9']] }),
      AT,
    );
    expect(reading.sessions).toEqual([]);
    expect(reading.currentScn).toBe('9');
  });

  it('a view the monitor may not read fails with the driver error', async () => {
    await expect(readOracleSource('FLINKCDC', recorded({}), AT)).rejects.toThrow(/ORA-00942/);
  });
});

describe('parseSourceRow (PostgreSQL answers)', () => {
  it('an active slot with its walsender, as PostgreSQL 15 answers', () => {
    const reading = parseSourceRow(
      'flink_cdc',
      {
        slot: {
          slot_name: 'flink_cdc',
          active: true,
          active_pid: 13559,
          confirmed_flush_lsn: '0/19E41C8',
          restart_lsn: '0/19E1E20',
        },
        walsender: { pid: 13559, state: 'streaming', reply_time: '1999-12-21 02:00:00.845+00' },
        current_wal_lsn: '0/19E4270',
        lag_bytes: '168',
        table_changes: '4854',
      },
      AT,
    );
    expect(reading).toEqual({
      type: 'postgres',
      at: AT,
      slot: 'flink_cdc',
      slotState: { active: true, activePid: 13559, confirmedFlushLsn: '0/19E41C8', inactiveSince: undefined },
      walsender: { pid: 13559, state: 'streaming', replyTime: '1999-12-21 02:00:00.845+00' },
      currentWalLsn: '0/19E4270',
      lagBytes: 168,
      tableChanges: 4854,
    });
  });

  it("an inactive slot with PostgreSQL 17's inactive_since, no walsender", () => {
    const reading = parseSourceRow(
      'flink_cdc',
      {
        slot: {
          active: false,
          active_pid: null,
          confirmed_flush_lsn: '0/1953220',
          inactive_since: '2026-12-05T22:18:12.653+00:00',
        },
        walsender: null,
        current_wal_lsn: '0/1999A78',
        lag_bytes: '288856',
        table_changes: null,
      },
      AT,
    );
    expect(reading.slotState).toEqual({
      active: false,
      activePid: undefined,
      confirmedFlushLsn: '0/1953220',
      inactiveSince: Date.parse('2026-12-05T22:18:12.653Z'),
    });
    expect(reading.walsender).toBeUndefined();
    expect(reading.tableChanges).toBeUndefined();
  });

  it('a missing slot', () => {
    const reading = parseSourceRow(
      'flink_cdc',
      { slot: null, walsender: null, current_wal_lsn: '0/1', lag_bytes: null },
      AT,
    );
    expect(reading.slotState).toBeUndefined();
    expect(reading.lagBytes).toBeUndefined();
  });

  it('asks with the slot and the table names in lower case', async () => {
    const asked: unknown[][] = [];
    await readPostgresSource(
      { slot: 'flink_cdc', tables: ['public.Trans_Info'] },
      {
        async query(sql, params) {
          expect(sql).toBe(READ_SOURCE_SQL);
          asked.push(params);
          return { rows: [{ current_wal_lsn: '0/1' }] };
        },
      },
      AT,
    );
    expect(asked).toEqual([['flink_cdc', ['public.trans_info']]]);
  });
});

describe('newCanary', () => {
  it('is recognisable, unique per write, and carries the time as its id', () => {
    const canary = newCanary(AT, '9f3a1c2b');
    expect(canary).toEqual({ id: AT, marker: `${CANARY_PREFIX}${AT}-9f3a1c2b` });
    expect(newCanary(AT).marker).not.toBe(newCanary(AT).marker);
  });
});

/** A loopback port nothing listens on (taken from the kernel, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('a source that cannot be asked is a reading that says why, never a throw', () => {
  const common = {
    password: { fromEnv: 'UNUSED' },
    tables: ['public.trans_info'],
    deadAfter: 30_000,
    queryTimeout: 2_000,
  };
  it('PostgreSQL refusing the connection', async () => {
    const spec: PostgresSourceSpec = {
      ...common,
      type: 'postgres',
      host: '127.0.0.1',
      port: await closedPort(),
      database: 'finance',
      user: 'cdc_monitor',
      slot: 'flink_cdc',
      publication: 'cdc_pub',
      commitDelayCheckpoints: 3,
    };
    const reading = await observePostgresSource(spec, 'S3cret-pw', () => AT);
    expect(reading).toEqual({
      type: 'postgres',
      at: AT,
      error: expect.stringMatching(
        /^postgres source 127\.0\.0\.1:\d+\/finance as cdc_monitor: .*ECONNREFUSED/,
      ),
    });
    expect(JSON.stringify(reading)).not.toContain('S3cret-pw');
  });
  it('Oracle refusing the connection', async () => {
    const spec: OracleSourceSpec = {
      ...common,
      type: 'oracle',
      connectString: `127.0.0.1:${await closedPort()}/FREEPDB1`,
      user: 'cdc_monitor',
    };
    const started = Date.now();
    const reading = await observeOracleSource(spec, 'S3cret-pw', () => AT);
    expect(reading).toMatchObject({
      type: 'oracle',
      at: AT,
      error: expect.stringMatching(/^oracle source 127\.0\.0\.1:\d+\/FREEPDB1 as cdc_monitor: /),
    });
    expect(Date.now() - started).toBeLessThan(spec.queryTimeout + 1_500);
    expect(JSON.stringify(reading)).not.toContain('S3cret-pw');
  });
});
