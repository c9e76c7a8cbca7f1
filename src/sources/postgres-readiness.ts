import type { PostgresSourceSpec } from '../config/source-schema';
import type { PostgresReadiness } from '../policy/source-readiness';
import { postgresProbeError } from '../probes/errors';
import { connectPostgres } from '../probes/postgres';
import { settleWithin } from '../probes/session';

/**
 * What the deploy's database precheck asks a PostgreSQL CDC source, in one statement: wal_level,
 * the publication and the tables it publishes, the slot (plugin, whether a walsender holds it)
 * and how many slots are still free. Read-only.
 */
export const READINESS_SQL = `
SELECT current_setting('wal_level') AS wal_level,
  EXISTS (SELECT 1 FROM pg_publication WHERE pubname = $2) AS publication_exists,
  (SELECT coalesce(jsonb_agg(schemaname || '.' || tablename), '[]'::jsonb)
     FROM pg_publication_tables WHERE pubname = $2) AS published,
  (SELECT to_jsonb(s) FROM (SELECT plugin, active, active_pid FROM pg_replication_slots WHERE slot_name = $1) s) AS slot,
  current_setting('max_replication_slots')::int - (SELECT count(*) FROM pg_replication_slots)::int AS free_slots`;

export async function observePostgresReadiness(
  spec: PostgresSourceSpec,
  password: string,
): Promise<PostgresReadiness> {
  let client: Awaited<ReturnType<typeof connectPostgres>> | undefined;
  try {
    client = await connectPostgres(spec, password, {
      connectTimeoutMs: spec.queryTimeout,
      statementTimeoutMs: spec.queryTimeout,
      applicationName: 'flink-runbooks-deploy',
    });
    const row = (await client.query(READINESS_SQL, [spec.slot, spec.publication])).rows[0] ?? {};
    const slot = row.slot as { plugin?: string; active?: boolean; active_pid?: number } | null;
    return {
      walLevel: String(row.wal_level),
      publication: { exists: row.publication_exists === true, tables: (row.published as string[]) ?? [] },
      slot: slot
        ? { exists: true, plugin: slot.plugin, active: slot.active, activePid: slot.active_pid ?? undefined }
        : { exists: false },
      freeSlots: Number(row.free_slots),
    };
  } catch (error) {
    const what = `postgres source ${spec.host}:${spec.port}/${spec.database} as ${spec.user}`;
    return { error: postgresProbeError(error, what, [password]).message };
  } finally {
    if (client) await settleWithin(client.end(), 1_000);
  }
}
