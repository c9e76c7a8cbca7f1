import { ActivityFailure, ApplicationFailure, patched } from '@temporalio/workflow';
import { beforeSubmit } from '../policy/one-live-job';
import type { JobConfig } from '../policy/upgrade-plan';
import type { ReadinessVerdict } from '../policy/upgrade-readiness';
import { FAILURE } from '../temporal/failure-types';
import { listJobs, submitJob } from './activities';
import { failureText } from './failures';
import { waitUntilReady } from './maintenance-steps';
import {
  alert,
  type Changed,
  type Running,
  type Snapshot,
  UPGRADE_KEEPS_STATE,
  type Upgrade,
} from './upgrade-run';

/**
 * Starting a job of the upgrade (the new version, or the previous one on the way back): submit
 * it under an id the workflow chose, never beside another live job of the name, and verify it.
 */

export interface Submission {
  jobId: string;
  config: JobConfig;
  /** The state it starts from; none for a start without state. */
  from?: Snapshot;
  /** Jobs this one replaces (stopped or ending): not strays. */
  replacing: string[];
  /** What the upgrade did so far, for the alert about a stray job. */
  sofar: Pick<Changed, 'oldJobId' | 'newJobId' | 'snapshot'>;
}

export type Started =
  | { healthy: true; submittedAt: number; runningAt?: number; readyAt: number; readiness: ReadinessVerdict }
  | { healthy: false; reason: string; submittedAt: number; runningAt?: number; readiness?: ReadinessVerdict };

/**
 * Submits the new version and waits until it is ready. Not healthy: its readiness verdict, or an
 * activity that failed for good (a refused submit) — both reasons to roll back.
 */
export async function startNewJob(u: Upgrade, s: Submission, running: Running): Promise<Started> {
  const submittedAt = Date.now();
  try {
    await submit(u, s);
    running.jobId = s.jobId;
    running.config = s.config;

    u.run.phase('verifying');
    const { readiness, runningAt } = await verify(u, s.jobId, submittedAt, s.from);
    if (readiness.verdict !== 'ready')
      return { healthy: false, reason: readiness.reasons.join('; '), submittedAt, runningAt, readiness };
    return { healthy: true, submittedAt, runningAt, readyAt: Date.now(), readiness };
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    return { healthy: false, reason: failureText(error), submittedAt };
  }
}

/** Submits under the workflow-chosen id; a retry finds the job already there. */
export async function submit(u: Upgrade, s: Submission): Promise<void> {
  if (patched(UPGRADE_KEEPS_STATE) && (await adoptedOrRefused(u, s))) return;
  const submitted = await submitJob({
    ...u.flink,
    jobId: s.jobId,
    ...s.config,
    savepointPath: s.from?.path,
    allowNonRestoredState: u.input.allowNonRestoredState,
  });
  u.run.step(
    'job submitted',
    `${s.jobId} from ${s.config.jar}${s.from ? ` restoring ${s.from.path}` : ' without state'}${submitted.alreadySubmitted ? ' (found already submitted)' : ''}`,
  );
}

/**
 * One live job per name: true when the job is already there (a submit of ours that went
 * through); a stray job of the name fails the upgrade, naming where the state is.
 */
async function adoptedOrRefused(u: Upgrade, s: Submission): Promise<boolean> {
  const decision = beforeSubmit({
    jobs: await listJobs(u.flink),
    name: u.job.name,
    jobId: s.jobId,
    replacing: s.replacing,
  });
  if (decision.action === 'submit') return false;
  if (decision.action === 'adopt') {
    u.run.step('job found already submitted', decision.reason);
    return true;
  }
  const state = s.from ?? s.sofar.snapshot;
  const message = `${decision.reason}. Job ${s.jobId} was not submitted; the state to resume from is ${state?.path ?? 'none'}.`;
  u.run.step('refused to submit beside a stray job', message);
  await alert(u, s.sofar, 'critical', 'a stray job of the same name runs', message);
  throw ApplicationFailure.nonRetryable(message, FAILURE.StrayJob, {
    strays: decision.strays.map((j) => j.jobId),
    snapshot: state,
  });
}

/** RUNNING, a checkpoint completed, output resumed: within the readiness timeout. */
export async function verify(
  u: Upgrade,
  jobId: string,
  submittedAt: number,
  from?: Snapshot,
): Promise<{ readiness: ReadinessVerdict; runningAt?: number }> {
  let runningAt: number | undefined;
  const readiness = await waitUntilReady({
    ...u.flink,
    jobId,
    job: u.job,
    submittedAt,
    criteria: { expectOutput: u.job.output !== undefined, expectRestoredFrom: from?.path },
    timeoutMs: u.timeouts.readinessMs,
    intervalMs: u.timeouts.readinessIntervalMs,
    onLook: (verdict, observation) => {
      u.run.status.readiness = verdict;
      if (observation.state === 'RUNNING') runningAt ??= observation.at;
    },
  });
  u.run.step(`job ${jobId} ${readiness.verdict}`, readiness.reasons.join('; '));
  return { readiness, runningAt };
}
