import pg from 'pg';
import { postgresProbeError } from './errors';
import { describeSqlProbe, type SqlSession, settleWithin, sumRows } from './session';
import type { PostgresProbeSpec } from './types';

/**
 * PostgreSQL through `pg`: connect (bounded by `connectionTimeoutMillis`), `BEGIN`, each
 * statement (bounded by the server's `statement_timeout`, and by `query_timeout` on the client
 * should the network stall), `COMMIT`. TLS follows libpq's environment (`PGSSLMODE=require`).
 * Returns the rows the statements changed.
 */
export async function runPostgresStatements(
  probe: PostgresProbeSpec,
  session: SqlSession,
): Promise<number | undefined> {
  const what = describeSqlProbe(probe);
  const fail = (error: unknown) => postgresProbeError(error, what, [session.password]);
  const client = new pg.Client({
    host: probe.host,
    port: probe.port,
    database: probe.database,
    user: probe.user,
    password: session.password,
    connectionTimeoutMillis: session.connectTimeoutMs,
    statement_timeout: session.statementTimeoutMs,
    query_timeout: session.statementTimeoutMs + 2_000,
    application_name: 'flink-runbooks-probe',
    keepAlive: true,
  });
  // A connection that breaks while idle is reported as an event; without a listener it would
  // take the worker down. The failing query reports it too.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await settleWithin(client.end(), 1_000);
    throw fail(error);
  }
  let inTransaction = false;
  try {
    await client.query('BEGIN');
    inTransaction = true;
    const counts: Array<number | null> = [];
    for (const statement of session.statements) counts.push((await client.query(statement)).rowCount);
    await client.query('COMMIT');
    inTransaction = false;
    return sumRows(counts);
  } catch (error) {
    if (inTransaction) await settleWithin(client.query('ROLLBACK'), 2_000);
    throw fail(error);
  } finally {
    await settleWithin(client.end(), 2_000);
  }
}
