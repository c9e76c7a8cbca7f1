import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { sandboxDown } from '../../scripts/lib/sandbox';
import { checkOutputSequence } from '../../src/activities/output';
import type { JobSpec, NamedCluster } from '../../src/config/schema';
import { LABELS } from '../../src/docker/container-plan';
import {
  inspectContainer,
  listContainersByLabel,
  removeContainer,
  startContainer,
  stopContainer,
} from '../../src/docker/engine';
import { FlinkClusterClient } from '../../src/flink/cluster-client';
import { jobKey, SPEC_HASH_LABEL } from '../../src/policy/deploy-hash';
import { type DeployResult, stepTimings } from '../../src/policy/deploy-report';
import { useTemporalClient } from '../../src/temporal/client-holder';
import { pollUntil } from '../../src/util/poll';
import { type DeployInput, deploy, deployWorkflowId, progressQuery } from '../../src/workflows/deploy';
import { monitorWorkflowId } from '../../src/workflows/monitor-api';
import { type AlertReceiver, startAlertReceiver } from '../helpers/alert-receiver';
import { loadFixtureCluster } from '../helpers/fixture-cluster';
import { runWorkerOn } from '../helpers/temporal';

/**
 * The Deploy runbook end to end, on its own sandbox (test/e2e/fixtures/deploy-sandbox.yaml:
 * containers `deploy-*`, ports 2281/8181/8182/62xx), which the workflow itself creates from
 * nothing. Runs beside the default sandbox; touches no container without the `deploy-` prefix.
 */
const FIXTURE = fileURLToPath(new URL('./fixtures/deploy-sandbox.yaml', import.meta.url));
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const CLUSTER = 'deploy-sandbox';
const JOB = 'sample-pipeline';
const WORKFLOW_ID = deployWorkflowId(CLUSTER, JOB);
/** One task queue for the file: the monitor the deploy hands over to lives on it between tests. */
const taskQueue = `deploy-e2e-${randomUUID()}`;

let cluster: NamedCluster;
let job: JobSpec;
let rest: FlinkClusterClient;
let connection: Connection;
let client: Client;
let receiver: AlertReceiver;
const measured: Record<string, string> = {};
let savedEnv: Record<string, string | undefined> = {};
let savepointOfFailedDeploy: string | undefined;

beforeAll(async () => {
  cluster = await loadFixtureCluster(FIXTURE, CLUSTER, 'deploy-');
  job = cluster.jobs[0] as JobSpec;
  // The worker's activities (in this process) read the same clusters file.
  savedEnv = {
    FLINK_RUNBOOKS_CLUSTERS: process.env.FLINK_RUNBOOKS_CLUSTERS,
    DEPLOY_SANDBOX_WEBHOOK_URL: process.env.DEPLOY_SANDBOX_WEBHOOK_URL,
    FLINK_RUNBOOKS_INLINE_PATHS: process.env.FLINK_RUNBOOKS_INLINE_PATHS,
  };
  process.env.FLINK_RUNBOOKS_CLUSTERS = FIXTURE;
  // The broken-jar case below brings its jar inline from a scratch folder: the worker allows it.
  process.env.FLINK_RUNBOOKS_INLINE_PATHS = tmpdir();
  rest = new FlinkClusterClient(cluster.jobManagers.map((jm) => jm.url));
  // "From nothing" is from nothing: no container, no data directory.
  await sandboxDown(cluster);
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection });
  useTemporalClient(client); // ensureMonitor and the lease talk to this run's Temporal server
  receiver = await startAlertReceiver();
  process.env.DEPLOY_SANDBOX_WEBHOOK_URL = receiver.url;
});

afterAll(async () => {
  await client?.workflow
    .getHandle(monitorWorkflowId(CLUSTER, JOB))
    .terminate('deploy e2e done')
    .catch(() => undefined);
  if (process.env.SANDBOX_KEEP !== '1' && cluster) await sandboxDown(cluster);
  receiver?.server.close();
  await connection?.close();
  // e2e files share one process: leave the environment as this file found it.
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  console.log(
    `deploy e2e measurements:\n${Object.entries(measured)
      .map(([k, v]) => `  ${k}: ${v}`)
      .join('\n')}`,
  );
});

