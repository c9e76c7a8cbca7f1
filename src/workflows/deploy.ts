import {
  defineQuery,
  isCancellation,
  log,
  patched,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { z } from 'zod';
import { clusterRefSchema } from '../config/input';
import { DEPLOY_STEPS } from '../policy/deploy-plan';
import type { DeployProgress, DeployResult } from '../policy/deploy-report';
import { SA } from '../shared';
import { resolveClusterJob, sendAlert } from './activities';
import { tell } from './alerting';
import { type DeployInput, DeployRun, describeFailure, newProgress } from './deploy-run';
import {
  cleanAndPrepare,
  deployJob,
  handOverToMonitor,
  precheck,
  startJobManagers,
  startTaskManagers,
  startZooKeeper,
  stopOldServices,
  verify,
} from './deploy-steps';
import { rejectBadInput } from './input';

export type { DeployInput } from './deploy-run';

/** The current step and every step's status, summary, changes and duration. */
export const progressQuery = defineQuery<DeployProgress>('progress');

/**
 * The workflow id to start a deploy under: Temporal then refuses a second deploy of the same job
 * while one runs, and a redeploy after a failure renews (not fights) the maintenance lease.
 */
export function deployWorkflowId(cluster: string, job: string): string {
  return `deploy:${cluster}:${job}`;
}

export const deployInputSchema = clusterRefSchema.extend({
  job: z.string().min(1).max(63).optional(),
  dryRun: z.boolean().optional(),
  savepointPath: z
    .string()
    .regex(
      /^[a-z][a-z0-9+.-]*:\/\S*$/,
      'savepointPath must be a URI such as file:/opt/flink/savepoints/savepoint-…',
    )
    .optional(),
  freeDiskGb: z.number().min(0).optional(),
});

/**
 * The seeds' production-deploy.sh with its checklists (部署前检查, 部署后验证), one line per step.
 * Start it from the UI with {"cluster": "realtime-pipeline"}; add "dryRun": true to see the plan.
 */
export async function deploy(input: DeployInput): Promise<DeployResult> {
  rejectBadInput(deployInputSchema, input);
  const progress = newProgress(input);
  setHandler(progressQuery, () => progress);
  upsertSearchAttributes([
    { key: SA.cluster, value: input.cluster },
    { key: SA.runbook, value: 'deploy' },
  ]);

  const { cluster, job } = await resolveClusterJob(input);
  upsertSearchAttributes([{ key: SA.job, value: job.name }]);
  const run = new DeployRun(cluster, job, input, progress);

  try {
    const plan = await run.step('precheck', precheck);
    if (input.dryRun) return dryRun(run);
    if (plan.noop) return await alreadyDeployed(run);

    await run.step('stop-old-services', stopOldServices);
    await run.step('clean-and-prepare', cleanAndPrepare);
    await run.step('start-zookeeper', startZooKeeper);
    await run.step('start-jobmanagers', startJobManagers);
    await run.step('start-taskmanagers', startTaskManagers);
    await run.step('deploy-job', deployJob);
    await run.step('verify', verify);
    await run.step('hand-over-to-monitor', handOverToMonitor);

    const result = run.result('deployed');
    await alert(run, 'info', `Deployed ${job.name} on ${cluster.name}`, result.headline);
    return result;
  } catch (error) {
    if (isCancellation(error)) throw error;
    const failure = run.failure(error);
    if (run.changedAnything)
      await alert(run, 'critical', `Deploy of ${job.name} on ${cluster.name} failed`, failure.message, error);
    throw failure;
  }
}

/** Same spec, healthy deployment: verify it and make sure the monitor watches; change nothing. */
async function alreadyDeployed(run: DeployRun): Promise<DeployResult> {
  for (const step of DEPLOY_STEPS.slice(1, 7)) run.skip(step, 'nothing to change');
  await run.step('verify', verify);
  await run.step('hand-over-to-monitor', handOverToMonitor);
  return run.result('unchanged');
}

/** The plan, each step with what it would change; nothing is changed. */
function dryRun(run: DeployRun): DeployResult {
  for (const { step, changes } of run.plan.steps.slice(1))
    run.skip(
      step,
      changes.length > 0 ? `dry run: ${changes.length} change(s) planned` : 'dry run: no change',
      changes,
    );
  return run.result('dry-run');
}

/**
 * Deploys started before the alert took the runbooks' one path asked the activity even for a
 * cluster with no alert channel; they still do, so their histories replay.
 */
export const ALERT_ONLY_TO_CHANNELS = 'deploy-alert-only-to-channels';

async function alert(
  run: DeployRun,
  severity: 'info' | 'critical',
  title: string,
  summary: string,
  error?: unknown,
): Promise<void> {
  const evidence = error === undefined ? [] : describeFailure(error).evidence;
  const until = run.leaseUntil
    ? `; the monitor stands down until ${new Date(run.leaseUntil).toISOString()}`
    : '';
  const message = {
    severity,
    job: run.job.name,
    verdict: severity === 'info' ? 'deployed' : 'deploy-failed',
    title,
    summary,
    details: [
      ...(run.failedStep ? [{ label: 'Failed step', value: run.failedStep }] : []),
      ...evidence.map((line, i) => ({ label: `Evidence ${i + 1}`, value: line })),
      ...(run.jobId ? [{ label: 'Job', value: run.jobId }] : []),
      ...(run.savepoint ? [{ label: "Old job's savepoint", value: run.savepoint }] : []),
    ],
    action:
      severity === 'info'
        ? `The monitor watches job ${run.jobId}.`
        : `The cluster is left as it is for inspection${until}.`,
    incidentKey: `deploy:${run.cluster.name}:${run.job.name}`,
    resolved: severity === 'info',
  };
  if (run.cluster.alerts.length === 0 && !patched(ALERT_ONLY_TO_CHANNELS)) {
    const { namespace, workflowId, runId } = workflowInfo();
    const alert = {
      ...message,
      cluster: run.cluster.name,
      at: Date.now(),
      workflow: { namespace, workflowId, runId },
    };
    await sendAlert({ alert, channels: [] }).catch(() => undefined);
    return;
  }
  const problem = await tell(run.cluster, message);
  if (problem) log.warn(problem);
}
