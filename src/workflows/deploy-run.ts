import { ActivityFailure, ApplicationFailure, CancellationScope } from '@temporalio/workflow';
import type { JobSpec, NamedCluster } from '../config/schema';
import { type OnCluster, restTarget } from '../flink/target';
import type {
  DeployObservation,
  DeployPlan,
  DeployStep,
  DesiredDeployment,
  PrecheckProblem,
} from '../policy/deploy-plan';
import { DEPLOY_STEPS } from '../policy/deploy-plan';
import {
  type DeployOutcome,
  type DeployProgress,
  type DeployResult,
  headline,
  initialSteps,
  type StepReport,
} from '../policy/deploy-report';
import { ENDED_JOB_STATES } from '../policy/job-states';
import { FAILURE } from '../temporal/failure-types';
import { jobFailureCause, waitForJobState } from './activities';

/**
 * The state of one deploy run: what it observed and planned, the job ids it handled, and the
 * per-step progress the `progress` query returns. `step()` runs one step of the runbook and
 * records its status, summary, changes and duration.
 */

export interface DeployInput {
  cluster: string;
  job?: string;
  /** Inline cluster spec instead of the clusters file. */
  spec?: Record<string, unknown>;
  /** Return the plan (each step and what it would change) and change nothing. */
  dryRun?: boolean;
  /** Start the job from this savepoint (a URI as the JobManager sees it). */
  savepointPath?: string;
  /** Free disk the precheck requires at the storage paths, instead of storage.minFreeGb. */
  freeDiskGb?: number;
}

/** What a step returns: its value, and the line and changes it reports. */
export interface StepDone<T> {
  value: T;
  summary: string;
  changes?: string[];
  /** A dry run's precheck reports problems without failing the run. */
  failedWith?: string[];
}

/** A step failed on what it observed (not on an activity error); `evidence` says what that was. */
export class StepFailed extends Error {
  override name = 'StepFailed';
  constructor(
    message: string,
    readonly evidence: string[],
  ) {
    super(message);
  }
}

export const FAILURE_TYPES = {
  precheck: FAILURE.DeployPrecheckFailed,
  verify: FAILURE.DeployVerifyFailed,
  other: FAILURE.DeployStepFailed,
} as const;

/** Steps after which the cluster may have changed (every one after the precheck): a failure there is alerted. */
const CHANGING: ReadonlySet<DeployStep> = new Set(DEPLOY_STEPS.filter((step) => step !== 'precheck'));

export function newProgress(input: DeployInput): DeployProgress {
  return {
    cluster: input.cluster,
    job: input.job ?? '',
    dryRun: input.dryRun === true,
    state: 'running',
    steps: initialSteps(),
  };
}

export class DeployRun {
  readonly startedAt = Date.now();
  desired!: DesiredDeployment;
  observed!: DeployObservation;
  plan!: DeployPlan;
  problems: PrecheckProblem[] = [];
  jobId?: string;
  previousJobId?: string;
  /** The savepoint the old job was stopped with. */
  savepoint?: string;
  restoredFrom?: string;
  /** Workflow time the new job was submitted at. */
  submittedAt?: number;
  /** The maintenance lease, once taken: until when the monitor stands down. */
  leaseUntil?: number;
  monitorWorkflowId?: string;
  /** The step that failed, if one did. */
  failedStep?: DeployStep;

  constructor(
    readonly cluster: NamedCluster,
    readonly job: JobSpec,
    readonly input: DeployInput,
    readonly progress: DeployProgress,
  ) {
    progress.job = job.name;
  }

  /** The JobManager URLs and the cluster's REST access, for every REST activity. */
  get flink(): OnCluster {
    return restTarget(this.cluster);
  }

  /** What the current step is doing, for the progress query. */
  doing(what: string): void {
    this.progress.doing = what;
  }

  private report(name: DeployStep): StepReport {
    const found = this.progress.steps.find((s) => s.step === name);
    if (!found) throw new Error(`unknown step ${name}`);
    return found;
  }

  async step<T>(name: DeployStep, body: (run: DeployRun) => Promise<StepDone<T>>): Promise<T> {
    const report = this.report(name);
    Object.assign(report, { status: 'running', startedAt: Date.now() });
    this.progress.current = name;
    try {
      const done = await body(this);
      Object.assign(report, {
        status: done.failedWith ? 'failed' : 'done',
        summary: done.summary,
        changes: done.changes ?? [],
        evidence: done.failedWith,
        durationMs: Date.now() - (report.startedAt ?? Date.now()),
      });
      return done.value;
    } catch (error) {
      const { message, evidence } = describeFailure(error);
      Object.assign(report, {
        status: 'failed',
        summary: message,
        evidence,
        durationMs: Date.now() - (report.startedAt ?? Date.now()),
      });
      this.failedStep = name;
      throw error;
    } finally {
      this.progress.doing = undefined;
    }
  }

