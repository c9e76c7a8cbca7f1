import { uuid4 } from '@temporalio/workflow';

/**
 * A Flink job id or savepoint trigger id chosen by the workflow: 32 hex digits. It is the
 * idempotency key of a submission or a savepoint, so a retry finds the work already done; uuid4()
 * gives the same value when the workflow replays.
 */
export function newFlinkJobId(): string {
  return uuid4().replace(/-/g, '');
}
