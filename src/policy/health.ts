import type { Evaluation, JobObservation, Verdict } from './monitor-state';
import { judgeSource, type SourceEvidence, type SourceSettings } from './source-liveness';

/**
 * Pure: what one observation of a job says about its health. Nothing here does I/O or reads a
 * clock; the observation carries its own time, and Flink's own clock (`flinkNow`) for Flink's
 * timestamps. Table-tested in test/unit/monitor-policy.test.ts.
 *
 * - zombie: RUNNING, yet no checkpoint has completed for longer than the job's own window
 *   (computed from its checkpoint interval and timeout, as the Flink Kubernetes Operator does,
 *   and counted from the latest RUNNING when Flink restarted the job since); a checkpoint in
 *   progress far longer than this job's recent ones while records are flat; the seeds' rule (no
 *   new file within the file window while checkpoints keep failing); or, for a silent job with
 *   a CDC source, a dead source or a canary past its SLA (source-liveness.ts).
 * - idle: RUNNING, checkpoints progressing, nothing written — a quiet source, not a stall; with
 *   a declared source, only when it shows nothing to deliver or the canary arrived.
 * - failed: the job is FAILED, CANCELED, FINISHED or unknown to the cluster.
 * - no-leader: no JobManager knows a leader (an election, or ZooKeeper lost).
 * - degraded: running, but something is off (TaskManagers missing, a JobManager not answering,
 *   checkpoints failing, files stuck in progress, an output folder that cannot be read, a
 *   source that cannot be asked while the job is silent, Flink restarting the job, new
 *   exceptions).
 * - unknown: the cluster could not be asked.
 */
export interface HealthSettings {
  /** The seeds' file window: no committed file for this long, with checkpoints failing, is a stall. */
  fileWindowMs: number;
  /** For a job with a CDC source: how long its dead signs must last (see source-liveness.ts). */
  source?: SourceSettings;
}

/** No checkpoint progress for longer than this is a stall: a full timeout plus two intervals. */
export function checkpointWindowMs(checkpoints: { intervalMs: number; timeoutMs: number }): number {
  return Math.max(checkpoints.timeoutMs + 2 * checkpoints.intervalMs, 3 * checkpoints.intervalMs);
}

/**
 * A checkpoint in progress this much longer than the job's recent ones, with records out flat,
 * is stuck well before its timeout: 3 × the recent p90 duration, never under the floor (a slow
 * disk or a GC pause must not restart a job), and only with enough history to know "usual".
 */
export const STUCK_CHECKPOINT = { p90Factor: 3, floorMs: 20_000, minHistory: 3 } as const;
/** Records out unchanged across looks at least this far apart (REST metrics are cached ~10 s). */
const FLAT_SPAN_MS = 15_000;
/** How soon to look again when the evidence is building. */
const SOON_MS = 5_000;

export function p90(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.9 * sorted.length) - 1)];
}

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

function verdict(v: Verdict, ...reasons: string[]): Evaluation {
  return { verdict: v, reasons };
}

export function evaluateHealth(obs: JobObservation, settings: HealthSettings): Evaluation {
  // No leader: a JobManager says so (503), or ZooKeeper was read and names none. ZooKeeper
  // unreadable as well as REST is not "no leader" but "cannot see".
  if (obs.restNoLeader || (obs.restError && obs.leader && !obs.leader.url && !obs.leader.error)) {
    return verdict('no-leader', obs.restError ?? 'ZooKeeper names no REST leader');
  }
  if (obs.restError) return verdict('unknown', `the REST API could not be asked: ${obs.restError}`);

  switch (obs.jobState) {
    case undefined:
      return verdict('unknown', 'the job state was not observed');
    case 'MISSING':
      return verdict('failed', `job ${obs.jobId ?? ''} is unknown to the cluster`.replace('  ', ' '));
    case 'FAILED':
    case 'CANCELED':
    case 'FINISHED':
      return verdict('failed', `job is ${obs.jobState}`);
    case 'RESTARTING':
    case 'FAILING':
      return verdict('degraded', `Flink is restarting the job (${obs.jobState})`);
    case 'RUNNING':
      return evaluateRunning(obs, settings);
    default:
      return verdict('degraded', `job is ${obs.jobState}`);
  }
}

