import { z } from 'zod';
import { parseDuration } from '../config/duration';
import { clusterRefSchema } from '../config/input';
import { HOUSEKEEPING_STEPS, type HousekeepingRules, type HousekeepingStep } from '../policy/housekeeping';
import type { DailyCheckReport } from '../policy/housekeeping-daily-check';

/**
 * How people, schedules and tests start the housekeeping and daily-check runbooks: their inputs
 * (small JSON for the Temporal UI) and results. Imports no workflow code.
 */
export const HOUSEKEEPING_WORKFLOW = 'housekeeping';
export const DAILY_CHECK_WORKFLOW = 'dailyCheck';

/**
 * A duration that may be 0: a retention of 0 is refused by the runbook itself, as a dangerous
 * setting named in a typed error, rather than as malformed input.
 */
const duration = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const ms = typeof value === 'number' ? value : parseDuration(value);
  if (ms === undefined || !Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration (use e.g. 1h, 7d)` });
    return z.NEVER;
  }
  return ms;
});

const reportDir = z.string().min(1).max(500);

export const housekeepingInputSchema = clusterRefSchema.extend({
  /** List what would be removed, remove nothing. */
  dryRun: z.boolean().optional(),
  /** Run only these steps (default: all). */
  steps: z.array(z.enum(HOUSEKEEPING_STEPS)).min(1).optional(),
  /** Override the clusters file's `housekeeping` settings for this run. */
  checkpointMaxAge: duration.optional(),
  logMaxAgeDays: z.number().optional(),
  incompleteSavepointAge: duration.optional(),
  keepDrillReports: z.number().optional(),
  /** Where the drill writes its reports (the drill's own `reportDir`); default `reports/`. */
  reportDir: reportDir.optional(),
});
export type HousekeepingInput = z.input<typeof housekeepingInputSchema>;

export interface HousekeepingResult {
  cluster: string;
  dryRun: boolean;
  rules: HousekeepingRules;
  /** One line a person reads first: what was removed and how much space it gave back. */
  headline: string;
  freedBytes: number;
  steps: HousekeepingStep[];
}

export const dailyCheckInputSchema = clusterRefSchema.extend({
  reportDir: reportDir.optional(),
  /** Send the summary to the cluster's alert channels (default true). */
  alert: z.boolean().optional(),
});
export type DailyCheckInput = z.input<typeof dailyCheckInputSchema>;

export type DailyCheckResult = DailyCheckReport & { alert?: string };
