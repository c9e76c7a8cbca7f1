import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  log,
  patched,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { JobSpec, NamedCluster } from '../config/schema';
import { type OnCluster, restTarget } from '../flink/target';
import { haRecoveryWindowMs } from '../policy/ha-recovery';
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
  TERMINAL_STATES,
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
  cancelJob,
  checkOutputSequence,
  checkSavepointDir,
  findStateOnDisk,
  getJobState,
  inspectJar,
  latestRestorePoint,
  listJobs,
  planJob,
  releaseMaintenanceLease,
  stopWithSavepoint,
  submitJob,
  waits,
} from './maintenance-activities';
import { failureText, jobOf, newFlinkJobId, tell, waitUntilReady } from './maintenance-steps';
import {
  approveSignal,
  cancelSignal,
  type ParsedUpgradeInput,
  type UpgradeInput,
  type UpgradeResult,
  type UpgradeStatus,
  upgradeInputSchema,
  upgradeStatusQuery,
} from './upgrade-api';

/**
 * The seeds' upgrade procedure (savepoint, cancel, rebuild, redeploy, restore), made atomic,
 * verified and reversible:
 *
 *   precheck → [approval] → take the maintenance lease → stop the old job keeping its state →
 *   submit the new job from that state → verify it → (not healthy: cancel it, resubmit the previous
 *   job from the same state, alert) → release the lease, naming the job that now runs.
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

/** What the workflow tells the status query, and the signals it listens to. */
class UpgradeRun {
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

type Snapshot = NonNullable<UpgradeResult['snapshot']>;

/**
 * A stop whose savepoint the REST view lost (a leader change) goes on from the job's newest
 * state on disk, and no job is submitted beside a live one of the same name. Upgrades recorded
 * before replay as they ran.
 */
const UPGRADE_KEEPS_STATE = 'upgrade-keeps-state-one-live-job';

/** Flink's REST answers checkpoint statistics from a cache refreshed every web.refresh-interval (3 s). */
const REST_CACHE_MS = 4_000;

/** Marks the new job as not healthy; caught to roll back. */
class NotHealthy extends Error {
  constructor(readonly readiness: ReadinessVerdict) {
    super(readiness.reasons.join('; '));
  }
}

class Upgrade {
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
    const compensations: Array<{ what: string; run: () => Promise<void> }> = [];

    this.run.phase('stopping');
    this.run.committed = true;
    await this.stopOldJob(path);
    if (this.oldJob)
      compensations.unshift({ what: 'resubmit the previous job', run: () => this.restorePrevious() });

    this.run.phase('submitting');
    const newJobId = newFlinkJobId();
    this.newJobId = newJobId;
    this.run.status.newJobId = newJobId;
    // Pushed before the submission: a submit that timed out may still have started the job.
    if (this.oldJob)
      compensations.unshift({ what: `cancel the new job ${newJobId}`, run: () => this.cancelNewJob() });
    const from = path.restore === 'none' ? undefined : this.snapshot;
    try {
      const submittedAt = await this.submit(newJobId, this.target, from);
      this.runningJobId = newJobId;
      this.runningConfig = this.target;

      this.run.phase('verifying');
      const readiness = await this.verify(newJobId, submittedAt, from);
      this.readiness = readiness;
      if (readiness.verdict !== 'ready') throw new NotHealthy(readiness);
    } catch (error) {
      if (!(error instanceof NotHealthy) && !(error instanceof ActivityFailure)) throw error;
      const reason = failureText(error);
      if (compensations.length === 0) {
        await this.alert('critical', 'new job not healthy, nothing to roll back to', reason);
        throw ApplicationFailure.nonRetryable(`the new job is not healthy: ${reason}`, 'UpgradeFailed');
      }
      return this.rollBack(reason, compensations);
    }
    const sequence = await this.checkSequence();
    const result = this.result(
      'upgraded',
      `upgraded ${this.job.name}: job ${newJobId} runs ${this.target.jar}`,
    );
    result.sequence = sequence;
    await this.alert('info', 'upgraded', result.headline, true);
    return result;
  }

