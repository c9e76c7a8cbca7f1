import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import {
  Client,
  Connection,
  WorkflowExecutionAlreadyStartedError,
  type WorkflowHandle,
} from '@temporalio/client';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../scripts/lib/temporal-dev-server';
import { startContainer, stopContainer } from '../../src/docker/engine';
import { checkSequence } from '../../src/output/sequence';
import type { MonitorStatus } from '../../src/policy/monitor-state';
import { pollUntil } from '../../src/util/poll';
import { monitorJob } from '../../src/workflows';
import {
  acquireLeaseUpdate,
  forceRestartSignal,
  monitorWorkflowId,
  pauseSignal,
  releaseLeaseUpdate,
  resumeSignal,
  statusQuery,
} from '../../src/workflows/monitor-api';
import { readLeaders } from '../../src/zookeeper/leader';
import { expectHistoryFreeOf, expectNoSecrets } from '../helpers/history-scan';
import {
  committedSequence,
  resetSandbox,
  type Sandbox,
  sandbox,
  setFault,
  submitSample,
  waitForJobState,
} from '../helpers/sandbox';
import { spawnWorker, type WorkerProcess } from '../helpers/worker-process';

/**
 * The monitor against the real sandbox, with a worker in a child process (so it can be killed)
 * and alerts going to a real HTTP receiver on 127.0.0.1.
 */
let sb: Sandbox;
let client: Client;
let connection: Connection;
let worker: WorkerProcess;
let taskQueue: string;
let hook: Server;
const hookToken = randomUUID().replace(/-/g, '');
const received: Array<{ verdict: string; title: string; resolved?: boolean; severity: string }> = [];
/** Every alert body as the receiver got it, for the secret scan. */
const bodies: string[] = [];

async function startHook(): Promise<string> {
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      bodies.push(body);
      const alert = JSON.parse(body) as { alert?: Record<string, unknown> } & Record<string, unknown>;
      const a = (alert.alert ?? alert) as {
        verdict: string;
        title: string;
        resolved?: boolean;
        severity: string;
      };
      received.push({ verdict: a.verdict, title: a.title, resolved: a.resolved, severity: a.severity });
      res.writeHead(200).end('{}');
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  // The path carries a token, as real webhook URLs do: it must never reach history or logs.
  return `http://127.0.0.1:${(hook.address() as { port: number }).port}/hook/${hookToken}`;
}

let metricsPort: number;

async function startWorkerProcess(): Promise<WorkerProcess> {
  return spawnWorker({
    FLINK_RUNBOOKS_METRICS: `127.0.0.1:${metricsPort}`,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: taskQueue,
    // The file the inline specs below come from: its folders are theirs.
    FLINK_RUNBOOKS_CLUSTERS: sb.file,
    MONITOR_TEST_HOOK: process.env.MONITOR_TEST_HOOK ?? '',
    // The inline spec below reads its webhook from this variable: the worker's operator allows it.
    FLINK_RUNBOOKS_INLINE_SECRET_ENV: 'MONITOR_TEST_HOOK',
  });
}

/** The sandbox cluster inline, with the monitor tuned for tests and alerts to the local receiver. */
function spec(monitor: Record<string, unknown> = {}) {
  const { name: _name, ...cluster } = sb.cluster;
  return {
    ...cluster,
    monitor: { ...cluster.monitor, interval: 2_000, cooldown: 5_000, ...monitor },
    alerts: [{ type: 'webhook', url: { fromEnv: 'MONITOR_TEST_HOOK' }, minSeverity: 'info' }],
  };
}

const workflowId = () => monitorWorkflowId(sb.cluster.name, sb.job.name);

async function startMonitor(monitor: Record<string, unknown> = {}, jobId?: string, watchMaxMs?: number) {
  return client.workflow.start(monitorJob, {
    taskQueue,
    workflowId: workflowId(),
    args: [{ cluster: sb.cluster.name, spec: spec(monitor), jobId, watchMaxMs }],
  });
}

const status = (handle: WorkflowHandle) => handle.query(statusQuery);

async function waitForStatus(
  handle: WorkflowHandle,
  test: (s: MonitorStatus) => boolean,
  what: string,
  timeoutMs = 120_000,
) {
  return pollUntil(
    async () => {
      const s = await status(handle);
      return test(s) ? s : undefined;
    },
    { timeoutMs, intervalMs: 250, what },
  );
}