  /** A step with nothing to do in this run; `changes` is what it would do (a dry run). */
  skip(name: DeployStep, summary: string, changes: string[] = []): void {
    Object.assign(this.report(name), { status: 'skipped', summary, changes });
  }

  /** True when a step that may change the cluster has started. */
  get changedAnything(): boolean {
    return this.progress.steps.some(
      (s) => CHANGING.has(s.step) && s.status !== 'pending' && s.status !== 'skipped',
    );
  }

  result(outcome: DeployOutcome): DeployResult {
    this.progress.state = 'succeeded';
    this.progress.current = undefined;
    const partial: Omit<DeployResult, 'headline'> = {
      cluster: this.cluster.name,
      job: this.job.name,
      outcome,
      jobId: this.jobId,
      previousJobId: this.previousJobId,
      savepoint: this.savepoint,
      restoredFrom: this.restoredFrom,
      monitorWorkflowId: this.monitorWorkflowId,
      precheck: { passed: this.problems.length === 0, problems: this.problems },
      plan: this.plan,
      steps: this.progress.steps,
      totalMs: Date.now() - this.startedAt,
    };
    return { headline: headline(partial), ...partial };
  }

  /** The typed, non-retryable failure the workflow ends with, naming the step and the evidence. */
  failure(error: unknown): ApplicationFailure {
    this.progress.state = 'failed';
    const step = this.failedStep ?? this.progress.current ?? 'precheck';
    const { message, evidence } = describeFailure(error);
    const type =
      step === 'precheck'
        ? FAILURE_TYPES.precheck
        : step === 'verify'
          ? FAILURE_TYPES.verify
          : FAILURE_TYPES.other;
    const untold = evidence.filter((line) => !message.includes(line));
    const evidenceText = untold.length > 0 ? `: ${untold.join('; ')}` : '';
    const left = this.changedAnything
      ? ' The cluster is left as it is for inspection.'
      : ' Nothing was changed.';
    const savepoint = this.savepoint
      ? ` The old job ${this.previousJobId} was stopped with savepoint ${this.savepoint}.`
      : '';
    return ApplicationFailure.create({
      type,
      nonRetryable: true,
      message: `deploy of ${this.job.name} on ${this.cluster.name} failed at step "${step}": ${message}${evidenceText}.${left}${savepoint}`,
      details: [
        {
          step,
          evidence,
          jobId: this.jobId,
          previousJobId: this.previousJobId,
          savepoint: this.savepoint,
          steps: this.progress.steps,
        },
      ],
    });
  }
}

/** A failure's one-line message and the evidence lines behind it. */
export function describeFailure(error: unknown): { message: string; evidence: string[] } {
  if (error instanceof StepFailed) return { message: error.message, evidence: error.evidence };
  if (error instanceof ActivityFailure) {
    const cause = error.cause;
    const type = cause instanceof ApplicationFailure && cause.type ? `${cause.type}: ` : '';
    const line = `${error.activityType} failed: ${type}${cause?.message ?? error.message}`;
    return { message: line, evidence: [line] };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { message, evidence: [message] };
}

/**
 * Runs a wait (for a checkpoint, for output) but gives up at once when the job ends meanwhile,
 * failing with the job's state and root cause instead of waiting out the timeout.
 */
export async function unlessJobEnds<T>(
  run: DeployRun,
  jobId: string,
  timeoutMs: number,
  wait: () => Promise<T>,
): Promise<T> {
  const scope = new CancellationScope();
  try {
    return await scope.run(async () => {
      const waiting = wait();
      const ended = waitForJobState({
        ...run.flink,
        jobId,
        states: [...ENDED_JOB_STATES],
        timeoutMs: timeoutMs + 60_000,
      }).then(async ({ state }) => {
        const cause = await jobFailureCause({ ...run.flink, jobId });
        throw new StepFailed(`job ${jobId} is ${state}`, [
          `job ${jobId} is ${state}`,
          ...(cause.rootCause ? [`root cause: ${cause.rootCause}`] : []),
        ]);
      });
      waiting.catch(() => undefined);
      ended.catch(() => undefined);
      return await Promise.race([waiting, ended]);
    });
  } finally {
    scope.cancel();
  }
}
