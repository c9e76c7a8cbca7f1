import { ActivityFailure, ApplicationFailure, sleep, uuid4, workflowInfo } from '@temporalio/workflow';
import type { Severity } from '../alerts/types';
import type { JobSpec, NamedCluster } from '../config/schema';
import type { OnCluster } from '../flink/target';
import {
  evaluateReadiness,
  type ReadinessCriteria,
  type ReadinessObservation,
  type ReadinessVerdict,
  timedOut,
} from '../policy/upgrade-readiness';
import {
  acquireMaintenanceLease,
  getJobState,
  observeCheckpoints,
  observeOutput,
  recentExceptions,
  releaseMaintenanceLease,
  sendAlert,
} from './maintenance-activities';
import type { LeaseRequest } from './monitor-api';

/**
 * Steps shared by the upgrade and savepoint runbooks, each small enough to read at a glance.
 * Deterministic workflow code: only activities, timers and pure policy.
 */

/** A Flink job id chosen by the workflow (uuid4 is replay-safe): the idempotency key of a submission. */
export function newFlinkJobId(): string {
  return uuid4().replace(/-/g, '');
}

/** The job a runbook acts on: the named one, or the only one when the cluster has one. */
export function jobOf(cluster: NamedCluster, name?: string): JobSpec {
  const wanted = name ?? (cluster.jobs.length === 1 ? cluster.jobs[0]?.name : undefined);
  const job = cluster.jobs.find((j) => j.name === wanted);
  if (!job) {
    throw ApplicationFailure.nonRetryable(
      `unknown job "${name ?? '(none given)'}" in cluster "${cluster.name}"; known jobs: ${cluster.jobs.map((j) => j.name).join(', ')}`,
      'UnknownJob',
    );
  }
  return job;
}

/** The message of an activity failure (its cause's), or of any error. */
export function failureText(error: unknown): string {
  if (error instanceof ActivityFailure && error.cause) return error.cause.message;
  return error instanceof Error ? error.message : String(error);
}

export function failureType(error: unknown): string | undefined {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
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

/** Tells the cluster's alert channels; a delivery problem is returned as a warning, never thrown. */
export async function tell(
  cluster: NamedCluster,
  alert: {
    severity: Severity;
    job: string;
    verdict: string;
    title: string;
    summary: string;
    details?: Array<{ label: string; value: string }>;
    action?: string;
    incidentKey: string;
    resolved?: boolean;
  },
): Promise<string | undefined> {
  if (cluster.alerts.length === 0) return undefined;
  const { namespace, workflowId, runId } = workflowInfo();
  try {
    const outcomes = await sendAlert({
      alert: { ...alert, cluster: cluster.name, at: Date.now(), workflow: { namespace, workflowId, runId } },
      channels: cluster.alerts,
    });
    const failed = outcomes.filter((o) => o.outcome === 'failed');
    return failed.length > 0
      ? `alert "${alert.title}" not delivered to ${failed.map((o) => `${o.channel} (${o.error})`).join(', ')}`
      : undefined;
  } catch (error) {
    return `alert "${alert.title}" not sent: ${failureText(error)}`;
  }
}

/**
 * Runs `body` while this workflow holds the job's maintenance lease: the monitor stands down (no
 * restart beside it), and an upgrade, drill or deploy holding the job refuses it (`LeaseHeld`).
 * The lease is released whatever happens; if that fails it expires by itself.
 */
export async function underLease<T>(
  cluster: NamedCluster,
  job: JobSpec,
  purpose: LeaseRequest['purpose'],
  ttlMs: number,
  body: () => Promise<T>,
): Promise<T> {
  const ref = { cluster: cluster.name, job: job.name, holder: workflowInfo().workflowId };
  await acquireMaintenanceLease({ ...ref, purpose, ttlMs });
  try {
    return await body();
  } finally {
    await releaseMaintenanceLease(ref).catch(() => undefined);
  }
}
