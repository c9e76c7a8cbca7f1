import { ApplicationFailure, upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import type { JobSpec, NamedCluster } from '../config/schema';
import { restTarget } from '../flink/target';
import { jobsSharingSavepointDir, planRetention, retentionRuleIssues } from '../policy/retention';
import { pickRunningJob } from '../policy/upgrade-plan';
import { SA } from '../shared';
import { FAILURE } from '../temporal/failure-types';
import {
  deleteSavepoints,
  listJobs,
  listSavepoints,
  resolveCluster,
  savepointsInUse,
  triggerSavepoint,
  waitForSavepoint,
} from './activities';
import { tell } from './alerting';
import { failureText } from './failures';
import { newFlinkJobId } from './flink-ids';
import { rejectBadInput } from './input';
import { underLease } from './lease';
import { jobOf } from './maintenance-steps';
import { type SavepointInput, type SavepointResult, savepointInputSchema } from './upgrade-api';

/**
 * The seeds' monthly maintenance, `flink savepoint <JOB_ID> /opt/flink/savepoints`, as a runbook a
 * Temporal Schedule runs: trigger a savepoint (the job keeps running), wait for it, record where
 * it is, then apply the retention rules to the job's older savepoints.
 *
 * Start it from the UI with {"cluster": "realtime-pipeline", "retention": {"keepLast": 5}}.
 */
export async function takeSavepoint(raw: SavepointInput): Promise<SavepointResult> {
  rejectBadInput(savepointInputSchema, raw);
  const input = savepointInputSchema.parse(raw);
  upsertSearchAttributes([
    { key: SA.cluster, value: input.cluster },
    { key: SA.runbook, value: 'savepoint' },
  ]);
  const cluster = await resolveCluster(input);
  const job = jobOf(cluster, input.job);
  upsertSearchAttributes([{ key: SA.job, value: job.name }]);
  const rules = { keepLast: input.retention?.keepLast, maxAgeMs: input.retention?.maxAge };
  if (input.retention) refuseUnsafeRetention(cluster, job, rules);
  const flink = restTarget(cluster);
  const timeoutMs = input.timeout ?? job.checkpoints.timeout + 60_000;

  const picked = pickRunningJob(await listJobs(flink), job.name, input.jobId);
  if (picked.job?.state !== 'RUNNING') {
    const reason = picked.problem ?? `job ${picked.job?.jobId} is ${picked.job?.state}`;
    await warn(cluster, job, `no savepoint taken: ${reason}`);
    throw ApplicationFailure.nonRetryable(`no savepoint taken: ${reason}`, FAILURE.NoRunningJob);
  }
  const jobId = picked.job.jobId;

  const started = Date.now();
  const triggerId = newFlinkJobId();
  // The monitor stands down while the savepoint is taken (a restart would fail it).
  const lease = {
    cluster: cluster.name,
    job: job.name,
    purpose: 'savepoint' as const,
    ttlMs: timeoutMs + 120_000,
  };
  const location = await underLease(
    lease,
    async () => {
      await triggerSavepoint({ ...flink, jobId, targetDirectory: job.savepointDir, triggerId });
      return (await waitForSavepoint({ ...flink, jobId, triggerId, timeoutMs })).location;
    },
    { releasedInCancelledScopeBefore: true },
  ).catch(async (error) => {
    const message = `savepoint of job ${jobId} failed: ${failureText(error)}; the job keeps running`;
    await warn(cluster, job, message);
    throw ApplicationFailure.nonRetryable(message, FAILURE.SavepointFailed, { jobId, triggerId });
  });
  upsertMemo({ savepoint: location, jobId });
  const result: SavepointResult = {
    cluster: cluster.name,
    job: job.name,
    jobId,
    triggerId,
    location,
    tookMs: Date.now() - started,
  };

  if (input.retention) result.retention = await pruneSavepoints(cluster, job, rules);
  return result;
}

/** Retention: keep what the rules keep, the newest completed savepoint and those live jobs came from. */
async function pruneSavepoints(
  cluster: NamedCluster,
  job: JobSpec,
  rules: { keepLast?: number; maxAgeMs?: number },
): Promise<NonNullable<SavepointResult['retention']>> {
  const { savepoints } = await listSavepoints({ savepointDir: job.savepointDir, volumes: cluster.volumes });
  const inUse = await savepointsInUse(restTarget(cluster));
  const plan = planRetention({
    savepoints,
    rules,
    now: Date.now(),
    protectedUris: inUse.map((j) => j.restoredFrom).filter((p): p is string => p !== undefined),
  });
  const { missing } =
    plan.delete.length > 0
      ? await deleteSavepoints({
          savepointDir: job.savepointDir,
          volumes: cluster.volumes,
          uris: plan.delete.map((d) => d.uri),
        })
      : { missing: [] as string[] };
  return { rules, kept: plan.keep, deleted: plan.delete, missing };
}

function refuseUnsafeRetention(
  cluster: NamedCluster,
  job: JobSpec,
  rules: { keepLast?: number; maxAgeMs?: number },
): void {
  const issues = retentionRuleIssues(rules);
  const sharing = jobsSharingSavepointDir(cluster.jobs, job.name);
  if (sharing.length > 0)
    issues.push(
      `jobs ${sharing.join(', ')} write savepoints to the same directory ${job.savepointDir}; give each job its own before pruning`,
    );
  if (issues.length > 0)
    throw ApplicationFailure.nonRetryable(
      `retention refused: ${issues.join('; ')}`,
      FAILURE.InvalidInput,
      issues,
    );
}

async function warn(cluster: NamedCluster, job: JobSpec, summary: string): Promise<void> {
  await tell(cluster, {
    severity: 'warning',
    job: job.name,
    verdict: 'savepoint-failed',
    title: `${cluster.name}/${job.name}: scheduled savepoint failed`,
    summary,
    incidentKey: `savepoint:${cluster.name}:${job.name}`,
  });
}
