import { clustersFilePath, resolveClusterRef, selectJob } from '../config/load';
import type { JobSpec, NamedCluster } from '../config/schema';
import { type CliContext, required } from './context';

/** The cluster and job a command names, validated from the clusters file before anything is sent. */
export async function target(ctx: CliContext): Promise<{ cluster: NamedCluster; job: JobSpec }> {
  const cluster = await resolveClusterRef({ cluster: required(ctx, 'cluster') }, clustersFilePath());
  const jobName = typeof ctx.options.job === 'string' ? ctx.options.job : undefined;
  return { cluster, job: selectJob(cluster, jobName) };
}
