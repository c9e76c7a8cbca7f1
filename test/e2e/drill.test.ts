import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Client, Connection, ScheduleOverlapPolicy, WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { SANDBOX_FILE } from '../../scripts/lib/sandbox';
import { execInContainer, grepContainerLogs } from '../../src/activities/docker';
import { planContainers } from '../../src/docker/container-plan';
import { inspectContainer } from '../../src/docker/engine';
import { utcOffsetMinutes } from '../../src/policy/drill-logs';
import type { MonitorStatus } from '../../src/policy/monitor-state';
import { pollUntil } from '../../src/util/poll';
import { failoverDrill, monitorJob } from '../../src/workflows';
import { DRILL_WORKFLOW, type DrillInput, type DrillResult } from '../../src/workflows/drill-api';
import { monitorWorkflowId, statusQuery } from '../../src/workflows/monitor-api';
import { readLeaders } from '../../src/zookeeper/leader';
import { everyNodeRunning } from '../helpers/cluster-nodes';
import {
  resetSandbox,
  type Sandbox,
  sandbox,
  submitSample,
  waitForCheckpointAfter,
  waitForJobState,
} from '../helpers/sandbox';
import { spawnWorker, type WorkerProcess } from '../helpers/worker-process';

/**
 * The failover drill on the real Temporal dev server against the sandbox that loadSandbox()
 * names (the default one in `npm test`; its own drill-sandbox when run alone): a graceful stop and
 * a SIGKILL of the leading JobManager, a SIGKILL of the TaskManager running the source, a stop of
 * ZooKeeper, an abort past the takeover limit and a refusal. Each drill's measured times are
 * checked against the timestamps in Flink's own JobManager log.
 */
const repo = fileURLToPath(new URL('../..', import.meta.url));
let sb: Sandbox;
let client: Client;
let connection: Connection;
let worker: WorkerProcess;
let taskQueue: string;
let jobId: string;
const measured: Record<string, unknown> = {};

beforeAll(async () => {
  // The worker's activities read the clusters file; in a plain `npm test` run that is the default sandbox.
  process.env.FLINK_RUNBOOKS_CLUSTERS ??= SANDBOX_FILE;
  sb = await sandbox();
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection });
  taskQueue = `drill-e2e-${randomUUID()}`;
  worker = await spawnWorker({
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: taskQueue,
    FLINK_RUNBOOKS_CLUSTERS: process.env.FLINK_RUNBOOKS_CLUSTERS,
  });
  await resetSandbox(sb);
});

// Each drill starts from a whole cluster: a node another test lost is named here, not blamed on the drill.
beforeEach(async ({ task }) => {
  if (sb) await everyNodeRunning(sb.cluster, `before "${task.name}"`);
});

afterAll(async () => {
  await worker?.kill();
  await connection?.close();
  if (sb) {
    await everyNodeRunning(sb.cluster, 'after the drills'); // whatever a failed test left behind
    await resetSandbox(sb);
  }
  console.log(`drill measurements: ${JSON.stringify(measured, null, 2)}`);
});

/** A running sample job with a completed checkpoint; the drills share it (a failover keeps the job id). */
async function runningJob(): Promise<string> {
  if (jobId && (await sb.rest.call((c) => c.job(jobId)).catch(() => undefined))?.state === 'RUNNING')
    return jobId;
  await resetSandbox(sb);
  jobId = await submitSample(sb);
  await waitForJobState(sb, jobId, ['RUNNING']);
  const first = await waitForCheckpointAfter(sb, jobId, 0);
  await waitForCheckpointAfter(sb, jobId, first);
  return jobId;
}

function drill(input: Omit<DrillInput, 'cluster'>): Promise<DrillResult> {
  return client.workflow.execute(failoverDrill, {
    taskQueue,
    workflowId: `e2e-drill-${input.kind}-${randomUUID()}`,
    args: [{ cluster: sb.cluster.name, job: sb.job.name, ...input }],
  });
}

const milestone = (r: DrillResult, name: string) => r.timeline.find((e) => e.milestone === name);

