import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  patched,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { JobSpec, NamedCluster } from '../config/schema';
import { type OnCluster, restTarget } from '../flink/target';
import { beforeSubmit } from '../policy/one-live-job';
import {
  applyChanges,
  chooseUpgradePath,
  defaultTimeouts,
  deployedConfig,
  describeChanges,
  evaluatePrecheck,
  type JobConfig,
  type ListedJob,
  leaseTtlMs,
  type PrecheckVerdict,
  pickRunningJob,
  type RestorePoint,
  type UpgradeMode,
  type UpgradePath,
  type UpgradeTimeouts,
} from '../policy/upgrade-plan';
import type { ReadinessVerdict } from '../policy/upgrade-readiness';
import { SA } from '../shared';
import { probeJobManagers, resolveCluster } from './activities';
import { rejectBadInput } from './input';
import {
  acquireMaintenanceLease,
  checkOutputSequence,
  checkSavepointDir,
  inspectJar,
  latestRestorePoint,
  listJobs,
  planJob,
  releaseMaintenanceLease,
  submitJob,
} from './maintenance-activities';
import { failureText, jobOf, newFlinkJobId, tell, waitUntilReady } from './maintenance-steps';
import { type UpgradeInput, type UpgradeResult, upgradeInputSchema } from './upgrade-api';
import { type Compensation, cancelNewJob, restorePrevious, rollBack } from './upgrade-rollback';
import { NotHealthy, type Snapshot, UPGRADE_KEEPS_STATE, UpgradeRun } from './upgrade-run';
import { stopOldJob } from './upgrade-stop';

/**
 * The seeds' upgrade procedure (savepoint, cancel, rebuild, redeploy, restore), made atomic,
 * verified and reversible:
 *
 *   precheck → [approval] → take the maintenance lease → stop the old job keeping its state →
 *   submit the new job from that state → verify it → (not healthy: cancel it, resubmit the previous
 *   job from the same state, alert) → release the lease, naming the job that now runs.
 *
 * The stop is in upgrade-stop.ts (a stop the leader lost goes on from the state on disk), the way
 * back in upgrade-rollback.ts; before each submit the leader is asked for live jobs of the name.
 *
 * Start it from the UI with {"cluster": "realtime-pipeline", "jar": "/path/to/new.jar"}.
 */
export async function upgrade(raw: UpgradeInput): Promise<UpgradeResult> {
  rejectBadInput(upgradeInputSchema, raw);
  const input = upgradeInputSchema.parse(raw);
  const run = new UpgradeRun(input);
  upsertSearchAttributes([
    { key: SA.cluster, value: input.cluster },
    { key: SA.runbook, value: 'upgrade' },
  ]);

  const cluster = await resolveCluster(input);
  const job = jobOf(cluster, input.job);
  upsertSearchAttributes([{ key: SA.job, value: job.name }]);
  const previous = applyChanges(deployedConfig(job), input.previous ?? {});
  const target = applyChanges(previous, input);
  const timeouts = defaultTimeouts(job.checkpoints, {
    savepointMs: input.savepointTimeout,
    readinessMs: input.readinessTimeout,
    readinessIntervalMs: input.readinessInterval,
  });
  const upgrade = new Upgrade(run, cluster, job, previous, target, timeouts);

  run.phase('prechecking');
  const precheck = await upgrade.precheck();
  if (!precheck.ok) {
    throw ApplicationFailure.nonRetryable(
      `precheck failed, nothing was changed: ${precheck.problems.join('; ')}`,
      'PrecheckFailed',
      precheck,
    );
  }

  if (input.requireApproval) {
    run.phase('awaiting-approval');
    const approved = await condition(
      () => run.approval !== undefined || run.cancellation !== undefined,
      input.approvalTimeout ?? 24 * 3_600_000,
    );
    if (!approved) run.cancel({ reason: 'no approval before the approval timeout' });
  }
  if (run.cancellation) return upgrade.cancelled();

  // From here on the job changes: a cancel request can no longer leave it half done.
  return CancellationScope.nonCancellable(() => upgrade.underLease(() => upgrade.change()));
}

