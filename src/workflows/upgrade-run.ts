import { condition, log, setHandler, workflowInfo } from '@temporalio/workflow';
import type { JobSpec, NamedCluster } from '../config/schema';
import type { OnCluster } from '../flink/target';
import {
  describeChanges,
  type JobConfig,
  type ListedJob,
  type PrecheckVerdict,
  type RestorePoint,
  type UpgradeMode,
  type UpgradePath,
  type UpgradeTimeouts,
} from '../policy/upgrade-plan';
import type { ReadinessVerdict } from '../policy/upgrade-readiness';
import { checkOutputSequence } from './activities';
import { tell } from './alerting';
import { failureText } from './failures';
import {
  approveSignal,
  cancelSignal,
  type ParsedUpgradeInput,
  type UpgradeResult,
  type UpgradeStatus,
  upgradeStatusQuery,
} from './upgrade-api';

/**
 * One upgrade run: its status and signals (UpgradeRun), the records its steps take and return
 * (Upgrade, OldJob, Running, Changed), and what it tells people (alerts, the result).
 */

/** What the workflow tells the status query, and the signals it listens to. */
export class UpgradeRun {
  status: UpgradeStatus;
  approval?: UpgradeResult['approval'];
  cancellation?: UpgradeResult['cancellation'];
  /** Set once the old job is touched: a cancel request after that is ignored. */
  committed = false;
  warnings: string[] = [];

  constructor(readonly input: ParsedUpgradeInput) {
    this.status = { phase: 'prechecking', mode: input.mode ?? 'savepoint', steps: [] };
    setHandler(upgradeStatusQuery, () => this.status);
    setHandler(approveSignal, (by) => {
      this.approval ??= { ...by, at: Date.now() };
      this.step('approved', by?.by ? `by ${by.by}` : undefined);
    });
    setHandler(cancelSignal, (by) => {
      if (this.committed) {
        this.warnings.push('a cancel request came after the old job was stopped; the upgrade ran to its end');
        return;
      }
      this.cancel({ by: by?.by, reason: by?.reason ?? 'cancelled by request' });
    });
  }

  cancel(c: { by?: string; reason: string }) {
    this.cancellation ??= { ...c, at: Date.now() };
  }

  phase(phase: UpgradeStatus['phase']) {
    this.status.phase = phase;
  }

  step(step: string, detail?: string) {
    this.status.steps.push({ at: Date.now(), step, detail });
    log.info(detail ? `${step}: ${detail}` : step);
  }
}

/** What every step of one upgrade knows from its start; none of it changes. */
export interface Upgrade {
  readonly run: UpgradeRun;
  readonly input: ParsedUpgradeInput;
  readonly cluster: NamedCluster;
  readonly job: JobSpec;
  readonly flink: OnCluster;
  readonly mode: UpgradeMode;
  /** What a rollback resubmits. */
  readonly previous: JobConfig;
  readonly target: JobConfig;
  readonly timeouts: UpgradeTimeouts;
}

export type Snapshot = NonNullable<UpgradeResult['snapshot']>;

/** The job to upgrade as last seen, and how it is stopped and restored. */
export interface OldJob {
  job?: ListedJob;
  /** last-state: its newest checkpoint or savepoint, as seen before it is cancelled. */
  restorePoint?: RestorePoint;
  path: UpgradePath;
}

/**
 * The job that runs now: told to the monitor when the lease is released, however the change
 * ends. The old job as last seen, then each job submitted.
 */
export interface Running {
  jobId?: string;
  config: JobConfig;
}

/** What the change did, as far as it got: the result and the alerts are written from it. */
export interface Changed {
  precheck: PrecheckVerdict;
  oldJobId?: string;
  newJobId?: string;
  /** The old job's state: the savepoint of the stop, or its newest checkpoint. */
  snapshot?: Snapshot;
  /** The new job's last readiness verdict. */
  readiness?: ReadinessVerdict;
  timings: UpgradeResult['timings'];
}

