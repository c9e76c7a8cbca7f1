import { Context } from '@temporalio/activity';
import { type PollOptions, pollUntil } from '../util/poll';

/**
 * Polls inside an activity: heartbeats on every attempt (so a dead worker is noticed within the
 * heartbeat timeout) and sleeps with the activity's cancellable sleep (so a cancelled workflow
 * stops the wait at once). Heartbeat details are the attempt and the last error, never a secret.
 */
export function waitUntil<T>(
  probe: () => Promise<T | undefined>,
  options: Omit<PollOptions, 'onAttempt' | 'sleep'>,
) {
  const ctx = Context.current();
  return pollUntil(probe, {
    ...options,
    onAttempt: (attempt, last) =>
      ctx.heartbeat({ attempt, last: last instanceof Error ? last.message : undefined }),
    sleep: (ms) => ctx.sleep(ms),
  });
}

/** The running activity's context; none when the code runs outside an activity (a script, a test). */
export function currentContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}
