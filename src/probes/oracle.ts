import oracledb, { type Connection } from 'oracledb';
import { oracleProbeError } from './errors';
import { describeSqlProbe, type SqlSession, settleWithin, sumRows } from './session';
import type { OracleProbeSpec } from './types';

/**
 * Oracle through node-oracledb in thin mode (pure JavaScript, no Instant Client): connect
 * (bounded by `connectTimeout`/`transportConnectTimeout`, whole seconds, one attempt), then each
 * statement under `callTimeout`, the last one with `autoCommit`. Returns the rows changed.
 */
export async function runOracleStatements(
  probe: OracleProbeSpec,
  session: SqlSession,
): Promise<number | undefined> {
  const what = describeSqlProbe(probe);
  const fail = (error: unknown) => oracleProbeError(error, what, [session.password]);
  const seconds = Math.max(1, Math.ceil(session.connectTimeoutMs / 1000));
  const connecting = oracledb.getConnection({
    user: probe.user,
    password: session.password,
    connectString: probe.connectString,
    connectTimeout: seconds,
    transportConnectTimeout: seconds,
    retryCount: 0,
  });
  let connection: Connection;
  try {
    connection = await withinMs(connecting, seconds * 1000 + 5_000, () => {
      // Should the driver's own timeouts not fire, a late connection is closed, never leaked.
      connecting.then((late) => late.close()).catch(() => undefined);
      return Object.assign(new Error(`connection not established within ${seconds} s`), {
        code: 'NJS-510',
      });
    });
  } catch (error) {
    throw fail(error);
  }
  try {
    connection.callTimeout = session.statementTimeoutMs;
    const counts: Array<number | undefined> = [];
    const last = session.statements.length - 1;
    for (const [index, statement] of session.statements.entries()) {
      const result = await connection.execute(statement, [], { autoCommit: index === last });
      counts.push(result.rowsAffected);
    }
    return sumRows(counts);
  } catch (error) {
    // close() rolls back whatever was not committed.
    throw fail(error);
  } finally {
    await settleWithin(connection.close(), 2_000);
  }
}

async function withinMs<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(onTimeout()), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
