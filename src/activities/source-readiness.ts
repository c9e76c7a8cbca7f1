import { resolveSecret } from '../config/secrets';
import type { SourceSpec } from '../config/source-schema';
import { type PostgresReadiness, sourceReadinessProblems } from '../policy/source-readiness';
import { observePostgresReadiness } from '../sources/postgres-readiness';

export interface SourceReadinessInput {
  source: SourceSpec;
  /** A job of this name is live: an active slot may be held by it. */
  jobLive: boolean;
}

export interface SourceReadinessResult {
  checked: boolean;
  observed?: PostgresReadiness;
  problems: string[];
}

/**
 * The deploy's database precheck: is the job's CDC source ready (reachable, wal_level logical,
 * the publication publishing the captured tables, the slot free for this job)? Oracle sources are
 * not checked here (no Oracle runs where this is tested). Never changes the database.
 */
export async function checkSourceReadiness(input: SourceReadinessInput): Promise<SourceReadinessResult> {
  const { source } = input;
  if (source.type !== 'postgres') return { checked: false, problems: [] };
  const password = await resolveSecret(source.password);
  const observed = await observePostgresReadiness(source, password);
  const problems = sourceReadinessProblems(observed, {
    where: `${source.host}:${source.port}/${source.database}`,
    slot: source.slot,
    publication: source.publication,
    tables: source.tables,
    jobLive: input.jobLive,
  });
  return { checked: true, observed, problems };
}
