import { ApplicationFailure, CancellationScope, upsertSearchAttributes } from '@temporalio/workflow';
import { restTarget } from '../flink/target';
import {
  applyChanges,
  chooseUpgradePath,
  defaultTimeouts,
  deployedConfig,
  evaluatePrecheck,
  leaseTtlMs,
  type PrecheckVerdict,
  pickRunningJob,
} from '../policy/upgrade-plan';
import { SA } from '../shared';
import { FAILURE } from '../temporal/failure-types';
import {
  checkSavepointDir,
  inspectJar,
  latestRestorePoint,
  listJobs,
  planJob,
  probeJobManagers,
  resolveCluster,
} from './activities';
import { newFlinkJobId } from './flink-ids';
import { rejectBadInput } from './input';
import { underLease } from './lease';
import { jobOf } from './maintenance-steps';
import { type UpgradeInput, type UpgradeResult, upgradeInputSchema } from './upgrade-api';
import { rollBack } from './upgrade-rollback';
import {
  alert,
  approved,
  type Changed,
  checkSequence,
  type OldJob,
  type Running,
  resultOf,
  type Upgrade,
  UpgradeRun,
} from './upgrade-run';
import { type Started, startNewJob } from './upgrade-start';
import { type Stopped, stopOldJob } from './upgrade-stop';

/**
 * The seeds' 升级流程 (1. savepoint, 2. cancel, 3. rebuild, 4. redeploy, 5. restore from the
 * savepoint), made atomic, verified and reversible. The jar is built beforehand (3); 1 and 2 are
 * one stop-with-savepoint, so no record is processed between them; 4 and 5 are one submission
 * from that savepoint:
 *
 *   precheck → [approval] → take the maintenance lease → stop the old job keeping its state →
 *   submit the new job from that state → verify it → (not healthy: cancel it, resubmit the previous
 *   job from the same state, alert) → release the lease, naming the job that now runs.
 *
 * The stop is in upgrade-stop.ts (a stop the leader lost goes on from the state on disk), the
 * submit and the verification in upgrade-start.ts (never beside another live job of the name),
 * the way back in upgrade-rollback.ts.
 *
 * Start it from the UI with {"cluster": "realtime-pipeline", "jar": "/path/to/new.jar"}.
 */
export async function upgrade(raw: UpgradeInput): Promise<UpgradeResult> {
  const u = await prepare(raw);

  // 1. Precheck: the new jar, the savepoint directory, the cluster, the old job. Changes nothing.
  u.run.phase('prechecking');
  const old = await findOldJob(u);
  const precheck = await checkBeforeChange(u, old);
  if (!precheck.ok) {
    throw ApplicationFailure.nonRetryable(
      `precheck failed, nothing was changed: ${precheck.problems.join('; ')}`,
      FAILURE.PrecheckFailed,
      precheck,
    );
  }

  // 2. Approval, when asked for. Until the old job is stopped a cancel leaves everything as it was.
  if (!(await approved(u.run))) return cancelled(u, old, precheck);

  // From here on the job changes: a cancel request can no longer leave it half done.
  const running: Running = { jobId: old.job?.jobId, config: u.previous };
  return CancellationScope.nonCancellable(() =>
    underTheLease(u, running, () => change(u, precheck, running)),
  );
}

/** Stop → submit → verify, rolling back from the same state when the new job is not healthy. */
async function change(u: Upgrade, precheck: PrecheckVerdict, running: Running): Promise<UpgradeResult> {
  // Again: the monitor may have restarted the job while we waited. That job is the one it gets back.
  const old = await findOldJob(u);
  running.jobId = old.job?.jobId;
  // A cancel that came while the lease was taken: nothing has changed yet.
  if (u.run.cancellation) return cancelled(u, old, precheck);
  const { path } = old;
  if (!path.ok)
    throw ApplicationFailure.nonRetryable(`nothing was changed: ${path.reason}`, FAILURE.PrecheckFailed);
  const oldJobId = old.job?.jobId;

  // 3. Stop the old job keeping its state: a savepoint, or (last-state) its newest checkpoint.
  u.run.phase('stopping');
  u.run.committed = true;
  const stopped = await stopOldJob(u, { ...old, path });

  // 4. Submit the new version from that state, under an id chosen here; 5. verify it.
  u.run.phase('submitting');
  const newJobId = newFlinkJobId();
  u.run.status.newJobId = newJobId;
  const started = await startNewJob(
    u,
    {
      jobId: newJobId,
      config: u.target,
      from: path.restore === 'none' ? undefined : stopped.snapshot,
      replacing: oldJobId ? [oldJobId] : [],
      sofar: { oldJobId, newJobId, snapshot: stopped.snapshot },
    },
    running,
  );
  const changed: Changed = {
    precheck,
    oldJobId,
    newJobId,
    snapshot: stopped.snapshot,
    readiness: started.readiness,
    timings: timingsOf(stopped, started),
  };
  if (started.healthy) return upgraded(u, changed);

  // 6. Not healthy: cancel it and resubmit the previous job from the same state.
  if (oldJobId === undefined) return nothingToRollBackTo(u, changed, started.reason);
  return rollBack(u, { ...changed, oldJobId, newJobId }, started.reason, running);
}

