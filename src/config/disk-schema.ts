import { z } from 'zod';
import { parseDuration } from './duration';

/**
 * The clusters file's `disk` and `housekeeping` sections: when a full disk is worth a warning,
 * and what the housekeeping runbook may remove. Defaults follow the seeds (日常维护 `df -h`,
 * 每周 `find logs -name "*.log" -mtime +7 -delete`).
 */

const positiveDuration = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const ms = typeof value === 'number' ? value : parseDuration(value);
  if (ms === undefined || !Number.isFinite(ms) || ms <= 0) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a positive duration (use e.g. 30m, 6h, 7d)` });
    return z.NEVER;
  }
  return ms;
});

const percent = z.number().gt(0).max(100);

export const DISK_DEFAULTS = {
  warnAtPercent: 80,
  criticalAtPercent: 90,
  forecastHorizon: 6 * 3_600_000,
  paths: [] as string[],
  dockerDataRoot: true,
};

export const diskSchema = z
  .strictObject({
    warnAtPercent: percent.default(80).describe('used bytes or inodes past this percentage is a warning'),
    criticalAtPercent: percent.default(90).describe('used bytes or inodes past this percentage is critical'),
    forecastHorizon: positiveDuration
      .default(DISK_DEFAULTS.forecastHorizon)
      .describe('warn when recent growth would fill a folder within this time'),
    paths: z
      .array(z.string().regex(/^\//, 'must be an absolute host path'))
      .default([])
      .describe("more host folders to watch besides the volumes'"),
    dockerDataRoot: z
      .boolean()
      .default(true)
      .describe("also watch the Docker engine's data root, where container logs live (local engine only)"),
  })
  .refine((d) => d.criticalAtPercent > d.warnAtPercent, {
    message: 'criticalAtPercent must be above warnAtPercent',
    path: ['criticalAtPercent'],
  });

export const HOUSEKEEPING_DEFAULTS = {
  checkpointMaxAge: 7 * 86_400_000,
  logMaxAgeDays: 7,
  incompleteSavepointAge: 3_600_000,
  keepDrillReports: 20,
  dockerLogs: { maxSize: '50m', maxFiles: 5 },
};

/** Docker's json-file sizes: a number with k, m or g. */
const dockerSize = z.string().regex(/^[1-9]\d*[kmg]$/, 'must be a size such as 50m, 500k or 1g');

export const housekeepingSchema = z.strictObject({
  checkpointMaxAge: positiveDuration
    .default(HOUSEKEEPING_DEFAULTS.checkpointMaxAge)
    .describe(
      'checkpoint folders of jobs that no longer run are removed once older than this (never the newest state of a job)',
    ),
  logMaxAgeDays: z
    .number()
    .int()
    .min(1)
    .default(HOUSEKEEPING_DEFAULTS.logMaxAgeDays)
    .describe("Flink's log files in the containers older than this many days are removed (the seeds: 7)"),
  incompleteSavepointAge: positiveDuration
    .default(HOUSEKEEPING_DEFAULTS.incompleteSavepointAge)
    .describe('a savepoint folder without _metadata older than this is a failed savepoint’s leftover'),
  keepDrillReports: z
    .number()
    .int()
    .min(1)
    .default(HOUSEKEEPING_DEFAULTS.keepDrillReports)
    .describe("drill reports kept per cluster in the worker's reports folder; older ones are removed"),
  dockerLogs: z
    .strictObject({
      maxSize: dockerSize.default('50m'),
      maxFiles: z.number().int().min(1).max(100).default(5),
    })
    .default(HOUSEKEEPING_DEFAULTS.dockerLogs)
    .describe(
      'json-file log limits of every container the deploy creates, so container logs cannot fill the disk',
    ),
});

export type DiskSettings = z.output<typeof diskSchema>;
export type HousekeepingSettings = z.output<typeof housekeepingSchema>;
