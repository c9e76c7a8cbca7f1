import { type JobManagerProbe, probeEachJobManager } from '../cluster/probe';
import { type ClusterRef, selectJob } from '../config/load';
import type { JobManagerSpec, JobSpec, NamedCluster, RestAccess } from '../config/schema';
import { resolveReportDir } from '../trust/report-dir';
import { resolveTrustedCluster } from '../trust/resolve';
import { type Adapters, standardAdapters } from './adapters';

/**
 * Loads and validates the cluster a runbook names: from the clusters file, or inline when the
 * worker's operator allows it and it stays inside the trust boundary (src/trust/). Every runbook
 * calls this first, so a refused spec has touched nothing.
 */
export async function resolveCluster(ref: ClusterRef & { reportDir?: string }): Promise<NamedCluster> {
  refuseUntrustedReportDir(ref.reportDir);
  return resolveTrustedCluster(ref);
}

/** The cluster and the job a runbook acts on; `job` may be left out when the cluster has one job. */
export async function resolveClusterJob(
  ref: ClusterRef & { job?: string; reportDir?: string },
): Promise<{ cluster: NamedCluster; job: JobSpec }> {
  refuseUntrustedReportDir(ref.reportDir);
  const cluster = await resolveTrustedCluster(ref);
  return { cluster, job: selectJob(cluster, ref.job) };
}

/**
 * A runbook given a report folder (the drill, housekeeping, the daily check) learns in its first
 * activity whether the worker allows it, before anything is stopped or removed.
 */
function refuseUntrustedReportDir(reportDir: string | undefined): void {
  if (reportDir !== undefined) resolveReportDir(reportDir);
}

export type { JobManagerProbe } from '../cluster/probe';

/** The activities of this module that reach Flink, through the adapter handed in. */
export function clusterActivities({ flink }: Pick<Adapters, 'flink'>) {
  /**
   * Asks every JobManager for /overview and reports what each said, never throwing for one that is
   * down or refuses the credentials (`error`, with the reason). `access` is the cluster's `rest`.
   */
  async function probeJobManagers(
    jobManagers: JobManagerSpec[],
    access?: RestAccess,
  ): Promise<JobManagerProbe[]> {
    return probeEachJobManager(jobManagers, access, flink);
  }
  return { probeJobManagers };
}

export const { probeJobManagers } = clusterActivities(standardAdapters);
