import { ActivityFailure, ApplicationFailure, sleep } from '@temporalio/workflow';
import type { JobSpec, NamedCluster } from '../config/schema';
import type { OnCluster } from '../flink/target';
import {
  evaluateReadiness,
  type ReadinessCriteria,
  type ReadinessObservation,
  type ReadinessVerdict,
  timedOut,
} from '../policy/upgrade-readiness';
import { FAILURE } from '../temporal/failure-types';
import { getJobState, observeCheckpoints, observeOutput, recentExceptions } from './activities';
import { failureText } from './failures';

/**
 * Steps shared by the upgrade and savepoint runbooks, each small enough to read at a glance.
 * Deterministic workflow code: only activities, timers and pure policy.
 */

/** The job a runbook acts on: the named one, or the only one when the cluster has one. */
export function jobOf(cluster: NamedCluster, name?: string): JobSpec {
  const wanted = name ?? (cluster.jobs.length === 1 ? cluster.jobs[0]?.name : undefined);
  const job = cluster.jobs.find((j) => j.name === wanted);
  if (!job) {
    throw ApplicationFailure.nonRetryable(
      `unknown job "${name ?? '(none given)'}" in cluster "${cluster.name}"; known jobs: ${cluster.jobs.map((j) => j.name).join(', ')}`,
      FAILURE.UnknownJob,
    );
  }
  return job;
}

/** Runs an activity, turning its failure into `undefined` plus the reason (for looks that may come up empty). */
async function attempt<T>(look: () => Promise<T>): Promise<{ value?: T; error?: string }> {
  try {
    return { value: await look() };
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    return { error: failureText(error) };
  }
}

/** One look at a freshly submitted job: state, checkpoints, exceptions, output. */
export async function lookAtNewJob(
  input: OnCluster & {
    jobId: string;
    job: JobSpec;
    submittedAt: number;
  },
): Promise<ReadinessObservation> {
  const { jobId, job } = input;
  const flink = { urls: input.urls, access: input.access };
  const [state, checkpoints, exceptions, output] = await Promise.all([
    attempt(() => getJobState({ ...flink, jobId })),
    attempt(() => observeCheckpoints({ ...flink, jobId })),
    // Only this job's own exceptions are in its history: everything there is new.
    attempt(() => recentExceptions({ ...flink, jobId, since: 0, max: 5 })),
    job.output
      ? attempt(() => observeOutput({ output: job.output as NonNullable<JobSpec['output']> }))
      : { value: undefined },
  ]);
  const cp = checkpoints.value;
  return {
    at: Date.now(),
    submittedAt: input.submittedAt,
    state: state.value,
    error: state.error,
    restoredFrom: cp?.restoredFrom && { id: cp.restoredFrom.id, path: cp.restoredFrom.path },
    latestCheckpoint: cp?.latestCompleted && {
      id: cp.latestCompleted.id,
      completedAt: cp.latestCompleted.completedAt,
    },
    exceptions: exceptions.value,
    newestOutputAt: output.value?.newestCommittedAt,
  };
}

/**
 * Looks at the new job every `intervalMs` until the readiness policy says ready or failed, or
 * the timeout turns "still waiting" into failed. `onLook` sees every verdict (status query).
 */
export async function waitUntilReady(
  input: OnCluster & {
    jobId: string;
    job: JobSpec;
    submittedAt: number;
    criteria: ReadinessCriteria;
    timeoutMs: number;
    intervalMs: number;
    onLook?: (verdict: ReadinessVerdict, observation: ReadinessObservation) => void;
  },
): Promise<ReadinessVerdict> {
  const deadline = Date.now() + input.timeoutMs;
  for (;;) {
    const observation = await lookAtNewJob(input);
    const verdict = evaluateReadiness(observation, input.criteria);
    input.onLook?.(verdict, observation);
    if (verdict.verdict !== 'waiting') return verdict;
    if (Date.now() >= deadline) return timedOut(verdict, input.timeoutMs);
    await sleep(input.intervalMs);
  }
}
