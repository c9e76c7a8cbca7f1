/**
 * Recurring savepoints: one Temporal Schedule per job, running the `takeSavepoint` runbook.
 * `flink-runbooks schedule ...` and `npm run schedules -- ...` (scripts/schedules.ts):
 *
 *   schedules create <cluster> [--job NAME] (--every 30d | --cron "0 3 1 * *")
 *                   [--keep-last N] [--max-age 90d] [--timeout 5m] [--id ID] [--paused] [--note TEXT]
 *   schedules maintenance <cluster> [--every 1d | --cron "0 4 * * *"] [--dry-run] [--paused] [--note TEXT]
 *   schedules list [--json]
 *   schedules describe <id> [--json]
 *   schedules pause <id> [--note TEXT]
 *   schedules unpause <id> [--note TEXT]
 *   schedules trigger <id>
 *   schedules delete <id>
 *
 * The connection and task queue come from the environment like the worker's (TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE, TLS, API key); `create` validates the cluster and job
 * against the clusters file (FLINK_RUNBOOKS_CLUSTERS). Overlap policy: skip (a savepoint still
 * being taken is never joined by a second one).
 */
import {
  Client,
  type ScheduleDescription,
  type ScheduleOptions,
  ScheduleOverlapPolicy,
  type ScheduleSummary,
} from '@temporalio/client';
import { parseDuration } from '../config/duration';
import { resolveClusterRef, selectJob } from '../config/load';
import { dataConverterFromEnv } from '../temporal/codec';
import { temporalSettingsFromEnv } from '../temporal/connection';
import { SAVEPOINT_WORKFLOW, type SavepointInput } from '../workflows/upgrade-api';
import { parseCommandLine } from './arguments';
import { exitCodeFor, UsageError } from './exit-codes';
import { maintenanceScheduleOptions } from './housekeeping-schedules';
import { connectToTemporal } from './temporal-client';
import { validateBeforeContact } from './validate';

export function savepointScheduleId(cluster: string, job: string): string {
  return `savepoint:${cluster}:${job}`;
}

export interface CreateScheduleOptions {
  cluster: string;
  job?: string;
  /** Interval in ms, or a duration such as "30d". */
  every?: number | string;
  cron?: string;
  keepLast?: number;
  maxAge?: string;
  timeout?: string;
  id?: string;
  paused?: boolean;
  note?: string;
  taskQueue: string;
}

