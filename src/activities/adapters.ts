import type { RestAccess } from '../config/schema';
import * as engine from '../docker/engine';
import { FlinkRestClient } from '../flink/client';
import { FlinkClusterClient } from '../flink/cluster-client';
import { databaseSources, type SourceAdapters } from '../sources';

/**
 * The clients activities reach the cluster through, created by the worker and handed to the
 * activities (createActivities in ./create.ts): a test hands in fakes and runs an activity
 * without Flink or Docker.
 */
export interface FlinkAdapter {
  /** One JobManager's REST API, each request bounded by `timeoutMs`. */
  jobManager(url: string, timeoutMs: number, access?: RestAccess): FlinkRestClient;
  /** Whichever of the cluster's JobManagers answers; `timeoutMs` per request. */
  cluster(urls: string[], timeoutMs: number, access?: RestAccess): FlinkClusterClient;
}

/** The Docker engine (docker/engine.ts): containers, their logs and commands run in them. */
export type DockerAdapter = typeof engine;

export interface Adapters {
  flink: FlinkAdapter;
  docker: DockerAdapter;
  /** The jobs' CDC sources: PostgreSQL and Oracle sessions (src/sources). */
  sources: SourceAdapters;
}

/**
 * How long one REST request may take. A look at one JobManager (is it up, its metrics, its
 * settings) is short: a JobManager that does not answer within it counts as down. A call through
 * the cluster tries the next JobManager when one does not answer.
 */
export const REST_TIMEOUT_MS = { oneJobManager: 3_000, cluster: 5_000 } as const;

export const standardAdapters: Adapters = {
  flink: {
    jobManager: (url, timeoutMs, access) => new FlinkRestClient(url, timeoutMs, access),
    cluster: (urls, timeoutMs, access) => new FlinkClusterClient(urls, timeoutMs, access),
  },
  docker: engine,
  sources: databaseSources,
};
