import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, Next } from '@temporalio/worker';
import { redactCredentials } from '../alerts/redact';

/**
 * Activities throw plain typed errors (`error.name` = 'FlinkNotFound', 'InvalidClusterSpec', ...).
 * The SDK would name the failure after the JavaScript class instead; this makes the failure type
 * the error's name, so that workflows and retry policies match on the names the errors declare.
 */
export class ErrorNameAsFailureType implements ActivityInboundCallsInterceptor {
  async execute(
    input: ActivityExecuteInput,
    next: Next<ActivityInboundCallsInterceptor, 'execute'>,
  ): Promise<unknown> {
    try {
      return await next(input);
    } catch (error) {
      // Exception text from Flink, JDBC drivers and SMTP servers becomes the failure in history.
      if (error instanceof Error) scrub(error);
      if (
        !(error instanceof Error) ||
        error instanceof ApplicationFailure ||
        error instanceof CancelledFailure
      )
        throw error;
      if (error.name === 'Error') throw error;
      const failure = ApplicationFailure.create({
        type: error.name,
        message: error.message,
        // Errors that say so (a bad spec, a refused inline spec) are final whatever the retry policy.
        nonRetryable: (error as { nonRetryable?: unknown }).nonRetryable === true,
      });
      failure.stack = error.stack;
      throw failure;
    }
  }
}

/** Credentials in an error's message, stack and causes are replaced before the failure is recorded. */
function scrub(error: Error, depth = 0): void {
  error.message = redactCredentials(error.message);
  if (error.stack) error.stack = redactCredentials(error.stack);
  if (error.cause instanceof Error && depth < 5) scrub(error.cause, depth + 1);
}
