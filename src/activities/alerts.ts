import { Context } from '@temporalio/activity';
import { type AlertLogger, deliverAlert } from '../alerts/deliver';
import type { ChannelOutcome, SendAlertInput } from '../alerts/types';

/**
 * Sends an alert to every channel of a cluster and reports per channel what happened. Never
 * throws because a channel failed (an activity retry would resend to the channels that worked);
 * throws `InvalidAlert` only for an alert that cannot be rendered. Secrets are resolved inside
 * and never appear in the result, in errors or in logs.
 */
export async function sendAlert(input: SendAlertInput): Promise<ChannelOutcome[]> {
  const context = currentContext();
  const log: AlertLogger | undefined = context && {
    info: (message) => context.log.info(message),
    warn: (message) => context.log.warn(message),
  };
  return deliverAlert(input, {
    log,
    heartbeat: context && ((details) => context.heartbeat(details)),
    signal: context?.cancellationSignal,
  });
}

/** The activity context when running as an activity; undefined when called directly (CLI, tests). */
function currentContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}
