import type { JobState } from '../flink/types';

/**
 * Flink's globally terminal job states: a job in one of them never runs again (running the job
 * again is a new submission, under a new job id). Everything else (RUNNING, RESTARTING,
 * SUSPENDED, ...) may still hold the job's state and its slots. As a list for the waits that
 * wait for a job to end (`waitForJobState({states: [...ENDED_JOB_STATES]})`).
 */
export const ENDED_JOB_STATES = ['FINISHED', 'CANCELED', 'FAILED'] as const satisfies readonly JobState[];

export const TERMINAL_JOB_STATES: ReadonlySet<string> = new Set(ENDED_JOB_STATES);

export function isTerminalJobState(state: string): boolean {
  return TERMINAL_JOB_STATES.has(state);
}
