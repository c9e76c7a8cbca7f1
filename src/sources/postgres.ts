import type pg from 'pg';
import type { PostgresSourceSpec } from '../config/source-schema';
import type { PostgresReading, SourceReading } from '../policy/source-liveness';
import { postgresProbeError } from '../probes/errors';
import { connectPostgres } from '../probes/postgres';
import { settleWithin } from '../probes/session';
import { withDeadline } from './deadline';

/**
 * One look at a PostgreSQL CDC source, in one statement: the slot (`pg_replication_slots`, all
 * columns as JSON so that PostgreSQL 17's `inactive_since` is read where it exists), the
 * walsender serving it (`pg_stat_replication`), the WAL position, how far the slot's confirmed
 * position is behind it, and the change counters of the captured tables. The monitor's user
 * needs `pg_monitor` (or to be the slot's owner) to see the walsender's reply_time.
 */
export const READ_SOURCE_SQL = `
WITH slot AS (SELECT * FROM pg_replication_slots WHERE slot_name = $1)
SELECT
  (SELECT to_jsonb(slot) FROM slot) AS slot,
  (SELECT jsonb_build_object('pid', r.pid, 'state', r.state, 'reply_time', r.reply_time::text)
     FROM pg_stat_replication r WHERE r.pid = (SELECT active_pid FROM slot)) AS walsender,
  pg_current_wal_lsn()::text AS current_wal_lsn,
  (SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn) FROM slot)::text AS lag_bytes,
  (SELECT sum(n_tup_ins + n_tup_upd + n_tup_del) FROM pg_stat_user_tables t
     WHERE lower(t.schemaname || '.' || t.relname) = ANY($2) OR lower(t.relname) = ANY($2))::text AS table_changes`;

/** What a session must answer; the real one is a `pg` client, tests may hand in another. */
export interface PostgresSession {
  query(sql: string, params: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
}

/** Reads the source through an open session and turns the answer into a reading. */
export async function readPostgresSource(
  spec: Pick<PostgresSourceSpec, 'slot' | 'tables'>,
  session: PostgresSession,
  at: number,
): Promise<PostgresReading> {
  const tables = spec.tables.map((t) => t.toLowerCase());
  const row = (await session.query(READ_SOURCE_SQL, [spec.slot, tables])).rows[0] ?? {};
  return parseSourceRow(spec.slot, row, at);
}

/** Pure: one row of READ_SOURCE_SQL as a reading. */
export function parseSourceRow(slotName: string, row: Record<string, unknown>, at: number): PostgresReading {
  const slot = row.slot as Record<string, unknown> | null | undefined;
  const walsender = row.walsender as Record<string, unknown> | null | undefined;
  const reading: PostgresReading = {
    type: 'postgres',
    at,
    slot: slotName,
    currentWalLsn: String(row.current_wal_lsn ?? ''),
  };
  if (slot) {
    const inactiveSince =
      typeof slot.inactive_since === 'string' ? Date.parse(slot.inactive_since) : Number.NaN;
    reading.slotState = {
      active: slot.active === true,
      activePid: typeof slot.active_pid === 'number' ? slot.active_pid : undefined,
      confirmedFlushLsn: typeof slot.confirmed_flush_lsn === 'string' ? slot.confirmed_flush_lsn : undefined,
      inactiveSince: Number.isFinite(inactiveSince) ? inactiveSince : undefined,
    };
  }
  if (walsender) {
    reading.walsender = {
      pid: Number(walsender.pid),
      state: String(walsender.state ?? ''),
      replyTime: typeof walsender.reply_time === 'string' ? walsender.reply_time : undefined,
    };
  }
  const lag = numberOrUndefined(row.lag_bytes);
  if (lag !== undefined) reading.lagBytes = lag;
  const changes = numberOrUndefined(row.table_changes);
  if (changes !== undefined) reading.tableChanges = changes;
  return reading;
}

function numberOrUndefined(value: unknown): number | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Runs `work` on a fresh session, connecting and working each within the spec's
 * `queryTimeout`; the session is always closed, also one that connects after the deadline.
 */
async function withSession<T>(
  spec: PostgresSourceSpec,
  password: string,
  work: (session: pg.Client) => Promise<T>,
): Promise<T> {
  const connecting = connectPostgres(spec, password, {
    connectTimeoutMs: spec.queryTimeout,
    statementTimeoutMs: Math.max(1_000, spec.queryTimeout - 2_000),
    applicationName: 'flink-runbooks-monitor',
  });
  let client: pg.Client | undefined;
  // One deadline for connecting and asking together: a look never waits longer than this.
  const deadline = Date.now() + spec.queryTimeout;
  try {
    client = await withDeadline(connecting, spec.queryTimeout, 'connecting');
    return await withDeadline(work(client), Math.max(1, deadline - Date.now()), 'the query');
  } finally {
    if (client) await settleWithin(client.end(), 1_000);
    else connecting.then((late) => settleWithin(late.end(), 1_000)).catch(() => undefined);
  }
}

/**
 * One reading, within the spec's `queryTimeout` (and a second to close): a frozen or unreachable
 * database comes back as "could not be asked" with the reason (never the password), not as a
 * hang. Other errors (wrong password, no rights) come back the same way: the monitor reports
 * them and never acts on them alone.
 */
export async function observePostgresSource(
  spec: PostgresSourceSpec,
  password: string,
  now: () => number = Date.now,
): Promise<SourceReading> {
  const at = now();
  try {
    return await withSession(spec, password, (session) => readPostgresSource(spec, session, at));
  } catch (error) {
    const what = `postgres source ${spec.host}:${spec.port}/${spec.database} as ${spec.user}`;
    return { type: 'postgres', at, error: postgresProbeError(error, what, [password]).message };
  }
}

/** The canary row: `id` (epoch ms), `marker`; `written_at` is the database's own now(). */
export async function writePostgresCanary(
  spec: PostgresSourceSpec,
  table: string,
  password: string,
  canary: { id: number; marker: string },
): Promise<void> {
  try {
    // The table name is checked by the schema (letters, digits, _ $ # and one dot).
    await withSession(spec, password, (session) =>
      session.query(`INSERT INTO ${table} (id, marker, written_at) VALUES ($1, $2, now())`, [
        canary.id,
        canary.marker,
      ]),
    );
  } catch (error) {
    const what = `postgres canary ${table} at ${spec.host}:${spec.port}/${spec.database}`;
    throw postgresProbeError(error, what, [password]);
  }
}
