import type { JobSpec } from '../config/schema';
import type { JobState } from '../flink/types';
import { isTerminalJobState } from './job-states';

/**
 * Pure decisions of the upgrade runbook: what the new job is, which running job is upgraded, how
 * the old job is stopped and where the new one takes its state from, whether the prechecks pass,
 * and how long each wait may take. No I/O: the workflow observes, these functions decide.
 */

/** savepoint: stop-with-savepoint (default); last-state: latest completed checkpoint; stateless: no state. */
export type UpgradeMode = 'savepoint' | 'last-state' | 'stateless';

/** What is submitted: the parts of a job spec that an upgrade may change. */
export interface JobConfig {
  jar: string;
  entryClass: string;
  parallelism: number;
  args: string[];
}

export type ConfigChanges = Partial<JobConfig>;

/** The job as the clusters file deploys it. */
export function deployedConfig(job: Pick<JobSpec, 'jar' | 'entryClass' | 'parallelism' | 'args'>): JobConfig {
  return { jar: job.jar, entryClass: job.entryClass, parallelism: job.parallelism, args: [...job.args] };
}

/** The new job: the current one with the upgrade's changes applied. */
export function applyChanges(current: JobConfig, changes: ConfigChanges): JobConfig {
  return {
    jar: changes.jar ?? current.jar,
    entryClass: changes.entryClass ?? current.entryClass,
    parallelism: changes.parallelism ?? current.parallelism,
    args: changes.args ? [...changes.args] : [...current.args],
  };
}

/** One line per changed field, e.g. `parallelism: 2 → 4`; empty when nothing changes. */
export function describeChanges(from: JobConfig, to: JobConfig): string[] {
  const changes: string[] = [];
  if (from.jar !== to.jar) changes.push(`jar: ${from.jar} → ${to.jar}`);
  if (from.entryClass !== to.entryClass) changes.push(`entryClass: ${from.entryClass} → ${to.entryClass}`);
  if (from.parallelism !== to.parallelism)
    changes.push(`parallelism: ${from.parallelism} → ${to.parallelism}`);
  if (JSON.stringify(from.args) !== JSON.stringify(to.args))
    changes.push(`args: ${JSON.stringify(from.args)} → ${JSON.stringify(to.args)}`);
  return changes;
}

export interface ListedJob {
  jobId: string;
  name: string;
  state: JobState;
  startTime: number;
}

/**
 * The job an upgrade acts on: the one named by id, else the only live job (not FINISHED,
 * CANCELED or FAILED) carrying the job's name. `problem` says why none can be chosen.
 */
export function pickRunningJob(
  jobs: ListedJob[],
  name: string,
  jobId?: string,
): { job?: ListedJob; problem?: string } {
  if (jobId) {
    const job = jobs.find((j) => j.jobId === jobId);
    return job ? { job } : { problem: `the cluster does not know job ${jobId}` };
  }
  const live = jobs.filter((j) => j.name === name && !isTerminalJobState(j.state));
  if (live.length === 1) return { job: live[0] };
  if (live.length === 0) return { problem: `no live job named "${name}" on the cluster` };
  return {
    problem: `${live.length} live jobs are named "${name}" (${live.map((j) => j.jobId).join(', ')}); name one with jobId`,
  };
}

/** A completed checkpoint or savepoint a job can be restored from. */
export interface RestorePoint {
  id: number;
  path: string;
  isSavepoint: boolean;
  completedAt: number;
}

export interface PathObservation {
  mode: UpgradeMode;
  /** The job being upgraded; undefined when none runs (only a stateless upgrade proceeds then). */
  job?: { jobId: string; state: JobState | 'MISSING' };
  /** Its newest completed checkpoint or savepoint, if any. */
  restorePoint?: RestorePoint;
  /** Whether its checkpoints survive a cancel (RETAIN_ON_CANCELLATION). */
  retainedOnCancel?: boolean;
}

export type UpgradePath =
  | {
      ok: true;
      /** How the old job ends. */
      stop: 'stop-with-savepoint' | 'cancel' | 'none';
      /** Where the new job's state comes from. */
      restore: 'savepoint' | 'latest-checkpoint' | 'none';
      summary: string;
    }
  | { ok: false; reason: string };

/**
 * How the old job is stopped and the new one restored, per mode:
 * - savepoint: stop-with-savepoint (no record is processed between the savepoint and the stop),
 *   restore from it. Needs a RUNNING job.
 * - last-state: cancel (if still live), restore from the newest completed checkpoint or savepoint,
 *   read after the job ended. For a job that can no longer take a savepoint (stalled, failing).
 *   Needs a completed checkpoint that a cancel does not delete.
 * - stateless: the new job starts empty. A RUNNING old job is still stopped with a savepoint, so
 *   that nothing is lost and a rollback has a state to go back to.
 */
