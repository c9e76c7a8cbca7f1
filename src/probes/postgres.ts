import pg from 'pg';
import { postgresProbeError } from './errors';
import { describeSqlProbe, type SqlSession, settleWithin, sumRows } from './session';
import type { PostgresProbeSpec } from './types';

/** Where a PostgreSQL session goes: the probe's and the monitor's source spec both carry these. */
export interface PostgresEndpoint {
  host: string;
  port: number;
  database: string;
  user: string;
}

/**
 * A connected client, or a thrown driver error (the caller types and redacts it). Connecting
 * is bounded by `connectTimeoutMs`, each statement by `statementTimeoutMs` on the server and a
 * little more on the client, so a frozen server or a stalled network never hangs the caller.
 */
export async function connectPostgres(
  endpoint: PostgresEndpoint,
  password: string,
  limits: { connectTimeoutMs: number; statementTimeoutMs: number; applicationName: string },
): Promise<pg.Client> {
  const client = new pg.Client({
    host: endpoint.host,
    port: endpoint.port,
    database: endpoint.database,
    user: endpoint.user,
    password,
    connectionTimeoutMillis: limits.connectTimeoutMs,
    statement_timeout: limits.statementTimeoutMs,
    query_timeout: limits.statementTimeoutMs + 2_000,
    application_name: limits.applicationName,
    keepAlive: true,
  });
  // A connection that breaks while idle is reported as an event; without a listener it would
  // take the worker down. The failing query reports it too.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await settleWithin(client.end(), 1_000);
    throw error;
  }
  return client;
}

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
  let client: pg.Client;
  try {
    client = await connectPostgres(probe, session.password, {
      connectTimeoutMs: session.connectTimeoutMs,
      statementTimeoutMs: session.statementTimeoutMs,
      applicationName: 'flink-runbooks-probe',
    });
  } catch (error) {
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