export class Upgrade {
  readonly flink: OnCluster;
  readonly mode: UpgradeMode;
  oldJob?: ListedJob;
  /** last-state: the old job's newest checkpoint or savepoint, as seen before it was cancelled. */
  restorePoint?: RestorePoint;
  path?: UpgradePath;
  precheckVerdict?: PrecheckVerdict;
  snapshot?: Snapshot;
  newJobId?: string;
  /** The job that runs now, told to the monitor when the lease is released. */
  runningJobId?: string;
  /** What the running job was submitted with, for the monitor's restarts. */
  runningConfig?: JobConfig;
  timings: UpgradeResult['timings'] = {};
  lease: UpgradeResult['lease'] = {};
  readiness?: ReadinessVerdict;

  constructor(
    readonly run: UpgradeRun,
    readonly cluster: NamedCluster,
    readonly job: JobSpec,
    readonly previous: JobConfig,
    readonly target: JobConfig,
    readonly timeouts: UpgradeTimeouts,
  ) {
    this.flink = restTarget(cluster);
    this.mode = run.input.mode ?? 'savepoint';
  }

  /** The new jar, the savepoint directory, the cluster, and how the old job can be stopped. Changes nothing. */
  async precheck(): Promise<PrecheckVerdict> {
    await this.findOldJob();
    const [jobManagers, jar, savepointDir] = await Promise.all([
      probeJobManagers(this.cluster.jobManagers, this.cluster.rest),
      inspectJar({ jar: this.target.jar, entryClass: this.target.entryClass }),
      checkSavepointDir({
        savepointDir: this.job.savepointDir,
        volumes: this.cluster.volumes,
        containers: this.cluster.jobManagers.map((jm) => jm.container),
      }),
    ]);
    const plan = jar.hasEntryClass ? await planJob({ ...this.flink, ...this.target }) : undefined;
    const verdict = evaluatePrecheck({
      jobManagers,
      expectedTaskManagers: this.cluster.taskManagers.containers.length,
      jar,
      plan,
      savepointDir,
      path: this.path as UpgradePath,
      parallelism: this.target.parallelism,
    });
    this.precheckVerdict = verdict;
    this.run.step(
      verdict.ok ? 'precheck passed' : 'precheck failed',
      [...verdict.problems, ...verdict.notes, verdict.ok && this.path?.ok ? this.path.summary : '']
        .filter(Boolean)
        .join('; '),
    );
    return verdict;
  }

  /** Finds the job to upgrade and decides how it is stopped and restored. */
  private async findOldJob(): Promise<void> {
    const picked = pickRunningJob(await listJobs(this.flink), this.job.name, this.run.input.jobId);
    this.oldJob = picked.job;
    this.run.status.oldJobId = picked.job?.jobId;
    const restore =
      this.mode === 'last-state' && picked.job
        ? await latestRestorePoint({ ...this.flink, jobId: picked.job.jobId })
        : {};
    this.restorePoint = restore.restorePoint;
    this.path =
      !picked.job && this.mode !== 'stateless'
        ? { ok: false, reason: picked.problem ?? 'no job' }
        : chooseUpgradePath({ mode: this.mode, job: picked.job, ...restore });
  }

  async underLease(change: () => Promise<UpgradeResult>): Promise<UpgradeResult> {
    const holder = workflowInfo().workflowId;
    const ref = { cluster: this.cluster.name, job: this.job.name };
    const grant = await acquireMaintenanceLease({
      ...ref,
      holder,
      purpose: 'upgrade',
      ttlMs: leaseTtlMs(this.timeouts),
    });
    this.lease.monitor = grant.monitor;
    this.run.step(
      'maintenance lease taken',
      grant.monitor === 'running' ? 'the monitor stands down' : 'no monitor runs',
    );
    this.runningJobId = this.oldJob?.jobId;
    this.runningConfig = this.previous;
    try {
      return await change();
    } finally {
      try {
        const released = await releaseMaintenanceLease({
          ...ref,
          holder,
          jobId: this.runningJobId,
          submission: this.runningConfig,
        });
        this.lease.released = released.released;
        this.run.step(
          'maintenance lease released',
          this.runningJobId && `the monitor watches ${this.runningJobId}`,
        );
      } catch (error) {
        this.lease.error = failureText(error);
        this.run.warnings.push(`the lease could not be released (it expires by itself): ${this.lease.error}`);
      }
    }
  }

