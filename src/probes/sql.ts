import { resolveSecret } from '../config/secrets';
import { ProbeFailedError } from './errors';
import { runOracleStatements } from './oracle';
import { runPostgresStatements } from './postgres';
import { describeSqlProbe, type SqlSession } from './session';
import { probeStatements } from './statements';
import type { SqlProbeRun, SqlProbeSpec } from './types';

/** Bounds of one SQL probe; the spec's `timeout` (how long capture may take) caps the statement. */
export const SQL_PROBE_DEFAULTS = { connectTimeoutMs: 10_000, statementTimeoutMs: 30_000 } as const;

export interface SqlProbeOptions {
  /** Where `{fromEnv}` secret references are read; default process.env. */
  env?: NodeJS.ProcessEnv;
  connectTimeoutMs?: number;
  statementTimeoutMs?: number;
}

/**
 * Runs the probe's `sql` on the source in one transaction and commits it: the change CDC must
 * capture. The password is resolved here, handed to the driver and scrubbed from any error.
 * Throws `ProbeUnavailable` (refused, timed out: retry), `ProbeFailed` (wrong password, bad SQL,
 * or a statement that changed no row, which CDC would have nothing to capture from), or
 * `SecretUnavailable`.
 */
export async function runSqlProbe(probe: SqlProbeSpec, options: SqlProbeOptions = {}): Promise<SqlProbeRun> {
  const statements = probeStatements(probe.sql, probe.type);
  const password = await resolveSecret(probe.password, options.env);
  const session: SqlSession = {
    statements,
    password,
    connectTimeoutMs: Math.max(1, options.connectTimeoutMs ?? SQL_PROBE_DEFAULTS.connectTimeoutMs),
    statementTimeoutMs: Math.max(
      1,
      Math.min(options.statementTimeoutMs ?? SQL_PROBE_DEFAULTS.statementTimeoutMs, probe.timeout),
    ),
  };
  const startedAt = Date.now();
  const rowsAffected =
    probe.type === 'postgres'
      ? await runPostgresStatements(probe, session)
      : await runOracleStatements(probe, session);
  const committedAt = Date.now();
  if (rowsAffected === 0) {
    throw new ProbeFailedError(
      `${describeSqlProbe(probe)}: the probe sql changed no row, so there is nothing for CDC to capture`,
    );
  }
  return { type: probe.type, rowsAffected, startedAt, committedAt, timeoutMs: probe.timeout };
}
