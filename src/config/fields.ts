import { z } from 'zod';
import { formatDuration, parseDuration } from './duration';

/**
 * Field types of the cluster spec that refuse what would hurt the cluster: durations with
 * per-field bounds, text without control characters, paths and URIs without `..`.
 */

/** Line breaks, tabs, NUL and the other C0/C1 control characters, and Unicode line separators. */
export function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029) return true;
  }
  return false;
}

export const NO_CONTROL = 'must not contain control characters (a line break would add a setting of its own)';

/** Text of one line: no line break, tab or other control character. */
export const plainText = () => z.string().refine((text) => !hasControlCharacter(text), NO_CONTROL);

/** A `..` segment, also percent-encoded, with either slash. */
const DOT_DOT = /(^|[/\\])(\.|%2e){2}([/\\]|$)/i;

export const NO_DOT_DOT = 'must not contain ".." (it would reach outside the folder it names)';

/** True when `path` holds a `..` segment anywhere. */
export const hasDotDot = (path: string): boolean => DOT_DOT.test(path);

/**
 * A path on the worker's machine. A relative path is taken from the clusters file's folder and may
 * start with `../` segments to leave it; no `..` anywhere else.
 */
export const hostPath = () =>
  z
    .string()
    .min(1)
    .refine((text) => !hasControlCharacter(text), NO_CONTROL)
    .refine((text) => !hasDotDot(text.startsWith('/') ? text : text.replace(/^(\.\.\/)+/, '')), NO_DOT_DOT);

/** A path inside a container. */
export const containerPath = () =>
  z
    .string()
    .regex(/^\//, 'must be an absolute path inside the container')
    .refine((text) => !hasControlCharacter(text), NO_CONTROL)
    .refine((text) => !hasDotDot(text), NO_DOT_DOT);

/** A storage URI as Flink sees it (file:///..., s3://...). */
export const storageUri = () =>
  z
    .string()
    .regex(/^[a-z][a-z0-9+.-]*:\/\//, 'must be a URI such as file:///opt/flink/ha')
    .refine((text) => !hasControlCharacter(text), NO_CONTROL)
    .refine((text) => !hasDotDot(text), NO_DOT_DOT);

/** Flink settings: keys and values of one line each, so no value can smuggle in a setting of its own. */
export const flinkConfig = () =>
  z
    .record(
      z.string().min(1),
      z.union([
        z.string().refine((value) => !hasControlCharacter(value), NO_CONTROL),
        z.number(),
        z.boolean(),
      ]),
    )
    .superRefine((config, ctx) => {
      for (const key of Object.keys(config))
        if (hasControlCharacter(key))
          ctx.addIssue({ code: 'custom', path: [key], message: `key ${JSON.stringify(key)} ${NO_CONTROL}` });
    });

export interface DurationBounds {
  min: number;
  max: number;
}

/**
 * A duration written with a unit ("500ms", "30s", "5m", "1h30m"); a bare number is milliseconds.
 * Bounded per field, so a forgotten unit (`interval: 60`) is refused rather than run as 60 ms.
 */
export const duration = ({ min, max }: DurationBounds) =>
  z.union([z.number(), z.string()]).transform((value, ctx) => {
    const ms = typeof value === 'number' ? value : parseDuration(value);
    if (ms === undefined || !Number.isFinite(ms)) {
      ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration (use e.g. 500ms, 30s, 5m, 1h)` });
      return z.NEVER;
    }
    if (ms <= 0) {
      ctx.addIssue({ code: 'custom', message: `must be a positive duration, got ${value}` });
      return z.NEVER;
    }
    const bare = typeof value === 'number' || /^\s*\d+\s*$/.test(value);
    const unit = bare ? ` (a bare number is milliseconds: write the unit, e.g. ${value}s)` : '';
    if (ms < min) {
      ctx.addIssue({
        code: 'custom',
        message: `must be at least ${formatDuration(min)}, got ${value}${unit}`,
      });
      return z.NEVER;
    }
    if (ms > max) {
      ctx.addIssue({ code: 'custom', message: `must be at most ${formatDuration(max)}, got ${value}` });
      return z.NEVER;
    }
    return ms;
  });

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The bounds of every duration in the spec (docs/configuration.md lists them). */
export const BOUNDS = {
  checkpointInterval: { min: 100, max: DAY },
  checkpointTimeout: { min: SECOND, max: DAY },
  checkpointMinPause: { min: 1, max: DAY },
  freshness: { min: SECOND, max: 7 * DAY },
  inProgressLimit: { min: SECOND, max: 7 * DAY },
  probeTimeout: { min: SECOND, max: HOUR },
  monitorInterval: { min: SECOND, max: HOUR },
  fileWindow: { min: SECOND, max: 7 * DAY },
  restartWindow: { min: SECOND, max: 30 * DAY },
  cooldown: { min: SECOND, max: DAY },
  /** The CDC source's waits and timeouts (source-schema.ts). */
  sourceTiming: { min: 100, max: DAY },
} as const satisfies Record<string, DurationBounds>;
