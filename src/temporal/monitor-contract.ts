import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { MonitorStatus } from '../policy/monitor-state';

/**
 * How other runbooks, their activities, the CLI and the Temporal UI talk to a job's monitor.
 * Outside src/workflows, so that activities need not import workflow code. One monitor per job,
 * under a stable workflow id, so Temporal itself refuses a second one for the same job.
 */
export const MONITOR_WORKFLOW = 'monitorJob';

export function monitorWorkflowId(cluster: string, job: string): string {
  return `monitor:${cluster}:${job}`;
}

/** Restart now, outside the budget, still one restart at a time. */
export const forceRestartSignal = defineSignal<[{ reason: string }]>('forceRestart');
/** Stop acting (keep observing and alerting) until `resume`. */
export const pauseSignal = defineSignal<[{ reason?: string }]>('pause');
export const resumeSignal = defineSignal('resume');
export const statusQuery = defineQuery<MonitorStatus>('status');

/**
 * A maintenance lease: while another runbook (upgrade, drill, deploy, housekeeping) holds it, the monitor
 * does not act on the job. It is granted to one holder at a time, renewed by acquiring again
 * with the same holder, and expires after `ttlMs` if the holder dies without releasing it.
 */
export interface LeaseRequest {
  /** The holder's workflow id. */
  holder: string;
  purpose: 'upgrade' | 'drill' | 'deploy' | 'savepoint' | 'housekeeping' | 'manual';
  ttlMs: number;
}
export interface LeaseGrant {
  holder: string;
  purpose: LeaseRequest['purpose'];
  expiresAt: number;
}
export const acquireLeaseUpdate = defineUpdate<LeaseGrant, [LeaseRequest]>('acquireLease');

/** What a job was submitted with: the monitor restarts the job with exactly this. */
export interface JobSubmission {
  jar: string;
  entryClass: string;
  parallelism: number;
  args: string[];
}

/**
 * Ends the lease; `jobId` tells the monitor which job to watch from now on (after an upgrade),
 * `submission` what that job runs when it differs from the clusters file.
 */
export interface LeaseRelease {
  holder: string;
  jobId?: string;
  submission?: JobSubmission;
}
export const releaseLeaseUpdate = defineUpdate<{ released: boolean }, [LeaseRelease]>('releaseLease');

/** Watch this job id from now on (a deploy or upgrade submitted a new one). */
export const watchJobSignal =
  defineSignal<[{ jobId: string; reason: string; submission?: JobSubmission }]>('watchJob');

/** What a monitor is started with; small enough to type into the Temporal UI. */
export interface MonitorInput {
  cluster: string;
  job?: string;
  /** Inline cluster spec instead of the clusters file. */
  spec?: unknown;
  /** Start watching this job id; otherwise the newest job of that name. */
  jobId?: string;
  /** How long one healthy watch lasts before it reports (default 30 min). */
  watchMaxMs?: number;
}
