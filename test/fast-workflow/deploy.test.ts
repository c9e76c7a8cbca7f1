import { Context } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EngineLook, engineName, WORKER_ENGINE } from '../../src/policy/deploy-engines';
import { deploy } from '../../src/workflows';
import { type Fakes, typedError } from '../helpers/fake-activities';
import { type FakeRun, withFakeWorker } from '../helpers/fake-worker';
import { fastCluster } from '../helpers/fast-cluster';
import { FakeFlink } from '../helpers/flink-fake';
import { recordHistory } from '../helpers/histories';
import { startTimeSkippingServer } from '../helpers/time-skipping';

/**
 * The deploy runbook on a machine where nothing runs yet, with its activities faked: the whole
 * run, the dry run, and a failure at each step, which names the step, keeps the evidence, and
 * alerts once the cluster may have changed.
 */
let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startTimeSkippingServer();
});
afterAll(async () => {
  await env?.teardown();
});

const cluster = fastCluster({
  jobManagers: [
    {
      role: 'primary',
      url: 'http://127.0.0.1:9',
      container: 'jm-a',
      ports: { rpc: 16123, blob: 16124, ha: 16125 },
    },
    {
      role: 'standby',
      url: 'http://127.0.0.1:7',
      container: 'jm-b',
      ports: { rpc: 16133, blob: 16134, ha: 16135 },
    },
  ],
  volumes: [
    { host: '/srv/fast/data', container: '/data' },
    { host: '/srv/fast/ha', container: '/tmp/ha' },
  ],
  storage: { minFreeGb: 1, paths: ['/srv/fast'] },
});

/**
 * Fake engines, named by endpoint: each answers with every image, except an engine `down` names
 * (its error) and the images `missing` lists on an engine.
 */
function fakeEngines(
  down: Record<string, string>,
  missing: Record<string, string[]> = {},
): NonNullable<Fakes['checkNodeEngines']> {
  return ({ nodes }) => {
    const looks = new Map<string, EngineLook>();
    for (const node of nodes) {
      const engine = engineName(node.docker);
      const look = looks.get(engine) ?? {
        engine,
        reachable: down[engine] === undefined,
        ...(down[engine] === undefined ? { version: '27.0' } : { error: down[engine] }),
        nodes: [],
      };
      const present = look.reachable && !(missing[engine] ?? []).includes(node.image);
      look.nodes.push({
        container: node.container,
        image: node.image,
        ...(present ? { id: `sha256:${engine.length}${node.image.length}` } : {}),
      });
      looks.set(engine, look);
    }
    return [...looks.values()];
  };
}

/** A machine with the images and the jar, free ports and disk, and no container yet. */
function freshMachine(): { flink: FakeFlink; fakes: Fakes } {
  const flink = new FakeFlink(cluster, () => env.currentTimeMs());
  const base = flink.fakes();
  const fakes: Fakes = {
    ...base,
    checkNodeEngines: fakeEngines({}),
    measureFreeDisk: ({ paths }) =>
      paths.map((path) => ({ path, measuredAt: path, freeBytes: 500 * 1024 ** 3 })),
    checkPortsFree: ({ ports }) => ports.map((port) => ({ port, free: true })),
    inspectClusterContainers: ({ names }) => names.map((name) => ({ name, exists: false, running: false })),
    inspectDirectories: ({ paths }) => paths.map((path) => ({ path, exists: false, entries: 0 })),
    inspectJar: ({ jar, entryClass }) => ({
      path: jar,
      entryClass,
      readable: true,
      isJar: true,
      hasEntryClass: true,
      sha256: 'ab'.repeat(32),
    }),
    acquireMaintenanceLease: () => ({ granted: true, monitor: 'no-monitor' }),
    prepareDirectories: ({ create }) => create.map((path) => ({ path, action: 'created' as const })),
    createContainer: () => ({ created: true }),
    startContainer: () => 'started',
    waitForZooKeeperReady: () => ({ waitedMs: 900 }),
    waitForJobManagerReady: () => ({ waitedMs: 4_000, flinkVersion: '1.20.3' }),
    waitForTaskManagersReady: ({ expected }) => ({ waitedMs: 3_000, registered: expected, slots: expected }),
    observeClusterJobs: () => ({ answering: true, jobs: [] }),
    planJob: () => ({ ok: true, jobName: 'pipeline' }),
    listTaskManagers: () =>
      cluster.taskManagers.containers.map((tm) => ({
        id: tm.container,
        slots: 1,
        freeSlots: 0,
        heartbeatAgeMs: 100,
      })),
    checkHaSettings: ({ jobManagers }) => ({
      read: jobManagers.map((jm) => jm.url),
      unread: [],
      differences: [],
      agree: true,
    }),
    observeCheckpoints: async (input) => {
      const seen = await (base.observeCheckpoints as NonNullable<Fakes['observeCheckpoints']>)(input);
      return { ...seen, config: { intervalMs: 10_000, timeoutMs: 60_000, minPauseMs: 5_000 } };
    },
    waitForCheckpoint: async () => ({ id: 8, completedAt: await env.currentTimeMs() }),
    jobFailureCause: ({ jobId }) => ({
      state: 'FAILED',
      rootCause: `java.io.IOException: sink of ${jobId} refused`,
    }),
    ensureMonitor: ({ cluster: name, job }) => ({ workflowId: `monitor:${name}:${job}`, runId: 'run-1' }),
    // The job, once submitted, never reaches a terminal state: unlessJobEnds' guard waits on.
    waitForJobState: async (input) => {
      const state = flink.jobs.get(input.jobId)?.state ?? 'MISSING';
      if (input.states.includes(state)) return { state, waitedMs: 1 };
      await Context.current().sleep(60_000); // ends at once when the workflow cancels it
      throw typedError('WaitTimeout', `job ${input.jobId} is ${state}`);
    },
  };
  return { flink, fakes };
}

