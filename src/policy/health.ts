import type { Evaluation, JobObservation, Verdict } from './monitor-state';

/**
 * Pure: what one observation of a job says about its health. Nothing here does I/O or reads a
 * clock; the observation carries its own time. Table-tested in test/unit/health.test.ts.
 *
 * - zombie: RUNNING, yet no checkpoint has completed for longer than the job's own window
 *   (computed from its checkpoint interval and timeout, as the Flink Kubernetes Operator does),
 *   or the seeds' rule: no new file within the file window while checkpoints are failing.
 * - idle: RUNNING, checkpoints progressing, nothing written — a quiet source, not a stall.
 * - failed: the job is FAILED, CANCELED, FINISHED or unknown to the cluster.
 * - no-leader: no JobManager knows a leader (an election, or ZooKeeper lost).
 * - degraded: running, but something is off (TaskManagers missing, a JobManager not answering,
 *   checkpoints failing within the window, files stuck in progress, Flink restarting the job,
 *   new exceptions).
 * - unknown: the cluster could not be asked.
 */
export interface HealthSettings {
  /** The seeds' file window: no committed file for this long, with checkpoints failing, is a stall. */
  fileWindowMs: number;
}

/** No checkpoint progress for longer than this is a stall: a full timeout plus two intervals. */
export function checkpointWindowMs(checkpoints: { intervalMs: number; timeoutMs: number }): number {
  return Math.max(checkpoints.timeoutMs + 2 * checkpoints.intervalMs, 3 * checkpoints.intervalMs);
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
  // Until a first checkpoint completes, progress is measured from the job's start.
  const lastProgressAt = cp.latestCompletedAt ?? obs.at - (obs.runningForMs ?? 0);
  const sinceProgress = obs.at - lastProgressAt;
  // Checkpoints are failing when the latest failure is newer than the latest success, or one
  // has been in progress past its own timeout.
  const failingNow =
    (cp.latestFailedAt !== undefined &&
      (cp.latestCompletedAt === undefined || cp.latestFailedAt > cp.latestCompletedAt)) ||
    (cp.inProgressAgeMs ?? 0) > cp.timeoutMs;
  const output = obs.output;
  const outputStale =
    output !== undefined &&
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
  if (outputStale && failingNow) {
    return verdict(
      'zombie',
      `no file committed for ${seconds(output?.newestAgeMs ?? 0)} and checkpoints failing (the seeds' rule)`,
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
  if (output && output.stuckInProgress > 0)
    reasons.push(`${output.stuckInProgress} in-progress files never committed`);
  if (obs.leader && !obs.leader.consistent) reasons.push('REST and dispatcher leadership disagree');
  if (obs.newExceptions && obs.newExceptions.length > 0) {
    reasons.push(`new exception: ${obs.newExceptions[0]?.firstLine.slice(0, 200)}`);
  }
  if (reasons.length > 0) return verdict('degraded', ...reasons);

  const nothingWritten =
    output !== undefined && output.committedInWindow === 0 && (obs.recordsPerSecond ?? 0) === 0;
  if (nothingWritten)
    return verdict(
      'idle',
      'checkpoints complete but nothing was written in the file window: the source is quiet',
    );
  if (cp.latestCompletedId === undefined) {
    return verdict('healthy', `starting: running ${seconds(sinceProgress)}, no checkpoint yet`);
  }
  return verdict('healthy', `checkpoint ${cp.latestCompletedId} completed ${seconds(sinceProgress)} ago`);
}
