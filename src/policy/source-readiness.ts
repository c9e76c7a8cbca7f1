/**
 * Is a PostgreSQL CDC source ready for the job to start (the deploy's database precheck)?
 * Pure: the observation is made by src/sources/postgres-readiness.ts.
 */
export interface PostgresReadiness {
  /** Set when the database could not be asked; nothing else is known then. */
  error?: string;
  walLevel?: string;
  publication?: { exists: boolean; tables: string[] };
  slot?: { exists: boolean; plugin?: string; active?: boolean; activePid?: number };
  /** max_replication_slots minus the slots that exist. */
  freeSlots?: number;
}

export interface ReadinessContext {
  where: string;
  slot: string;
  publication: string;
  /** Captured tables as the spec names them (`schema.table` or `table`). */
  tables: string[];
  /** A job of this name is live, so an active slot may well be held by it. */
  jobLive: boolean;
}

const PLUGIN = 'pgoutput';

const qualified = (table: string) => (table.includes('.') ? table : `public.${table}`).toLowerCase();

/** One message per problem, each saying what to change; empty when the source is ready. */
export function sourceReadinessProblems(seen: PostgresReadiness, ctx: ReadinessContext): string[] {
  if (seen.error) return [`the source database ${ctx.where} does not answer: ${seen.error}`];
  const problems: string[] = [];
  if (seen.walLevel !== 'logical')
    problems.push(
      `wal_level is ${seen.walLevel ?? 'unknown'} at ${ctx.where}; logical decoding needs wal_level = logical (set it and restart PostgreSQL)`,
    );
  if (!seen.publication?.exists) {
    problems.push(
      `publication ${ctx.publication} does not exist at ${ctx.where} (CREATE PUBLICATION ${ctx.publication} FOR TABLE ${ctx.tables.join(', ')})`,
    );
  } else {
    const published = new Set(seen.publication.tables.map(qualified));
    const missing = ctx.tables.filter((t) => !published.has(qualified(t)));
    if (missing.length > 0)
      problems.push(
        `publication ${ctx.publication} does not publish ${missing.join(', ')} (ALTER PUBLICATION ${ctx.publication} ADD TABLE ${missing.join(', ')})`,
      );
  }
  if (seen.slot?.exists) {
    if (seen.slot.plugin && seen.slot.plugin !== PLUGIN)
      problems.push(`replication slot ${ctx.slot} decodes with ${seen.slot.plugin}; the job reads ${PLUGIN}`);
    if (seen.slot.active && !ctx.jobLive)
      problems.push(
        `replication slot ${ctx.slot} is held by another consumer (walsender pid ${seen.slot.activePid ?? '?'}) while no job of this name runs: two readers of one slot lose changes`,
      );
  } else if ((seen.freeSlots ?? 0) <= 0) {
    problems.push(
      `replication slot ${ctx.slot} does not exist and no slot is free at ${ctx.where} (raise max_replication_slots or drop an unused slot)`,
    );
  }
  return problems;
}
