/**
 * `flink-runbooks drill ...` (and `tsx scripts/drill.ts ...`): starts a failover drill and prints its verdict:
 *
 *   flink-runbooks drill --cluster realtime-pipeline --kind stop-leader
 *                      [--job NAME] [--takeover-limit 2m] [--report-dir DIR] [--id WORKFLOW_ID] [--no-wait] [--json]
 *
 * Kinds: stop-leader, kill-leader, kill-taskmanager, stop-zookeeper. The connection and task queue
 * come from the environment like the worker's (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
 * TEMPORAL_TASK_QUEUE, TLS, API key); the cluster and job are checked against the clusters file
 * (FLINK_RUNBOOKS_CLUSTERS) first. The workflow id defaults to `drill:<cluster>`, so Temporal
 * refuses a second drill on a cluster while one runs. Exit code 0 when the drill passed, 1 when it
 * failed, was aborted or refused, 2 on a usage error, 3 when Temporal cannot be reached.
 */
import { Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { parseDuration } from '../config/duration';
import { inputIssues } from '../config/input';
import { resolveClusterRef, selectJob } from '../config/load';
import { temporalSettingsFromEnv } from '../temporal/connection';
import { DRILL_WORKFLOW, type DrillInput, type DrillResult, drillInputSchema } from '../workflows/drill-api';
import { parseCommandLine } from './arguments';
import { EXIT, exitCodeFor, UsageError } from './exit-codes';
import { connectToTemporal } from './temporal-client';

export const drillWorkflowId = (cluster: string) => `drill:${cluster}`;

export { UsageError } from './exit-codes';

const USAGE = `usage: drill.ts --cluster NAME --kind stop-leader|kill-leader|kill-taskmanager|stop-zookeeper
                [--job NAME] [--takeover-limit 2m] [--report-dir DIR] [--id WORKFLOW_ID] [--no-wait] [--json]`;

/** The workflow input from the command line, validated as the workflow validates it. */
export function drillInputFromArgs(argv: string[]): {
  input: DrillInput;
  id?: string;
  wait: boolean;
  json: boolean;
} {
  const { values } = parseCommandLine({
    args: argv,
    options: {
      cluster: { type: 'string' },
      kind: { type: 'string' },
      job: { type: 'string' },
      'takeover-limit': { type: 'string' },
      'report-dir': { type: 'string' },
      id: { type: 'string' },
      'no-wait': { type: 'boolean' },
      json: { type: 'boolean' },
    },
  });
  if (!values.cluster || !values.kind) throw new UsageError(USAGE);
  const limit = values['takeover-limit'];
  const takeoverLimitMs = limit === undefined ? undefined : parseDuration(limit);
  if (limit !== undefined && takeoverLimitMs === undefined)
    throw new UsageError(`--takeover-limit "${limit}" is not a duration (use e.g. 90s, 2m)`);
  const input = {
    cluster: values.cluster,
    kind: values.kind,
    job: values.job,
    takeoverLimitMs,
    reportDir: values['report-dir'],
  } as DrillInput;
  const issues = inputIssues(drillInputSchema, JSON.parse(JSON.stringify(input)));
  if (issues.length > 0)
    throw new UsageError(issues.map((i) => `${i.path || '(input)'}: ${i.message}`).join('\n'));
  return { input, id: values.id, wait: !values['no-wait'], json: values.json ?? false };
}

/** One line per checklist item, then where the report is. */
export function verdictText(result: DrillResult): string {
  const mark = { pass: 'PASS', fail: 'FAIL', 'not-verified': 'n/v ', 'not-applicable': 'n/a ' } as const;
  return [
    result.headline,
    ...result.checklist.map((i) => `  ${mark[i.status]}  ${i.seed}: ${i.evidence}`),
    result.files ? `report: ${result.files.markdown} (chart ${result.files.svg})` : 'report: not written',
  ].join('\n');
}

/**
 * The drill command: its exit code (0 passed, 1 failed or not started, 2 bad usage or input,
 * 3 Temporal unreachable).
 */
export async function runDrill(argv: string[]): Promise<number> {
  try {
    return await startDrill(argv);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    return exitCodeFor(error);
  }
}

async function startDrill(argv: string[]): Promise<number> {
  const { input, id, wait, json } = drillInputFromArgs(argv);
  const cluster = await resolveClusterRef({ cluster: input.cluster });
  selectJob(cluster, input.job);
  const settings = temporalSettingsFromEnv();
  const connection = await connectToTemporal(settings);
  const client = new Client({ connection, namespace: settings.namespace });
  try {
    const handle = await client.workflow.start(DRILL_WORKFLOW, {
      taskQueue: settings.taskQueue,
      workflowId: id ?? drillWorkflowId(input.cluster),
      args: [JSON.parse(JSON.stringify(input))],
    });
    console.error(`started ${DRILL_WORKFLOW} ${input.kind} on ${input.cluster} as ${handle.workflowId}`);
    if (!wait) return EXIT.ok;
    const result = (await handle.result()) as DrillResult;
    if (json) console.log(JSON.stringify({ ...result, svg: undefined }, null, 2));
    else console.log(verdictText(result));
    return result.outcome === 'passed' ? EXIT.ok : EXIT.failed;
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      console.error(`a drill already runs as ${error.workflowId}; wait for it, or pass another --id`);
      return EXIT.failed;
    }
    const cause = (error as { cause?: Error }).cause;
    console.error(`drill failed: ${cause?.message ?? (error as Error).message}`);
    return exitCodeFor(error);
  } finally {
    await connection.close();
  }
}