export function chooseUpgradePath(obs: PathObservation): UpgradePath {
  const { mode, job } = obs;
  const live = job !== undefined && job.state !== 'MISSING' && !isTerminalJobState(job.state);
  if (mode === 'savepoint') {
    if (!job) return { ok: false, reason: 'no job to take a savepoint of' };
    if (job.state !== 'RUNNING') {
      return {
        ok: false,
        reason: `job ${job.jobId} is ${job.state}; a savepoint needs a RUNNING job (mode last-state restores from its latest checkpoint)`,
      };
    }
    return {
      ok: true,
      stop: 'stop-with-savepoint',
      restore: 'savepoint',
      summary: 'stop-with-savepoint, then start the new job from that savepoint',
    };
  }
  if (mode === 'last-state') {
    if (!job) return { ok: false, reason: 'no job whose last state could be restored' };
    if (!obs.restorePoint) {
      return {
        ok: false,
        reason: `job ${job.jobId} has no completed checkpoint or savepoint to restore from`,
      };
    }
    if (live && obs.retainedOnCancel !== true) {
      return {
        ok: false,
        reason: `job ${job.jobId} does not retain its checkpoints on cancellation; cancelling it would delete the state to restore`,
      };
    }
    return {
      ok: true,
      stop: live ? 'cancel' : 'none',
      restore: 'latest-checkpoint',
      summary: live
        ? 'cancel the job, then start the new job from its latest completed checkpoint'
        : `job is ${job.state}; start the new job from its latest completed checkpoint`,
    };
  }
  if (job?.state === 'RUNNING') {
    return {
      ok: true,
      stop: 'stop-with-savepoint',
      restore: 'none',
      summary: 'stop-with-savepoint (kept for a rollback), then start the new job without state',
    };
  }
  if (live) {
    return {
      ok: false,
      reason: `job ${job?.jobId} is ${job?.state}; wait until it is RUNNING or use mode last-state`,
    };
  }
  return { ok: true, stop: 'none', restore: 'none', summary: 'no live job; start the new job without state' };
}

/** What the precheck saw, gathered by activities. */
export interface PrecheckFindings {
  jobManagers: Array<{ url: string; state: string; taskManagers?: number; slotsTotal?: number }>;
  expectedTaskManagers: number;
  jar: {
    path: string;
    readable: boolean;
    isJar: boolean;
    hasEntryClass: boolean;
    entryClass: string;
    error?: string;
  };
  /** Flink's own answer: the jar uploaded and the job graph could be built from it. */
  plan?: { ok: boolean; error?: string };
  savepointDir: { uri: string; checks: Array<{ where: string; ok: boolean; error?: string }> };
  path: UpgradePath;
  parallelism: number;
}

export interface PrecheckVerdict {
  ok: boolean;
  problems: string[];
  notes: string[];
}

/** Everything that must hold before the old job is touched. */
export function evaluatePrecheck(f: PrecheckFindings): PrecheckVerdict {
  const problems: string[] = [];
  const notes: string[] = [];
  const up = f.jobManagers.filter((jm) => jm.state === 'up');
  if (up.length === 0) problems.push('no JobManager answers');
  else {
    const registered = Math.max(...up.map((jm) => jm.taskManagers ?? 0));
    const slots = Math.max(...up.map((jm) => jm.slotsTotal ?? 0));
    if (registered < f.expectedTaskManagers)
      problems.push(`${registered}/${f.expectedTaskManagers} TaskManagers registered`);
    if (slots < f.parallelism)
      problems.push(`the cluster has ${slots} slots; the new job needs ${f.parallelism}`);
    if (up.length < f.jobManagers.length)
      notes.push(`${up.length}/${f.jobManagers.length} JobManagers answer (HA standby missing)`);
  }
  const jar = f.jar;
  if (!jar.readable) problems.push(`jar ${jar.path} cannot be read: ${jar.error ?? 'unknown error'}`);
  else if (!jar.isJar)
    problems.push(`${jar.path} is not a jar (zip) file${jar.error ? `: ${jar.error}` : ''}`);
  else if (!jar.hasEntryClass)
    problems.push(`${jar.path} does not contain the entry class ${jar.entryClass}`);
  else if (f.plan && !f.plan.ok)
    problems.push(`Flink cannot build the job from ${jar.path}: ${f.plan.error}`);
  if (f.path.ok && f.path.stop === 'stop-with-savepoint') {
    for (const check of f.savepointDir.checks.filter((c) => !c.ok))
      problems.push(
        `savepoint directory ${f.savepointDir.uri} is not writable in ${check.where}: ${check.error}`,
      );
    if (f.savepointDir.checks.length === 0)
      notes.push(
        `savepoint directory ${f.savepointDir.uri} could not be checked (not mapped to a host path)`,
      );
  }
  if (!f.path.ok) problems.push(f.path.reason);
  return { ok: problems.length === 0, problems, notes };
}

export interface UpgradeTimeouts {
  /** Longest wait for the old job's savepoint (stop-with-savepoint). */
  savepointMs: number;
  /** Longest wait for the new job to be ready, and again for a rolled-back one. */
  readinessMs: number;
  /** Pause between two looks at the new job. */
  readinessIntervalMs: number;
}

/**
 * Defaults from the job's own checkpoint settings: a savepoint is given the checkpoint timeout
 * plus a minute (so that Flink, not the runbook, decides that it failed); readiness waits for a
 * few checkpoint intervals, at least two minutes.
 */
export function defaultTimeouts(
  checkpoints: { interval: number; timeout: number },
  given: Partial<UpgradeTimeouts> = {},
): UpgradeTimeouts {
  return {
    savepointMs: given.savepointMs ?? checkpoints.timeout + 60_000,
    readinessMs: given.readinessMs ?? Math.max(120_000, 4 * checkpoints.interval),
    readinessIntervalMs: given.readinessIntervalMs ?? Math.min(5_000, Math.max(1_000, checkpoints.interval)),
  };
}

/** The maintenance lease outlives the whole change: stop, submit, readiness, and a rollback's readiness. */
export function leaseTtlMs(t: UpgradeTimeouts): number {
  return t.savepointMs + 2 * t.readinessMs + 10 * 60_000;
}
