/**
 * Pure: is a disk the cluster writes to filling up? The seeds name full storage as the first
 * cause of failing checkpoints ("存储空间不足", with `df -h` as the check); this turns what
 * `statfs` says about each watched host folder, and how fast it grew recently, into a verdict a
 * person reads: used bytes and inodes against two thresholds, and a forecast ("checkpoints full
 * in about 3 h") so the warning comes before the failure.
 */
import { hostPathFor } from './retention';

/** One look at the filesystem holding a folder, as `df` and `df -i` would show it. */
export interface DiskUsage {
  /** The host folder looked at. */
  path: string;
  /** What the cluster keeps there: checkpoints, savepoints, HA storage, output, ... */
  roles: string[];
  at: number;
  /** Bytes in use and bytes still available to an unprivileged writer (df's Used and Avail). */
  usedBytes?: number;
  availableBytes?: number;
  /** Inodes in use and free; left out on filesystems that do not count them. */
  usedInodes?: number;
  freeInodes?: number;
  /** Folders on one filesystem share it: one full disk is one reason, not one per folder. */
  device?: number;
  /** Why the folder could not be looked at. */
  error?: string;
}

export interface DiskThresholds {
  warnAtPercent: number;
  criticalAtPercent: number;
  /** Warn when the recent growth would fill the disk within this. */
  forecastHorizonMs: number;
}

export type DiskLevel = 'ok' | 'warning' | 'critical';

export interface DiskForecast {
  resource: 'bytes' | 'inodes';
  /** At the growth rate seen over `overMs`, the disk is full this long from now. */
  fullInMs: number;
  overMs: number;
}

export interface FolderVerdict {
  path: string;
  roles: string[];
  level: DiskLevel;
  bytesPercent?: number;
  inodesPercent?: number;
  forecast?: DiskForecast;
  error?: string;
}

export interface DiskVerdict {
  level: DiskLevel;
  /** One line per filesystem past a threshold or filling within the horizon. */
  reasons: string[];
  folders: FolderVerdict[];
  /** Folders that could not be looked at (not a verdict on the disk). */
  unreadable: string[];
}

/**
 * Growth is trusted only when seen over at least this long. A disk shared with other writers (a
 * build, an image pull, another team's job) jumps by gigabytes within a minute or two; a forecast
 * of hours drawn from such a jump is a false warning, and a warning holds a healthy verdict back.
 */
export const MIN_FORECAST_SPAN_MS = 10 * 60_000;
/** How far back growth is measured. */
export const FORECAST_WINDOW_MS = 3_600_000;

const RANK: Record<DiskLevel, number> = { ok: 0, warning: 1, critical: 2 };
const worst = (levels: DiskLevel[]): DiskLevel =>
  levels.reduce<DiskLevel>((a, b) => (RANK[b] > RANK[a] ? b : a), 'ok');

/** df's Use%: used over what an unprivileged writer could ever use. */
export function usedPercent(used: number | undefined, available: number | undefined): number | undefined {
  if (used === undefined || available === undefined || used + available <= 0) return undefined;
  return (used / (used + available)) * 100;
}

/** "about 3 h", "about 40 min", "about 2 d": a forecast is an estimate, said as one. */
export function aboutDuration(ms: number): string {
  if (ms < 90_000) return 'about a minute';
  if (ms < 90 * 60_000) return `about ${Math.round(ms / 60_000)} min`;
  if (ms < 36 * 3_600_000) return `about ${Math.round(ms / 3_600_000)} h`;
  return `about ${Math.round(ms / 86_400_000)} d`;
}

/**
 * Least-squares growth of `value` over the samples, in units per ms; undefined when the samples
 * span less than `minSpanMs`.
 */
export function growthRate(
  samples: Array<{ at: number; value: number }>,
  minSpanMs = MIN_FORECAST_SPAN_MS,
): number | undefined {
  if (samples.length < 2) return undefined;
  const first = Math.min(...samples.map((s) => s.at));
  const last = Math.max(...samples.map((s) => s.at));
  if (last - first < minSpanMs) return undefined;
  const n = samples.length;
  const meanT = samples.reduce((a, s) => a + (s.at - first), 0) / n;
  const meanV = samples.reduce((a, s) => a + s.value, 0) / n;
  let num = 0;
  let den = 0;
  for (const s of samples) {
    num += (s.at - first - meanT) * (s.value - meanV);
    den += (s.at - first - meanT) ** 2;
  }
  return den === 0 ? undefined : num / den;
}