  /** Savepoint and stateless: stop-with-savepoint. last-state: cancel, then its newest checkpoint. */
  private async stopOldJob(path: Extract<UpgradePath, { ok: true }>): Promise<void> {
    const old = this.oldJob;
    if (!old) return;
    this.timings.stopRequestedAt = Date.now();
    if (path.stop === 'stop-with-savepoint') {
      this.snapshot = await this.stopWithSavepoint(old.jobId);
    } else {
      if (path.stop === 'cancel') {
        await cancelJob({ ...this.flink, jobId: old.jobId, stateSafeIn: 'checkpoint' });
        this.run.step('old job cancelled', old.jobId);
        await waits(60_000).waitForJobState({
          ...this.flink,
          jobId: old.jobId,
          states: ['CANCELED', 'FAILED', 'FINISHED'],
          timeoutMs: 60_000,
        });
      }
      // Read again now that the job has ended, so no later checkpoint can complete any more, and
      // after Flink's REST cache of checkpoint statistics (web.refresh-interval, 3 s) has expired.
      await sleep(REST_CACHE_MS);
      const { restorePoint } = await latestRestorePoint({ ...this.flink, jobId: old.jobId });
      const newest = [restorePoint, this.restorePoint]
        .filter((p): p is RestorePoint => p !== undefined)
        .sort((a, b) => b.id - a.id)[0];
      if (!newest)
        throw ApplicationFailure.nonRetryable(`job ${old.jobId} left no checkpoint`, 'NoRestorePoint');
      this.snapshot = snapshotOf(newest);
    }
    this.timings.oldJobStoppedAt = Date.now();
    this.run.status.snapshot = this.snapshot?.path;
    this.run.step('old job stopped', `${old.jobId}; state in ${this.snapshot?.kind} ${this.snapshot?.path}`);
  }

  /**
   * On timeout or failure the old job keeps running and the workflow fails, saying so. A job the
   * cluster no longer knows (a leader change) goes on from its newest complete state on disk.
   */
  private async stopWithSavepoint(jobId: string): Promise<Snapshot> {
    const triggerId = newFlinkJobId();
    const timeoutMs = this.timeouts.savepointMs;
    try {
      this.run.step('stop-with-savepoint', `job ${jobId}, triggerId ${triggerId}`);
      await stopWithSavepoint({
        ...this.flink,
        jobId,
        targetDirectory: this.job.savepointDir,
        triggerId,
        drain: this.run.input.drain,
      });
      const { location } = await waits(timeoutMs).waitForSavepoint({
        ...this.flink,
        jobId,
        triggerId,
        timeoutMs,
      });
      await waits(60_000).waitForJobState({
        ...this.flink,
        jobId,
        states: ['FINISHED', 'CANCELED', 'FAILED'],
        timeoutMs: 60_000,
      });
      return { kind: 'savepoint', path: location };
    } catch (error) {
      let state = await getJobState({ ...this.flink, jobId }).catch(() => 'unknown');
      const reason = failureText(error);
      if (state !== 'RUNNING' && patched(UPGRADE_KEEPS_STATE)) {
        state = await this.waitForHaRecovery(jobId, state);
        const found = state === 'RUNNING' ? undefined : await this.stateOnDisk(jobId, reason);
        if (found) return found;
      }
      const unchanged = state === 'RUNNING';
      const message = unchanged
        ? `stop-with-savepoint of job ${jobId} failed: ${reason}. The job is still RUNNING; nothing was changed.`
        : `stop-with-savepoint of job ${jobId} failed: ${reason}. The job is now ${state}: check it.`;
      this.run.step('stop-with-savepoint failed', message);
      await this.alert(unchanged ? 'warning' : 'critical', 'upgrade stopped: savepoint failed', message);
      throw ApplicationFailure.nonRetryable(message, 'SavepointFailed', { jobId, state, triggerId });
    }
  }

  /** A job the cluster does not know right after a leader change may be recovered from HA storage. */
  private async waitForHaRecovery(jobId: string, state: string): Promise<string> {
    if (state !== 'MISSING') return state;
    let windowMs: number;
    try {
      windowMs = haRecoveryWindowMs(this.cluster);
    } catch (error) {
      this.run.warnings.push(`${failureText(error)}; waiting as for Flink's default session timeout`);
      windowMs = haRecoveryWindowMs({ flinkConfig: {}, jobManagers: [] });
    }
    this.run.step(
      'waiting for HA job recovery',
      `job ${jobId} is unknown to the cluster; waiting up to ${Math.round(windowMs / 1000)} s`,
    );
    const seen = await waits(windowMs)
      .waitForJobState({
        ...this.flink,
        jobId,
        states: ['RUNNING', 'FINISHED', 'CANCELED', 'FAILED'],
        timeoutMs: windowMs,
      })
      .catch(() => undefined);
    return seen?.state ?? 'MISSING';
  }