/** The input checked, the run's status and signals, the cluster and job it names, and what changes. */
async function prepare(raw: UpgradeInput): Promise<Upgrade> {
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
  return {
    run,
    input,
    cluster,
    job,
    flink: restTarget(cluster),
    mode: input.mode ?? 'savepoint',
    previous,
    target: applyChanges(previous, input),
    timeouts: defaultTimeouts(job.checkpoints, {
      savepointMs: input.savepointTimeout,
      readinessMs: input.readinessTimeout,
      readinessIntervalMs: input.readinessInterval,
    }),
  };
}

/** The job to upgrade (the one named by id, else the one live job of the name), and how it is stopped and restored. */
async function findOldJob(u: Upgrade): Promise<OldJob> {
  const picked = pickRunningJob(await listJobs(u.flink), u.job.name, u.input.jobId);
  u.run.status.oldJobId = picked.job?.jobId;
  const restore =
    u.mode === 'last-state' && picked.job
      ? await latestRestorePoint({ ...u.flink, jobId: picked.job.jobId })
      : {};
  return {
    job: picked.job,
    restorePoint: restore.restorePoint,
    path:
      !picked.job && u.mode !== 'stateless'
        ? { ok: false, reason: picked.problem ?? 'no job' }
        : chooseUpgradePath({ mode: u.mode, job: picked.job, ...restore }),
  };
}

/** The new jar, the savepoint directory, the cluster, and how the old job can be stopped. */
async function checkBeforeChange(u: Upgrade, old: OldJob): Promise<PrecheckVerdict> {
  const [jobManagers, jar, savepointDir] = await Promise.all([
    probeJobManagers(u.cluster.jobManagers, u.cluster.rest),
    inspectJar({ jar: u.target.jar, entryClass: u.target.entryClass }),
    checkSavepointDir({
      savepointDir: u.job.savepointDir,
      volumes: u.cluster.volumes,
      containers: u.cluster.jobManagers.map((jm) => jm.container),
    }),
  ]);
  const plan = jar.hasEntryClass ? await planJob({ ...u.flink, ...u.target }) : undefined;
  const verdict = evaluatePrecheck({
    jobManagers,
    expectedTaskManagers: u.cluster.taskManagers.containers.length,
    jar,
    plan,
    savepointDir,
    path: old.path,
    parallelism: u.target.parallelism,
  });
  u.run.step(
    verdict.ok ? 'precheck passed' : 'precheck failed',
    [...verdict.problems, ...verdict.notes, verdict.ok && old.path.ok ? old.path.summary : '']
      .filter(Boolean)
      .join('; '),
  );
  return verdict;
}

/**
 * The job's maintenance lease around the change: the monitor stands down, and is told on the
 * release which job runs now, however the change ended. A lease that cannot be released expires
 * by itself.
 */
async function underTheLease(
  u: Upgrade,
  running: Running,
  change: () => Promise<UpgradeResult>,
): Promise<UpgradeResult> {
  let lease: UpgradeResult['lease'] = {};
  const result = await underLease(
    { cluster: u.cluster.name, job: u.job.name, purpose: 'upgrade', ttlMs: leaseTtlMs(u.timeouts) },
    ({ monitor }) => {
      lease = { monitor };
      u.run.step(
        'maintenance lease taken',
        monitor === 'running' ? 'the monitor stands down' : 'no monitor runs',
      );
      return change();
    },
    {
      handOver: () => ({ jobId: running.jobId, submission: running.config }),
      released: ({ released, error }) => {
        if (error === undefined) {
          lease = { ...lease, released };
          u.run.step('maintenance lease released', running.jobId && `the monitor watches ${running.jobId}`);
        } else {
          lease = { ...lease, error };
          u.run.warnings.push(`the lease could not be released (it expires by itself): ${error}`);
        }
      },
    },
  );
  return { ...result, lease };
}

function timingsOf(stopped: Stopped, started: Started): UpgradeResult['timings'] {
  const ready = started.healthy ? started.readyAt : undefined;
  const { runningAt } = started;
  return {
    stopRequestedAt: stopped.requestedAt,
    oldJobStoppedAt: stopped.stoppedAt,
    submittedAt: started.submittedAt,
    runningAt,
    readyAt: ready,
    // The control-plane downtime: stop requested → new job RUNNING.
    downtimeMs: ready && runningAt && stopped.requestedAt ? runningAt - stopped.requestedAt : undefined,
  };
}

async function upgraded(u: Upgrade, changed: Changed): Promise<UpgradeResult> {
  const sequence = await checkSequence(u);
  const result = resultOf(
    u,
    'upgraded',
    `upgraded ${u.job.name}: job ${changed.newJobId} runs ${u.target.jar}`,
    changed,
    changed.newJobId,
  );
  result.sequence = sequence;
  await alert(u, changed, 'info', 'upgraded', result.headline, true);
  return result;
}

/** A new job with no old one before it (stateless, nothing ran): nothing to go back to. */
async function nothingToRollBackTo(u: Upgrade, changed: Changed, reason: string): Promise<never> {
  await alert(u, changed, 'critical', 'new job not healthy, nothing to roll back to', reason);
  throw ApplicationFailure.nonRetryable(`the new job is not healthy: ${reason}`, FAILURE.UpgradeFailed);
}

function cancelled(u: Upgrade, old: OldJob, precheck: PrecheckVerdict): UpgradeResult {
  const c = u.run.cancellation;
  u.run.step('cancelled before any change', c?.reason);
  const oldJobId = old.job?.jobId;
  return resultOf(
    u,
    'cancelled',
    `upgrade of ${u.job.name} cancelled before any change: ${c?.reason}`,
    { precheck, oldJobId, timings: {} },
    oldJobId,
  );
}