  /** Stop → submit → verify, rolling back when the new job is not healthy. */
  async change(): Promise<UpgradeResult> {
    await this.findOldJob(); // again: the monitor may have restarted the job while we waited
    const path = this.path as UpgradePath;
    if (!path.ok) {
      throw ApplicationFailure.nonRetryable(`nothing was changed: ${path.reason}`, 'PrecheckFailed');
    }
    const compensations: Compensation[] = [];

    await this.stopTheOldJob(path, compensations);
    const newJobId = this.chooseNewJobId(compensations);
    try {
      await this.startAndVerify(newJobId, path.restore === 'none' ? undefined : this.snapshot);
    } catch (error) {
      return this.rollBackOrFail(error, compensations);
    }
    return this.upgraded(newJobId);
  }

  /** Once the old job is stopped its state is in the snapshot, and a way back is to resubmit it. */
  private async stopTheOldJob(path: Extract<UpgradePath, { ok: true }>, compensations: Compensation[]) {
    this.run.phase('stopping');
    this.run.committed = true;
    await stopOldJob(this, path);
    if (this.oldJob)
      compensations.unshift({ what: 'resubmit the previous job', run: () => restorePrevious(this) });
  }

  /** The new job's id, and its cancel pushed before the submission: a submit that timed out may still have started it. */
  private chooseNewJobId(compensations: Compensation[]): string {
    this.run.phase('submitting');
    const newJobId = newFlinkJobId();
    this.newJobId = newJobId;
    this.run.status.newJobId = newJobId;
    if (this.oldJob)
      compensations.unshift({ what: `cancel the new job ${newJobId}`, run: () => cancelNewJob(this) });
    return newJobId;
  }

  /** Submits the new job from the snapshot and waits until it is ready; throws NotHealthy otherwise. */
  private async startAndVerify(newJobId: string, from?: Snapshot): Promise<void> {
    const submittedAt = await this.submit(newJobId, this.target, from);
    this.runningJobId = newJobId;
    this.runningConfig = this.target;

    this.run.phase('verifying');
    const readiness = await this.verify(newJobId, submittedAt, from);
    this.readiness = readiness;
    if (readiness.verdict !== 'ready') throw new NotHealthy(readiness);
  }

  private async rollBackOrFail(error: unknown, compensations: Compensation[]): Promise<UpgradeResult> {
    if (!(error instanceof NotHealthy) && !(error instanceof ActivityFailure)) throw error;
    const reason = failureText(error);
    if (compensations.length === 0) {
      await this.alert('critical', 'new job not healthy, nothing to roll back to', reason);
      throw ApplicationFailure.nonRetryable(`the new job is not healthy: ${reason}`, 'UpgradeFailed');
    }
    return rollBack(this, reason, compensations);
  }

  private async upgraded(newJobId: string): Promise<UpgradeResult> {
    const sequence = await this.checkSequence();
    const result = this.result(
      'upgraded',
      `upgraded ${this.job.name}: job ${newJobId} runs ${this.target.jar}`,
    );
    result.sequence = sequence;
    await this.alert('info', 'upgraded', result.headline, true);
    return result;
  }

  /** Submits under a workflow-chosen id; returns the workflow time just before. */
  async submit(jobId: string, config: JobConfig, from?: Snapshot): Promise<number> {
    const submittedAt = Date.now();
    this.timings.submittedAt ??= submittedAt;
    if (patched(UPGRADE_KEEPS_STATE) && (await this.adoptedOrRefused(jobId, from))) return submittedAt;
    const submitted = await submitJob({
      ...this.flink,
      jobId,
      ...config,
      savepointPath: from?.path,
      allowNonRestoredState: this.run.input.allowNonRestoredState,
    });
    this.run.step(
      'job submitted',
      `${jobId} from ${config.jar}${from ? ` restoring ${from.path}` : ' without state'}${submitted.alreadySubmitted ? ' (found already submitted)' : ''}`,
    );
    return submittedAt;
  }

  /**
   * One live job per name: true when the job is already there (a submit of ours that went
   * through); a stray job of the name fails the upgrade, naming where the state is.
   */
  async adoptedOrRefused(jobId: string, from?: Snapshot): Promise<boolean> {
    const decision = beforeSubmit({
      jobs: await listJobs(this.flink),
      name: this.job.name,
      jobId,
      replacing: [this.oldJob?.jobId, this.newJobId === jobId ? undefined : this.newJobId].filter(
        (id): id is string => id !== undefined,
      ),
    });
    if (decision.action === 'submit') return false;
    if (decision.action === 'adopt') {
      this.run.step('job found already submitted', decision.reason);
      return true;
    }
    const message = `${decision.reason}. Job ${jobId} was not submitted; the state to resume from is ${from?.path ?? this.snapshot?.path ?? 'none'}.`;
    this.run.step('refused to submit beside a stray job', message);
    await this.alert('critical', 'a stray job of the same name runs', message);
    throw ApplicationFailure.nonRetryable(message, 'StrayJob', {
      strays: decision.strays.map((j) => j.jobId),
      snapshot: from ?? this.snapshot,
    });
  }

