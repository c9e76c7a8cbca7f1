/**
 * Pure: how long a job may be missing after a leader change before the monitor acts. A new
 * leader is elected only once the old one's ZooKeeper session has expired, and then recovers
 * the jobs from HA storage: a job the cluster does not know during that time is being
 * recovered, not lost. The window is two session timeouts plus half a minute for the recovery.
 */
export const SESSION_TIMEOUT_KEY = 'high-availability.zookeeper.client.session-timeout';
/** Flink's default session timeout. */
export const DEFAULT_SESSION_TIMEOUT_MS = 60_000;
const RECOVERY_MARGIN_MS = 30_000;

export class BadSessionTimeoutError extends Error {
  override name = 'BadSessionTimeout';
  readonly nonRetryable = true;
}

/** Flink's duration syntax: plain milliseconds, or a number with a unit (ms, s, min, m, h). */
export function flinkDurationMs(value: unknown): number | undefined {
  const text = String(value).trim().toLowerCase();
  const match =
    /^(\d+(?:\.\d+)?)\s*(ms|milli|millis|s|sec|secs|second|seconds|m|min|mins|minute|minutes|h|hour|hours)?$/.exec(
      text,
    );
  if (!match) return undefined;
  const unit = match[2] ?? 'ms';
  const factor =
    unit.startsWith('ms') || unit.startsWith('milli')
      ? 1
      : unit.startsWith('s')
        ? 1_000
        : unit.startsWith('h')
          ? 3_600_000
          : 60_000;
  return Math.round(Number(match[1]) * factor);
}

/** The longest session timeout any JobManager runs with (its own settings over the cluster's). */
export function sessionTimeoutMs(cluster: {
  flinkConfig: Record<string, unknown>;
  jobManagers: Array<{ config: Record<string, unknown> }>;
}): number {
  const values = cluster.jobManagers.map(
    (jm) => jm.config[SESSION_TIMEOUT_KEY] ?? cluster.flinkConfig[SESSION_TIMEOUT_KEY],
  );
  let longest = 0;
  for (const value of values) {
    if (value === undefined) {
      longest = Math.max(longest, DEFAULT_SESSION_TIMEOUT_MS);
      continue;
    }
    const ms = flinkDurationMs(value);
    if (ms === undefined || ms <= 0)
      throw new BadSessionTimeoutError(
        `${SESSION_TIMEOUT_KEY} must be a positive duration such as 60000 or 60 s, got "${String(value)}"`,
      );
    longest = Math.max(longest, ms);
  }
  return longest || DEFAULT_SESSION_TIMEOUT_MS;
}

export function haRecoveryWindowMs(cluster: Parameters<typeof sessionTimeoutMs>[0]): number {
  return 2 * sessionTimeoutMs(cluster) + RECOVERY_MARGIN_MS;
}
