import {
  DEPLOY_STEPS,
  type DeployPlan,
  type DeployStep,
  type PrecheckProblem,
  SEED_STEP,
} from './deploy-plan';

/**
 * Pure: what the deploy runbook tells a person while it runs (the `progress` query) and when it
 * is done (its result). Plain data, built by the workflow from its own state.
 */
export type StepStatus = 'pending' | 'running' | 'done' | 'skipped' | 'failed';

export interface StepReport {
  step: DeployStep;
  /** The seeds' name for the step. */
  seed: string;
  status: StepStatus;
  /** Workflow time, ms since the epoch. */
  startedAt?: number;
  durationMs?: number;
  /** One line: what the step found or did. */
  summary?: string;
  /** What the step changed; in a dry run, what it would change. */
  changes: string[];
  /** What was observed when the step failed. */
  evidence?: string[];
}

export interface DeployProgress {
  cluster: string;
  job: string;
  dryRun: boolean;
  state: 'running' | 'succeeded' | 'failed';
  current?: DeployStep;
  /** What the current step is doing right now, e.g. "waiting for 2 TaskManagers to register". */
  doing?: string;
  /** The job id the deploy submits (or found running) once it is known. */
  jobId?: string;
  steps: StepReport[];
  plan?: DeployPlan;
}

export type DeployOutcome = 'deployed' | 'unchanged' | 'dry-run';

export interface DeployResult {
  cluster: string;
  job: string;
  outcome: DeployOutcome;
  /** One line a person reads first. */
  headline: string;
  jobId?: string;
  previousJobId?: string;
  /** The savepoint the old job was stopped with. */
  savepoint?: string;
  /** What the new job was started from. */
  restoredFrom?: string;
  monitorWorkflowId?: string;
  precheck: { passed: boolean; problems: PrecheckProblem[] };
  plan?: DeployPlan;
  /** Every step with its status and duration. */
  steps: StepReport[];
  totalMs: number;
}

export function initialSteps(): StepReport[] {
  return DEPLOY_STEPS.map((step) => ({ step, seed: SEED_STEP[step], status: 'pending', changes: [] }));
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function counted(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** What a plan changes, in a few words: "create 5 containers, submit the job". */
export function planSummary(plan: DeployPlan): string {
  const by = (action: string) => plan.containers.filter((c) => c.action === action).length;
  const parts = [
    by('create') && `create ${counted(by('create'), 'container')}`,
    by('recreate') && `recreate ${counted(by('recreate'), 'container')}`,
    by('start') && `start ${counted(by('start'), 'stopped container')}`,
    by('remove') && `remove ${counted(by('remove'), 'container')}`,
    plan.directories.create.length &&
      `create ${counted(plan.directories.create.length, 'directory', 'directories')}`,
    plan.directories.empty.length && 'empty the old HA storage',
    plan.job.action === 'submit' && 'submit the job',
    plan.job.action === 'replace' &&
      `replace job ${plan.job.current?.jobId} (stop with a savepoint, submit anew)`,
  ].filter((p): p is string => typeof p === 'string' && p !== '');
  return parts.length > 0 ? parts.join(', ') : 'nothing';
}

export function headline(result: Omit<DeployResult, 'headline'>): string {
  const where = `${result.job} on ${result.cluster}`;
  if (result.outcome === 'dry-run') {
    if (!result.precheck.passed)
      return `dry run of ${where}: the precheck would fail (${result.precheck.problems.map((p) => p.message).join('; ')})`;
    return result.plan?.noop
      ? `dry run of ${where}: already deployed from this spec, nothing would change`
      : `dry run of ${where}: would ${result.plan ? planSummary(result.plan) : 'do nothing'}`;
  }
  if (result.outcome === 'unchanged')
    return `${where} is already deployed from this spec (job ${result.jobId} RUNNING, every container up to date): nothing changed; verified in ${seconds(result.totalMs)}`;
  const from = result.restoredFrom ? `, restored from ${result.restoredFrom}` : '';
  return `deployed ${where} as job ${result.jobId}${from} in ${seconds(result.totalMs)} (${result.plan ? planSummary(result.plan) : ''})`;
}

/** "precheck 1.2 s, stop-old-services skipped, ...": each step with its duration. */
export function stepTimings(steps: StepReport[]): string {
  return steps
    .map((s) =>
      s.status === 'done' || s.status === 'failed'
        ? `${s.step} ${s.status === 'failed' ? 'FAILED after ' : ''}${seconds(s.durationMs ?? 0)}`
        : `${s.step} ${s.status}`,
    )
    .join(', ');
}