let deploys = 0;
/** `id` names a run whose history is recorded: replays are matched by workflow id. */
function start(run: FakeRun, input: { dryRun?: boolean } = {}, id = `${++deploys}`) {
  return run.client.workflow.start(deploy, {
    taskQueue: run.taskQueue,
    workflowId: `deploy:fast:pipeline:${id}`,
    args: [{ cluster: 'fast', ...input }],
  });
}

describe('deploy with faked activities on the time-skipping server', () => {
  it('deploys onto a fresh machine step by step and hands the job to its monitor', async () => {
    const { flink, fakes } = freshMachine();
    await withFakeWorker(env, fakes, async (run) => {
      const handle = await start(run);
      const result = await handle.result();
      await recordHistory('deploy-fresh-machine', handle);
      expect(result.outcome).toBe('deployed');
      expect(result.steps.map((s) => [s.step, s.status])).toEqual(result.steps.map((s) => [s.step, 'done']));
      const [job] = flink.submitted();
      expect(result.jobId).toBe(job?.jobId);
      expect(run.calls.inputsOf('ensureMonitor')[0]).toMatchObject({ jobId: job?.jobId });
      expect(flink.inbox.alerts.at(-1)).toMatchObject({ severity: 'info', verdict: 'deployed' });
    });
  });

  it('does not call the alert activity for a cluster with no alert channel', async () => {
    const { fakes } = freshMachine();
    const silent: Fakes = {
      ...fakes,
      resolveClusterJob: (ref) => ({
        cluster: { ...cluster, alerts: [], name: ref.cluster },
        job: cluster.jobs[0] as (typeof cluster.jobs)[number],
      }),
    };
    await withFakeWorker(env, silent, async (run) => {
      const result = await (await start(run)).result();
      expect(result.outcome).toBe('deployed');
      expect(run.calls.count('sendAlert')).toBe(0);
    });
  });

  it('a dry run plans every step and changes nothing', async () => {
    const { fakes } = freshMachine();
    await withFakeWorker(env, fakes, async (run) => {
      const result = await (await start(run, { dryRun: true })).result();
      expect(result.outcome).toBe('dry-run');
      const changing = [
        'acquireMaintenanceLease',
        'prepareDirectories',
        'createContainer',
        'startContainer',
        'submitJob',
      ];
      expect(run.calls.names().filter((n) => changing.includes(n))).toEqual([]);
      expect(result.steps.find((s) => s.step === 'deploy-job')?.changes?.length).toBeGreaterThan(0);
    });
  });

  const failures: Array<[string, string, Fakes]> = [
    [
      'precheck',
      'DeployPrecheckFailed',
      { checkNodeEngines: fakeEngines({ [WORKER_ENGINE]: 'connect ENOENT /var/run/docker.sock' }) },
    ],
    [
      'stop-old-services',
      'DeployStepFailed',
      {
        acquireMaintenanceLease: () => {
          throw typedError('LeaseHeld', 'fast/pipeline is held by upgrade:fast:pipeline');
        },
      },
    ],
    [
      'clean-and-prepare',
      'DeployStepFailed',
      {
        prepareDirectories: () => {
          throw typedError('UnsafeClean', '/data/checkpoints holds files of another cluster');
        },
      },
    ],
    [
      'start-zookeeper',
      'DeployStepFailed',
      {
        waitForZooKeeperReady: () => {
          throw typedError('WaitTimeout', 'ZooKeeper 127.0.0.1:1 did not answer imok within 60 s');
        },
      },
    ],
    [
      'start-jobmanagers',
      'DeployStepFailed',
      {
        waitForJobManagerReady: () => {
          throw typedError('WaitTimeout', 'http://127.0.0.1:9 did not answer within 180 s');
        },
      },
    ],
    [
      'start-taskmanagers',
      'DeployStepFailed',
      {
        waitForTaskManagersReady: () => {
          throw typedError('WaitTimeout', '1 of 2 TaskManagers registered within 180 s');
        },
      },
    ],
    [
      'deploy-job',
      'DeployStepFailed',
      { planJob: () => ({ ok: false, error: 'ClassNotFoundException: com.example.Pipeline' }) },
    ],
    [
      'verify',
      'DeployVerifyFailed',
      {
        checkHaSettings: () => ({
          read: ['a', 'b'],
          unread: [],
          differences: [{ key: 'high-availability.cluster-id', values: { a: '/x', b: '/y' } }],
          agree: false,
        }),
      },
    ],
    [
      'hand-over-to-monitor',
      'DeployStepFailed',
      {
        ensureMonitor: () => {
          throw ApplicationFailure.nonRetryable('namespace not found', 'NamespaceNotFound');
        },
      },
    ],
  ];

  it.each(failures)('a failure at %s fails the deploy as %s, naming the step', async (step, type, broken) => {
    const { flink, fakes } = freshMachine();
    await withFakeWorker(env, { ...fakes, ...broken }, async (run) => {
      const handle = await start(run);
      const error = await handle.result().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(WorkflowFailedError);
      const failure = (error as WorkflowFailedError).cause as ApplicationFailure;
      if (step === 'verify') await recordHistory('deploy-verify-failed', handle);
      expect(failure.type).toBe(type);
      expect(failure.nonRetryable).toBe(true);
      expect(failure.message).toContain(`failed at step "${step}"`);
      const [details] = failure.details as [{ step: string; steps: Array<{ step: string; status: string }> }];
      expect(details.step).toBe(step);
      const statuses = Object.fromEntries(details.steps.map((s) => [s.step, s.status]));
      expect(statuses[step]).toBe('failed');
      const after = details.steps.slice(details.steps.findIndex((s) => s.step === step) + 1);
      expect(after.every((s) => s.status === 'pending')).toBe(true);
      if (step === 'precheck') {
        expect(failure.message).toContain('Nothing was changed.');
        expect(flink.inbox.alerts).toHaveLength(0);
      } else {
        expect(failure.message).toContain('The cluster is left as it is for inspection.');
        expect(flink.inbox.alerts.at(-1)).toMatchObject({ severity: 'critical', verdict: 'deploy-failed' });
      }
    });
  });

  it('fails the precheck when the spec has Flink delete checkpoints on cancel, naming the setting', async () => {
    const { fakes } = freshMachine();
    const deleting = {
      ...cluster,
      flinkConfig: {
        ...cluster.flinkConfig,
        'execution.checkpointing.externalized-checkpoint-retention': 'DELETE_ON_CANCELLATION',
      },
    };
    const job = deleting.jobs[0] as (typeof deleting.jobs)[number];
    await withFakeWorker(
      env,
      { ...fakes, resolveClusterJob: (ref) => ({ cluster: { ...deleting, name: ref.cluster }, job }) },
      async (run) => {
        const error = await (await start(run)).result().then(
          () => undefined,
          (e: unknown) => e,
        );
        const failure = (error as WorkflowFailedError).cause as ApplicationFailure;
        expect(failure.type).toBe('DeployPrecheckFailed');
        expect(JSON.stringify(failure.details)).toMatch(
          /externalized-checkpoint-retention is DELETE_ON_CANCELLATION.*RETAIN_ON_CANCELLATION/,
        );
        expect(run.calls.count('acquireMaintenanceLease')).toBe(0);
      },
    );
  });

  it('fails the verify, not with a warning, when the running job does not retain its checkpoints on cancel', async () => {
    const { fakes } = freshMachine();
    const observe = fakes.observeCheckpoints as NonNullable<Fakes['observeCheckpoints']>;
    await withFakeWorker(
      env,
      {
        ...fakes,
        observeCheckpoints: async (input) => {
          const seen = await observe(input);
          return { ...seen, config: { ...seen.config, retainedOnCancel: false } };
        },
      },
      async (run) => {
        const error = await (await start(run)).result().then(
          () => undefined,
          (e: unknown) => e,
        );
        const failure = (error as WorkflowFailedError).cause as ApplicationFailure;
        expect(failure.type).toBe('DeployVerifyFailed');
        expect(failure.message).toMatch(
          /checkpoints retained: .*execution\.checkpointing\.externalized-checkpoint-retention: RETAIN_ON_CANCELLATION/,
        );
        expect(run.calls.count('ensureMonitor')).toBe(0);
      },
    );
  });

  describe('on two Docker engines', () => {
    const B = 'unix:///run/flink-runbooks/docker-b.sock';
    const onTwo = fastCluster({
      jobManagers: cluster.jobManagers.map((jm) => (jm.container === 'jm-b' ? { ...jm, docker: B } : jm)),
      taskManagers: {
        containers: [{ container: 'tm-1' }, { container: 'tm-2', docker: { host: B } }],
      },
      volumes: cluster.volumes,
      storage: cluster.storage,
    });
    const twoEngines = (fakes: Fakes, engines: Fakes['checkNodeEngines']): Fakes => ({
      ...fakes,
      checkNodeEngines: engines,
      resolveClusterJob: (ref) => ({
        cluster: { ...onTwo, name: ref.cluster },
        job: onTwo.jobs[0] as (typeof onTwo.jobs)[number],
      }),
    });
    const changing = [
      'acquireMaintenanceLease',
      'stopContainer',
      'removeClusterContainer',
      'prepareDirectories',
      'createContainer',
      'startContainer',
      'submitJob',
    ] as const;
    async function refused(run: FakeRun): Promise<ApplicationFailure> {
      const error = await (await start(run)).result().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(WorkflowFailedError);
      return (error as WorkflowFailedError).cause as ApplicationFailure;
    }

    it("asks each node's own engine: the image missing only on the second refuses the deploy, naming it and its nodes", async () => {
      const { flink, fakes } = freshMachine();
      const image = onTwo.images.flink;
      await withFakeWorker(env, twoEngines(fakes, fakeEngines({}, { [B]: [image] })), async (run) => {
        const failure = await refused(run);
        expect(failure.type).toBe('DeployPrecheckFailed');
        expect(failure.message).toContain(
          `images: image ${image} is not present on Docker engine ${B}, where jm-b, tm-2 run`,
        );
        expect(failure.message).toContain('Nothing was changed.');
        const [asked] = run.calls.inputsOf('checkNodeEngines');
        expect(asked?.nodes.filter((n) => n.docker).map((n) => [n.container, n.docker?.host])).toEqual([
          ['jm-b', B],
          ['tm-2', B],
        ]);
        expect(run.calls.names().filter((n) => (changing as readonly string[]).includes(n))).toEqual([]);
        expect(flink.inbox.alerts).toHaveLength(0);
      });
    });

    it('the second engine not answering refuses the deploy, naming it, and looks at nothing else', async () => {
      const { fakes } = freshMachine();
      const engines = fakeEngines({ [B]: 'connect ENOENT /run/flink-runbooks/docker-b.sock' });
      await withFakeWorker(env, twoEngines(fakes, engines), async (run) => {
        const failure = await refused(run);
        expect(failure.type).toBe('DeployPrecheckFailed');
        expect(failure.message).toContain(
          `docker: Docker engine ${B} does not answer (nodes jm-b, tm-2): connect ENOENT /run/flink-runbooks/docker-b.sock`,
        );
        expect(run.calls.names().filter((n) => (changing as readonly string[]).includes(n))).toEqual([]);
        expect(run.calls.count('inspectClusterContainers')).toBe(0);
      });
    });

    it('every engine answering with its nodes’ images passes the precheck and deploys', async () => {
      const { fakes } = freshMachine();
      await withFakeWorker(env, twoEngines(fakes, fakeEngines({})), async (run) => {
        const handle = await start(run, {}, 'two-engines');
        const result = await handle.result();
        await recordHistory('deploy-two-engines', handle);
        expect(result.outcome).toBe('deployed');
        expect(result.precheck).toEqual({ passed: true, problems: [] });
        expect(result.steps[0]?.summary).toContain(
          `Docker 27.0 on ${WORKER_ENGINE} (2 nodes), Docker 27.0 on ${B} (2 nodes), images present`,
        );
      });
    });
  });
});