function forecastFor(
  current: DiskUsage,
  history: DiskUsage[],
  now: number,
): { bytes?: DiskForecast; inodes?: DiskForecast } {
  const earlier = history.filter(
    (h) =>
      h.path === current.path &&
      h.error === undefined &&
      h.at < current.at &&
      now - h.at <= FORECAST_WINDOW_MS,
  );
  const samples = [...earlier, current];
  const overMs = current.at - Math.min(...samples.map((s) => s.at));
  const one = (
    resource: DiskForecast['resource'],
    used: (u: DiskUsage) => number | undefined,
    left: number | undefined,
  ): DiskForecast | undefined => {
    const points = samples
      .map((s) => ({ at: s.at, value: used(s) }))
      .filter((p): p is { at: number; value: number } => p.value !== undefined);
    const rate = growthRate(points);
    if (rate === undefined || rate <= 0 || left === undefined) return undefined;
    return { resource, fullInMs: Math.round(left / rate), overMs };
  };
  return {
    bytes: one('bytes', (u) => u.usedBytes, current.availableBytes),
    inodes: one('inodes', (u) => u.usedInodes, current.freeInodes),
  };
}

function judgeFolder(
  usage: DiskUsage,
  history: DiskUsage[],
  t: DiskThresholds,
  now: number,
): FolderVerdict & { why: string[] } {
  const base = { path: usage.path, roles: usage.roles };
  if (usage.error !== undefined) return { ...base, level: 'ok', error: usage.error, why: [] };
  const bytesPercent = usedPercent(usage.usedBytes, usage.availableBytes);
  const inodesPercent = usedPercent(usage.usedInodes, usage.freeInodes);
  const why: string[] = [];
  const levels: DiskLevel[] = [];
  for (const [what, value] of [
    ['space', bytesPercent],
    ['inodes', inodesPercent],
  ] as const) {
    if (value === undefined) continue;
    if (value >= t.criticalAtPercent) {
      levels.push('critical');
      why.push(`${Math.round(value)} % of its ${what} used (critical at ${t.criticalAtPercent} %)`);
    } else if (value >= t.warnAtPercent) {
      levels.push('warning');
      why.push(`${Math.round(value)} % of its ${what} used (warning at ${t.warnAtPercent} %)`);
    }
  }
  const forecasts = forecastFor(usage, history, now);
  const soonest = [forecasts.bytes, forecasts.inodes]
    .filter((f): f is DiskForecast => f !== undefined)
    .sort((a, b) => a.fullInMs - b.fullInMs)[0];
  if (soonest && soonest.fullInMs <= t.forecastHorizonMs) {
    levels.push('warning');
    why.push(
      `${soonest.resource === 'inodes' ? 'inodes run out' : 'full'} in ${aboutDuration(soonest.fullInMs)} at the growth of the last ${aboutDuration(soonest.overMs).replace('about ', '')}`,
    );
  }
  return {
    ...base,
    level: worst(levels),
    bytesPercent: bytesPercent === undefined ? undefined : round1(bytesPercent),
    inodesPercent: inodesPercent === undefined ? undefined : round1(inodesPercent),
    forecast: soonest,
    why,
  };
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/**
 * The verdict on every watched folder: `critical` past the critical threshold, `warning` past
 * the warning threshold or when recent growth fills it within the horizon, else `ok`. Folders
 * on one filesystem (same device) give one reason naming all of them.
 */
export function diskVerdict(input: {
  now: number;
  thresholds: DiskThresholds;
  usage: DiskUsage[];
  /** Earlier looks (any folders); those older than FORECAST_WINDOW_MS are ignored. */
  history?: DiskUsage[];
}): DiskVerdict {
  const judged = input.usage.map((u) => judgeFolder(u, input.history ?? [], input.thresholds, input.now));
  const groups = new Map<string, Array<(typeof judged)[number]>>();
  input.usage.forEach((u, i) => {
    const j = judged[i] as (typeof judged)[number];
    if (j.level === 'ok') return;
    const key = u.device !== undefined ? `dev:${u.device}` : `path:${u.path}`;
    groups.set(key, [...(groups.get(key) ?? []), j]);
  });
  const reasons = [...groups.values()].map((folders) => {
    const lead = folders.sort((a, b) => RANK[b.level] - RANK[a.level])[0] as (typeof judged)[number];
    const roles = [...new Set(folders.flatMap((f) => f.roles))].join(', ') || 'disk';
    const paths = folders.map((f) => f.path).join(', ');
    return `${roles} (${paths}): ${lead.why.join('; ')}`;
  });
  return {
    level: worst(judged.map((j) => j.level)),
    reasons,
    folders: judged.map(({ why: _why, ...f }) => f),
    unreadable: judged.filter((j) => j.error !== undefined).map((j) => `${j.path}: ${j.error}`),
  };
}

/** Keeps the looks a forecast needs: the latest per folder per look, none older than the window. */
export function rememberDiskLooks(history: DiskUsage[], looks: DiskUsage[], now: number): DiskUsage[] {
  return [...history, ...looks.filter((l) => l.error === undefined)].filter(
    (h) => now - h.at <= FORECAST_WINDOW_MS,
  );
}

/** What a cluster's spec says lives in a volume, to name the folder in a warning. */
export function diskFolders(cluster: {
  ha: { storageDir: string };
  volumes: Array<{ host: string; container: string }>;
  jobs: Array<{ checkpointDir: string; savepointDir: string; output?: { path: string; container?: string } }>;
  disk: { paths: string[] };
}): Array<{ path: string; roles: string[] }> {
  const folders = new Map<string, Set<string>>();
  const add = (path: string, role: string) => folders.set(path, (folders.get(path) ?? new Set()).add(role));
  /** The volume's host folder a host path lies in (the longest match). */
  const volumeHost = (hostPath: string | undefined) =>
    hostPath === undefined
      ? undefined
      : cluster.volumes
          .map((v) => v.host.replace(/\/+$/, ''))
          .filter((host) => hostPath === host || hostPath.startsWith(`${host}/`))
          .sort((a, b) => b.length - a.length)[0];
  const volumeOf = (uri: string) => volumeHost(hostPathFor(uri, cluster.volumes));
  for (const v of cluster.volumes) {
    const host = v.host.replace(/\/+$/, '');
    folders.set(host, folders.get(host) ?? new Set());
  }
  const haHost = volumeOf(cluster.ha.storageDir);
  if (haHost) add(haHost, 'HA storage');
  for (const job of cluster.jobs) {
    const cp = volumeOf(job.checkpointDir);
    if (cp) add(cp, 'checkpoints');
    const sp = volumeOf(job.savepointDir);
    if (sp) add(sp, 'savepoints');
    if (job.output && !job.output.container) add(volumeHost(job.output.path) ?? job.output.path, 'output');
  }
  for (const path of cluster.disk.paths) add(path, 'watched');
  return [...folders.entries()].map(([path, roles]) => ({
    path,
    roles: roles.size > 0 ? [...roles] : [lastSegment(path)],
  }));
}

const lastSegment = (path: string) => path.replace(/\/+$/, '').split('/').at(-1) || path;

/** How a reason about a critically full disk starts (the monitor's alert turns critical on it). */
export const DISK_CRITICAL = 'disk critical: ';

/**
 * The disk verdict folded into the monitor's evaluation of a job: a full or filling disk makes a
 * healthy job `degraded` (a warning, never a restart: restarting cannot free a disk), and adds
 * its reasons to any other verdict without changing it. Everything else of the evaluation stays.
 */
export function withDiskVerdict<E extends { verdict: string; reasons: string[] }>(
  evaluation: E,
  disk: DiskVerdict | undefined,
): E {
  if (!disk || disk.level === 'ok') return evaluation;
  const prefix = disk.level === 'critical' ? DISK_CRITICAL : 'disk warning: ';
  const reasons = [...evaluation.reasons, ...disk.reasons.map((r) => `${prefix}${r}`)];
  const healthy = evaluation.verdict === 'healthy' || evaluation.verdict === 'idle';
  return { ...evaluation, verdict: healthy ? 'degraded' : evaluation.verdict, reasons };
}

/** Whether any reason says a disk is critically full. */
export function diskCritical(reasons: string[]): boolean {
  return reasons.some((r) => r.startsWith(DISK_CRITICAL));
}

/** What the monitor's disk watch looks at, from the cluster's spec. */
export function diskWatchTarget(
  cluster: Parameters<typeof diskFolders>[0] & {
    disk: {
      paths: string[];
      warnAtPercent: number;
      criticalAtPercent: number;
      forecastHorizon: number;
      dockerDataRoot: boolean;
    };
  },
): {
  folders: Array<{ path: string; roles: string[] }>;
  dockerDataRoot: boolean;
  thresholds: DiskThresholds;
} {
  return {
    folders: diskFolders(cluster),
    dockerDataRoot: cluster.disk.dockerDataRoot,
    thresholds: {
      warnAtPercent: cluster.disk.warnAtPercent,
      criticalAtPercent: cluster.disk.criticalAtPercent,
      forecastHorizonMs: cluster.disk.forecastHorizon,
    },
  };
}
