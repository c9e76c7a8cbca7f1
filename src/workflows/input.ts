import { ApplicationFailure } from '@temporalio/workflow';
import { inputIssues } from '../config/input';
import { FAILURE } from '../temporal/failure-types';

/** Every runbook's first line: a malformed input fails at once, naming each field, before any action. */
export function rejectBadInput(schema: Parameters<typeof inputIssues>[0], input: unknown): void {
  const issues = inputIssues(schema, input);
  if (issues.length > 0) {
    throw ApplicationFailure.nonRetryable(
      `invalid input: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`,
      FAILURE.InvalidInput,
      issues,
    );
  }
}
