import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { formatDuration } from '../../config/duration';
import type { MonitorStatus } from '../../policy/monitor-state';
import { monitorJob } from '../../workflows';
import {
  forceRestartSignal,
  monitorWorkflowId,
  pauseSignal,
  resumeSignal,
  statusQuery,
} from '../../workflows/monitor-api';
import { type CliContext, EXIT, UsageError } from '../context';
import { describeLook, describeUnanswered, lookAge, newestLook, watchHeartbeat } from '../newest-look';
import { target } from '../target';

async function handleFor(ctx: CliContext) {
  const { cluster, job } = await target(ctx);
  const workflowId = monitorWorkflowId(cluster.name, job.name);
  return { cluster, workflowId, handle: (await ctx.client()).workflow.getHandle(workflowId) };
}

export async function monitorStart(ctx: CliContext): Promise<number> {
  const { cluster, job } = await target(ctx);
  const workflowId = monitorWorkflowId(cluster.name, job.name);
  const jobId = typeof ctx.options['job-id'] === 'string' ? ctx.options['job-id'] : undefined;
  try {
    const handle = await (await ctx.client()).workflow.start(monitorJob, {
      taskQueue: ctx.settings.taskQueue,
      workflowId,
      args: [{ cluster: cluster.name, job: job.name, jobId }],
    });
    ctx.print({ workflowId, runId: handle.firstExecutionRunId }, `monitor started: ${workflowId}`);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      ctx.print(
        { workflowId, alreadyRunning: true },
        `a monitor already runs for ${cluster.name}/${job.name}: ${workflowId}`,
      );
      return EXIT.failed;
    }
    throw error;
  }
}

/** `lookLines` (newest-look.ts) take the place of the confirmed verdict's reasons, which may be old. */
export function describeStatus(s: MonitorStatus, now = Date.now(), lookLines?: string[]): string {
  const lines = [
    `${s.cluster}/${s.job}: ${s.verdict} for ${formatDuration(Math.max(0, now - s.verdictSince))} (${s.phase})`,
    ...(lookLines ?? s.reasons.map((r) => `  - ${r}`)),
    `  job id: ${s.jobId ?? 'none known'}`,
    `  restart budget: ${s.budget.left} of ${s.budget.max} left in ${formatDuration(s.budget.windowMs)}${s.budget.cooldownUntil ? `, cooling down until ${new Date(s.budget.cooldownUntil).toISOString()}` : ''}`,
  ];
  if (s.paused) lines.push(`  paused${s.paused.reason ? `: ${s.paused.reason}` : ''}`);
  if (s.lease)
    lines.push(
      `  held by ${s.lease.holder} for ${s.lease.purpose} until ${new Date(s.lease.expiresAt).toISOString()}`,
    );
  if (s.escalated) lines.push('  ESCALATED: the monitor stopped acting; a person must look');
  for (const r of s.restarts.slice(-5)) {
    lines.push(
      `  restart ${new Date(r.at).toISOString()} ${r.trigger} ${r.outcome}: ${r.reason}${r.error ? ` (${r.error})` : ''}`,
    );
  }
  return lines.join('\n');
}

const QUERY_DEADLINE_MS = 10_000;

export async function monitorStatus(ctx: CliContext): Promise<number> {
  const { cluster, handle, workflowId } = await handleFor(ctx);
  const client = await ctx.client();
  const intervalMs = cluster.monitor.interval;
  let status: MonitorStatus;
  try {
    // A worker answers at once; without one the server would hold the query for its own deadline.
    status = await client.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => handle.query(statusQuery));
  } catch (error) {
    if (error instanceof WorkflowNotFoundError)
      throw new UsageError(`no monitor runs for this job (${workflowId})`);
    // A worker answers queries; with none polling, the watch's last heartbeat is what is left.
    const heartbeat = await watchHeartbeat(client, workflowId).catch(() => {
      throw error;
    });
    const now = Date.now();
    const { message, cause } = error as Error & { cause?: Error };
    const unanswered = cause?.message ? `${message}: ${cause.message}` : message;
    ctx.print(
      {
        workflowId,
        unanswered,
        newestLook: heartbeat && { ...heartbeat, ...lookAge(heartbeat, intervalMs, now), intervalMs },
      },
      describeUnanswered(workflowId, unanswered, heartbeat, intervalMs, now),
    );
    return EXIT.failed;
  }
  const heartbeat = await watchHeartbeat(client, workflowId);
  const look = newestLook(heartbeat, status);
  const now = Date.now();
  ctx.print(
    { ...status, newestLook: look && { ...look, ...lookAge(look, intervalMs, now), intervalMs } },
    describeStatus(status, now, describeLook(look, status, intervalMs, now)),
  );
  return status.escalated ? EXIT.failed : EXIT.ok;
}

export async function monitorStop(ctx: CliContext): Promise<number> {
  const { handle, workflowId } = await handleFor(ctx);
  await handle.cancel();
  ctx.print({ workflowId, stopped: true }, `monitor ${workflowId} asked to stop`);
  return EXIT.ok;
}

export async function restart(ctx: CliContext): Promise<number> {
  const { handle, workflowId } = await handleFor(ctx);
  const reason =
    typeof ctx.options.reason === 'string' ? ctx.options.reason : 'restart requested from the CLI';
  await handle.signal(forceRestartSignal, { reason });
  ctx.print({ workflowId, signal: 'forceRestart', reason }, `forceRestart sent to ${workflowId}: ${reason}`);
  return EXIT.ok;
}

export async function pause(ctx: CliContext): Promise<number> {
  const { handle, workflowId } = await handleFor(ctx);
  const reason = typeof ctx.options.reason === 'string' ? ctx.options.reason : undefined;
  await handle.signal(pauseSignal, { reason });
  ctx.print({ workflowId, signal: 'pause', reason }, `recovery paused on ${workflowId}`);
  return EXIT.ok;
}

export async function resume(ctx: CliContext): Promise<number> {
  const { handle, workflowId } = await handleFor(ctx);
  await handle.signal(resumeSignal);
  ctx.print({ workflowId, signal: 'resume' }, `recovery resumed on ${workflowId}`);
  return EXIT.ok;
}
