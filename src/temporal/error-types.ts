import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, Next } from '@temporalio/worker';

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
