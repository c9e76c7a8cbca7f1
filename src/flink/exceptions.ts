import type { JobExceptions } from './types';

/** The job's latest failure: its stack trace and when it happened. */
export interface LatestFailure {
  trace: string;
  at?: number;
}

/**
 * Reads the latest failure from `GET /jobs/:id/exceptions`. Flink 1.20 answers it twice, as
 * `root-exception`/`timestamp` and as the first entry of `exceptionHistory`; Flink 2 answers only
 * `exceptionHistory` (newest first).
 */
export function latestFailure(exceptions: JobExceptions | undefined): LatestFailure | undefined {
  const newest = exceptions?.exceptionHistory?.entries[0];
  const trace = exceptions?.['root-exception'] ?? newest?.stacktrace;
  if (!trace) return undefined;
  const at = exceptions?.timestamp ?? newest?.timestamp ?? undefined;
  return at === undefined ? { trace } : { trace, at };
}
