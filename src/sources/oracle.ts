import type { Connection } from 'oracledb';
import type { OracleSourceSpec } from '../config/source-schema';
import type { OracleReading, SourceReading } from '../policy/source-liveness';
import { oracleProbeError } from '../probes/errors';
import { connectOracle } from '../probes/oracle';
import { settleWithin } from '../probes/session';
import { withDeadline } from './deadline';

/**
 * One look at an Oracle CDC source: the CDC user's sessions in V$SESSION (status, LAST_CALL_ET:
 * seconds in the current call, or since the last one ended) and the current SCN. The monitor's
 * user needs SELECT on V$SESSION and V$DATABASE (SELECT_CATALOG_ROLE gives both). No Oracle runs
 * in this project's tests: the readings are built from recorded answers.
 */
export const SESSIONS_SQL = `SELECT sid, status, last_call_et, event FROM v$session WHERE username = :1 AND type = 'USER'`;
export const SCN_SQL = `SELECT TO_CHAR(current_scn) FROM v$database`;

/** What a session must answer; the real one is an oracledb connection, tests hand in recordings. */
export interface OracleSession {
  execute(sql: string, binds: unknown[], options: { autoCommit?: boolean }): Promise<{ rows?: unknown[][] }>;
}

export async function readOracleSource(
  cdcUser: string,
  session: OracleSession,
  at: number,
): Promise<OracleReading> {
  // Oracle keeps unquoted user names in upper case.
  const user = cdcUser.toUpperCase();
  const sessions = (await session.execute(SESSIONS_SQL, [user], {})).rows ?? [];
  const scn = (await session.execute(SCN_SQL, [], {})).rows?.[0]?.[0];
  return {
    type: 'oracle',
    at,
    cdcUser: user,
    sessions: sessions.map(([sid, status, lastCallEt, event]) => ({
      sid: Number(sid),
      status: String(status),
      lastCallEtS: Number(lastCallEt),
      ...(typeof event === 'string' && event !== '' ? { event } : {}),
    })),
    currentScn: String(scn ?? ''),
  };
}

async function withSession<T>(
  spec: OracleSourceSpec,
  password: string,
  work: (session: Connection) => Promise<T>,
): Promise<T> {
  const connecting = connectOracle(spec, password, {
    connectTimeoutMs: spec.queryTimeout,
    callTimeoutMs: spec.queryTimeout,
  });
  let connection: Connection | undefined;
  // One deadline for connecting and asking together: a look never waits longer than this.
  const deadline = Date.now() + spec.queryTimeout;
  try {
    connection = await withDeadline(connecting, spec.queryTimeout, 'connecting');
    return await withDeadline(work(connection), Math.max(1, deadline - Date.now()), 'the query');
  } finally {
    if (connection) await settleWithin(connection.close(), 1_000);
    else connecting.then((late) => settleWithin(late.close(), 1_000)).catch(() => undefined);
  }
}

/** One reading within `queryTimeout`; an error is a reading that says why. */
export async function observeOracleSource(
  spec: OracleSourceSpec,
  password: string,
  now: () => number = Date.now,
): Promise<SourceReading> {
  const at = now();
  try {
    return await withSession(spec, password, (s) => readOracleSource(spec.cdcUser ?? spec.user, s, at));
  } catch (error) {
    const what = `oracle source ${spec.connectString} as ${spec.user}`;
    return { type: 'oracle', at, error: oracleProbeError(error, what, [password]).message };
  }
}

/** The canary row: ID (epoch ms), MARKER; WRITTEN_AT is the database's SYSTIMESTAMP. */
export async function writeOracleCanary(
  spec: OracleSourceSpec,
  table: string,
  password: string,
  canary: { id: number; marker: string },
): Promise<void> {
  try {
    await withSession(spec, password, (s) =>
      s.execute(
        `INSERT INTO ${table} (id, marker, written_at) VALUES (:1, :2, SYSTIMESTAMP)`,
        [canary.id, canary.marker],
        {
          autoCommit: true,
        },
      ),
    );
  } catch (error) {
    throw oracleProbeError(error, `oracle canary ${table} at ${spec.connectString}`, [password]);
  }
}
