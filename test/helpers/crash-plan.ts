import { existsSync, readFileSync } from 'node:fs';

/** The crash tests' plan and kill log, shared by the test and test/helpers/crash-worker.ts. */
/** `beside`: in flight in the worker when another activity's kill point killed it. */
export type KillMode = 'before' | 'during' | 'after' | 'beside';

export interface CrashPlan {
  /** Only activities of this workflow id are kill points; other workflows run undisturbed. */
  workflowId: string;
  /** One pass over the kill points; a new round tries every activity type again. */
  round: string;
  /** How far into a long wait `during` kills. */
  duringMs: number;
  /** Modes for particular activity types; otherwise `during` for waits and `after` for the rest. */
  modes?: Record<string, KillMode>;
  /**
   * Which call of each activity type is its kill point (default 1: the first). A later call
   * reaches the paths behind the first ones: a rollback's second submit, a restart's second wait.
   */
  nth?: number;
}

/** Each activity a worker started, by round, so that the next worker can count calls per type. */
export interface CallRecord {
  round: string;
  activityType: string;
  activityId: string;
}

export function readCalls(logFile: string): CallRecord[] {
  if (!existsSync(logFile)) return [];
  return readFileSync(logFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as CallRecord);
}

/** 1 for the first activity of its type in the round, 2 for the second, ... (retries keep their number). */
export function callNumber(
  calls: CallRecord[],
  round: string,
  activityType: string,
  activityId: string,
): number {
  const ids = [
    ...new Set(
      calls.filter((c) => c.round === round && c.activityType === activityType).map((c) => c.activityId),
    ),
  ];
  const index = ids.indexOf(activityId);
  return index < 0 ? ids.length + 1 : index + 1;
}

export interface KillRecord {
  workflowId: string;
  round: string;
  activityType: string;
  mode: KillMode;
  attempt: number;
  at: number;
}

export const LONG_WAIT = /^(waitFor|watch|observeTakeover|observeClusterJobs)/;

export function readKills(logFile: string): KillRecord[] {
  if (!existsSync(logFile)) return [];
  return readFileSync(logFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as KillRecord);
}