function evaluateRunning(obs: JobObservation, settings: HealthSettings): Evaluation {
  const cp = obs.checkpoints;
  if (!cp) return verdict('unknown', 'checkpoint statistics were not observed');
  const window = checkpointWindowMs(cp);
  // Flink's timestamps are compared with Flink's clock, never with the worker's (fix c).
  const flinkNow = obs.flinkNow ?? obs.at;
  const runningSince = obs.runningForMs === undefined ? undefined : flinkNow - obs.runningForMs;
  // Progress counts from the latest completed checkpoint, or from the latest time the job
  // became RUNNING when that is later: after Flink restarted the job itself, its old
  // checkpoint says nothing about the new run (fix d).
  const lastProgressAt = Math.max(cp.latestCompletedAt ?? -Infinity, runningSince ?? -Infinity);
  const sinceProgress = Number.isFinite(lastProgressAt) ? flinkNow - lastProgressAt : 0;
  const restartedSinceCheckpoint =
    runningSince !== undefined && (cp.latestCompletedAt === undefined || runningSince > cp.latestCompletedAt);
  const failingNow = checkpointsFailing(cp, flinkNow, runningSince);
  const output = obs.output;
  // An output folder that cannot be read says nothing about the job (fix b).
  const outputReadable = output !== undefined && output.error === undefined;
  const outputStale =
    outputReadable &&
    (output.newestAgeMs !== undefined
      ? output.newestAgeMs > settings.fileWindowMs
      : (obs.runningForMs ?? 0) > settings.fileWindowMs);

  if (sinceProgress > window) {
    return verdict(
      'zombie',
      `RUNNING, but no checkpoint completed for ${seconds(sinceProgress)} (window ${seconds(window)} from interval ${seconds(cp.intervalMs)} and timeout ${seconds(cp.timeoutMs)})`,
      ...(cp.failed > 0 ? [`${cp.failed} checkpoints failed`] : []),
    );
  }
  const stuck = stuckCheckpoint(obs);
  if (stuck.reason) return verdict('zombie', stuck.reason);
  if (outputStale && failingNow) {
    return verdict(
      'zombie',
      `no file committed for ${seconds(output?.newestAgeMs ?? obs.runningForMs ?? 0)} and checkpoints failing (the seeds' rule)`,
    );
  }

  const silent = jobSilent(obs, settings);
  const evidence =
    obs.source && (silent ? obs.source : recordsStopped(obs) && transportSignsOnly(obs.source));
  const source = evidence && settings.source ? judgeSource(evidence, settings.source) : undefined;
  if (source && source.dead.length > 0) {
    return verdict('zombie', `RUNNING and silent, but the source is dead: ${source.dead.join('; ')}`);
  }
  const canary = obs.canary;
  const canaryLate = canary && canary.arrivedAt === undefined && obs.at - canary.writtenAt > canary.slaMs;
  if (canary && canaryLate) {
    return verdict(
      'zombie',
      `canary ${canary.marker} not in committed output ${seconds(obs.at - canary.writtenAt)} after it was written (SLA ${seconds(canary.slaMs)})`,
    );
  }

  const reasons: string[] = [];
  if (obs.taskManagers && obs.taskManagers.registered < obs.taskManagers.expected) {
    reasons.push(`${obs.taskManagers.registered} of ${obs.taskManagers.expected} TaskManagers registered`);
  }
  const jms = obs.jobManagers;
  if (jms && jms.down.length > 0) {
    const up = jms.expected - jms.down.length;
    const names = jms.down.map((d) => `${d.url} (${d.role})`).join(', ');
    // The job still runs, but with one JobManager left a failure of the leader is an outage.
    reasons.push(
      `JobManager ${names} not answering: ${up} of ${jms.expected} up${up <= 1 ? ', no failover possible' : ''}`,
    );
  }
  if (failingNow) reasons.push('the latest checkpoint failed');
  if (output?.error !== undefined) reasons.push(`the output could not be read: ${output.error}`);
  if (outputReadable && output.stuckInProgress > 0)
    reasons.push(`${output.stuckInProgress} in-progress files never committed`);
  if (obs.leader && !obs.leader.consistent) reasons.push('REST and dispatcher leadership disagree');
  if (obs.newExceptions && obs.newExceptions.length > 0) {
    reasons.push(`new exception: ${obs.newExceptions[0]?.firstLine.slice(0, 200)}`);
  }
  // A source that cannot be asked, or a dead sign not yet past its window: a warning only.
  if (source) reasons.push(...source.warnings);
  const lookAgainInMs = soonest(stuck.lookAgainInMs, source?.lookAgainInMs, silenceBuilding(obs, settings));
  if (reasons.length > 0) return { ...verdict('degraded', ...reasons), lookAgainInMs };

  const nothingWritten = outputReadable && output.committedInWindow === 0 && recordsStill(obs);
  if (nothingWritten) {
    const quiet = quietSource(obs);
    if (quiet.quiet) return { ...verdict('idle', quiet.reason), lookAgainInMs };
    return { ...verdict('healthy', quiet.reason), lookAgainInMs };
  }
  if (cp.latestCompletedId === undefined || restartedSinceCheckpoint) {
    const what = cp.latestCompletedId === undefined ? 'starting: running' : 'running again for';
    return {
      ...verdict(
        'healthy',
        `${what} ${seconds(sinceProgress)}, no checkpoint ${cp.latestCompletedId === undefined ? 'yet' : 'since'}`,
      ),
      lookAgainInMs,
    };
  }
  return {
    ...verdict('healthy', `checkpoint ${cp.latestCompletedId} completed ${seconds(sinceProgress)} ago`),
    lookAgainInMs,
  };
}

