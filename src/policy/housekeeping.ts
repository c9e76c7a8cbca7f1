/**
 * Pure decisions of the housekeeping runbook: which leftovers may go and, for everything kept,
 * why. The seeds clean by hand and bluntly (每周 `find logs -name "*.log" -mtime +7 -delete`,
 * and for a full checkpoint volume `docker volume rm flink-checkpoints`); here nothing a restart
 * or an upgrade would restore from is ever a candidate, and a bad setting is refused before
 * anything is removed.
 */
import { DRILL_KINDS } from './drill-plan';
import { isTerminalJobState } from './job-states';
import { hostPathFor, normalizeLocation, sameLocation } from './retention';

export type HousekeepingStepName = 'checkpoints' | 'flink-logs' | 'incomplete-savepoints' | 'drill-reports';
export const HOUSEKEEPING_STEPS: readonly HousekeepingStepName[] = [
  'checkpoints',
  'flink-logs',
  'incomplete-savepoints',
  'drill-reports',
];

export interface HousekeepingRules {
  checkpointMaxAgeMs: number;
  logMaxAgeDays: number;
  incompleteSavepointAgeMs: number;
  keepDrillReports: number;
}

/** One thing looked at: removed (or, in a dry run, to be removed) or kept, and why. */
export interface Decision {
  /** A host path, a container path (`container:/path`) or a file name. */
  what: string;
  bytes: number;
  reason: string;
}

export interface CleanupPlan {
  remove: Decision[];
  keep: Decision[];
}

/** Flink names a job's checkpoint folder after the job id: 32 hex digits. */
export const JOB_FOLDER = /^[0-9a-f]{32}$/;

const DAY = 86_400_000;
/** "9 d", "5 h", "40 min": ages in reasons. */
export function ageText(ms: number): string {
  if (ms >= DAY) return `${Math.floor(ms / DAY)} d`;
  if (ms >= 3_600_000) return `${Math.floor(ms / 3_600_000)} h`;
  return `${Math.max(0, Math.floor(ms / 60_000))} min`;
}

