import { isTerminalJobState } from './job-states';

/**
 * Pure: whether a cancel keeps a job's checkpoints, and so how a live job may be stopped for a
 * restart. Flink deletes a job's checkpoints on cancellation unless they are externalized and
 * retained (its default): cancelling such a job destroys the checkpoint it would restart from.
 */

/** The Flink setting that keeps checkpoints on cancellation. */
export const RETENTION_SETTING = 'execution.checkpointing.externalized-checkpoint-retention';
export const RETAIN_ON_CANCELLATION = 'RETAIN_ON_CANCELLATION';
export const SET_RETENTION = `set ${RETENTION_SETTING}: ${RETAIN_ON_CANCELLATION} (in the cluster's flinkConfig or the job's code)`;

/** `/jobs/:id/checkpoints/config` → externalization, as Flink reports it. */
export interface Externalization {
  enabled: boolean;
  delete_on_cancellation: boolean;
}

export type Retention = 'retained' | 'deleted-on-cancel' | 'not-externalized' | 'unknown';

export function retentionOf(externalization: Externalization | undefined): Retention {
  if (!externalization) return 'unknown';
  if (!externalization.enabled) return 'not-externalized';
  return externalization.delete_on_cancellation ? 'deleted-on-cancel' : 'retained';
}

/** The same from `retainedOnCancel` (true, false, or not reported). */
export function retentionOfFlag(retainedOnCancel: boolean | undefined): Retention {
  if (retainedOnCancel === undefined) return 'unknown';
  return retainedOnCancel ? 'retained' : 'deleted-on-cancel';
}

const WHY: Record<Exclude<Retention, 'retained'>, string> = {
  'deleted-on-cancel': 'its checkpoints are deleted when it is cancelled',
  'not-externalized': 'its checkpoints are not externalized, so a cancel leaves none',
  unknown: 'Flink does not say whether its checkpoints survive a cancel',
};

/** Why a cancel of this job would lose its state, naming the setting to change; undefined when it would not. */
export function retentionProblem(jobId: string, retention: Retention): string | undefined {
  if (retention === 'retained') return undefined;
  return `job ${jobId}: ${WHY[retention]}; ${SET_RETENTION}`;
}

export type StopRoute =
  /** The job has ended: nothing to stop, restore from its newest state. */
  | { route: 'ended' }
  /** Stop it with a savepoint; `thenCancel`: if that fails, cancel and restore the latest checkpoint. */
  | { route: 'stop-with-savepoint'; thenCancel: boolean }
  /** Cancel it (its checkpoints survive) and restore the latest checkpoint. */
  | { route: 'cancel' }
  | { route: 'refuse'; reason: string };

/**
 * How a live job is stopped for a restart. A job whose checkpoints a cancel would delete is
 * never cancelled: it is stopped with a savepoint, which needs it RUNNING; otherwise refused.
 */
export function stopRoute(input: {
  jobId: string;
  state: string;
  retention: Retention;
  prefer: 'savepoint' | 'checkpoint';
}): StopRoute {
  const { state, retention } = input;
  if (isTerminalJobState(state)) return { route: 'ended' };
  const retained = retention === 'retained';
  if (state === 'RUNNING' && (input.prefer === 'savepoint' || !retained))
    return { route: 'stop-with-savepoint', thenCancel: retained };
  if (retained) return { route: 'cancel' };
  return {
    route: 'refuse',
    reason: `not cancelling ${state} ${retentionProblem(input.jobId, retention)}; a savepoint needs it RUNNING`,
  };
}

export type RestoreAfterStop = { from: 'checkpoint'; path: string } | { from: 'disk'; why: string };

/**
 * What a job that has ended is restored from: the latest completed checkpoint its REST view
 * names, else its newest complete state on disk. The view may be gone (`view` undefined): a
 * leader that knows the job only from its job result keeps no checkpoint statistics of it. A job
 * found CANCELED (`stateBefore`: before the restart touched it) took a checkpoint Flink did not
 * say it retains with it; one this restart cancelled was cancelled only with retention checked.
 */
export function restoreAfterStop(input: {
  stateBefore: string;
  view?: { latestPath?: string; retainedOnCancel?: boolean };
}): RestoreAfterStop {
  const { view } = input;
  if (!view) return { from: 'disk', why: 'the cluster no longer reports the checkpoints of the ended job' };
  if (!view.latestPath)
    return { from: 'disk', why: 'the cluster reports no completed checkpoint of the job' };
  if (input.stateBefore === 'CANCELED' && view.retainedOnCancel !== true)
    return { from: 'disk', why: 'the job was cancelled, and a cancel may have deleted that checkpoint' };
  return { from: 'checkpoint', path: view.latestPath };
}

/**
 * The spec's own word on retention: a problem when the cluster's settings name another value.
 * Unset says nothing (the job's code may set it); the job's REST config is checked once it runs.
 */
export function specRetentionProblem(configs: Array<Record<string, unknown>>): string | undefined {
  const values = configs
    .map((c) => c[RETENTION_SETTING])
    .filter((v) => v !== undefined)
    .map(String);
  const wrong = values.find((v) => v.trim().toUpperCase() !== RETAIN_ON_CANCELLATION);
  return wrong === undefined
    ? undefined
    : `${RETENTION_SETTING} is ${wrong}: a restart by cancel would delete the checkpoint it restores; ${SET_RETENTION}`;
}
