import { ActivityFailure, upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import type { NamedCluster } from '../config/schema';
import { restTarget } from '../flink/target';
import { diskVerdict, diskWatchTarget } from '../policy/disk';
import { dailyCheckReport, type DailyCheckInput as ReportInput } from '../policy/housekeeping-daily-check';
import { SA } from '../shared';
import {
  inspectClusterContainers,
  knownJobs,
  listDrillReports,
  listSavepoints,
  measureDiskUsage,
  monitorStatusOf,
  probeJobManagers,
  resolveCluster,
} from './activities';
import { tell } from './alerting';
import { failureText } from './failures';
import { type DailyCheckInput, type DailyCheckResult, dailyCheckInputSchema } from './housekeeping-api';
import { rejectBadInput } from './input';

/**
 * The seeds' 日常维护, every morning: `docker ps`, `curl /overview`, `curl /jobs/overview`,
 * `df -h` and the health monitor's log, plus the last savepoint and the last failover drill —
 * looked at in one go, judged item by item, rendered as one Markdown report and summed up on
 * the cluster's alert channels. It only looks; nothing is changed.
 *
 * Start it from the UI with {"cluster": "realtime-pipeline"}.
 */
export async function dailyCheck(raw: DailyCheckInput): Promise<DailyCheckResult> {
  rejectBadInput(dailyCheckInputSchema, raw);
  const input = dailyCheckInputSchema.parse(raw);
  upsertSearchAttributes([
    { key: SA.cluster, value: input.cluster },
    { key: SA.runbook, value: 'daily-check' },
  ]);
  const cluster = await resolveCluster(input);

  const [containers, jobManagers, jobs, disk, monitors, savepoints, drill] = await Promise.all([
    lookAtContainers(cluster),
    probeJobManagers(cluster.jobManagers, cluster.rest),
    look(() => knownJobs(restTarget(cluster))),
    lookAtDisks(cluster),
    Promise.all(cluster.jobs.map((job) => lookAtMonitor(cluster, job.name))),
    Promise.all(cluster.jobs.map((job) => newestSavepoint(cluster, job.name, job.savepointDir))),
    newestDrill(cluster, input.reportDir),
  ]);

  const report = dailyCheckReport({
    cluster: cluster.name,
    now: Date.now(),
    containers,
    jobManagers,
    taskManagersExpected: cluster.taskManagers.containers.length,
    jobs: { named: cluster.jobs.map((j) => j.name), known: jobs.value, error: jobs.error },
    disk,
    monitors,
    savepoints,
    drill,
  });
  upsertMemo({ headline: report.headline, level: report.level });
  if (input.alert === false) return report;
  const alert = await tell(cluster, {
    severity: report.level === 'critical' ? 'critical' : report.level === 'ok' ? 'info' : 'warning',
    job: cluster.jobs.map((j) => j.name).join(', '),
    verdict: `daily-check-${report.level}`,
    title: `${cluster.name}: daily check ${report.level.toUpperCase()}`,
    summary: report.headline,
    details: report.items.map((i) => ({ label: `${i.item}: ${i.level}`, value: i.detail })),
    incidentKey: `daily-check:${cluster.name}`,
  });
  return alert ? { ...report, alert } : report;
}

/** An activity's answer, or why there is none: one item that cannot be looked at is reported, not fatal. */
async function look<T>(activity: () => Promise<T>): Promise<{ value?: T; error?: string }> {
  try {
    return { value: await activity() };
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    return { error: failureText(error) };
  }
}

async function lookAtContainers(cluster: NamedCluster): Promise<ReportInput['containers']> {
  const expected = [
    ...(cluster.zookeeper.container ? [cluster.zookeeper.container] : []),
    ...cluster.jobManagers.map((jm) => jm.container),
    ...cluster.taskManagers.containers.map((tm) => tm.container),
  ];
  const seen = await look(() => inspectClusterContainers({ cluster: cluster.name, names: expected }));
  return { expected, seen: seen.value, error: seen.error };
}

async function lookAtDisks(cluster: NamedCluster) {
  const { folders, dockerDataRoot, thresholds } = diskWatchTarget(cluster);
  const usage = await measureDiskUsage({ folders, dockerDataRoot });
  return diskVerdict({ now: Date.now(), thresholds, usage });
}

async function lookAtMonitor(cluster: NamedCluster, job: string): Promise<ReportInput['monitors'][number]> {
  const answer = await look(() => monitorStatusOf({ cluster: cluster.name, job }));
  if (answer.error !== undefined) return { job, error: answer.error };
  return answer.value?.monitor === 'running' ? { job, status: answer.value.status } : { job, none: true };
}

async function newestSavepoint(
  cluster: NamedCluster,
  job: string,
  savepointDir: string,
): Promise<ReportInput['savepoints'][number]> {
  if (!savepointDir.startsWith('file:'))
    return { job, error: `${savepointDir} is not on a mounted folder; not looked at from here` };
  const listed = await look(() => listSavepoints({ savepointDir, volumes: cluster.volumes }));
  if (listed.error !== undefined) return { job, error: listed.error };
  const newest = (listed.value?.savepoints ?? []).filter((s) => s.complete).at(-1);
  return { job, newest: newest && { name: newest.name, createdAt: newest.createdAt } };
}

async function newestDrill(cluster: NamedCluster, reportDir?: string): Promise<ReportInput['drill']> {
  const listed = await look(() => listDrillReports({ reportDir, cluster: cluster.name }));
  const newest = (listed.value?.files ?? [])
    .filter((f) => f.name.endsWith('.md'))
    .sort((a, b) => a.name.slice(-19).localeCompare(b.name.slice(-19)))
    .at(-1);
  return newest && { name: newest.name, title: newest.title, at: newest.modifiedAt };
}
