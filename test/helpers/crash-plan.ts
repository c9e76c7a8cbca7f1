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
