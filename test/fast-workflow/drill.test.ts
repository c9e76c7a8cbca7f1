import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TakeoverObservation } from '../../src/activities/drill';
import type { DrillBaseline } from '../../src/policy/drill-plan';
import { failoverDrill } from '../../src/workflows';
import { type Fakes, typedError } from '../helpers/fake-activities';
import { type FakeRun, withFakeWorker } from '../helpers/fake-worker';
import { fastCluster, jobIds, onlyJob } from '../helpers/fast-cluster';
import { recordHistory } from '../helpers/histories';
import { AlertInbox } from '../helpers/monitor-fakes';
import { startTimeSkippingServer } from '../helpers/time-skipping';

/**
 * The failover drill's branches with its activities faked: a drill that passes its guardrails
 * and sees the takeover, one refused before anything is touched (unhealthy job, lease held), and
 * one aborted when the takeover exceeds its limit, which still restores the node exactly once.
 */
let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startTimeSkippingServer();
});
afterAll(async () => {
  await env?.teardown();
});

const cluster = fastCluster();
const [primary, standby] = cluster.jobManagers as [
  (typeof cluster.jobManagers)[number],
  (typeof cluster.jobManagers)[number],
];

function healthyBaseline(at: number): DrillBaseline {
  return {
    at,
    jobManagers: cluster.jobManagers.map((jm) => ({
      url: jm.url,
      container: jm.container,
      role: jm.role,
      state: 'up',
      taskManagers: cluster.taskManagers.containers.length,
    })),
    containers: [
      ...cluster.jobManagers.map((jm) => ({
        name: jm.container,
        role: 'jobmanager' as const,
        exists: true,
        running: true,
      })),
      ...cluster.taskManagers.containers.map((tm) => ({
        name: tm.container,
        role: 'taskmanager' as const,
        exists: true,
        running: true,
      })),
    ],
    leader: { url: primary.url, sessionId: 'session-1', container: primary.container, consistent: true },
    ha: {
      agree: true,
      differences: [],
      unread: [],
      types: Object.fromEntries(cluster.jobManagers.map((jm) => [jm.url, 'zookeeper'])),
    },
    job: { jobId: jobIds.old, name: 'pipeline', state: 'RUNNING', startTime: at - 3_600_000 },
    checkpoint: { id: 40, completedAt: at - 5_000 },
    checkpointConfig: { intervalMs: 10_000, timeoutMs: 60_000 },
  };
}

function takeover(reached: boolean, at: number): TakeoverObservation {
  const polls = { count: 10, maxGapMs: 300 };
  return {
    reached,
    timedOut: !reached,
    milestones: reached
      ? {
          'leader-lost': { at: at + 500, seenAt: at + 500, source: 'zookeeper' },
          'new-leader-elected': { at: at + 1_500, seenAt: at + 1_500, source: 'zookeeper' },
          'job-restored': { at: at + 3_000, seenAt: at + 3_000, source: 'rest' },
          'first-checkpoint': { at: at + 9_000, seenAt: at + 9_000, source: 'rest' },
        }
      : { 'leader-lost': { at: at + 500, seenAt: at + 500, source: 'zookeeper' } },
    newLeader: reached ? { url: standby.url, sessionId: 'session-2' } : undefined,
    leaderChanges: [],
    jobStates: [],
    polls: { zookeeper: polls, job: polls, checkpoints: polls, output: polls },
  };
}

function drillFakes(overrides: Fakes = {}): Fakes {
  return {
    resolveClusterJob: (ref) => ({ cluster: { ...cluster, name: ref.cluster }, job: onlyJob(cluster) }),
    observeDrillBaseline: async () => healthyBaseline(await env.currentTimeMs()),
    acquireMaintenanceLease: () => ({ granted: true, monitor: 'running' }),
    releaseMaintenanceLease: () => ({ released: true }),
    injectFault: async ({ container }) => {
      const at = await env.currentTimeMs();
      return { at, doneAt: at + 200, result: `${container} stopped` };
    },
    observeTakeover: async ({ faultAt }) => takeover(true, faultAt),
    restoreNode: async ({ container }) => {
      const at = await env.currentTimeMs();
      return { ok: true, at, detail: `${container} rejoined as standby`, startedAt: at, result: 'started' };
    },
    watchAfterRestore: ({ durationMs }) => ({
      durationMs,
      leaderChanged: false,
      jobStates: [],
      notRunning: [],
      checkpointsCompleted: 2,
      runningVia: cluster.jobManagers.map((jm) => jm.url),
    }),
    readFlinkLogEvents: () => ({ events: [], utcOffset: '+00:00' }),
    writeDrillReport: ({ drillId }) => ({
      markdownPath: `/reports/${drillId}.md`,
      svgPath: `/reports/${drillId}.svg`,
      svg: '<svg/>',
    }),
    sendAlert: new AlertInbox().sendAlert,
    ...overrides,
  };
}

