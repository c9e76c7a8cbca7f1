import type { ClusterSpec, RestAccess } from '../config/schema';

/**
 * How an activity reaches a cluster's REST API: the JobManager URLs and the cluster's `rest`
 * section (TLS settings, basic-auth user, secret *references*). Pure: workflows build it.
 *
 * The access description travels in each activity's input, next to the URLs, rather than being
 * looked up by URL in the worker's own clusters file: the activity may run on another worker
 * process than the one that resolved the cluster (after a crash, or on a scaled-out queue), with
 * another clusters file or none, and the cluster may have come inline in the workflow input.
 * Only references enter workflow history; the worker that runs the activity reads the password
 * from its own environment or file when it makes the request (src/flink/access.ts).
 */
export interface OnCluster {
  urls: string[];
  access?: RestAccess;
}

export function restTarget(cluster: Pick<ClusterSpec, 'jobManagers' | 'rest'>): OnCluster {
  const urls = cluster.jobManagers.map((jm) => jm.url);
  return cluster.rest ? { urls, access: cluster.rest } : { urls };
}
