import { FAILURE } from '../temporal/failure-types';

export class WaitTimeoutError extends Error {
  override name = FAILURE.WaitTimeout;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface PollOptions {
  timeoutMs: number;
  intervalMs?: number;
  /**
   * When set, the wait doubles after each attempt up to this: quick to notice something that
   * happens at once (a savepoint of a small job), gentle on a wait that lasts minutes.
   */
  maxIntervalMs?: number;
  /** What is being waited for, for the timeout message. */
  what: string;
  /** Called on every attempt, e.g. an activity heartbeat. */
  onAttempt?: (attempt: number, last: unknown) => void;
  /** How to wait between attempts; an activity passes its cancellable sleep. */
  sleep?: (ms: number) => Promise<void>;
}

/** An error that waiting cannot fix (refused credentials, an untrusted certificate) carries `final: true`. */
export const isFinal = (error: unknown): boolean => (error as { final?: unknown } | null)?.final === true;

/** For a look that may come up empty (`.catch(unlessFinal)`): undefined, but a final error is thrown. */
export function unlessFinal(error: unknown): undefined {
  if (isFinal(error)) throw error;
  return undefined;
}

/**
 * Calls `probe` until it returns something other than undefined, or the time runs out.
 * A probe that throws counts as "not yet", unless the error is final: that one is thrown at
 * once. The last error is named in the timeout message.
 */
export async function pollUntil<T>(probe: () => Promise<T | undefined>, options: PollOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let last: unknown;
  let interval = options.intervalMs ?? 500;
  for (let attempt = 1; ; attempt++) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
      last = undefined;
    } catch (error) {
      if (isFinal(error)) throw error;
      last = error;
    }
    options.onAttempt?.(attempt, last);
    if (Date.now() >= deadline) {
      const why = last instanceof Error ? `; last error: ${last.message}` : '';
      throw new WaitTimeoutError(`${options.what} not reached within ${options.timeoutMs} ms${why}`);
    }
    await (options.sleep ?? sleep)(interval);
    if (options.maxIntervalMs !== undefined) interval = Math.min(options.maxIntervalMs, interval * 2);
  }
}
