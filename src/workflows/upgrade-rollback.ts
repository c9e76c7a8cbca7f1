import { ApplicationFailure } from '@temporalio/workflow';
import { TERMINAL_STATES } from '../policy/upgrade-plan';
import { cancelJob, getJobState, waits } from './maintenance-activities';
import { failureText, newFlinkJobId } from './maintenance-steps';
import type { Upgrade } from './upgrade';
import type { UpgradeResult } from './upgrade-api';

/**
 * The upgrade's way back when the new job is not healthy: cancel it, resubmit the previous job
 * from the same state, verify it, and alert. Compensations run newest first and stop at the
 * first that fails: the previous job is never resubmitted over a new job that could not be
 * cancelled.
 */
export interface Compensation {
  what: string;
  run: () => Promise<void>;
}

export async function cancelNewJob(u: Upgrade): Promise<void> {
  const jobId = u.newJobId as string;
  const state = await getJobState({ ...u.flink, jobId });
  if (state === 'MISSING' || TERMINAL_STATES.has(state)) {
    u.run.step('new job already ended', `${jobId} is ${state}`);
    return;
  }
  await cancelJob({
    ...u.flink,
    jobId,
    // Its state does not matter: the previous job goes back to the snapshot taken from the old one.
    stateSafeIn: u.snapshot ? { savepoint: u.snapshot.path } : 'checkpoint',
  });
  await waits(60_000).waitForJobState({
    ...u.flink,
    jobId,
    states: ['CANCELED', 'FAILED', 'FINISHED'],
    timeoutMs: 60_000,
  });
  u.run.step('new job cancelled', jobId);
}

export async function restorePrevious(u: Upgrade): Promise<void> {
  const jobId = newFlinkJobId();
  u.rollbackJobId = jobId;
  const submittedAt = await u.submit(jobId, u.previous, u.snapshot);
  u.runningJobId = jobId;
  u.runningConfig = u.previous;
  u.rollbackReadiness = await u.verify(jobId, submittedAt, u.snapshot);
}

export async function rollBack(
  u: Upgrade,
  reason: string,
  compensations: Compensation[],
): Promise<UpgradeResult> {
  u.run.phase('rolling-back');
  u.run.step('rolling back', reason);
  const failures: string[] = [];
  for (const compensation of compensations) {
    try {
      await compensation.run();
    } catch (error) {
      failures.push(`${compensation.what}: ${failureText(error)}`);
      u.run.step('compensation failed', `${compensation.what}: ${failureText(error)}`);
      break; // the previous job is not resubmitted over a new job that could not be cancelled
    }
  }
  const readiness = u.rollbackReadiness;
  if (failures.length > 0 || !readiness || readiness.verdict !== 'ready') {
    const why =
      failures.length > 0 ? failures.join('; ') : (readiness?.reasons.join('; ') ?? 'not attempted');
    const message = `upgrade of ${u.job.name} failed (${reason}) and the rollback failed too: ${why}. State is in ${u.snapshot?.path}.`;
    await u.alert('critical', 'upgrade and rollback failed', message);
    throw ApplicationFailure.nonRetryable(message, 'RollbackFailed', {
      snapshot: u.snapshot,
      newJobId: u.newJobId,
      rollbackJobId: u.rollbackJobId,
    });
  }
  const committedByNewJob = u.readiness?.met.checkpoint === true;
  const result = u.result(
    'rolled-back',
    `upgrade of ${u.job.name} rolled back: ${reason}; job ${u.rollbackJobId} runs ${u.previous.jar} again from ${u.snapshot?.path}`,
  );
  result.rollback = {
    reason,
    jobId: u.rollbackJobId as string,
    readiness,
    note: committedByNewJob
      ? 'the new job had completed a checkpoint: output it committed is emitted again by the restored job'
      : undefined,
  };
  result.sequence = await u.checkSequence();
  await u.alert('warning', 'upgrade rolled back', result.headline);
  return result;
}
