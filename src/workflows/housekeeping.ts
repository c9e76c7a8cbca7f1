import {
  ActivityFailure,
  ApplicationFailure,
  upsertMemo,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { JobSpec, NamedCluster } from '../config/schema';
import { restTarget } from '../flink/target';
import { jobKey } from '../policy/deploy-hash';
import {
  type CleanupPlan,
  type Decision,
  HOUSEKEEPING_STEPS,
  type HousekeepingRules,
  type HousekeepingStep,
  housekeepingHeadline,
  housekeepingIssues,
  type KnownJob,
  planCheckpointCleanup,
  planDrillReports,
  planIncompleteSavepoints,
  stepFrom,
} from '../policy/housekeeping';
import { sameLocation } from '../policy/retention';
import { SA } from '../shared';
import { FAILURE } from '../temporal/failure-types';
import {
  cleanFlinkLogs,
  deleteSavepoints,
  knownJobs,
  listCheckpointFolders,
  listDrillReports,
  listSavepoints,
  removeCheckpointFolders,
  removeDrillReports,
  resolveCluster,
} from './activities';
import { tell } from './alerting';
import { failureText, failureType } from './failures';
import { type HousekeepingInput, type HousekeepingResult, housekeepingInputSchema } from './housekeeping-api';
import { rejectBadInput } from './input';
import { underLease } from './lease';

/**
 * The seeds' maintenance cleanups (每周：清理旧日志; 故障排查: 清理旧 checkpoint) as one runbook a
 * Temporal Schedule runs daily: checkpoint folders of jobs that no longer run, Flink's old log
 * files in the containers, savepoints that never completed, drill reports beyond a count. Each
 * step says what it removed and what it gave back; a dry run only lists. It holds every job's
 * maintenance lease, so it never runs beside an upgrade, a drill or a restart of the same job.
 *
 * Start it from the UI with {"cluster": "realtime-pipeline", "dryRun": true}.
 */
export async function housekeeping(raw: HousekeepingInput): Promise<HousekeepingResult> {
  rejectBadInput(housekeepingInputSchema, raw);
  const input = housekeepingInputSchema.parse(raw);
  upsertSearchAttributes([
    { key: SA.cluster, value: input.cluster },
    { key: SA.runbook, value: 'housekeeping' },
  ]);
  const cluster = await resolveCluster(input);
  const rules = rulesFor(cluster, input);
  refuseDangerousSettings(cluster, rules, input.reportDir);
  const dryRun = input.dryRun ?? false;
  const wanted = new Set(input.steps ?? HOUSEKEEPING_STEPS);

  const steps = await underEveryJobLease(cluster, async () => {
    const jobs = await knownJobs(restTarget(cluster)).catch(() => undefined);
    const done: HousekeepingStep[] = [];
    if (wanted.has('checkpoints')) done.push(await orphanedCheckpoints(cluster, jobs, rules, dryRun));
    if (wanted.has('flink-logs')) done.push(await oldFlinkLogs(cluster, rules, dryRun));
    if (wanted.has('incomplete-savepoints'))
      done.push(await incompleteSavepoints(cluster, jobs, rules, dryRun));
    if (wanted.has('drill-reports'))
      done.push(await oldDrillReports(cluster, rules, input.reportDir, dryRun));
    return done;
  });

  const headline = housekeepingHeadline(cluster.name, dryRun, steps);
  upsertMemo({ headline });
  await report(cluster, dryRun, headline, steps);
  return {
    cluster: cluster.name,
    dryRun,
    rules,
    headline,
    freedBytes: steps.reduce((n, s) => n + s.freedBytes, 0),
    steps,
  };
}

function rulesFor(
  cluster: NamedCluster,
  input: ReturnType<typeof housekeepingInputSchema.parse>,
): HousekeepingRules {
  const file = cluster.housekeeping;
  return {
    checkpointMaxAgeMs: input.checkpointMaxAge ?? file.checkpointMaxAge,
    logMaxAgeDays: input.logMaxAgeDays ?? file.logMaxAgeDays,
    incompleteSavepointAgeMs: input.incompleteSavepointAge ?? file.incompleteSavepointAge,
    keepDrillReports: input.keepDrillReports ?? file.keepDrillReports,
  };
}

/** A retention of 0, a `..`, a folder outside the volumes: refused before anything is looked at. */
function refuseDangerousSettings(cluster: NamedCluster, rules: HousekeepingRules, reportDir?: string): void {
  const issues = housekeepingIssues({ rules, volumes: cluster.volumes, jobs: cluster.jobs, reportDir });
  if (issues.length > 0)
    throw ApplicationFailure.nonRetryable(
      `housekeeping refused, nothing was removed: ${issues.join('; ')}`,
      FAILURE.HousekeepingRefused,
      issues,
    );
}

/** Every job's lease, one after the other; another runbook holding one refuses the whole run. */
const LEASE_TTL_MS = 3_600_000;
async function underEveryJobLease<T>(cluster: NamedCluster, body: () => Promise<T>): Promise<T> {
  const run = cluster.jobs.reduceRight<() => Promise<T>>(
    (inner, job) => () =>
      underLease(
        { cluster: cluster.name, job: job.name, purpose: 'housekeeping', ttlMs: LEASE_TTL_MS },
        inner,
        {
          releasedInCancelledScopeBefore: true,
        },
      ),
    body,
  );
  try {
    return await run();
  } catch (error) {
    if (error instanceof ActivityFailure && failureType(error) === FAILURE.LeaseHeld)
      throw ApplicationFailure.nonRetryable(
        `housekeeping refused, nothing was removed: ${failureText(error)}`,
        FAILURE.HousekeepingRefused,
      );
    throw error;
  }
}

/** What a removal reports, as the step's decisions: only what is really gone, with its real size. */
function removedAs(plan: CleanupPlan, removed: Array<{ path: string; bytes: number }>): CleanupPlan {
  const gone = new Map(removed.map((r) => [r.path, r.bytes]));
  return {
    keep: plan.keep,
    remove: plan.remove
      .filter((d) => gone.has(d.what))
      .map((d) => ({ ...d, bytes: gone.get(d.what) ?? d.bytes })),
  };
}

const fileUri = (uri: string) => uri.startsWith('file:');

async function orphanedCheckpoints(
  cluster: NamedCluster,
  jobs: KnownJob[] | undefined,
  rules: HousekeepingRules,
  dryRun: boolean,
): Promise<HousekeepingStep> {
  const plans: CleanupPlan[] = [];
  const problems: string[] = [];
  const elsewhere: string[] = [];
  if (!jobs)
    problems.push(
      'the JobManagers did not answer: no checkpoint folder can be called orphaned, none removed',
    );
  for (const job of cluster.jobs) {
    if (!fileUri(job.checkpointDir)) {
      // s3://, hdfs://: Flink's own retention governs them; not a problem to alert on every day.
      elsewhere.push(`${job.name}: ${job.checkpointDir} is not on a mounted folder; not cleaned from here`);
      continue;
    }
    try {
      const { folders } = await listCheckpointFolders({
        checkpointDir: job.checkpointDir,
        volumes: cluster.volumes,
      });
      const plan = planCheckpointCleanup({
        job: job.name,
        jobKey: jobKey(cluster.name, job.name),
        folders,
        jobs,
        now: Date.now(),
        maxAgeMs: rules.checkpointMaxAgeMs,
      });
      if (dryRun || plan.remove.length === 0) plans.push(plan);
      else {
        const { removed } = await removeCheckpointFolders({
          checkpointDir: job.checkpointDir,
          volumes: cluster.volumes,
          paths: plan.remove.map((d) => d.what),
        });
        plans.push(removedAs(plan, removed));
      }
    } catch (error) {
      problems.push(`${job.name}: ${failureText(error)}`);
    }
  }
  const step = stepFrom('checkpoints', merge(plans), problems);
  return elsewhere.length > 0 ? { ...step, skipped: elsewhere.join('; ') } : step;
}

async function oldFlinkLogs(cluster: NamedCluster, rules: HousekeepingRules, dryRun: boolean) {
  const containers = [
    ...cluster.jobManagers.map((jm) => jm.container),
    ...cluster.taskManagers.containers.map((tm) => tm.container),
  ];
  try {
    const cleaned = await cleanFlinkLogs({ containers, maxAgeDays: rules.logMaxAgeDays, remove: !dryRun });
    const reason = `older than ${rules.logMaxAgeDays} days (find -mtime +${rules.logMaxAgeDays})`;
    const remove: Decision[] = cleaned.flatMap((c) =>
      c.files.map((f) => ({ what: `${c.container}:${f.path}`, bytes: f.bytes, reason })),
    );
    const problems = cleaned.map((c) => c.problem).filter((p): p is string => p !== undefined);
    return stepFrom('flink-logs', { remove, keep: [] }, problems);
  } catch (error) {
    return stepFrom('flink-logs', { remove: [], keep: [] }, [failureText(error)]);
  }
}

async function incompleteSavepoints(
  cluster: NamedCluster,
  jobs: KnownJob[] | undefined,
  rules: HousekeepingRules,
  dryRun: boolean,
): Promise<HousekeepingStep> {
  const plans: CleanupPlan[] = [];
  const problems: string[] = [];
  const protectedUris = (jobs ?? []).map((j) => j.restoredFrom).filter((p): p is string => p !== undefined);
  const dirs = cluster.jobs
    .map((j) => j.savepointDir)
    .filter((dir, i, all) => fileUri(dir) && all.findIndex((d) => sameLocation(d, dir)) === i);
  for (const savepointDir of dirs) {
    try {
      const { savepoints } = await listSavepoints({ savepointDir, volumes: cluster.volumes });
      const plan = planIncompleteSavepoints({
        savepoints,
        now: Date.now(),
        olderThanMs: rules.incompleteSavepointAgeMs,
        protectedUris,
      });
      if (dryRun || plan.remove.length === 0) {
        plans.push(plan);
        continue;
      }
      const uriOf = new Map(savepoints.map((s) => [s.hostPath, s.uri]));
      const { deleted } = await deleteSavepoints({
        savepointDir,
        volumes: cluster.volumes,
        uris: plan.remove.map((d) => uriOf.get(d.what) as string),
      });
      const gone = savepoints
        .filter((s) => deleted.includes(s.uri))
        .map((s) => ({ path: s.hostPath, bytes: s.sizeBytes }));
      plans.push(removedAs(plan, gone));
    } catch (error) {
      problems.push(`${savepointDir}: ${failureText(error)}`);
    }
  }
  return stepFrom('incomplete-savepoints', merge(plans), problems);
}

async function oldDrillReports(
  cluster: NamedCluster,
  rules: HousekeepingRules,
  reportDir: string | undefined,
  dryRun: boolean,
): Promise<HousekeepingStep> {
  try {
    const { files } = await listDrillReports({ reportDir, cluster: cluster.name });
    const plan = planDrillReports({ cluster: cluster.name, files, keep: rules.keepDrillReports });
    if (dryRun || plan.remove.length === 0) return stepFrom('drill-reports', plan);
    const { removed } = await removeDrillReports({
      reportDir,
      cluster: cluster.name,
      names: plan.remove.map((d) => d.what),
    });
    const byName = removed.map((r) => ({ path: r.path.split('/').at(-1) as string, bytes: r.bytes }));
    return stepFrom('drill-reports', removedAs(plan, byName));
  } catch (error) {
    return stepFrom('drill-reports', { remove: [], keep: [] }, [failureText(error)]);
  }
}

function merge(plans: CleanupPlan[]): CleanupPlan {
  return { remove: plans.flatMap((p) => p.remove), keep: plans.flatMap((p) => p.keep) };
}

/** Problems are a warning on the cluster's channels; a cleanup that gave space back is news. */
async function report(cluster: NamedCluster, dryRun: boolean, headline: string, steps: HousekeepingStep[]) {
  const problems = steps.flatMap((s) => s.problems.map((p) => `${s.step}: ${p}`));
  const removed = steps.reduce((n, s) => n + s.removed.length, 0);
  if (problems.length === 0 && (dryRun || removed === 0)) return;
  await tell(cluster, {
    severity: problems.length > 0 ? 'warning' : 'info',
    job: cluster.jobs.map((j: JobSpec) => j.name).join(', '),
    verdict: 'housekeeping',
    title: `${cluster.name}: housekeeping${problems.length > 0 ? ' needs a look' : ''}`,
    summary: headline,
    details: [
      ...steps.map((s) => ({ label: s.step, value: `${s.removed.length} removed (${s.freedBytes} bytes)` })),
      ...problems.slice(0, 5).map((p) => ({ label: 'problem', value: p })),
    ],
    incidentKey: `housekeeping:${cluster.name}`,
  });
}
