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
 * How long one REST request may take, by what the request is for: the one place these are set
 * (every client made through the FlinkAdapter names one of them).
 */
export const REST_TIMEOUT_MS = {
  /** A look at one JobManager (is it up, its metrics, its settings): one that does not answer within it counts as down. */
  oneJobManager: 3_000,
  /** A read or an action through the cluster: the next JobManager is tried when one does not answer. */
  cluster: 5_000,
  /** One of a series of looks through the cluster (the monitor's watch, a drill's baseline): the next look comes soon. */
  look: 4_000,
  /** One poll of a wait for one JobManager (a node coming back): the wait asks again. */
  pollOneJobManager: 2_000,
  /** One poll of a wait through the cluster (the watch after a drill's restore). */
  pollCluster: 3_000,
  /** A drill's look at the job during a takeover: short, so the looks stay under a second apart. */
  takeoverOneJobManager: 800,
  /** The job's status timestamps read in the same look, when it is RUNNING again or failing. */
  takeoverJobDetails: 600,
  /** A drill's look at the checkpoints during a takeover, through the JobManagers in turn. */
  takeoverCluster: 1_500,
} as const;

export const restClients: FlinkAdapter = {
  jobManager: (url, timeoutMs, access) => new FlinkRestClient(url, timeoutMs, access),
  cluster: (urls, timeoutMs, access) => new FlinkClusterClient(urls, timeoutMs, access),
};
