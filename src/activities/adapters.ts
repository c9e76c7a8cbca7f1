import * as engine from '../docker/engine';
import { type FlinkAdapter, REST_TIMEOUT_MS, restClients } from '../flink/adapter';
import { databaseSources, type SourceAdapters } from '../sources';

/**
 * The clients activities reach the cluster through, created once by the worker and handed to
 * the activities (createActivities in ./create.ts): a test hands in fakes and runs an activity
 * without Flink, Docker or a database.
 */
export interface Adapters {
  flink: FlinkAdapter;
  /** The Docker engine (docker/engine.ts): containers, their logs and commands run in them. */
  docker: DockerAdapter;
  /** The jobs' CDC sources: PostgreSQL and Oracle sessions (src/sources). */
  sources: SourceAdapters;
}

export type DockerAdapter = typeof engine;
export type { FlinkAdapter };
export { REST_TIMEOUT_MS };

export const standardAdapters: Adapters = { flink: restClients, docker: engine, sources: databaseSources };
