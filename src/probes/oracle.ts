import oracledb, { type Connection } from 'oracledb';
import { oracleProbeError } from './errors';
import { describeSqlProbe, type SqlSession, settleWithin, sumRows } from './session';
import type { OracleProbeSpec } from './types';

/**
 * Connects in thin mode, bounded by `connectTimeout`/`transportConnectTimeout` (whole seconds,
 * one attempt) and a guard a few seconds later should the driver's own timeouts not fire; each
 * round trip is then bounded by `callTimeoutMs`. Throws the driver's error (the caller types and
 * redacts it).
 */
export async function connectOracle(
  endpoint: { connectString: string; user: string },
  password: string,
  limits: { connectTimeoutMs: number; callTimeoutMs: number },
): Promise<Connection> {
  const seconds = Math.max(1, Math.ceil(limits.connectTimeoutMs / 1000));
  const connecting = oracledb.getConnection({
    user: endpoint.user,
    password,
    connectString: endpoint.connectString,
    connectTimeout: seconds,
    transportConnectTimeout: seconds,
    retryCount: 0,
  });
  const connection = await withinMs(connecting, seconds * 1000 + 5_000, () => {
    // A late connection is closed, never leaked.
    connecting.then((late) => late.close()).catch(() => undefined);
    return Object.assign(new Error(`connection not established within ${seconds} s`), {
      code: 'NJS-510',
    });
  });
  connection.callTimeout = limits.callTimeoutMs;
  return connection;
}

/**
 * Oracle through node-oracledb in thin mode (pure JavaScript, no Instant Client): connect
 * (see connectOracle), then each statement under `callTimeout`, the last one with `autoCommit`.
 * Returns the rows changed.
 */
export async function runOracleStatements(
  probe: OracleProbeSpec,
  session: SqlSession,
): Promise<number | undefined> {
  const what = describeSqlProbe(probe);
  const fail = (error: unknown) => oracleProbeError(error, what, [session.password]);
  let connection: Connection;
  try {
    connection = await connectOracle(probe, session.password, {
      connectTimeoutMs: session.connectTimeoutMs,
      callTimeoutMs: session.statementTimeoutMs,
    });
  } catch (error) {
    throw fail(error);
  }
  try {
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
