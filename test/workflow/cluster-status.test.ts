import { fileURLToPath } from 'node:url';
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { beforeAll, describe, expect, it } from 'vitest';
import { clusterStatus } from '../../src/workflows';
import { inlineSpecsAllowed, unreachableCluster } from '../helpers/specs';
import { withWorker } from '../helpers/temporal';

// The activities run in this process: point them at the seeds' example clusters file.
beforeAll(() => {
  process.env.FLINK_RUNBOOKS_CLUSTERS = fileURLToPath(
    new URL('../../examples/clusters.yaml', import.meta.url),
  );
  Object.assign(process.env, inlineSpecsAllowed);
});

const inlineCluster = unreachableCluster;

async function failureOf(run: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  let cause = (error as WorkflowFailedError).cause;
  if (cause instanceof ActivityFailure) cause = cause.cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

describe('clusterStatus on a real Temporal server', () => {
  it('resolves a cluster by name from the clusters file and reports each JobManager', async () => {
    await withWorker(async ({ client, taskQueue }) => {
      const handle = await client.workflow.start(clusterStatus, {
        taskQueue,
        workflowId: `cluster-status-${Date.now()}`,
        args: [{ cluster: 'realtime-pipeline' }],
      });
      const summary = await handle.result();
      expect(summary.cluster).toBe('realtime-pipeline');
      expect(summary.jobs).toEqual(['realtime-data-pipeline']);
      expect(summary.taskManagers.expected).toBe(3);
      expect(summary.jobManagers.map((jm) => [jm.role, jm.url])).toEqual([
        ['primary', 'http://127.0.0.1:8081'],
        ['standby', 'http://127.0.0.1:8082'],
      ]);
      const description = await handle.describe();
      expect(description.typedSearchAttributes.get({ name: 'FlinkCluster', type: 'KEYWORD' } as never)).toBe(
        'realtime-pipeline',
      );
    });
  });

  it('accepts an inline spec and says when no JobManager answers', async () => {
    await withWorker(async ({ client, taskQueue }) => {
      const summary = await client.workflow.execute(clusterStatus, {
        taskQueue,
        workflowId: `cluster-status-inline-${Date.now()}`,
        args: [{ cluster: 'inline', spec: inlineCluster }],
      });
      expect(summary.answering).toBe(0);
      expect(summary.jobManagers.map((jm) => jm.state)).toEqual(['down', 'down']);
      expect(summary.headline).toBe('no JobManager of inline answers');
    });
  });

  it('fails at once with InvalidInput naming the field when the input is malformed', async () => {
    await withWorker(async ({ client, taskQueue }) => {
      const failure = await failureOf(
        client.workflow.execute(clusterStatus, {
          taskQueue,
          workflowId: `cluster-status-bad-${Date.now()}`,
          args: [{ cluster: 42 } as never],
        }),
      );
      expect(failure.type).toBe('InvalidInput');
      expect(failure.message).toMatch(/^invalid input: cluster: cluster must be a cluster name/);
    });
  });

  it('an unknown cluster fails once, not retried, listing the known clusters', async () => {
    await withWorker(async ({ client, taskQueue }) => {
      const workflowId = `cluster-status-unknown-${Date.now()}`;
      const failure = await failureOf(
        client.workflow.execute(clusterStatus, { taskQueue, workflowId, args: [{ cluster: 'nope' }] }),
      );
      expect(failure.type).toBe('UnknownCluster');
      expect(failure.message).toMatch(/unknown cluster "nope" .* known clusters: realtime-pipeline/);
      const history = await client.workflow.getHandle(workflowId).fetchHistory();
      const attempts = history.events
        ?.filter((e) => e.activityTaskStartedEventAttributes)
        .map((e) => e.activityTaskStartedEventAttributes?.attempt);
      expect(attempts).toEqual([1]);
    });
  });

  it('an invalid inline spec fails with InvalidClusterSpec naming the field path', async () => {
    await withWorker(async ({ client, taskQueue }) => {
      const spec = { ...inlineCluster, jobManagers: [inlineCluster.jobManagers[0]] };
      const failure = await failureOf(
        client.workflow.execute(clusterStatus, {
          taskQueue,
          workflowId: `cluster-status-badspec-${Date.now()}`,
          args: [{ cluster: 'inline', spec }],
        }),
      );
      expect(failure.type).toBe('InvalidClusterSpec');
      expect(failure.message).toContain(
        'spec.jobManagers: an HA cluster needs a primary and a standby JobManager',
      );
    });
  });
});
