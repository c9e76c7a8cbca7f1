import { ApplicationFailure } from '@temporalio/workflow';
import { ENDED_JOB_STATES, isTerminalJobState } from '../policy/job-states';
import type { ReadinessVerdict } from '../policy/upgrade-readiness';
import { FAILURE } from '../temporal/failure-types';
import { cancelJob, getJobState, waits } from './activities';
import { failureText } from './failures';
import { newFlinkJobId } from './flink-ids';
import type { UpgradeResult } from './upgrade-api';
import { alert, type Changed, checkSequence, type Running, resultOf, type Upgrade } from './upgrade-run';
import { submit, verify } from './upgrade-start';

/**
 * The upgrade's way back when the new job is not healthy: cancel it, resubmit the previous job
 * from the same state, verify it, and alert. The previous job is never resubmitted over a new
 * job that could not be cancelled.
 */
export async function rollBack(
  u: Upgrade,
  changed: Changed & { oldJobId: string; newJobId: string },
  reason: string,
  running: Running,
): Promise<UpgradeResult> {
  u.run.phase('rolling-back');
  u.run.step('rolling back', reason);

  const cancelled = await attempt(u, `cancel the new job ${changed.newJobId}`, () =>
    cancelNewJob(u, changed),
  );
  if (!cancelled.ok) return rollbackFailed(u, changed, reason, cancelled.failure);

  const rollbackJobId = newFlinkJobId();
  const restored = await attempt(u, 'resubmit the previous job', () =>
    restorePrevious(u, changed, rollbackJobId, running),
  );
  if (!restored.ok) return rollbackFailed(u, changed, reason, restored.failure, rollbackJobId);
  const readiness = restored.value;
  if (readiness.verdict !== 'ready')
    return rollbackFailed(u, changed, reason, readiness.reasons.join('; '), rollbackJobId);

  const result = resultOf(
    u,
    'rolled-back',
    `upgrade of ${u.job.name} rolled back: ${reason}; job ${rollbackJobId} runs ${u.previous.jar} again from ${changed.snapshot?.path}`,
    changed,
    rollbackJobId,
  );
  result.rollback = {
    reason,
    jobId: rollbackJobId,
    readiness,
    note:
      changed.readiness?.met.checkpoint === true
        ? 'the new job had completed a checkpoint: output it committed is emitted again by the restored job'
        : undefined,
  };
  result.sequence = await checkSequence(u);
  await alert(u, changed, 'warning', 'upgrade rolled back', result.headline);
  return result;
}

/** The new job's state does not matter: the previous job goes back to the snapshot taken from the old one. */
async function cancelNewJob(u: Upgrade, changed: Changed & { newJobId: string }): Promise<void> {
  const jobId = changed.newJobId;
  const state = await getJobState({ ...u.flink, jobId });
  if (state === 'MISSING' || isTerminalJobState(state)) {
    u.run.step('new job already ended', `${jobId} is ${state}`);
    return;
  }
  await cancelJob({
    ...u.flink,
    jobId,
    stateSafeIn: changed.snapshot ? { savepoint: changed.snapshot.path } : 'checkpoint',
  });
  await waits(60_000).waitForJobState({
    ...u.flink,
    jobId,
    states: [...ENDED_JOB_STATES],
    timeoutMs: 60_000,
  });
  u.run.step('new job cancelled', jobId);
}

/** The previous job again, from the same state, beside neither the old nor the new job. */
async function restorePrevious(
  u: Upgrade,
  changed: Changed & { oldJobId: string; newJobId: string },
  jobId: string,
  running: Running,
): Promise<ReadinessVerdict> {
  const submittedAt = Date.now();
  await submit(u, {
    jobId,
    config: u.previous,
    from: changed.snapshot,
    replacing: [changed.oldJobId, changed.newJobId],
    sofar: changed,
  });
  running.jobId = jobId;
  running.config = u.previous;
  return (await verify(u, jobId, submittedAt, changed.snapshot)).readiness;
}

/** A step of the way back; its failure is named, and ends the way back. */
async function attempt<T>(
  u: Upgrade,
  what: string,
  step: () => Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; failure: string }> {
  try {
    return { ok: true, value: await step() };
  } catch (error) {
    const failure = `${what}: ${failureText(error)}`;
    u.run.step('compensation failed', failure);
    return { ok: false, failure };
  }
}

async function rollbackFailed(
  u: Upgrade,
  changed: Changed & { newJobId: string },
  reason: string,
  why: string,
  rollbackJobId?: string,
): Promise<never> {
  const message = `upgrade of ${u.job.name} failed (${reason}) and the rollback failed too: ${why}. State is in ${changed.snapshot?.path}.`;
  await alert(u, changed, 'critical', 'upgrade and rollback failed', message);
  throw ApplicationFailure.nonRetryable(message, FAILURE.RollbackFailed, {
    snapshot: changed.snapshot,
    newJobId: changed.newJobId,
    rollbackJobId,
  });
}