let drills = 0;
/** Runs a drill to its end; `record` names the history to keep when recording. */
async function runDrill(run: FakeRun, kind: 'stop-leader' | 'kill-leader' = 'stop-leader', record?: string) {
  const handle = await run.client.workflow.start(failoverDrill, {
    taskQueue: run.taskQueue,
    workflowId: `drill:fast:${++drills}`,
    args: [{ cluster: 'fast', kind }],
  });
  try {
    return await handle.result();
  } finally {
    if (record) await recordHistory(record, handle);
  }
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  return (error as WorkflowFailedError).cause as ApplicationFailure;
}

describe('failoverDrill with faked activities on the time-skipping server', () => {
  it('stops the leader, sees the standby take over, restores the node once and writes the report', async () => {
    await withFakeWorker(env, drillFakes(), async (run) => {
      const result = await runDrill(run, 'stop-leader', 'drill-stop-leader-passed');
      expect(result.plan).toMatchObject({ action: 'stop', target: { container: primary.container } });
      expect(run.calls.inputsOf('injectFault')).toEqual([{ container: primary.container, action: 'stop' }]);
      expect(run.calls.count('restoreNode')).toBe(1);
      expect(run.calls.count('watchAfterRestore')).toBe(1);
      expect(run.calls.count('releaseMaintenanceLease')).toBe(1);
      expect(result.files?.markdown).toMatch(/^\/reports\/fast-stop-leader-.*\.md$/);
      expect(result.newLeader?.url).toBe(standby.url);
      expect(result.lease).toMatchObject({ monitor: 'running', released: true });
    });
  });

  it('is refused, touching nothing, when the job is not running', async () => {
    const fakes = drillFakes({
      observeDrillBaseline: async () => ({
        ...healthyBaseline(await env.currentTimeMs()),
        job: { jobId: jobIds.old, name: 'pipeline', state: 'RESTARTING', startTime: 0 },
      }),
    });
    await withFakeWorker(env, fakes, async (run) => {
      const failure = await failureOf(runDrill(run));
      expect(failure.type).toBe('DrillRefused');
      expect(failure.message).toMatch(/nothing was changed: .*is RESTARTING, not RUNNING/);
      expect(run.calls.names()).toEqual(['resolveClusterJob', 'observeDrillBaseline']);
    });
  });

  it('is refused when another runbook holds the job', async () => {
    const fakes = drillFakes({
      acquireMaintenanceLease: () => {
        throw typedError('LeaseHeld', 'fast/pipeline is held by upgrade:fast:pipeline for upgrade');
      },
    });
    await withFakeWorker(env, fakes, async (run) => {
      const failure = await failureOf(runDrill(run));
      expect(failure.type).toBe('DrillRefused');
      expect(failure.message).toMatch(/held by upgrade:fast:pipeline/);
      expect(run.calls.count('injectFault')).toBe(0);
      expect(run.calls.count('acquireMaintenanceLease')).toBe(1); // final: not retried
    });
  });

  it('aborts past the takeover limit: restores the node at once, watches the cluster settle, and reports', async () => {
    let looks = 0;
    const fakes = drillFakes({
      observeTakeover: async ({ faultAt }) => takeover(++looks > 1, faultAt),
    });
    await withFakeWorker(env, fakes, async (run) => {
      const result = await runDrill(run, 'kill-leader', 'drill-kill-leader-aborted');
      expect(result.outcome).toBe('aborted');
      expect(result.timeline.map((m) => m.milestone)).toContain('takeover-aborted');
      expect(run.calls.count('restoreNode')).toBe(1);
      expect(run.calls.count('observeTakeover')).toBe(2);
      const names = run.calls.names();
      expect(names.indexOf('restoreNode')).toBeLessThan(names.lastIndexOf('observeTakeover'));
      expect(run.calls.count('releaseMaintenanceLease')).toBe(1);
    });
  });

  it('restores the node and releases the lease even when the observer fails', async () => {
    const fakes = drillFakes({
      observeTakeover: () => {
        throw ApplicationFailure.nonRetryable('ZooKeeper session expired', 'ObserverFailed');
      },
    });
    await withFakeWorker(env, fakes, async (run) => {
      await failureOf(runDrill(run));
      expect(run.calls.count('injectFault')).toBe(1);
      expect(run.calls.count('restoreNode')).toBe(1);
      expect(run.calls.count('releaseMaintenanceLease')).toBe(1);
    });
  });
});