  /** RUNNING, a checkpoint completed, output resumed: within the readiness timeout. */
  async verify(jobId: string, submittedAt: number, from?: Snapshot): Promise<ReadinessVerdict> {
    const verdict = await waitUntilReady({
      ...this.flink,
      jobId,
      job: this.job,
      submittedAt,
      criteria: { expectOutput: this.job.output !== undefined, expectRestoredFrom: from?.path },
      timeoutMs: this.timeouts.readinessMs,
      intervalMs: this.timeouts.readinessIntervalMs,
      onLook: (v, o) => {
        this.run.status.readiness = v;
        if (o.state === 'RUNNING' && jobId === this.newJobId) this.timings.runningAt ??= o.at;
      },
    });
    if (jobId === this.newJobId && verdict.verdict === 'ready') {
      this.timings.readyAt = Date.now();
      if (this.timings.runningAt && this.timings.stopRequestedAt)
        this.timings.downtimeMs = this.timings.runningAt - this.timings.stopRequestedAt;
    }
    this.run.step(`job ${jobId} ${verdict.verdict}`, verdict.reasons.join('; '));
    return verdict;
  }

  rollbackJobId?: string;
  rollbackReadiness?: ReadinessVerdict;

  /** For the sample job: the committed sequence has no gap and no duplicate. */
  async checkSequence(): Promise<UpgradeResult['sequence']> {
    const output = this.job.output;
    if (output?.sequenceColumn === undefined || output.container) return undefined;
    try {
      const report = await checkOutputSequence({ output });
      this.run.step(
        report.continuous ? 'output sequence continuous' : 'output sequence broken',
        `${report.rows} rows, ${report.first}..${report.last}, gaps ${JSON.stringify(report.gaps)}, duplicates ${JSON.stringify(report.duplicates)}`,
      );
      if (!report.continuous) this.run.warnings.push('the committed output sequence has gaps or duplicates');
      return report;
    } catch (error) {
      this.run.warnings.push(`the output sequence could not be checked: ${failureText(error)}`);
      return undefined;
    }
  }

  cancelled(): UpgradeResult {
    const c = this.run.cancellation;
    this.run.step('cancelled before any change', c?.reason);
    return this.result('cancelled', `upgrade of ${this.job.name} cancelled before any change: ${c?.reason}`);
  }

  async alert(severity: 'info' | 'warning' | 'critical', verdict: string, summary: string, resolved = false) {
    const problem = await tell(this.cluster, {
      severity,
      job: this.job.name,
      verdict,
      title: `${this.cluster.name}/${this.job.name}: ${verdict}`,
      summary,
      details: [
        { label: 'Mode', value: this.mode },
        { label: 'Old job', value: this.oldJob?.jobId ?? '-' },
        { label: 'New job', value: this.newJobId ?? '-' },
        { label: 'State', value: this.snapshot?.path ?? '-' },
        ...describeChanges(this.previous, this.target).map((c) => ({ label: 'Change', value: c })),
      ],
      incidentKey: `upgrade:${this.cluster.name}:${this.job.name}:${workflowInfo().workflowId}`,
      resolved,
    });
    if (problem) this.run.warnings.push(problem);
  }

  result(outcome: UpgradeResult['outcome'], headline: string): UpgradeResult {
    this.run.phase('done');
    return {
      outcome,
      headline,
      cluster: this.cluster.name,
      job: this.job.name,
      mode: this.mode,
      changes: describeChanges(this.previous, this.target),
      from: { jobId: this.oldJob?.jobId, config: this.previous },
      to: { jobId: outcome === 'cancelled' ? undefined : this.newJobId, config: this.target },
      runningJobId: outcome === 'cancelled' ? this.oldJob?.jobId : this.runningJobId,
      snapshot: this.snapshot,
      precheck: this.precheckVerdict,
      readiness: this.readiness,
      approval: this.run.approval,
      cancellation: this.run.cancellation,
      timings: this.timings,
      lease: this.lease,
      warnings: this.run.warnings,
      steps: this.run.status.steps,
    };
  }
}