beforeAll(async () => {
  sb = await sandbox();
  process.env.MONITOR_TEST_HOOK = await startHook();
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection });
  taskQueue = `monitor-e2e-${randomUUID()}`;
  metricsPort = await freePort();
  worker = await startWorkerProcess();
});

afterEach(async () => {
  await client.workflow
    .getHandle(workflowId())
    .terminate('test done')
    .catch(() => undefined);
  setFault(sb, 'none');
});

afterAll(async () => {
  await worker?.kill();
  await connection?.close();
  hook?.close();
  await resetSandbox(sb);
});

async function runningJob(): Promise<string> {
  await resetSandbox(sb);
  const jobId = await submitSample(sb);
  await waitForJobState(sb, jobId, ['RUNNING']);
  return jobId;
}

describe('monitorJob on the sandbox', () => {
  it('refuses a second monitor for the same job and one started under another id', async () => {
    const jobId = await runningJob();
    const handle = await startMonitor({}, jobId);
    await expect(startMonitor({}, jobId)).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
    const stray = await client.workflow.start(monitorJob, {
      taskQueue,
      workflowId: `stray-${randomUUID()}`,
      args: [{ cluster: sb.cluster.name, spec: spec() }],
    });
    await expect(stray.result()).rejects.toMatchObject({ cause: { type: 'InvalidInput' } });
    const healthy = await waitForStatus(handle, (s) => s.verdict === 'healthy', 'a healthy verdict');
    expect(healthy).toMatchObject({
      jobId,
      phase: 'watching',
      escalated: false,
      budget: { max: 3, used: 0, left: 3 },
    });
  });

  it('detects a stall, restarts from the latest checkpoint, and the sequence has no gap or duplicate', async () => {
    const jobId = await runningJob();
    const handle = await startMonitor({}, jobId);
    await waitForStatus(handle, (s) => s.verdict === 'healthy', 'healthy');
    received.length = 0;

    const stalledAt = Date.now();
    setFault(sb, 'stall');
    const zombie = await waitForStatus(
      handle,
      (s) => s.verdict === 'zombie' || s.restarts.length > 0,
      'the zombie verdict',
    );
    const detectedAt = Date.now();
    setFault(sb, 'none'); // the restarted job must be able to run again
    const healed = await waitForStatus(
      handle,
      (s) => s.restarts.length === 1 && s.verdict === 'healthy',
      'healthy after the restart',
    );
    const healedAt = Date.now();
    console.log(
      `stall detected after ${((detectedAt - stalledAt) / 1000).toFixed(1)} s, healthy again after ${((healedAt - stalledAt) / 1000).toFixed(1)} s`,
    );

    expect(zombie.reasons.join(' ')).toMatch(/no checkpoint completed for \d+ s/);
    expect(healed.restarts[0]).toMatchObject({ trigger: 'policy', outcome: 'restarted', fromJobId: jobId });
    expect(healed.restarts[0]?.restoredFrom).toMatch(/\/chk-\d+$/);
    expect(healed.jobId).toBe(healed.restarts[0]?.toJobId);
    const report = await pollUntil(
      async () => {
        const r = checkSequence(await committedSequence(sb));
        return (r.last ?? 0) > 0 ? r : undefined;
      },
      { timeoutMs: 30_000, what: 'rows after the restart' },
    );
    expect(report).toMatchObject({ first: 0, gaps: [], duplicates: [] });
    expect(received.map((a) => a.verdict)).toEqual(['zombie', 'healthy']);
    expect(received[1]?.resolved).toBe(true);

    // What operators see: a Prometheus counter for the restart and JSON log lines with workflow ids.
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toMatch(
      /flink_runbooks_restarts(_total)?\{[^}]*outcome="restarted"[^}]*trigger="policy"[^}]*\} 1/,
    );
    expect(metrics).toMatch(/temporal_workflow_task_schedule_to_start_latency/);
    const verdictLine = worker
      .output()
      .split('\n')
      .find((line) => line.includes('"verdict changed"') && line.includes('"zombie"'));
    expect(JSON.parse(verdictLine ?? '{}')).toMatchObject({
      level: 'info',
      workflowId: workflowId(),
      verdict: 'zombie',
    });

    // The alerts went out, yet the webhook's token is nowhere in the history (every payload
    // decoded, the status query asked), the worker's log or an alert body.
    await expectHistoryFreeOf(client, workflowId(), [hookToken], { queries: ['status'] });
    expectNoSecrets(worker.output(), [hookToken], "the worker's log");
    expect(bodies.length).toBeGreaterThan(0);
    expectNoSecrets(bodies.join('\n'), [hookToken], 'the alert bodies');
  });

  it('forceRestart restarts a healthy job from a savepoint; pause holds back recovery until resume', async () => {
    const jobId = await runningJob();
    const handle = await startMonitor({}, jobId);
    await waitForStatus(handle, (s) => s.verdict === 'healthy', 'healthy');
    await handle.signal(forceRestartSignal, { reason: 'operator asked' });
    const forced = await waitForStatus(
      handle,
      (s) => s.restarts.length === 1 && s.phase === 'watching',
      'the forced restart',
    );
    expect(forced.restarts[0]).toMatchObject({
      trigger: 'forced',
      reason: 'operator asked',
      outcome: 'restarted',
    });
    expect(forced.restarts[0]?.restoredFrom).toMatch(/savepoint-/);
    expect(forced.budget.used).toBe(0); // forced restarts are people's decisions, outside the budget

    await handle.signal(pauseSignal, { reason: 'change window' });
    setFault(sb, 'stall');
    const paused = await waitForStatus(handle, (s) => s.verdict === 'zombie', 'zombie while paused');
    expect(paused.paused?.reason).toBe('change window');
    await new Promise((r) => setTimeout(r, 5_000));
    expect((await status(handle)).restarts).toHaveLength(1);
    await handle.signal(resumeSignal);
    await waitForStatus(handle, (s) => s.phase === 'restarting', 'the restart after resume');
    setFault(sb, 'none'); // so that the restarted job completes its first checkpoint
    const resumed = await waitForStatus(
      handle,
      (s) => s.restarts.length === 2 && s.phase === 'watching',
      'the restart done',
    );
    expect(resumed.restarts[1]).toMatchObject({ trigger: 'policy', outcome: 'restarted' });
    const report = checkSequence(await committedSequence(sb));
    expect(report.gaps).toEqual([]);
    expect(report.duplicates).toEqual([]);
  });

  it('stands down while another runbook holds the lease, and acts once it is released', async () => {
    const jobId = await runningJob();
    const handle = await startMonitor({}, jobId);
    await waitForStatus(handle, (s) => s.verdict === 'healthy', 'healthy');
    const grant = await handle.executeUpdate(acquireLeaseUpdate, {
      args: [{ holder: 'upgrade-1', purpose: 'upgrade', ttlMs: 120_000 }],
    });
    expect(grant.holder).toBe('upgrade-1');
    await expect(
      handle.executeUpdate(acquireLeaseUpdate, {
        args: [{ holder: 'drill-1', purpose: 'drill', ttlMs: 60_000 }],
      }),
    ).rejects.toMatchObject({ cause: { message: expect.stringMatching(/held by upgrade-1 for upgrade/) } });
    setFault(sb, 'stall');
    await waitForStatus(handle, (s) => s.phase === 'standing-down', 'standing down');
    await new Promise((r) => setTimeout(r, 20_000)); // past the zombie window: still no action
    expect((await status(handle)).restarts).toHaveLength(0);
    setFault(sb, 'none');
    // Released without a new job id: the monitor looks again at the job it knows.
    expect(await handle.executeUpdate(releaseLeaseUpdate, { args: [{ holder: 'upgrade-1' }] })).toEqual({
      released: true,
    });
    const after = await waitForStatus(
      handle,
      (s) => s.phase === 'watching' && s.lease === undefined,
      'watching again',
    );
    expect(after.restarts).toHaveLength(0);
  });

  it('a job that keeps failing exhausts the budget and escalates once', async () => {
    const jobId = await runningJob();
    const handle = await startMonitor({ maxRestarts: 2, cooldown: 3_000 }, jobId);
    await waitForStatus(handle, (s) => s.verdict === 'healthy', 'healthy');
    received.length = 0;
    setFault(sb, 'fail');
    const escalated = await waitForStatus(handle, (s) => s.escalated, 'escalation', 300_000);
    expect(escalated.budget).toMatchObject({ max: 2, used: 2, left: 0 });
    expect(escalated.restarts.filter((r) => r.trigger === 'policy')).toHaveLength(2);
    await pollUntil(
      async () => (received.some((a) => a.verdict === 'restart-budget-exhausted') ? true : undefined),
      {
        timeoutMs: 30_000,
        what: 'the escalation alert',
      },
    );
    expect(received.filter((a) => a.verdict === 'restart-budget-exhausted')).toHaveLength(1);
    expect(received.find((a) => a.verdict === 'restart-budget-exhausted')?.severity).toBe('critical');
  });

  it('a worker killed in the middle of a restart: the new worker finishes it, exactly one new job', async () => {
    const testStart = Date.now();
    const jobId = await runningJob();
    const handle = await startMonitor({}, jobId);
    await waitForStatus(handle, (s) => s.verdict === 'healthy', 'healthy');
    setFault(sb, 'stall');
    await waitForStatus(handle, (s) => s.phase === 'restarting', 'the restart under way', 120_000);
    await worker.kill('SIGKILL');
    setFault(sb, 'none');
    worker = await startWorkerProcess();
    const done = await waitForStatus(
      handle,
      (s) => s.restarts.length >= 1 && s.phase === 'watching',
      'the restart finished',
    );
    expect(done.restarts).toHaveLength(1);
    expect(done.restarts[0]?.outcome).toBe('restarted');
    const jobs = await sb.rest.call((c) => c.jobsOverview());
    expect(jobs.filter((j) => j.state === 'RUNNING').map((j) => j.jid)).toEqual([done.jobId]);
    // Jobs started during this test: the original and exactly one replacement.
    const started = jobs.filter((j) => j['start-time'] >= testStart).map((j) => j.jid);
    expect(started.sort()).toEqual([jobId, done.jobId].sort());
  });

  it('a healthy job costs a few history events per watch cycle', async () => {
    const jobId = await runningJob();
    // 15-second watch cycles instead of the default thirty minutes, so that several fit in the test.
    const cycleMs = 15_000;
    const handle = await startMonitor({}, jobId, cycleMs);
    await waitForStatus(handle, (s) => s.verdict === 'healthy', 'healthy');
    const countEvents = async () => (await handle.fetchHistory()).events?.length ?? 0;
    const before = await countEvents();
    const cycles = 3;
    await new Promise((r) => setTimeout(r, cycles * cycleMs + 3_000));
    const perCycle = ((await countEvents()) - before) / cycles;
    const perHour = perCycle * 2; // the default watch reports every 30 minutes
    console.log(
      `healthy monitoring: ${perCycle.toFixed(1)} history events per watch cycle, ${perHour.toFixed(0)} per hour at the default 30-minute watch`,
    );
    expect((await status(handle)).restarts).toHaveLength(0);
    expect(perCycle).toBeLessThanOrEqual(10);
  });
});