type Checkpoints = NonNullable<JobObservation['checkpoints']>;

/**
 * Checkpoints are failing when the latest failure is newer than the latest success and either
 * another one failed since that success, or the success is more than three intervals old (the
 * checkpoint after the failed one did not complete either), or one has been in progress past
 * its timeout. One failure that Flink tolerates and the next checkpoint repairs is not (fix a).
 * A failure before Flink restarted the job belongs to the previous run.
 */
function checkpointsFailing(cp: Checkpoints, flinkNow: number, runningSince: number | undefined): boolean {
  if ((cp.inProgressAgeMs ?? 0) > cp.timeoutMs) return true;
  const failed = cp.latestFailedAt;
  if (failed === undefined) return false;
  if (runningSince !== undefined && failed < runningSince) return false;
  if (cp.latestCompletedAt !== undefined && failed <= cp.latestCompletedAt) return false;
  if ((cp.failedSinceCompleted ?? 0) >= 2) return true;
  return cp.latestCompletedAt === undefined || flinkNow - cp.latestCompletedAt > 3 * cp.intervalMs;
}

/**
 * The job has emitted nothing for a while: Flink's sourceIdleTime, or no records out. Either
 * is enough: Flink CDC's legacy source resets sourceIdleTime on heartbeats, which a half-open
 * connection keeps producing with a stale position, while its record count stands still.
 */
function jobSilent(obs: JobObservation, settings: HealthSettings): boolean {
  const span = settings.source?.deadAfterMs ?? FLAT_SPAN_MS;
  return (
    (obs.sourceIdleMs !== undefined && obs.sourceIdleMs >= span) ||
    obs.recordsPerSecond === 0 ||
    (obs.recordsFlatForMs ?? 0) >= span
  );
}

/**
 * What counts of the source's evidence once records have stopped, before the job looks silent for
 * the whole dead-after span: a slot with no consumer, or no walsender, delivers nothing, whatever
 * Flink's one-minute figures still show. Not while records flow: an initial snapshot reads without
 * the slot. Undelivered changes and a still reply_time need the full silence: a job working off a
 * backlog shows them while it is busy.
 */
