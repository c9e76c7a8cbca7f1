import { resolveSecret } from '../config/secrets';
import type { SourceSpec } from '../config/source-schema';
import type { SourceReading } from '../policy/source-liveness';
import { observeOracleSource, writeOracleCanary } from './oracle';
import { observePostgresSource, writePostgresCanary } from './postgres';

/**
 * What the monitor's watch needs from a CDC source, as adapters: the real ones talk to the
 * database (the password is read here, inside the activity, and never returned); tests hand in
 * their own.
 */
export interface SourceAdapters {
  /** One reading; never throws: a source that cannot be asked is a reading with an error. */
  observe(spec: SourceSpec): Promise<SourceReading>;
  /** Inserts the canary row into the spec's canary table, committed; throws with the reason. */
  writeCanary(spec: SourceSpec, canary: { id: number; marker: string }): Promise<void>;
}

export const databaseSources: SourceAdapters = {
  async observe(spec) {
    let password: string;
    try {
      password = await resolveSecret(spec.password);
    } catch (error) {
      return { type: spec.type, at: Date.now(), error: (error as Error).message };
    }
    return spec.type === 'postgres'
      ? observePostgresSource(spec, password)
      : observeOracleSource(spec, password);
  },
  async writeCanary(spec, canary) {
    if (!spec.canary) throw new Error('the source has no canary table');
    const password = await resolveSecret(spec.password);
    if (spec.type === 'postgres') await writePostgresCanary(spec, spec.canary.table, password, canary);
    else await writeOracleCanary(spec, spec.canary.table, password, canary);
  },
};
