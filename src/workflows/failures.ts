import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';

/** The message of an activity failure (its cause's), or of any error. */
export function failureText(error: unknown): string {
  if (error instanceof ActivityFailure && error.cause) return error.cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** The type of an application failure, thrown in the workflow or by an activity. */
export function failureType(error: unknown): string | undefined {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}
