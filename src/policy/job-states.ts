/**
 * Flink's globally terminal job states: a job in one of them never runs again (running the job
 * again is a new submission, under a new job id). Everything else (RUNNING, RESTARTING,
 * SUSPENDED, ...) may still hold the job's state and its slots.
 */
export const TERMINAL_JOB_STATES: ReadonlySet<string> = new Set(['FINISHED', 'CANCELED', 'FAILED']);

export function isTerminalJobState(state: string): boolean {
  return TERMINAL_JOB_STATES.has(state);
}
