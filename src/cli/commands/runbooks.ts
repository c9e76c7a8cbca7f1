import type { DeployProgress, DeployResult } from '../../policy/deploy-report';
import { deploy, takeSavepoint, upgrade } from '../../workflows';
import { deployWorkflowId, progressQuery } from '../../workflows/deploy';
import {
  type SavepointResult,
  type UpgradeResult,
  type UpgradeStatus,
  upgradeStatusQuery,
} from '../../workflows/upgrade-api';
import { type CliContext, EXIT, UsageError } from '../context';
import { follow } from '../follow';
import { target } from '../target';

const text = (ctx: CliContext, name: string) =>
  typeof ctx.options[name] === 'string' ? (ctx.options[name] as string) : undefined;

function positiveInt(ctx: CliContext, name: string): number | undefined {
  const value = text(ctx, name);
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new UsageError(`--${name} must be a positive whole number, got "${value}"`);
  return Number(value);
}

export async function deployCommand(ctx: CliContext): Promise<number> {
  const { cluster, job } = await target(ctx);
  const client = await ctx.client();
  const freeDiskGb = text(ctx, 'free-disk-gb');
  const handle = await client.workflow.start(deploy, {
    taskQueue: ctx.settings.taskQueue,
    workflowId: deployWorkflowId(cluster.name, job.name),
    args: [
      {
        cluster: cluster.name,
        job: job.name,
        dryRun: ctx.options['dry-run'] === true,
        savepointPath: text(ctx, 'savepoint'),
        freeDiskGb: freeDiskGb === undefined ? undefined : Number(freeDiskGb),
      },
    ],
  });
  ctx.progress(`deploy ${handle.workflowId} started`);
  const result = await follow<DeployResult, DeployProgress>(ctx, handle, progressQuery, (p) =>
    p.current ? `${p.current}${p.doing ? `: ${p.doing}` : ''}` : undefined,
  );
  ctx.print(result, result.headline);
  return EXIT.ok;
}

export async function upgradeCommand(ctx: CliContext): Promise<number> {
  const { cluster, job } = await target(ctx);
  const jar = text(ctx, 'jar');
  const entryClass = text(ctx, 'entry-class');
  const parallelism = positiveInt(ctx, 'parallelism');
  if (!jar && !entryClass && parallelism === undefined)
    throw new UsageError('say what changes: --jar, --entry-class or --parallelism');
  const mode = text(ctx, 'mode');
  if (mode && !['savepoint', 'last-state', 'stateless'].includes(mode)) {
    throw new UsageError(`--mode must be savepoint, last-state or stateless, got "${mode}"`);
  }
  const client = await ctx.client();
  const handle = await client.workflow.start(upgrade, {
    taskQueue: ctx.settings.taskQueue,
    workflowId: `upgrade:${cluster.name}:${job.name}:${Date.now()}`,
    args: [
      {
        cluster: cluster.name,
        job: job.name,
        jar,
        entryClass,
        parallelism,
        mode: mode as 'savepoint' | 'last-state' | 'stateless' | undefined,
        requireApproval: ctx.options['require-approval'] === true,
      },
    ],
  });
  ctx.progress(
    `upgrade ${handle.workflowId} started${ctx.options['require-approval'] ? '; send it the approve signal to go on' : ''}`,
  );
  const result = await follow<UpgradeResult, UpgradeStatus>(ctx, handle, upgradeStatusQuery, (s) => {
    const step = s.steps.at(-1);
    return step ? `${s.phase}: ${step.step}${step.detail ? ` (${step.detail})` : ''}` : s.phase;
  });
  ctx.print(result, result.headline);
  return result.outcome === 'upgraded' ? EXIT.ok : EXIT.failed;
}

export async function savepointCommand(ctx: CliContext): Promise<number> {
  const { cluster, job } = await target(ctx);
  const keepLast = positiveInt(ctx, 'keep-last');
  const result: SavepointResult = await (await ctx.client()).workflow.execute(takeSavepoint, {
    taskQueue: ctx.settings.taskQueue,
    workflowId: `savepoint:${cluster.name}:${job.name}:${Date.now()}`,
    args: [{ cluster: cluster.name, job: job.name, retention: keepLast ? { keepLast } : undefined }],
  });
  ctx.print(
    result,
    `savepoint of ${result.job} (${result.jobId}) at ${result.location} in ${(result.tookMs / 1000).toFixed(1)} s`,
  );
  return EXIT.ok;
}