/** The schedule for a job, validated against the clusters file; nothing is created yet. */
export async function savepointScheduleOptions(options: CreateScheduleOptions): Promise<ScheduleOptions> {
  if ((options.every === undefined) === (options.cron === undefined))
    throw new UsageError('give exactly one of --every (e.g. 30d) or --cron (e.g. "0 3 1 * *")');
  const every = typeof options.every === 'string' ? parseDuration(options.every) : options.every;
  if (options.every !== undefined && !(every && every >= 1000))
    throw new UsageError(`--every "${options.every}" is not a duration of at least 1s (use e.g. 12h, 30d)`);
  if (options.keepLast !== undefined && !(Number.isInteger(options.keepLast) && options.keepLast >= 1))
    throw new UsageError(`--keep-last must be a whole number of at least 1, got ${options.keepLast}`);
  if (options.maxAge !== undefined && !parseDuration(options.maxAge))
    throw new UsageError(`--max-age "${options.maxAge}" is not a duration (use e.g. 30d)`);
  if (options.timeout !== undefined && !parseDuration(options.timeout))
    throw new UsageError(`--timeout "${options.timeout}" is not a duration (use e.g. 5m)`);
  const cluster = await resolveClusterRef({ cluster: options.cluster });
  const job = selectJob(cluster, options.job);
  const retention =
    options.keepLast !== undefined || options.maxAge !== undefined
      ? { keepLast: options.keepLast, maxAge: options.maxAge }
      : undefined;
  const input: SavepointInput = { cluster: cluster.name, job: job.name, timeout: options.timeout, retention };
  const scheduleId = options.id ?? savepointScheduleId(cluster.name, job.name);
  return {
    scheduleId,
    spec: every !== undefined ? { intervals: [{ every }] } : { cronExpressions: [options.cron as string] },
    action: {
      type: 'startWorkflow',
      workflowType: SAVEPOINT_WORKFLOW,
      args: [JSON.parse(JSON.stringify(input))],
      taskQueue: options.taskQueue,
      workflowId: scheduleId,
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1h' },
    state: {
      paused: options.paused ?? false,
      note: options.note ?? `savepoints of ${cluster.name}/${job.name}`,
    },
    memo: { cluster: cluster.name, job: job.name },
  };
}

/** Validates, then creates the schedule; returns its id. */
export async function createSavepointSchedule(
  client: Client,
  options: CreateScheduleOptions,
): Promise<string> {
  const schedule = await savepointScheduleOptions(options);
  await client.schedule.create(schedule);
  return schedule.scheduleId;
}

export interface ScheduleLine {
  id: string;
  paused: boolean;
  note?: string;
  spec: string;
  workflowType?: string;
  nextRuns: string[];
  recent: Array<{ at: string; workflowId: string }>;
}

function specText(spec: ScheduleSummary['spec'] | ScheduleDescription['spec']): string {
  const intervals = (spec?.intervals ?? []).map((i) => `every ${Math.round(Number(i.every) / 1000)}s`);
  const calendars = (spec?.calendars ?? []).length > 0 ? [`${spec?.calendars?.length} calendar rule(s)`] : [];
  return [...intervals, ...calendars].join(', ') || '(none)';
}

export async function listSchedules(client: Client): Promise<ScheduleLine[]> {
  const lines: ScheduleLine[] = [];
  for await (const s of client.schedule.list()) {
    lines.push({
      id: s.scheduleId,
      paused: s.state.paused,
      note: s.state.note,
      spec: specText(s.spec),
      workflowType: s.action?.type === 'startWorkflow' ? s.action.workflowType : undefined,
      nextRuns: s.info.nextActionTimes.slice(0, 3).map((d) => d.toISOString()),
      recent: s.info.recentActions.map((a) => ({
        at: a.takenAt.toISOString(),
        workflowId: a.action.workflow.workflowId,
      })),
    });
  }
  return lines.sort((a, b) => a.id.localeCompare(b.id));
}

export async function describeSchedule(client: Client, id: string) {
  const d = await client.schedule.getHandle(id).describe();
  return {
    id: d.scheduleId,
    paused: d.state.paused,
    note: d.state.note,
    spec: specText(d.spec),
    overlap: d.policies.overlap,
    input: d.action.type === 'startWorkflow' ? d.action.args : undefined,
    actions: d.info.numActionsTaken,
    skipped: d.info.numActionsSkippedOverlap,
    running: d.info.runningActions.map((a) => a.workflow.workflowId),
    recent: d.info.recentActions.map((a) => ({
      at: a.takenAt.toISOString(),
      workflowId: a.action.workflow.workflowId,
      runId: a.action.workflow.firstExecutionRunId,
    })),
    nextRuns: d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()),
  };
}

const USAGE = `usage:
  schedules create <cluster> [--job NAME] (--every 30d | --cron "0 3 1 * *") [--keep-last N] [--max-age 90d]
                   [--timeout 5m] [--id ID] [--paused] [--note TEXT]
  schedules maintenance <cluster> [--every 1d | --cron "0 4 * * *"] [--dry-run] [--paused] [--note TEXT]
  schedules list [--json]
  schedules describe <id> [--json]
  schedules pause <id> [--note TEXT]
  schedules unpause <id> [--note TEXT]
  schedules trigger <id>
  schedules delete <id>`;

/** The schedule command: its exit code (0 done, 1 failed, 2 bad usage or input, 3 Temporal unreachable). */
export async function runSchedules(argv: string[]): Promise<number> {
  try {
    await schedules(argv);
    return 0;
  } catch (error) {
    console.error(error instanceof UsageError ? error.message : `schedules: ${(error as Error).message}`);
    // A bad clusters file, cluster or job is bad input too (exit code 2); Temporal unreachable is 3.
    return exitCodeFor(error);
  }
}

const SUBCOMMANDS = ['create', 'maintenance', 'list', 'describe', 'pause', 'unpause', 'trigger', 'delete'];