/**
 * A stop whose savepoint the REST view lost (a leader change) goes on from the job's newest
 * state on disk, and no job is submitted beside a live one of the same name. Upgrades recorded
 * before replay as they ran.
 */
export const UPGRADE_KEEPS_STATE = 'upgrade-keeps-state-one-live-job';

/** Flink's REST answers checkpoint statistics from a cache refreshed every web.refresh-interval (3 s). */
export const REST_CACHE_MS = 4_000;

export function snapshotOf(point: RestorePoint): Snapshot {
  return { kind: point.isSavepoint ? 'savepoint' : 'checkpoint', path: point.path };
}

/** With `requireApproval`: true once approved; false when cancelled or the approval timed out. */
export async function approved(run: UpgradeRun): Promise<boolean> {
  if (run.input.requireApproval) {
    run.phase('awaiting-approval');
    const answered = await condition(
      () => run.approval !== undefined || run.cancellation !== undefined,
      run.input.approvalTimeout ?? 24 * 3_600_000,
    );
    if (!answered) run.cancel({ reason: 'no approval before the approval timeout' });
  }
  return run.cancellation === undefined;
}

/** Tells the cluster's channels, naming the jobs and the state as far as the upgrade knows them. */
export async function alert(
  u: Upgrade,
  about: Pick<Changed, 'oldJobId' | 'newJobId' | 'snapshot'>,
  severity: 'info' | 'warning' | 'critical',
  verdict: string,
  summary: string,
  resolved = false,
): Promise<void> {
  const problem = await tell(u.cluster, {
    severity,
    job: u.job.name,
    verdict,
    title: `${u.cluster.name}/${u.job.name}: ${verdict}`,
    summary,
    details: [
      { label: 'Mode', value: u.mode },
      { label: 'Old job', value: about.oldJobId ?? '-' },
      { label: 'New job', value: about.newJobId ?? '-' },
      { label: 'State', value: about.snapshot?.path ?? '-' },
      ...describeChanges(u.previous, u.target).map((c) => ({ label: 'Change', value: c })),
    ],
    incidentKey: `upgrade:${u.cluster.name}:${u.job.name}:${workflowInfo().workflowId}`,
    resolved,
  });
  if (problem) u.run.warnings.push(problem);
}

/** For the sample job: the committed sequence has no gap and no duplicate. */
export async function checkSequence(u: Upgrade): Promise<UpgradeResult['sequence']> {
  const output = u.job.output;
  if (output?.sequenceColumn === undefined || output.container) return undefined;
  try {
    const report = await checkOutputSequence({ output });
    u.run.step(
      report.continuous ? 'output sequence continuous' : 'output sequence broken',
      `${report.rows} rows, ${report.first}..${report.last}, gaps ${JSON.stringify(report.gaps)}, duplicates ${JSON.stringify(report.duplicates)}`,
    );
    if (!report.continuous) u.run.warnings.push('the committed output sequence has gaps or duplicates');
    return report;
  } catch (error) {
    u.run.warnings.push(`the output sequence could not be checked: ${failureText(error)}`);
    return undefined;
  }
}

/**
 * The runbook's result. Its warnings and steps are the run's own lists, so what happens after
 * (the lease's release) still shows in it; the lease is filled in when released.
 */
export function resultOf(
  u: Upgrade,
  outcome: UpgradeResult['outcome'],
  headline: string,
  changed: Changed,
  runningJobId: string | undefined,
): UpgradeResult {
  u.run.phase('done');
  return {
    outcome,
    headline,
    cluster: u.cluster.name,
    job: u.job.name,
    mode: u.mode,
    changes: describeChanges(u.previous, u.target),
    from: { jobId: changed.oldJobId, config: u.previous },
    to: { jobId: changed.newJobId, config: u.target },
    runningJobId,
    snapshot: changed.snapshot,
    precheck: changed.precheck,
    readiness: changed.readiness,
    approval: u.run.approval,
    cancellation: u.run.cancellation,
    timings: changed.timings,
    lease: {},
    warnings: u.run.warnings,
    steps: u.run.status.steps,
  };
}