export function bytesText(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

// ---------------------------------------------------------------------------------------------
// Refusals

/**
 * What is wrong or dangerous with the rules and the cluster's paths, or an empty list. A
 * retention of 0 would remove everything; a `..` or a folder outside the cluster's volumes would
 * let a removal reach beyond what the cluster owns; two jobs writing checkpoints into one folder
 * cannot be told apart.
 */
export function housekeepingIssues(input: {
  rules: HousekeepingRules;
  volumes: Array<{ host: string; container: string }>;
  jobs: Array<{ name: string; checkpointDir: string; savepointDir: string }>;
  reportDir?: string;
}): string[] {
  const { rules } = input;
  const issues: string[] = [];
  if (!(rules.checkpointMaxAgeMs > 0))
    issues.push(
      'checkpointMaxAge must be a positive duration (0 would remove every orphaned checkpoint at once)',
    );
  if (!(Number.isInteger(rules.logMaxAgeDays) && rules.logMaxAgeDays >= 1))
    issues.push(`logMaxAgeDays must be a whole number of days of at least 1, got ${rules.logMaxAgeDays}`);
  if (!(rules.incompleteSavepointAgeMs > 0))
    issues.push(
      'incompleteSavepointAge must be a positive duration (a savepoint being written has no _metadata yet)',
    );
  if (!(Number.isInteger(rules.keepDrillReports) && rules.keepDrillReports >= 1))
    issues.push(`keepDrillReports must be a whole number of at least 1, got ${rules.keepDrillReports}`);

  const dotDot = (path: string) => path.split(/[\\/]/).includes('..');
  input.volumes.forEach((v, i) => {
    if (dotDot(v.host) || dotDot(v.container)) issues.push(`volumes[${i}] has a ".." in its path`);
  });
  if (input.reportDir !== undefined && dotDot(input.reportDir))
    issues.push(`reportDir "${input.reportDir}" has a ".." in its path`);
  for (const job of input.jobs) {
    for (const [field, uri] of [
      ['checkpointDir', job.checkpointDir],
      ['savepointDir', job.savepointDir],
    ] as const) {
      if (dotDot(uri)) issues.push(`jobs ${job.name}: ${field} ${uri} has a ".." in its path`);
      else if (uri.startsWith('file:') && !hostPathFor(uri, input.volumes))
        issues.push(
          `jobs ${job.name}: ${field} ${uri} is outside the cluster's volumes; housekeeping removes only what a volume mounts from the worker's machine`,
        );
    }
  }
  const byDir = new Map<string, string[]>();
  for (const job of input.jobs) {
    const key = normalizeLocation(job.checkpointDir);
    byDir.set(key, [...(byDir.get(key) ?? []), job.name]);
  }
  for (const [dir, names] of byDir)
    if (names.length > 1)
      issues.push(
        `jobs ${names.join(', ')} write checkpoints to the same folder ${dir}; give each job its own before cleaning`,
      );
  return issues;
}

// ---------------------------------------------------------------------------------------------
// Checkpoint folders

export interface CheckpointFolder {
  /** The folder's name: the id of the job that wrote it. */
  jobId: string;
  hostPath: string;
  sizeBytes: number;
  /** The newest modification of the folder or anything in it. */
  modifiedAt: number;
  /** Its newest checkpoint with a `_metadata` (complete, restorable). */
  newestComplete?: { id: number; completedAt: number };
}

/** What the JobManagers say about a job (REST); `name` and `restoredFrom` when known. */
export interface KnownJob {
  jobId: string;
  name?: string;
  state: string;
  restoredFrom?: string;
}

/**
 * Which checkpoint folders of a named job's checkpoint directory may go. Kept: the folder of any
 * job that is not finished (whatever its name), any folder a live job was restored from, the
 * folder holding the newest complete checkpoint the job could be restored from, and anything
 * younger than the maximum age. Without the live jobs (`jobs` undefined: REST did not answer)
 * nothing is removed: a folder cannot be called orphaned without asking.
 */
export function planCheckpointCleanup(input: {
  job: string;
  /** Job-id keys of this job (deploy and restart ids start with them); see deploy-hash.ts. */
  jobKey?: string;
  folders: CheckpointFolder[];
  jobs?: KnownJob[];
  now: number;
  maxAgeMs: number;
}): CleanupPlan {
  const plan: CleanupPlan = { remove: [], keep: [] };
  const decide = (f: CheckpointFolder, action: keyof CleanupPlan, reason: string) =>
    plan[action].push({ what: f.hostPath, bytes: f.sizeBytes, reason });
  const folders = input.folders.filter((f) => JOB_FOLDER.test(f.jobId));
  if (!input.jobs) {
    for (const f of folders)
      decide(f, 'keep', 'the live jobs could not be read from the JobManagers: nothing is removed');
    return plan;
  }
  const known = new Map(input.jobs.map((j) => [j.jobId, j]));
  const live = input.jobs.filter((j) => !isTerminalJobState(j.state));
  const restoredFrom = live
    .map((j) => j.restoredFrom && /\/([0-9a-f]{32})\/chk-\d+\/?$/.exec(j.restoredFrom)?.[1])
    .filter((id): id is string => typeof id === 'string');
  /** Folders that may hold this job's state: its own, or of a job nobody can name. */
  const mayBeOurs = (f: CheckpointFolder) => {
    const name = known.get(f.jobId)?.name;
    return (
      name === undefined ||
      name === input.job ||
      (input.jobKey !== undefined && f.jobId.startsWith(input.jobKey))
    );
  };
  const newest = folders
    .filter((f) => f.newestComplete && mayBeOurs(f))
    .sort(
      (a, b) =>
        (b.newestComplete?.completedAt ?? 0) - (a.newestComplete?.completedAt ?? 0) ||
        (b.newestComplete?.id ?? 0) - (a.newestComplete?.id ?? 0),
    )[0];

  for (const f of [...folders].sort((a, b) => a.modifiedAt - b.modifiedAt)) {
    const job = known.get(f.jobId);
    const age = input.now - f.modifiedAt;
    if (job && !isTerminalJobState(job.state)) decide(f, 'keep', `job ${f.jobId} is ${job.state}`);
    else if (restoredFrom.includes(f.jobId))
      decide(f, 'keep', 'a live job was restored from a checkpoint in it');
    else if (f === newest)
      decide(
        f,
        'keep',
        `the newest complete checkpoint of ${input.job} (chk-${f.newestComplete?.id}): what a restart or upgrade would restore from`,
      );
    else if (age < input.maxAgeMs)
      decide(f, 'keep', `younger than ${ageText(input.maxAgeMs)} (${ageText(age)})`);
    else {
      const state = job ? `job ${f.jobId} is ${job.state}` : `job ${f.jobId} is not running`;
      const newer = newest
        ? `; ${input.job} restores from chk-${newest.newestComplete?.id} of ${newest.jobId}`
        : '';
      decide(f, 'remove', `${state}, untouched for ${ageText(age)}${newer}`);
    }
  }
  return plan;
}

// ---------------------------------------------------------------------------------------------
// Savepoints that never completed

export interface SavepointFolder {
  uri: string;
  name: string;
  hostPath: string;
  complete: boolean;
  createdAt: number;
  sizeBytes: number;
}

/**
 * A savepoint folder without `_metadata` older than the limit is a failed savepoint's leftover.
 * Complete savepoints are never candidates here (their retention is takeSavepoint's), nor is any
 * folder a live job was restored from.
 */
export function planIncompleteSavepoints(input: {
  savepoints: SavepointFolder[];
  now: number;
  olderThanMs: number;
  protectedUris: string[];
}): CleanupPlan {
  const plan: CleanupPlan = { remove: [], keep: [] };
  for (const sp of input.savepoints) {
    const age = input.now - sp.createdAt;
    const entry = (reason: string) => ({ what: sp.hostPath, bytes: sp.sizeBytes, reason });
    if (sp.complete) plan.keep.push(entry('complete: kept (retention is the savepoint runbook’s)'));
    else if (input.protectedUris.some((uri) => sameLocation(uri, sp.uri)))
      plan.keep.push(entry('a live job was restored from it'));
    else if (age < input.olderThanMs)
      plan.keep.push(entry(`incomplete for ${ageText(age)}: it may still be being written`));
    else
      plan.remove.push(entry(`incomplete (no _metadata) for ${ageText(age)}: a failed savepoint's leftover`));
  }
  return plan;
}

// ---------------------------------------------------------------------------------------------
// Drill reports

/** `<cluster>-<kind>-<yyyymmddThhmmssZ>.md|.svg`, as drillId() names them. */
export function drillReportPattern(cluster: string): RegExp {
  const escaped = cluster.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^(${escaped}-(?:${DRILL_KINDS.join('|')})-(\\d{8}T\\d{6}Z))\\.(md|svg)$`);
}

/** Keeps the newest `keep` drills of the cluster (a drill's .md and .svg together); other files are not looked at. */
export function planDrillReports(input: {
  cluster: string;
  files: Array<{ name: string; bytes: number }>;
  keep: number;
}): CleanupPlan {
  const pattern = drillReportPattern(input.cluster);
  const drills = new Map<string, { stamp: string; files: Array<{ name: string; bytes: number }> }>();
  for (const file of input.files) {
    const m = pattern.exec(file.name);
    if (!m) continue;
    const id = m[1] as string;
    const drill = drills.get(id) ?? { stamp: m[2] as string, files: [] };
    drill.files.push(file);
    drills.set(id, drill);
  }
  const ordered = [...drills.entries()].sort(([, a], [, b]) => b.stamp.localeCompare(a.stamp));
  const plan: CleanupPlan = { remove: [], keep: [] };
  ordered.forEach(([, drill], index) => {
    for (const file of drill.files.sort((a, b) => a.name.localeCompare(b.name))) {
      if (index < input.keep)
        plan.keep.push({
          what: file.name,
          bytes: file.bytes,
          reason: `one of the newest ${input.keep} drills`,
        });
      else
        plan.remove.push({
          what: file.name,
          bytes: file.bytes,
          reason: `drill ${index + 1} of ${ordered.length}, beyond the newest ${input.keep}`,
        });
    }
  });
  return plan;
}

// ---------------------------------------------------------------------------------------------
// Flink's own log files inside the containers

export const FLINK_LOG_DIR = '/opt/flink/log';

/**
 * The seeds' weekly `find logs -name "*.log" -mtime +7 -delete`, for Flink's log folder inside a
 * container (rotated files are `*.log.1`, hence `*.log*`). Each file is printed with its size
 * before it is deleted, so the step can say what it gave back; without `remove` it only lists.
 */
export function flinkLogCleanupCommand(input: {
  dir?: string;
  maxAgeDays: number;
  remove: boolean;
}): string[] {
  return [
    'find',
    input.dir ?? FLINK_LOG_DIR,
    '-type',
    'f',
    '-name',
    '*.log*',
    '-mtime',
    `+${input.maxAgeDays}`,
    '-printf',
    '%s\\t%p\\n',
    ...(input.remove ? ['-delete'] : []),
  ];
}

/** `find -printf '%s\t%p\n'` output: one file a line, its size and path. */
export function parseFoundFiles(stdout: string): Array<{ path: string; bytes: number }> {
  return stdout
    .split('\n')
    .map((line) => /^(\d+)\t(.+)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ bytes: Number(m[1]), path: m[2] as string }));
}

// ---------------------------------------------------------------------------------------------
// The report

export interface HousekeepingStep {
  step: HousekeepingStepName;
  /** What was removed, or in a dry run what would be. */
  removed: Decision[];
  kept: Decision[];
  freedBytes: number;
  /** Why the step did nothing at all. */
  skipped?: string;
  /** Targets that could not be handled (a container not running, a folder not readable). */
  problems: string[];
}

export function stepFrom(
  step: HousekeepingStepName,
  plan: CleanupPlan,
  problems: string[] = [],
): HousekeepingStep {
  return {
    step,
    removed: plan.remove,
    kept: plan.keep,
    freedBytes: plan.remove.reduce((sum, d) => sum + d.bytes, 0),
    problems,
  };
}

export function housekeepingHeadline(cluster: string, dryRun: boolean, steps: HousekeepingStep[]): string {
  const count = steps.reduce((n, s) => n + s.removed.length, 0);
  const freed = bytesText(steps.reduce((n, s) => n + s.freedBytes, 0));
  const problems = steps.reduce((n, s) => n + s.problems.length, 0);
  const tail = problems > 0 ? `; ${problems} problem${problems === 1 ? '' : 's'}, see the steps` : '';
  return dryRun
    ? `${cluster}: dry run, would remove ${count} item${count === 1 ? '' : 's'} (${freed}); nothing changed${tail}`
    : `${cluster}: removed ${count} item${count === 1 ? '' : 's'}, ${freed} given back${tail}`;
}
