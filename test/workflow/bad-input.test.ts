import { fileURLToPath } from 'node:url';
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { beforeAll, describe, expect, it } from 'vitest';
import { scheduledActivities } from '../helpers/history-scan';
import { inlineSpecsAllowed, unreachableCluster } from '../helpers/specs';
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

/**
 * Specs that would hurt the cluster they describe, given inline to each runbook on a worker that
 * allows inline specs: each fails in the spec's resolution, the only activity ever scheduled, as
 * InvalidClusterSpec naming the field, and is not retried.
 */
const spec = (change: (s: Record<string, any>) => void) => {
  const s: Record<string, any> = structuredClone(unreachableCluster);
  change(s);
  return s;
};

const specCases: Array<[string, string, Record<string, unknown>, string]> = [
  [
    'clusterStatus',
    'a 60 ms monitor',
    spec((s) => (s.monitor = { interval: 60 })),
    'spec.monitor.interval: must be at least 1s',
  ],
  [
    'monitorJob',
    'a file window inside one checkpoint interval',
    spec((s) => (s.monitor = { fileWindow: '30s' })),
    'spec.monitor.fileWindow: must be longer than the checkpoint interval',
  ],
  [
    'deploy',
    'a line break that adds a Flink setting',
    spec((s) => (s.flinkConfig = { 'taskmanager.numberOfTaskSlots': '2\nhigh-availability.type: NONE' })),
    'spec.flinkConfig.taskmanager.numberOfTaskSlots: must not contain control characters',
  ],
  [
    'takeSavepoint',
    '.. in the savepoint directory',
    spec((s) => (s.jobs[0].savepointDir = 'file:///tmp/sp/../../etc')),
    'spec.jobs[0].savepointDir: must not contain ".."',
  ],
  [
    'upgrade',
    'one JobManager as localhost and as 127.0.0.1',
    spec((s) => (s.jobManagers[1].url = 'http://localhost:9')),
    'spec.jobManagers[1].url: duplicate JobManager URL',
  ],
  [
    'failoverDrill',
    'two JobManagers on one RPC port',
    spec((s) => {
      s.jobManagers[0].ports = { rpc: 6500, blob: 6501, ha: 6502 };
      s.jobManagers[1].ports = { rpc: 6500, blob: 6511, ha: 6512 };
    }),
    'spec.jobManagers[1].ports.rpc: port 6500 is also the rpc port of jm-a',
  ],
  [
    'deploy',
    'a / mount',
    spec((s) => (s.volumes = [{ host: '/', container: '/host' }])),
    'spec.volumes[0].host',
  ],
];

describe('inline specs that would hurt their own cluster, on a real Temporal server', () => {
  beforeAll(() => {
    process.env.FLINK_RUNBOOKS_CLUSTERS = fileURLToPath(
      new URL('../../examples/clusters.yaml', import.meta.url),
    );
    Object.assign(process.env, inlineSpecsAllowed);
  });

  it.each(specCases)(
    '%s with %s fails as InvalidClusterSpec in its first activity',
    async (workflowType, _what, bad, message) => {
      await withWorker(async ({ client, taskQueue }) => {
        const workflowId = `bad-spec-${workflowType}-${Date.now()}`;
        const input = {
          cluster: 'nowhere',
          spec: bad,
          ...(workflowType === 'failoverDrill' ? { kind: 'stop-leader' } : {}),
        };
        const error = await client.workflow
          .execute(workflowType, { taskQueue, workflowId, args: [input] })
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(error).toBeInstanceOf(WorkflowFailedError);
        const activity = (error as WorkflowFailedError).cause as ActivityFailure;
        expect(activity).toBeInstanceOf(ActivityFailure);
        const cause = activity.cause as ApplicationFailure;
        expect(cause.type).toBe('InvalidClusterSpec');
        expect(cause.nonRetryable).toBe(true);
        expect(cause.message).toContain(message);
        const scheduled = await scheduledActivities(client, workflowId);
        expect(scheduled).toHaveLength(1);
        expect(['resolveCluster', 'resolveClusterJob']).toContain(scheduled[0]);
      });
    },
  );
});