describe('a standby JobManager that dies while the job runs on', () => {
  it('is a degraded verdict naming it (no failover left), with a warning and a resolution; nothing restarted', async () => {
    const standby = sb.cluster.jobManagers.find((jm) => jm.role === 'standby');
    if (!standby?.container) throw new Error('the sandbox has a standby JobManager in a container');
    const jobId = await runningJob();
    // Whichever JobManager leads, stop the one that does not: the job keeps running.
    const leader = (await readLeaders(sb.cluster.zookeeper)).restServer?.address;
    const idle = sb.cluster.jobManagers.find((jm) => jm.url !== leader) ?? standby;
    const handle = await startMonitor({}, jobId);
    await waitForStatus(handle, (s) => s.verdict === 'healthy', 'healthy');
    received.length = 0;
    try {
      const stoppedAt = Date.now();
      await stopContainer(idle.container as string, 10);
      const degraded = await waitForStatus(handle, (s) => s.verdict === 'degraded', 'the degraded verdict');
      console.log(
        `a silent ${idle.role} JobManager was a degraded verdict after ${((Date.now() - stoppedAt) / 1000).toFixed(1)} s`,
      );
      expect(degraded.reasons.join(' ')).toContain(
        `JobManager ${idle.url} (${idle.role}) not answering: 1 of 2 up, no failover possible`,
      );
    } finally {
      await startContainer(idle.container as string);
    }
    const healthy = await waitForStatus(handle, (s) => s.verdict === 'healthy', 'healthy with both back');
    expect(healthy.restarts).toEqual([]);
    expect(healthy.jobId).toBe(jobId);
    // The resolution is sent by an activity after the verdict the status shows: it may land later.
    await pollUntil(async () => (received.length >= 2 ? true : undefined), {
      timeoutMs: 30_000,
      what: 'the warning and its resolution at the receiver',
    }).catch(() => undefined);
    expect(received.map((a) => [a.verdict, a.severity])).toEqual([
      ['degraded', 'warning'],
      ['healthy', 'info'],
    ]);
  });
});