/** `schedule <command> [target] [options]`, read and checked before anything is loaded or contacted. */
export function readScheduleCommandLine(argv: string[]) {
  const { positionals, values } = parseCommandLine({
    args: argv,
    allowPositionals: true,
    options: {
      job: { type: 'string' },
      every: { type: 'string' },
      cron: { type: 'string' },
      'keep-last': { type: 'string' },
      'max-age': { type: 'string' },
      timeout: { type: 'string' },
      id: { type: 'string' },
      paused: { type: 'boolean' },
      note: { type: 'string' },
      'dry-run': { type: 'boolean' },
      json: { type: 'boolean' },
    },
  });
  const [command, target] = positionals;
  if (!command || !SUBCOMMANDS.includes(command) || (command !== 'list' && !target) || positionals.length > 2)
    throw new UsageError(USAGE);
  return { command, target, values };
}

async function schedules(argv: string[]): Promise<void> {
  const { command, target, values } = readScheduleCommandLine(argv);
  const settings = temporalSettingsFromEnv();
  // A schedule that would be refused is refused before connecting.
  const schedule =
    command === 'create'
      ? await savepointScheduleOptions({
          cluster: target as string,
          job: values.job,
          every: values.every,
          cron: values.cron,
          keepLast: values['keep-last'] === undefined ? undefined : Number(values['keep-last']),
          maxAge: values['max-age'],
          timeout: values.timeout,
          id: values.id,
          paused: values.paused,
          note: values.note,
          taskQueue: settings.taskQueue,
        })
      : undefined;
  const maintenance =
    command === 'maintenance'
      ? await maintenanceScheduleOptions({
          cluster: target as string,
          every: values.every,
          cron: values.cron,
          dryRun: values['dry-run'],
          paused: values.paused,
          note: values.note,
          taskQueue: settings.taskQueue,
        })
      : [];
  // Every command, `list` and `delete` too, finds a malformed clusters file before Temporal.
  await validateBeforeContact({});
  const connection = await connectToTemporal(settings);
  const client = new Client({
    connection,
    namespace: settings.namespace,
    dataConverter: dataConverterFromEnv(),
  });
  const print = (value: unknown, text: () => string) =>
    console.log(values.json ? JSON.stringify(value, null, 2) : text());
  try {
    switch (command) {
      case 'create': {
        const { scheduleId } = schedule as ScheduleOptions;
        await client.schedule.create(schedule as ScheduleOptions);
        print({ id: scheduleId }, () => `created schedule ${scheduleId} (task queue ${settings.taskQueue})`);
        break;
      }
      case 'maintenance': {
        for (const one of maintenance) await client.schedule.create(one);
        const ids = maintenance.map((m) => m.scheduleId);
        print({ ids }, () => `created schedules ${ids.join(', ')} (task queue ${settings.taskQueue})`);
        break;
      }
      case 'list': {
        const lines = await listSchedules(client);
        print(lines, () =>
          lines.length === 0
            ? 'no schedules'
            : lines
                .map(
                  (l) =>
                    `${l.id}  ${l.paused ? 'PAUSED ' : 'active '} ${l.spec}  next ${l.nextRuns[0] ?? '-'}  last ${l.recent.at(-1)?.at ?? '-'}${l.note ? `  (${l.note})` : ''}`,
                )
                .join('\n'),
        );
        break;
      }
      case 'describe': {
        const d = await describeSchedule(client, target as string);
        print(d, () => JSON.stringify(d, null, 2));
        break;
      }
      case 'pause':
        await client.schedule.getHandle(target as string).pause(values.note);
        print({ id: target, paused: true }, () => `paused ${target}`);
        break;
      case 'unpause':
        await client.schedule.getHandle(target as string).unpause(values.note);
        print({ id: target, paused: false }, () => `unpaused ${target}`);
        break;
      case 'trigger':
        // The schedule's own overlap policy (skip) applies to a manual run too.
        await client.schedule.getHandle(target as string).trigger(ScheduleOverlapPolicy.SKIP);
        print({ id: target, triggered: true }, () => `triggered ${target}`);
        break;
      case 'delete':
        await client.schedule.getHandle(target as string).delete();
        print({ id: target, deleted: true }, () => `deleted ${target}`);
        break;
      default:
        throw new UsageError(USAGE);
    }
  } finally {
    await connection.close();
  }
}
