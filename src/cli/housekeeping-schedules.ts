import { type ScheduleOptions, ScheduleOverlapPolicy } from '@temporalio/client';
import { parseDuration } from '../config/duration';
import { resolveClusterRef } from '../config/load';
import {
  DAILY_CHECK_WORKFLOW,
  type DailyCheckInput,
  HOUSEKEEPING_WORKFLOW,
  type HousekeepingInput,
} from '../workflows/housekeeping-api';

/**
 * A cluster's two maintenance schedules beside its savepoints (`schedule maintenance <cluster>`):
 * `housekeeping:<cluster>` (the seeds' weekly cleanup, run daily) and `daily-check:<cluster>`
 * (the seeds' 日常维护 report and its summary alert). Daily unless told otherwise; overlap: skip.
 */
export function housekeepingScheduleId(cluster: string): string {
  return `housekeeping:${cluster}`;
}
export function dailyCheckScheduleId(cluster: string): string {
  return `daily-check:${cluster}`;
}

export interface MaintenanceScheduleOptions {
  cluster: string;
  /** Interval in ms or a duration such as "1d"; default daily. */
  every?: number | string;
  cron?: string;
  /** Housekeeping only lists what it would remove. */
  dryRun?: boolean;
  paused?: boolean;
  note?: string;
  taskQueue: string;
}

const DAY = 86_400_000;

/** Both schedules, validated against the clusters file; nothing is created yet. */
export async function maintenanceScheduleOptions(
  options: MaintenanceScheduleOptions,
): Promise<ScheduleOptions[]> {
  if (options.every !== undefined && options.cron !== undefined)
    throw new Error('give at most one of --every (default 1d) or --cron (e.g. "0 4 * * *")');
  const every = typeof options.every === 'string' ? parseDuration(options.every) : (options.every ?? DAY);
  if (options.cron === undefined && !(every !== undefined && every >= 60_000))
    throw new Error(`--every "${options.every}" is not a duration of at least 1m (use e.g. 12h, 1d)`);
  const cluster = await resolveClusterRef({ cluster: options.cluster });
  const spec =
    options.cron !== undefined
      ? { cronExpressions: [options.cron] }
      : { intervals: [{ every: every as number }] };
  const housekeeping: HousekeepingInput = {
    cluster: cluster.name,
    ...(options.dryRun ? { dryRun: true } : {}),
  };
  const check: DailyCheckInput = { cluster: cluster.name };
  const schedule = (
    scheduleId: string,
    workflowType: string,
    input: unknown,
    what: string,
  ): ScheduleOptions => ({
    scheduleId,
    spec,
    action: {
      type: 'startWorkflow',
      workflowType,
      args: [input],
      taskQueue: options.taskQueue,
      workflowId: scheduleId,
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1h' },
    state: { paused: options.paused ?? false, note: options.note ?? `${what} of ${cluster.name}` },
    memo: { cluster: cluster.name },
  });
  return [
    schedule(housekeepingScheduleId(cluster.name), HOUSEKEEPING_WORKFLOW, housekeeping, 'housekeeping'),
    schedule(dailyCheckScheduleId(cluster.name), DAILY_CHECK_WORKFLOW, check, 'daily check'),
  ];
}
