import type { ClusterStatusSummary } from '../../policy/cluster-summary';
import { clusterStatus } from '../../workflows';
import { type CliContext, required } from '../context';

export async function clusterStatusCommand(ctx: CliContext): Promise<number> {
  const cluster = required(ctx, 'cluster');
  const client = await ctx.client();
  const summary: ClusterStatusSummary = await client.workflow.execute(clusterStatus, {
    taskQueue: ctx.settings.taskQueue,
    workflowId: `cluster-status:${cluster}:${Date.now()}`,
    args: [{ cluster }],
  });
  const lines = [
    summary.headline,
    ...summary.jobManagers.map(
      (jm) => `  ${jm.role.padEnd(8)} ${jm.url.padEnd(24)} ${jm.state}${jm.error ? `  ${jm.error}` : ''}`,
    ),
    `  jobs in the spec: ${summary.jobs.join(', ')}`,
  ];
  ctx.print(summary, lines.join('\n'));
  return summary.answering > 0 ? 0 : 1;
}