/** Flink's log time of the first line matching `pattern` at or after `since`, read independently of the drill. */
async function loggedAt(container: string, pattern: string, since: number): Promise<number | undefined> {
  const [{ matched }, offset] = await Promise.all([
    grepContainerLogs({ container, tail: 20_000, pattern, maxLines: 200 }),
    execInContainer({ container, cmd: ['date', '+%z'] }),
  ]);
  const shift = utcOffsetMinutes(offset.stdout) * 60_000;
  for (const line of matched) {
    const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}),(\d{3})/.exec(line);
    if (!m) continue;
    const [, y, mo, d, h, mi, s, ms] = m.map(Number) as number[];
    const at = Date.UTC(y as number, (mo as number) - 1, d, h, mi, s, ms) - shift;
    if (at >= since) return at;
  }
  return undefined;
}

const containerOf = (url: string | undefined) =>
  sb.cluster.jobManagers.find((jm) => jm.url === url)?.container;

/** What every passing drill shows: the checklist, the files, the job still RUNNING under one id. */
async function expectPassed(r: DrillResult): Promise<void> {
  expect(r.outcome, r.markdown).toBe('passed');
  expect(r.checklist.map((i) => [i.seed, i.status])).toEqual([
    ['主节点故障测试', 'pass'],
    ['备用节点接管', 'pass'],
    ['主节点恢复', 'pass'],
    ['数据不丢失', 'pass'],
    ['文件持续生成', 'pass'],
    ['故障转移时间 < 30秒', 'pass'],
  ]);
  expect(r.jobId).toBe(jobId);
  expect(r.probes.before?.ok && r.probes.afterTakeover?.ok && r.probes.afterRestore?.ok).toBe(true);
  expect(r.markdown).toContain('## Checklist (故障转移测试)');
  expect(r.files && existsSync(r.files.markdown) && existsSync(r.files.svg)).toBe(true);
  expect(r.svg ?? readFileSync(r.files?.svg as string, 'utf8')).toMatch(/^<svg[^>]*>/);
  expect(readFileSync(r.files?.markdown as string, 'utf8')).toBe(r.markdown);
  // ≤ 1 s resolution: no gap between two answers from ZooKeeper or the job longer than a second.
  expect(r.observation?.polls.zookeeper?.maxGapMs).toBeLessThanOrEqual(1_000);
  expect(r.observation?.polls.job?.maxGapMs).toBeLessThanOrEqual(1_000);
  expect(await sb.rest.call((c) => c.job(jobId)).then((j) => j.state)).toBe('RUNNING');
  for (const c of planContainers(sb.cluster)) expect((await inspectContainer(c.name)).running).toBe(true);
}

/**
 * The drill's "new leader elected" and "job RUNNING again" against the new leader's own log lines
 * "<url> was granted leadership with leaderSessionID=<session>" and
 * "Job <name> (<id>) switched from state … to RUNNING.": within one second each.
 */
async function compareWithFlinkLog(r: DrillResult, label: string) {
  const fault = milestone(r, 'fault-injected')?.at as number;
  const leaderUrl = r.newLeader?.url ?? r.baseline.leader?.url;
  const container = containerOf(leaderUrl) as string;
  const out: Record<string, number> = {};
  if (r.newLeader) {
    const granted = await loggedAt(
      container,
      `was granted leadership with leaderSessionID=${r.newLeader.sessionId}`,
      fault - 1_000,
    );
    const seen = milestone(r, 'new-leader-elected')?.seenAt as number;
    expect(granted, `${label}: the grant in ${container}'s log`).toBeDefined();
    out.electionMeasuredMs = seen - fault;
    out.electionLoggedMs = (granted as number) - fault;
    out.electionErrorMs = seen - (granted as number);
    expect(Math.abs(out.electionErrorMs), `${label}: drill vs log for the election`).toBeLessThanOrEqual(
      1_000,
    );
  }
  const running = await loggedAt(container, `\\(${jobId}\\) switched from state \\w+ to RUNNING`, fault);
  const seen = milestone(r, 'job-restored')?.seenAt as number;
  expect(running, `${label}: the job's switch to RUNNING in ${container}'s log`).toBeDefined();
  out.takeoverMeasuredMs = seen - fault;
  out.takeoverLoggedMs = (running as number) - fault;
  out.takeoverErrorMs = seen - (running as number);
  expect(Math.abs(out.takeoverErrorMs), `${label}: drill vs log for the job RUNNING`).toBeLessThanOrEqual(
    1_000,
  );
  measured[label] = { ...out, metrics: r.metrics, outcome: r.outcome, report: r.files?.markdown };
  console.log(`${label}: ${r.headline}\n  vs Flink's log: ${JSON.stringify(out)}`);
  return out;
}

