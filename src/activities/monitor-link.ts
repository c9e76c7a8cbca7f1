import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { temporalClient } from '../temporal/client-holder';
import { FAILURE } from '../temporal/failure-types';
import {
  acquireLeaseUpdate,
  type JobSubmission,
  type LeaseGrant,
  type LeaseRequest,
  MONITOR_WORKFLOW,
  monitorWorkflowId,
  releaseLeaseUpdate,
  watchJobSignal,
} from '../temporal/monitor-contract';

/**
 * Activities through which runbooks reach a job's monitor. Workflows cannot send Updates to
 * other workflows, so taking the maintenance lease goes through here.
 */
interface JobRef {
  cluster: string;
  job: string;
}

/**
 * Takes (or renews) the job's maintenance lease. With no monitor running there is nobody to
 * stand down and the lease is reported as `no-monitor`. A lease held by someone else fails as
 * the non-retryable `LeaseHeld`.
 */
export async function acquireMaintenanceLease(
  input: JobRef & LeaseRequest,
): Promise<{ granted: true; monitor: 'running' | 'no-monitor'; grant?: LeaseGrant }> {
  const handle = (await temporalClient()).workflow.getHandle(monitorWorkflowId(input.cluster, input.job));
  try {
    const grant = await handle.executeUpdate(acquireLeaseUpdate, {
      args: [{ holder: input.holder, purpose: input.purpose, ttlMs: input.ttlMs }],
    });
    return { granted: true, monitor: 'running', grant };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return { granted: true, monitor: 'no-monitor' };
    if (error instanceof WorkflowUpdateFailedError) {
      throw ApplicationFailure.nonRetryable(error.cause?.message ?? error.message, FAILURE.LeaseHeld);
    }
    throw error;
  }
}

export async function releaseMaintenanceLease(
  input: JobRef & { holder: string; jobId?: string; submission?: JobSubmission },
): Promise<{ released: boolean }> {
  const handle = (await temporalClient()).workflow.getHandle(monitorWorkflowId(input.cluster, input.job));
  try {
    return await handle.executeUpdate(releaseLeaseUpdate, {
      args: [{ holder: input.holder, jobId: input.jobId, submission: input.submission }],
    });
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return { released: false };
    throw error;
  }
}

/**
 * Hands a job over to its monitor: starts the monitor if none runs, and tells it the job id
 * to watch either way (signal-with-start, so there is never a second monitor).
 */
export async function ensureMonitor(
  input: JobRef & { jobId: string; reason: string },
): Promise<{ workflowId: string; runId: string }> {
  const workflowId = monitorWorkflowId(input.cluster, input.job);
  const handle = await (await temporalClient()).workflow.signalWithStart(MONITOR_WORKFLOW, {
    workflowId,
    // The monitor runs on the same task queue as the runbook that hands over to it.
    taskQueue: Context.current().info.taskQueue,
    args: [{ cluster: input.cluster, job: input.job, jobId: input.jobId }],
    signal: watchJobSignal,
    signalArgs: [{ jobId: input.jobId, reason: input.reason }],
  });
  return { workflowId, runId: handle.signaledRunId };
}
