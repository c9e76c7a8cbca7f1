import type { RestAccess } from '../config/schema';
import { FlinkRestClient } from './client';
import { FlinkClusterClient } from './cluster-client';

/**
 * How code reaches Flink's REST API: created once by the worker and handed to the activities
 * (src/activities/adapters.ts), so a test can hand in a fake.
 */
export interface FlinkAdapter {
  /** One JobManager's REST API, each request bounded by `timeoutMs`. */
  jobManager(url: string, timeoutMs: number, access?: RestAccess): FlinkRestClient;
  /** Whichever of the cluster's JobManagers answers; `timeoutMs` per request. */
  cluster(urls: string[], timeoutMs: number, access?: RestAccess): FlinkClusterClient;
}

/**
 * How long one REST request may take. A look at one JobManager (is it up, its metrics, its
 * settings) is short: a JobManager that does not answer within it counts as down. A call through
 * the cluster tries the next JobManager when one does not answer.
 */
export const REST_TIMEOUT_MS = { oneJobManager: 3_000, cluster: 5_000 } as const;

export const restClients: FlinkAdapter = {
  jobManager: (url, timeoutMs, access) => new FlinkRestClient(url, timeoutMs, access),
  cluster: (urls, timeoutMs, access) => new FlinkClusterClient(urls, timeoutMs, access),
};