describe('failoverDrill refuses to start on a cluster that is not fit for one', () => {
  it('rejects a bad input, and refuses without a running job, changing nothing', async () => {
    await resetSandbox(sb);
    await expect(drill({ kind: 'pull-the-plug' } as unknown as DrillInput)).rejects.toMatchObject({
      cause: { type: 'InvalidInput', message: expect.stringContaining('kind must be one of') },
    });
    const before = await readLeaders(sb.cluster.zookeeper);
    const refused = await drill({ kind: 'kill-leader' }).then(
      () => undefined,
      (e) => e,
    );
    expect(refused).toBeInstanceOf(WorkflowFailedError);
    expect(refused.cause).toMatchObject({
      type: 'DrillRefused',
      message: expect.stringMatching(/nothing was changed: .*no live job named "sample-pipeline"/),
    });
    expect((await readLeaders(sb.cluster.zookeeper)).restServer?.sessionId).toBe(
      before.restServer?.sessionId,
    );
    for (const c of planContainers(sb.cluster)) expect((await inspectContainer(c.name)).running).toBe(true);
  });
});

describe('failoverDrill on the sandbox', () => {
  it('graceful stop of the leader: the standby takes over in seconds, the old leader rejoins as standby; the monitor stands down', async () => {
    await runningJob();
    const before = await readLeaders(sb.cluster.zookeeper);
    // A monitor watches the job: the drill's lease must keep it from "repairing" the failover.
    const { name: _name, ...spec } = sb.cluster;
    const monitor = await client.workflow.start(monitorJob, {
      taskQueue,
      workflowId: monitorWorkflowId(sb.cluster.name, sb.job.name),
      args: [
        { cluster: sb.cluster.name, spec: { ...spec, monitor: { ...spec.monitor, interval: 2_000 } }, jobId },
      ],
    });
    try {
      await pollUntil(
        async () => ((await monitor.query(statusQuery)).verdict === 'healthy' ? true : undefined),
        { timeoutMs: 120_000, what: 'the monitor seeing the job healthy' },
      );
      const r = await drill({ kind: 'stop-leader' });
      await expectPassed(r);
      expect(r.lease).toMatchObject({ monitor: 'running', released: true });
      expect(r.plan.target.url).toBe(before.restServer?.address);
      expect(r.newLeader?.url).not.toBe(before.restServer?.address);
      expect((await readLeaders(sb.cluster.zookeeper)).restServer?.address).toBe(r.newLeader?.url);
      expect(r.afterRestore).toMatchObject({ leaderChanged: false, notRunning: [] });
      expect(r.metrics.takeoverMs).toBeLessThan(30_000);
      await compareWithFlinkLog(r, 'stop-leader');
      const status: MonitorStatus = await monitor.query(statusQuery);
      expect(status.restarts).toEqual([]);
      expect(status.lease).toBeUndefined();
    } finally {
      await monitor.terminate('test done').catch(() => undefined);
    }
  });

  it('SIGKILL of the leader, run by a Temporal Schedule (a monthly drill triggered now): the standby takes over once the ZooKeeper session expires', async () => {
    await runningJob();
    const before = await readLeaders(sb.cluster.zookeeper);
    // What `temporal schedule create --type failoverDrill --cron "0 3 1 * *" --input '{...}'` creates.
    const scheduleId = `drill:${sb.cluster.name}:${randomUUID()}`;
    const schedule = await client.schedule.create({
      scheduleId,
      spec: { cronExpressions: ['0 3 1 * *'] },
      action: {
        type: 'startWorkflow',
        workflowType: DRILL_WORKFLOW,
        args: [{ cluster: sb.cluster.name, job: sb.job.name, kind: 'kill-leader' }],
        taskQueue,
        workflowId: `drill:${sb.cluster.name}`,
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
    });
    let r: DrillResult;
    try {
      await schedule.trigger();
      const started = await pollUntil(
        async () => (await schedule.describe()).info.recentActions[0]?.action.workflow,
        { timeoutMs: 30_000, what: 'the scheduled drill started' },
      );
      r = await client.workflow.getHandle(started.workflowId, started.firstExecutionRunId).result();
    } finally {
      await schedule.delete();
    }
    await expectPassed(r);
    expect(r.lease).toMatchObject({ monitor: 'no-monitor' });
    expect(r.newLeader?.url).not.toBe(before.restServer?.address);
    // The killed leader's ZooKeeper session (15 s in the sandbox) must expire before anyone takes over.
    expect(r.metrics.electionMs).toBeGreaterThan(5_000);
    expect(r.afterRestore).toMatchObject({ leaderChanged: false, notRunning: [] });
    await compareWithFlinkLog(r, 'kill-leader');
  });

  it('SIGKILL of the TaskManager running the source, started with scripts/drill.ts: the job restarts on the others from its checkpoint', async () => {
    await runningJob();
    const before = await readLeaders(sb.cluster.zookeeper);
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        'scripts/drill.ts',
        '--cluster',
        sb.cluster.name,
        '--kind',
        'kill-taskmanager',
        '--json',
      ],
      {
        cwd: repo,
        env: { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_TASK_QUEUE: taskQueue },
        maxBuffer: 10_000_000,
      },
    );
    const r = JSON.parse(stdout) as DrillResult;
    await expectPassed(r);
    expect(r.plan.target.role).toBe('taskmanager');
    expect(milestone(r, 'failure-detected')).toBeDefined();
    expect(r.newLeader).toBeUndefined();
    expect((await readLeaders(sb.cluster.zookeeper)).restServer?.sessionId).toBe(
      before.restServer?.sessionId,
    );
    await compareWithFlinkLog(r, 'kill-taskmanager');
  });

  it('stop of ZooKeeper: the JobManagers lose leadership, and once it is back one leads again and the job recovers', async () => {
    await runningJob();
    const r = await drill({ kind: 'stop-zookeeper' });
    await expectPassed(r);
    expect(r.plan.target).toMatchObject({ role: 'zookeeper', container: sb.cluster.zookeeper.container });
    expect(milestone(r, 'leader-lost')?.detail).toMatch(/ZooKeeper unreachable/);
    // ZooKeeper was back before anyone could lead again.
    expect(milestone(r, 'node-restored')?.at).toBeLessThan(milestone(r, 'new-leader-elected')?.at as number);
    await compareWithFlinkLog(r, 'stop-zookeeper');
  });

  it('a takeover past its limit is aborted: the node is restored at once and the cluster recovers', async () => {
    await runningJob();
    // A killed leader holds its ZooKeeper session for 15 s: a 3-second limit cannot be met.
    const r = await drill({ kind: 'kill-leader', takeoverLimitMs: 3_000 });
    expect(r.outcome).toBe('aborted');
    expect(milestone(r, 'takeover-aborted')).toBeDefined();
    expect(r.checklist.find((i) => i.id === 'standby-takeover')?.status).toBe('fail');
    expect(r.checklist.find((i) => i.id === 'sla')?.status).toBe('fail');
    expect(r.rejoin?.ok).toBe(true);
    for (const c of planContainers(sb.cluster)) expect((await inspectContainer(c.name)).running).toBe(true);
    await waitForJobState(sb, jobId, ['RUNNING'], 120_000);
    measured.abort = { headline: r.headline, metrics: r.metrics };
  });
});