function transportSignsOnly(evidence: SourceEvidence): SourceEvidence | undefined {
  if (!evidence.transportDead) return undefined;
  return {
    type: evidence.type,
    summary: evidence.summary,
    nothingPending: false,
    transportDead: evidence.transportDead,
  };
}

/**
 * A source that has emitted nothing for a while, not yet for the dead-after span: look again when
 * it would cross it, so the source is asked then rather than a whole interval later. A look every
 * 60 s would otherwise see a source that went silent 30 s ago only at 90 s.
 */
function silenceBuilding(obs: JobObservation, settings: HealthSettings): number | undefined {
  const span = settings.source?.deadAfterMs;
  const idle = obs.sourceIdleMs;
  if (span === undefined || idle === undefined || idle < FLAT_SPAN_MS || idle >= span) return undefined;
  return Math.max(SOON_MS, span - idle);
}

/** The source has emitted nothing for a while, or the records-out figures stand still. */
function recordsStopped(obs: JobObservation): boolean {
  return (obs.sourceIdleMs !== undefined && obs.sourceIdleMs >= FLAT_SPAN_MS) || recordsStill(obs);
}

/**
 * No records out now. Flink's per-second rate is a one-minute average, so after a burst it stays
 * above 0 for a minute after the last record: a total unchanged across looks says so sooner.
 */
function recordsStill(obs: JobObservation): boolean {
  return (obs.recordsPerSecond ?? 0) === 0 || (obs.recordsFlatForMs ?? 0) >= FLAT_SPAN_MS;
}

/** A checkpoint in progress far longer than this job's recent ones, while records are flat. */
function stuckCheckpoint(obs: JobObservation): { reason?: string; lookAgainInMs?: number } {
  const cp = obs.checkpoints;
  const age = cp?.inProgressAgeMs;
  const recent = cp?.recentDurationsMs ?? [];
  if (!cp || age === undefined || recent.length < STUCK_CHECKPOINT.minHistory) return {};
  const usual = p90(recent) as number;
  const limit = Math.max(STUCK_CHECKPOINT.p90Factor * usual, STUCK_CHECKPOINT.floorMs);
  const flat =
    (obs.sourceIdleMs !== undefined && obs.sourceIdleMs >= age) ||
    obs.recordsPerSecond === 0 ||
    (obs.recordsFlatForMs ?? 0) >= FLAT_SPAN_MS;
  if (age > limit && flat) {
    return {
      reason:
        `checkpoint ${cp.inProgressId ?? ''} in progress for ${seconds(age)}, this job's recent ones take ${(usual / 1000).toFixed(1)} s (p90): stuck past ${seconds(limit)} with records out flat`.replace(
          'checkpoint  in',
          'a checkpoint in',
        ),
    };
  }
  // Building up: look again when it would cross the limit, or soon if it already has.
  if (age > STUCK_CHECKPOINT.p90Factor * usual) return { lookAgainInMs: Math.max(SOON_MS, limit - age) };
  return {};
}

/** A silent job with a declared source is idle only when the source shows nothing to deliver. */
function quietSource(obs: JobObservation): { quiet: boolean; reason: string } {
  const plain = 'checkpoints complete but nothing was written in the file window: the source is quiet';
  if (obs.canary?.arrivedAt !== undefined) {
    return {
      quiet: true,
      reason: `${plain} (canary ${obs.canary.marker} arrived ${seconds(obs.canary.arrivedAt - obs.canary.writtenAt)} after it was written)`,
    };
  }
  if (!obs.source) return { quiet: true, reason: plain };
  if (obs.source.nothingPending) return { quiet: true, reason: `${plain} (${obs.source.summary})` };
  return {
    quiet: false,
    reason: `nothing written in the file window; the source does not yet show there was nothing to deliver (${obs.source.summary})`,
  };
}

function soonest(...values: Array<number | undefined>): number | undefined {
  const defined = values.filter((v): v is number => v !== undefined);
  return defined.length > 0 ? Math.min(...defined) : undefined;
}
