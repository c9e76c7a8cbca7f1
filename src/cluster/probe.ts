import type { JobManagerSpec, RestAccess } from '../config/schema';
import { type FlinkAdapter, REST_TIMEOUT_MS, restClients } from '../flink/adapter';
import { FlinkNoLeaderError, FlinkRestError, FlinkUnreachableError } from '../flink/errors';

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
export async function probeEachJobManager(
  jobManagers: JobManagerSpec[],
  access?: RestAccess,
  flink: FlinkAdapter = restClients,
): Promise<JobManagerProbe[]> {
  return Promise.all(
    jobManagers.map(async ({ role, url, container }): Promise<JobManagerProbe> => {
      try {
        const overview = await flink.jobManager(url, REST_TIMEOUT_MS.oneJobManager, access).overview();
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
          error instanceof FlinkUnreachableError
            ? 'down'
            : error instanceof FlinkNoLeaderError
              ? 'no-leader'
              : 'error';
        return { role, url, container, state, error: error.message };
      }
    }),
  );
}
