import { CancellationScope, patched, workflowInfo } from '@temporalio/workflow';
import type { JobSubmission, LeaseRequest } from '../temporal/monitor-contract';
import { acquireMaintenanceLease, releaseMaintenanceLease } from './activities';
import { failureText } from './failures';

/**
 * The job's maintenance lease, the one way a runbook takes and gives back a job (seeds: one
 * writer per job). While a runbook holds it the job's monitor stands down, and any other runbook
 * asking for it is refused (`LeaseHeld`). The holder is always the workflow itself.
 */
export interface LeaseTerms {
  cluster: string;
  job: string;
  purpose: LeaseRequest['purpose'];
  /** Past this the lease expires by itself: a runbook that died does not hold the job for good. */
  ttlMs: number;
}

/** Whether a monitor was there to stand down. */
export interface LeaseTaken {
  monitor: 'running' | 'no-monitor';
}

/** What the monitor watches once the lease is back: the job the runbook leaves running. */
export interface HandOver {
  jobId?: string;
  submission?: JobSubmission;
}

export interface LeaseGivenBack {
  released: boolean;
  /** Why it could not be given back; it expires by itself. */
  error?: string;
}

/** Takes the lease; one held by another runbook fails as the activity's `LeaseHeld`. */
export async function takeLease(terms: LeaseTerms): Promise<LeaseTaken> {
  const { monitor } = await acquireMaintenanceLease({
    cluster: terms.cluster,
    job: terms.job,
    holder: workflowInfo().workflowId,
    purpose: terms.purpose,
    ttlMs: terms.ttlMs,
  });
  return { monitor };
}

/** Gives the lease back and tells the monitor what to watch; a failure is thrown. */
export async function releaseLease(
  job: Pick<LeaseTerms, 'cluster' | 'job'>,
  handOver: HandOver = {},
): Promise<{ released: boolean }> {
  return releaseMaintenanceLease({
    cluster: job.cluster,
    job: job.job,
    holder: workflowInfo().workflowId,
    ...handOver,
  });
}

/**
 * Savepoint and housekeeping runs that took the lease before the release was made to survive a
 * cancel gave it back in the cancelled scope, that is not at all (it expired); they replay so.
 */
export const RELEASE_SURVIVES_CANCEL = 'lease-release-survives-cancel';

/**
 * Runs `body` while this workflow holds the job's lease. The lease is given back whatever
 * happens, a cancel of the workflow included; a release that fails is reported to `released`,
 * never thrown (the lease expires by itself).
 */
export async function underLease<T>(
  terms: LeaseTerms,
  body: (lease: LeaseTaken) => Promise<T>,
  options: {
    /** The error to throw instead when the lease is not granted (the activity's failure by default). */
    refused?: (error: unknown) => unknown;
    /** Read when the body is done: what the monitor watches from then on. */
    handOver?: () => HandOver;
    released?: (outcome: LeaseGivenBack) => void;
    /** For runbooks whose runs may predate RELEASE_SURVIVES_CANCEL. */
    releasedInCancelledScopeBefore?: boolean;
  } = {},
): Promise<T> {
  let lease: LeaseTaken;
  try {
    lease = await takeLease(terms);
  } catch (error) {
    throw options.refused ? options.refused(error) : error;
  }
  try {
    return await body(lease);
  } finally {
    const giveBack = (): Promise<LeaseGivenBack> =>
      releaseLease(terms, options.handOver?.()).then(
        ({ released }) => ({ released }),
        (error: unknown) => ({ released: false, error: failureText(error) }),
      );
    const outcome =
      options.releasedInCancelledScopeBefore && !patched(RELEASE_SURVIVES_CANCEL)
        ? await giveBack()
        : await CancellationScope.nonCancellable(giveBack);
    options.released?.(outcome);
  }
}
