import { type ClusterRef, selectJob } from '../config/load';
import type { JobManagerSpec, JobSpec, NamedCluster, RestAccess } from '../config/schema';
import { FlinkRestClient } from '../flink/client';
import { FlinkRestError } from '../flink/errors';
import { resolveReportDir } from '../trust/report-dir';
import { resolveTrustedCluster } from '../trust/resolve';

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

export interface JobManagerProbe {
  role: JobManagerSpec['role'];
  url: string;
  container: string;
  /** up: answered; no-leader: answered 503; down: refused or timed out; error: any other failure. */
  state: 'up' | 'no-leader' | 'down' | 'error';
  flinkVersion?: string;
  taskManagers?: number;
  slotsTotal?: number;
  slotsAvailable?: number;
  jobsRunning?: number;
  error?: string;
}

/**
 * Asks every JobManager for /overview and reports what each said, never throwing for one that is
 * down or refuses the credentials (`error`, with the reason). `access` is the cluster's `rest`.
 */
export async function probeJobManagers(
  jobManagers: JobManagerSpec[],
  access?: RestAccess,
): Promise<JobManagerProbe[]> {
  return Promise.all(
    jobManagers.map(async ({ role, url, container }): Promise<JobManagerProbe> => {
      try {
        const overview = await new FlinkRestClient(url, 3_000, access).overview();
        return {
          role,
          url,
          container,
          state: 'up',
          flinkVersion: overview['flink-version'],
          taskManagers: overview.taskmanagers,
          slotsTotal: overview['slots-total'],
          slotsAvailable: overview['slots-available'],
          jobsRunning: overview['jobs-running'],
        };
      } catch (error) {
        if (!(error instanceof FlinkRestError)) throw error;
        const state =
          error.name === 'FlinkUnreachable' ? 'down' : error.name === 'FlinkNoLeader' ? 'no-leader' : 'error';
        return { role, url, container, state, error: error.message };
      }
    }),
  );
}