/** A worker on the file's task queue, in this process, for the duration of `use`. */
const withWorker = <T>(use: () => Promise<T>): Promise<T> => runWorkerOn(taskQueue, use);

const start = (input: Omit<DeployInput, 'cluster'> = {}) =>
  client.workflow.start(deploy, {
    taskQueue,
    workflowId: WORKFLOW_ID,
    args: [{ cluster: CLUSTER, ...input }],
  });

async function failureOf(run: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  const cause = (error as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

/** The fixture's spec as an inline spec, with a change. */
function inlineSpec(change: (spec: Record<string, any>) => void): Record<string, unknown> {
  const { name: _name, ...spec } = structuredClone(cluster) as Record<string, any>;
  change(spec);
  return spec;
}

async function ourContainers(): Promise<
  Record<string, { startedAt?: string; running: boolean; hash?: string }>
> {
  const names = await listContainersByLabel(LABELS.cluster, CLUSTER);
  const seen = await Promise.all(names.map((n) => inspectContainer(n)));
  return Object.fromEntries(
    seen.map((c) => [
      c.name,
      { startedAt: c.startedAt, running: c.running, hash: c.labels?.[SPEC_HASH_LABEL] },
    ]),
  );
}

async function liveJobs() {
  return (await rest.call((c) => c.jobsOverview())).filter(
    (j) => !['FINISHED', 'CANCELED', 'FAILED'].includes(j.state),
  );
}

/** Polls the progress query until the run ends; returns every (step, doing) seen. */
async function watchProgress(handle: WorkflowHandle<typeof deploy>, until: Promise<unknown>) {
  const seen: string[] = [];
  let done = false;
  until
    .finally(() => {
      done = true;
    })
    .catch(() => undefined);
  while (!done) {
    const progress = await handle.query(progressQuery).catch(() => undefined);
    const line = progress?.current && `${progress.current}: ${progress.doing ?? ''}`;
    if (line && seen.at(-1) !== line) seen.push(line);
    await new Promise((r) => setTimeout(r, 500));
  }
  return seen;
}

describe('the deploy runbook on its own sandbox', () => {
  it('a failed precheck changes nothing: too little free disk, conflicting HA settings', async () => {
    await withWorker(async () => {
      const disk = await failureOf(start({ freeDiskGb: 1_000_000 }).then((h) => h.result()));
      expect(disk.type).toBe('DeployPrecheckFailed');
      expect(disk.message).toMatch(
        /^deploy of sample-pipeline on deploy-sandbox failed at step "precheck": 1 check failed: disk: [\d.]+ GB free at \S*\.data\/deploy-sandbox\b.*below the 1000000 GB required .*Nothing was changed\.$/,
      );

      const conflicting = inlineSpec((spec) => {
        spec.jobManagers[1].config = { 'high-availability.cluster-id': '/somewhere-else' };
      });
      const ha = await failureOf(start({ spec: conflicting }).then((h) => h.result()));
      expect(ha.type).toBe('DeployPrecheckFailed');
      expect(ha.message).toContain(
        'spec: jobManagers: high-availability.cluster-id differs between containers: deploy-flink-jobmanager=/deploy-sandbox, deploy-flink-jobmanager-standby=/somewhere-else',
      );
    });
    expect(await ourContainers()).toEqual({});
    for (const volume of cluster.volumes) expect(existsSync(volume.host), volume.host).toBe(false);
  });

  it('a dry run returns each step and what it would change, and changes nothing', async () => {
    const result = await withWorker(async () => (await start({ dryRun: true })).result());
    expect(result.outcome).toBe('dry-run');
    expect(result.precheck).toEqual({ passed: true, problems: [] });
    expect(result.plan?.containers.map((c) => `${c.name} ${c.action}`)).toEqual([
      'deploy-zookeeper create',
      'deploy-flink-jobmanager create',
      'deploy-flink-jobmanager-standby create',
      'deploy-taskmanager-1 create',
      'deploy-taskmanager-2 create',
    ]);
    const changes = Object.fromEntries(result.steps.map((s) => [s.step, s.changes]));
    expect(changes['start-zookeeper']).toEqual(['create and start deploy-zookeeper (absent)']);
    expect(changes['deploy-job']).toEqual(['submit sample-pipeline as a new job']);
    expect(changes['clean-and-prepare']).toHaveLength(cluster.volumes.length);
    expect(result.steps.slice(1).every((s) => s.status === 'skipped')).toBe(true);
    expect(result.headline).toMatch(
      /^dry run of sample-pipeline on deploy-sandbox: would create 5 containers, create 5 directories, submit the job$/,
    );
    expect(await ourContainers()).toEqual({});
  });

  let firstJobId: string;

  it('deploys from nothing to a monitored running job, step by step, visible in the progress query', async () => {
    // Timed to the result: the worker's shutdown afterwards waits for the monitor's running watch.
    const { result, seen, wall } = await withWorker(async () => {
      const t0 = Date.now();
      const handle = await start();
      const done = handle.result();
      const seen = await watchProgress(handle, done);
      const result = await done;
      return { result, seen, wall: Date.now() - t0 };
    });
    measured['cold deploy (from nothing)'] =
      `${(wall / 1000).toFixed(1)} s wall, ${(result.totalMs / 1000).toFixed(1)} s in the workflow — ${stepTimings(result.steps)}`;

    expect(result.outcome).toBe('deployed');
    expect(result.steps.map((s) => `${s.step} ${s.status}`)).toEqual([
      'precheck done',
      'stop-old-services done',
      'clean-and-prepare done',
      'start-zookeeper done',
      'start-jobmanagers done',
      'start-taskmanagers done',
      'deploy-job done',
      'verify done',
      'hand-over-to-monitor done',
    ]);
    expect(result.steps.every((s) => typeof s.durationMs === 'number')).toBe(true);
    expect(result.jobId).toMatch(new RegExp(`^${jobKey(CLUSTER, JOB)}[0-9a-f]{24}$`));
    firstJobId = result.jobId as string;
    expect(result.steps.find((s) => s.step === 'verify')?.summary).toMatch(
      /ok: JobManagers answer: 2\/2 answer; ok: TaskManagers registered: 2\/2 registered; ok: HA settings identical: 2 JobManagers agree; ok: job RUNNING: .*; ok: checkpoint completed: #\d+; ok: output committed: part-.*\.csv/,
    );
    // The progress query showed the steps in the seeds' order while they ran.
    const order = [...new Set(seen.map((line) => line.split(':')[0]))];
    expect(order.indexOf('start-zookeeper')).toBeLessThan(order.indexOf('start-jobmanagers'));
    expect(order.indexOf('start-jobmanagers')).toBeLessThan(order.indexOf('deploy-job'));
    expect(
      seen.some((line) => /^start-taskmanagers: waiting for 2 TaskManagers to register/.test(line)),
    ).toBe(true);

    const containers = await ourContainers();
    expect(Object.keys(containers).sort()).toEqual([
      'deploy-flink-jobmanager',
      'deploy-flink-jobmanager-standby',
      'deploy-taskmanager-1',
      'deploy-taskmanager-2',
      'deploy-zookeeper',
    ]);
    expect(Object.values(containers).every((c) => c.running && /^[0-9a-f]{16}$/.test(c.hash ?? ''))).toBe(
      true,
    );
    expect((await liveJobs()).map((j) => [j.jid, j.state])).toEqual([[firstJobId, 'RUNNING']]);

    // Handed over: the monitor exists and was told to watch the new job.
    const monitor = client.workflow.getHandle(monitorWorkflowId(CLUSTER, JOB));
    expect((await monitor.describe()).status.name).toBe('RUNNING');
    const signals = (await monitor.fetchHistory()).events
      ?.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'watchJob')
      .map((e) => {
        const payload = e.workflowExecutionSignaledEventAttributes?.input?.payloads?.[0]?.data;
        return JSON.parse(Buffer.from(payload ?? []).toString('utf8')) as { jobId: string };
      });
    expect(signals?.map((s) => s.jobId)).toContain(firstJobId);
    expect(result.monitorWorkflowId).toBe(monitorWorkflowId(CLUSTER, JOB));
  });

  it('deploying the same spec again changes nothing and says so', async () => {
    const before = await ourContainers();
    const { result, wall } = await withWorker(async () => {
      const t0 = Date.now();
      const result = await (await start()).result();
      return { result, wall: Date.now() - t0 };
    });
    measured['warm deploy (no-op)'] =
      `${(wall / 1000).toFixed(1)} s wall, ${(result.totalMs / 1000).toFixed(1)} s in the workflow — ${stepTimings(result.steps)}`;

    expect(result.outcome).toBe('unchanged');
    expect(result.plan?.noop).toBe(true);
    expect(result.jobId).toBe(firstJobId);
    expect(result.headline).toMatch(
      /^sample-pipeline on deploy-sandbox is already deployed from this spec \(job [0-9a-f]{32} RUNNING, every container up to date\): nothing changed/,
    );
    expect(result.steps.map((s) => `${s.step} ${s.status}`)).toEqual([
      'precheck done',
      'stop-old-services skipped',
      'clean-and-prepare skipped',
      'start-zookeeper skipped',
      'start-jobmanagers skipped',
      'start-taskmanagers skipped',
      'deploy-job skipped',
      'verify done',
      'hand-over-to-monitor done',
    ]);
    expect(await ourContainers()).toEqual(before); // same containers, not restarted
    expect((await liveJobs()).map((j) => j.jid)).toEqual([firstJobId]);
  });

  it('a jar that fails to start: a clear failure, and nothing else touched', async () => {
    const before = await ourContainers();
    const scratch = mkdtempSync(join(tmpdir(), 'deploy-e2e-'));
    try {
      // (a) a broken jar file, and a jar whose main() refuses its arguments: both caught before anything is stopped.
      const broken = join(scratch, 'broken.jar');
      const jar = readFileSync(job.jar);
      writeFileSync(broken, jar.subarray(0, Math.floor(jar.length / 2)));
      const refused = await withWorker(async () => {
        const corrupt = await failureOf(
          start({
            spec: inlineSpec((s) => {
              s.jobs[0].jar = broken;
            }),
          }).then((h) => h.result()),
        );
        expect(corrupt.type).toBe('DeployPrecheckFailed');
        expect(corrupt.message).toContain(
          `jar: ${broken} is not a jar (not a zip file: End of central directory record signature not found`,
        );
        return failureOf(
          start({
            spec: inlineSpec((s) => {
              s.jobs[0].args = [...s.jobs[0].args, '--no-such-option', 'x'];
            }),
          }).then((h) => h.result()),
        );
      });
      expect(refused.type).toBe('DeployPrecheckFailed');
      expect(refused.message).toMatch(
        /failed at step "precheck": 1 check failed: jar: the JobManager rejects the job .*java\.lang\.IllegalArgumentException: unknown option --no-such-option.*Nothing was changed\.$/,
      );
      expect((await liveJobs()).map((j) => [j.jid, j.state])).toEqual([[firstJobId, 'RUNNING']]);
      expect(await ourContainers()).toEqual(before);

      // (b) a job that starts and then fails: the old job is stopped with a savepoint, the new one
      // fails; the deploy stops there, alerts, and names the step, the evidence and the savepoint.
      // Its source reads a fault file of its own (the running job's says nothing) and fails at once.
      const faultDir = join(controlDir(), 'deploy-e2e-fail');
      mkdirSync(faultDir, { recursive: true });
      writeFileSync(join(faultDir, 'fault'), 'fail\n');
      const failing = inlineSpec((s) => {
        s.jobs[0].args = [
          ...s.jobs[0].args,
          '--control-dir',
          '/opt/flink/control/deploy-e2e-fail',
          '--restart-attempts',
          '0',
        ];
      });
      receiver.bodies.length = 0;
      const failure = await withWorker(async () =>
        failureOf(start({ spec: failing }).then((h) => h.result())),
      );
      expect(['DeployVerifyFailed', 'DeployStepFailed']).toContain(failure.type);
      expect(failure.message).toMatch(
        /^deploy of sample-pipeline on deploy-sandbox failed at step "(verify|deploy-job)": .*job [0-9a-f]{32} is FAILED.*root cause: io\.flinkrunbooks\.sample\.InjectedFailureException: injected failure: .*The cluster is left as it is for inspection\. The old job [0-9a-f]{32} was stopped with savepoint file:\/opt\/flink\/savepoints\/savepoint-/,
      );
      const details = failure.details?.[0] as {
        step: string;
        savepoint: string;
        previousJobId: string;
        jobId: string;
      };
      expect(details.previousJobId).toBe(firstJobId);
      savepointOfFailedDeploy = details.savepoint;
      expect(await ourContainers()).toEqual(before); // the containers were not touched
      expect(await liveJobs()).toEqual([]); // left as it is: the failed job stays failed
      const alert = receiver.bodies.find((b) => b.verdict === 'deploy-failed');
      expect(alert).toMatchObject({ severity: 'critical', cluster: CLUSTER, job: JOB, status: 'firing' });
      expect(String(alert?.text)).toContain(`Failed step: ${details.step}`);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('redeploys from the savepoint across a worker crash: one job, no second container, no lost or repeated row', async () => {
    expect(savepointOfFailedDeploy).toMatch(/^file:\/opt\/flink\/savepoints\/savepoint-/);
    const savepointPath = savepointOfFailedDeploy as string;
    // A TaskManager gone missing: the deploy creates it again.
    await removeContainer('deploy-taskmanager-2');

    // A worker in its own process: SIGKILL it while the deploy waits for the TaskManagers.
    const child = await startWorkerProcess();
    const handle = await start({ savepointPath });
    let createdBeforeCrash: string | undefined;
    try {
      for (const deadline = Date.now() + 300_000; ; ) {
        const progress = await handle.query(progressQuery).catch(() => undefined);
        if (progress?.current === 'start-taskmanagers' && progress.doing?.startsWith('waiting')) break;
        if (Date.now() > deadline)
          throw new Error(`the deploy never reached start-taskmanagers: ${JSON.stringify(progress)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      createdBeforeCrash = (await inspectContainer('deploy-taskmanager-2')).startedAt;
    } finally {
      child.kill('SIGKILL');
    }
    expect(createdBeforeCrash).toBeDefined();

    const killedAt = Date.now();
    const { result, afterKill } = await withWorker(async () => {
      const result: DeployResult = await handle.result();
      return { result, afterKill: Date.now() - killedAt };
    });
    measured['redeploy from a savepoint across a worker crash'] =
      `done ${(afterKill / 1000).toFixed(1)} s after the kill, ${(result.totalMs / 1000).toFixed(1)} s in the workflow — ${stepTimings(result.steps)}`;

    expect(result.outcome).toBe('deployed');
    expect(result.restoredFrom).toBe(savepointPath);
    // No second container: the one created before the crash is the one running.
    const containers = await ourContainers();
    expect(Object.keys(containers)).toHaveLength(5);
    expect(containers['deploy-taskmanager-2']?.startedAt).toBe(createdBeforeCrash);
    // No second submission: exactly one live job, the deploy's.
    expect((await liveJobs()).map((j) => [j.jid, j.state])).toEqual([[result.jobId, 'RUNNING']]);
    const ofThisDeploy = (await rest.call((c) => c.jobsOverview())).filter((j) => j.jid === result.jobId);
    expect(ofThisDeploy).toHaveLength(1);
    // The savepoint carried the state: the output continues with no gap and no duplicate.
    const report = await checkOutputSequence({ output: job.output as NonNullable<JobSpec['output']> });
    expect(report).toMatchObject({ first: 0, gaps: [], duplicates: [], continuous: true });
  });

  it('ZooKeeper restarted while the deploy submits the job: one job, from the savepoint, no lost or repeated row', async () => {
    const zookeeper = cluster.zookeeper.container as string;
    const previous = (await liveJobs()).map((j) => j.jid);
    expect(previous).toHaveLength(1);
    const before = (await checkOutputSequence({ output: job.output as NonNullable<JobSpec['output']> })).last;
    // A changed spec (the default restart delay, spelled out): the deploy stops the job with a
    // savepoint and submits it again, and ZooKeeper goes away and comes back in the middle.
    const changed = inlineSpec((s) => {
      s.jobs[0].args = [...s.jobs[0].args, '--restart-delay', '2000'];
    });
    const { result, restartedAt } = await withWorker(async () => {
      const handle = await start({ spec: changed });
      let restartedAt: string | undefined;
      for (const deadline = Date.now() + 300_000; ; ) {
        const progress = await handle.query(progressQuery).catch(() => undefined);
        if (progress?.current === 'deploy-job' && progress.doing?.startsWith('submitting')) break;
        if (Date.now() > deadline) throw new Error(`the deploy never submitted: ${JSON.stringify(progress)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      await stopContainer(zookeeper, 5);
      await startContainer(zookeeper);
      restartedAt = new Date().toISOString();
      const result = await handle.result().then(
        (r) => r,
        (e: unknown) => e as WorkflowFailedError,
      );
      return { result, restartedAt };
    });
    expect(restartedAt).toBeDefined();
    const live = await pollUntil(
      async () => {
        const jobs = await liveJobs().catch(() => undefined);
        return jobs?.length === 1 && jobs[0]?.state === 'RUNNING' ? jobs : undefined;
      },
      { timeoutMs: 180_000, what: 'one live job RUNNING after ZooKeeper came back' },
    );
    if (result instanceof WorkflowFailedError) {
      console.log(`deploy with ZooKeeper restarted mid-submit: failed; ${result.cause?.message}`);
      // A failure names the savepoint to deploy from again.
      expect(result.cause?.message).toMatch(/savepoint-/);
    } else {
      console.log(`deploy with ZooKeeper restarted mid-submit: ${result.outcome}; ${result.headline}`);
      expect(result.outcome).toBe('deployed');
      expect(live.map((j) => j.jid)).toEqual([result.jobId]);
      expect(result.restoredFrom).toMatch(/savepoint-/);
    }
    expect(live[0]?.jid).not.toBe(previous[0]);
    const report = await pollUntil(
      async () => {
        const r = await checkOutputSequence({ output: job.output as NonNullable<JobSpec['output']> });
        return (r.last ?? -1) > (before ?? -1) ? r : undefined;
      },
      { timeoutMs: 120_000, what: 'new rows after the redeploy' },
    );
    expect(report).toMatchObject({ first: 0, gaps: [], duplicates: [], continuous: true });
  });
});

/** The sample job's control directory on this machine (mounted at /opt/flink/control). */
function controlDir(): string {
  const probe = job.probe;
  if (probe?.type !== 'marker') throw new Error('the deploy sandbox job needs a marker probe');
  return probe.controlDir;
}

/** The worker as `npm run worker` runs it, on this file's task queue, in a process of its own. */
async function startWorkerProcess(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/worker.ts'], {
    cwd: REPO,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: taskQueue,
      FLINK_RUNBOOKS_CLUSTERS: FIXTURE,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`the worker did not start within 120 s:\n${output}`)),
      120_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('worker polling')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.once('exit', (code) => reject(new Error(`the worker exited with ${code}:\n${output}`)));
  });
  return child;
}

/** A webhook receiver on 127.0.0.1: the alert channel of the deploy sandbox. */
