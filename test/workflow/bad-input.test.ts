import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { withWorker } from '../helpers/temporal';

/**
 * Malformed inputs to every runbook on the real server: each fails at once as InvalidInput,
 * naming the field, and its history shows that no activity was ever scheduled — nothing was
 * read, stopped or submitted.
 */
const cases: Array<[string, unknown, string]> = [
  ['clusterStatus', { cluster: 'Not A Name' }, 'cluster must be lower-case'],
  ['monitorJob', { cluster: 'realtime-pipeline', jobId: 'nope' }, 'jobId must be a Flink job id'],
  ['deploy', { cluster: 'realtime-pipeline', freeDiskGb: -5 }, 'freeDiskGb'],
  ['upgrade', { cluster: 'realtime-pipeline', mode: 'yolo' }, 'mode'],
  ['takeSavepoint', { cluster: 'realtime-pipeline', retention: { keepLast: 0 } }, 'keepLast'],
  ['deploy', 'realtime-pipeline', 'expected object'],
];

describe('bad input on a real Temporal server', () => {
  it.each(cases)(
    '%s with %j fails as InvalidInput before any activity',
    async (workflowType, input, message) => {
      await withWorker(async ({ client, taskQueue }) => {
        const workflowId = `bad-input-${workflowType}-${Date.now()}`;
        const error = await client.workflow
          .execute(workflowType, { taskQueue, workflowId, args: [input] })
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(error).toBeInstanceOf(WorkflowFailedError);
        const cause = (error as WorkflowFailedError).cause as ApplicationFailure;
        expect(cause).toBeInstanceOf(ApplicationFailure);
        expect(cause.type).toBe('InvalidInput');
        expect(cause.nonRetryable).toBe(true);
        expect(cause.message).toContain(message);
        const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
        expect(events.filter((e) => e.activityTaskScheduledEventAttributes)).toHaveLength(0);
      });
    },
  );
});