  /** The old job's newest complete savepoint or retained checkpoint on disk, if any. */
  private async stateOnDisk(jobId: string, reason: string): Promise<Snapshot | undefined> {
    const found = await findStateOnDisk({
      jobId,
      savepointDir: this.job.savepointDir,
      checkpointDir: this.job.checkpointDir,
      volumes: this.cluster.volumes,
    }).catch(() => undefined);
    if (!found?.state) return undefined;
    this.run.step('state found on disk', `${found.state.why}: ${found.state.uri}`);
    this.run.warnings.push(
      `the stop of job ${jobId} lost its REST view (${reason}); the upgrade went on from ${found.state.uri}`,
    );
    return { kind: found.state.kind, path: found.state.uri };
  }

  /** Submits under a workflow-chosen id; returns the workflow time just before. */
  private async submit(jobId: string, config: JobConfig, from?: Snapshot): Promise<number> {
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
  private async adoptedOrRefused(jobId: string, from?: Snapshot): Promise<boolean> {
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
  private async verify(jobId: string, submittedAt: number, from?: Snapshot): Promise<ReadinessVerdict> {
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

  private async cancelNewJob(): Promise<void> {
    const jobId = this.newJobId as string;
    const state = await getJobState({ ...this.flink, jobId });
    if (state === 'MISSING' || TERMINAL_STATES.has(state)) {
      this.run.step('new job already ended', `${jobId} is ${state}`);
      return;
    }
    await cancelJob({
      ...this.flink,
      jobId,
      // Its state does not matter: the previous job goes back to the snapshot taken from the old one.
      stateSafeIn: this.snapshot ? { savepoint: this.snapshot.path } : 'checkpoint',
    });
    await waits(60_000).waitForJobState({
      ...this.flink,
      jobId,
      states: ['CANCELED', 'FAILED', 'FINISHED'],
      timeoutMs: 60_000,
    });
    this.run.step('new job cancelled', jobId);
  }

  private rollbackJobId?: string;
  private rollbackReadiness?: ReadinessVerdict;

  private async restorePrevious(): Promise<void> {
    const jobId = newFlinkJobId();
    this.rollbackJobId = jobId;
    const submittedAt = await this.submit(jobId, this.previous, this.snapshot);
    this.runningJobId = jobId;
    this.runningConfig = this.previous;
    this.rollbackReadiness = await this.verify(jobId, submittedAt, this.snapshot);
  }

  private async rollBack(
    reason: string,
    compensations: Array<{ what: string; run: () => Promise<void> }>,
  ): Promise<UpgradeResult> {
    this.run.phase('rolling-back');
    this.run.step('rolling back', reason);
    const failures: string[] = [];
    for (const compensation of compensations) {
      try {
        await compensation.run();
      } catch (error) {
        failures.push(`${compensation.what}: ${failureText(error)}`);
        this.run.step('compensation failed', `${compensation.what}: ${failureText(error)}`);
        break; // the previous job is not resubmitted over a new job that could not be cancelled
      }
    }
    const readiness = this.rollbackReadiness;
    if (failures.length > 0 || !readiness || readiness.verdict !== 'ready') {
      const why =
        failures.length > 0 ? failures.join('; ') : (readiness?.reasons.join('; ') ?? 'not attempted');
      const message = `upgrade of ${this.job.name} failed (${reason}) and the rollback failed too: ${why}. State is in ${this.snapshot?.path}.`;
      await this.alert('critical', 'upgrade and rollback failed', message);
      throw ApplicationFailure.nonRetryable(message, 'RollbackFailed', {
        snapshot: this.snapshot,
        newJobId: this.newJobId,
        rollbackJobId: this.rollbackJobId,
      });
    }
    const committedByNewJob = this.readiness?.met.checkpoint === true;
    const result = this.result(
      'rolled-back',
      `upgrade of ${this.job.name} rolled back: ${reason}; job ${this.rollbackJobId} runs ${this.previous.jar} again from ${this.snapshot?.path}`,
    );
    result.rollback = {
      reason,
      jobId: this.rollbackJobId as string,
      readiness,
      note: committedByNewJob
        ? 'the new job had completed a checkpoint: output it committed is emitted again by the restored job'
        : undefined,
    };
    result.sequence = await this.checkSequence();
    await this.alert('warning', 'upgrade rolled back', result.headline);
    return result;
  }

  /** For the sample job: the committed sequence has no gap and no duplicate. */
  private async checkSequence(): Promise<UpgradeResult['sequence']> {
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

  private async alert(
    severity: 'info' | 'warning' | 'critical',
    verdict: string,
    summary: string,
    resolved = false,
  ) {
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

  private result(outcome: UpgradeResult['outcome'], headline: string): UpgradeResult {
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

function snapshotOf(point: RestorePoint): Snapshot {
  return { kind: point.isSavepoint ? 'savepoint' : 'checkpoint', path: point.path };
}
