import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { sandboxDown } from '../../scripts/lib/sandbox';
import { checkOutputSequence } from '../../src/activities/output';
import type { JobSpec, NamedCluster } from '../../src/config/schema';
import { LABELS } from '../../src/docker/container-plan';
import { docker } from '../../src/docker/engine';
import { FlinkClusterClient } from '../../src/flink/cluster-client';
import { pollUntil } from '../../src/util/poll';
import { deploy, deployWorkflowId } from '../../src/workflows/deploy';
import { failoverDrill, takeSavepoint, upgrade } from '../../src/workflows/index';
import { forceRestartSignal, monitorWorkflowId, statusQuery } from '../../src/workflows/monitor-api';
import { type AlertReceiver, startAlertReceiver } from '../helpers/alert-receiver';
import { type CrashPlan, type KillRecord, LONG_WAIT, readKills } from '../helpers/crash-plan';
import { loadFixtureCluster } from '../helpers/fixture-cluster';
import { spawnWorker, type WorkerProcess } from '../helpers/worker-process';

/**
 * Issue: a worker killed at any step of any runbook. On its own sandbox (fixtures/crash-sandbox.yaml,
 * containers `crash-*`), each runbook runs once while test/helpers/crash-worker.ts kills the worker
 * with SIGKILL at every kill point in turn — after each activity type did its work but before it
 * was reported, and half-way through each long wait — and a supervisor starts a new worker each
 * time. Each runbook must end as it would without crashes, and every side effect must happen once:
 * containers created and started, jobs submitted, savepoints taken, nodes stopped, alerts sent.
 */
const FIXTURE = fileURLToPath(new URL('./fixtures/crash-sandbox.yaml', import.meta.url));
const CLUSTER = 'crash-sandbox';
const JOB = 'sample-pipeline';
const taskQueue = `crash-e2e-${randomUUID()}`;
const work = mkdtempSync(join(tmpdir(), 'crash-points-'));
const planFile = join(work, 'plan.json');
const killLog = join(work, 'kills.jsonl');
const reportDir = join(work, 'reports');

let cluster: NamedCluster;
let job: JobSpec;
let rest: FlinkClusterClient;
let connection: Connection;
let client: Client;
let receiver: AlertReceiver;
let supervisor: { stop: () => Promise<void>; starts: () => number };
const summary: string[] = [];

/** Keeps one crash-worker running: each time the current one is killed, a new one starts. */
function superviseWorkers(env: Record<string, string>) {
  let current: WorkerProcess | undefined;
  let stopping = false;
  let starts = 0;
  const loop = (async () => {
    while (!stopping) {
      current = await spawnWorker(env, 'test/helpers/crash-worker.ts');
      starts++;
      await new Promise<void>((resolve) => {
        if (current?.process.exitCode !== null || current.process.signalCode !== null) resolve();
        else current.process.once('exit', () => resolve());
      });
    }
  })();
  return {
    starts: () => starts,
    stop: async () => {
      stopping = true;
      await current?.kill('SIGKILL');
      await loop.catch(() => undefined);
    },
  };
}

function arm(plan: Omit<CrashPlan, 'duringMs'>): void {
  writeFileSync(planFile, JSON.stringify({ duringMs: 1_500, ...plan } satisfies CrashPlan));
}
function disarm(): void {
  rmSync(planFile, { force: true });
}

/** Activity types the workflow scheduled, from its history (after the event `fromEventId`), with how often. */
async function scheduledCounts(handle: WorkflowHandle, fromEventId = 0): Promise<Record<string, number>> {
  const events = (await handle.fetchHistory()).events ?? [];
  const counts: Record<string, number> = {};
  for (const e of events) {
    const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
    if (name && Number(e.eventId) > fromEventId) counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

async function scheduledTypes(handle: WorkflowHandle, fromEventId = 0): Promise<string[]> {
  return Object.keys(await scheduledCounts(handle, fromEventId)).sort();
}

const killsOf = (workflowId: string, round: string) =>
  readKills(killLog).filter((k) => k.workflowId === workflowId && k.round === round);

function record(runbook: string, kills: KillRecord[], wallMs: number): void {
  const by = (mode: string) => kills.filter((k) => k.mode === mode).length;
  summary.push(
    `${runbook}: ${kills.length} kill points (${by('after')} after the work, ${by('during')} during a wait, ${by('beside')} beside another, ${by('before')} before an alert), all passed, ${(wallMs / 1000).toFixed(0)} s`,
  );
}

/** Docker's own count of what happened to our containers between two instants. */
async function containerEvents(since: number, until: number): Promise<Record<string, string[]>> {
  const stream = await docker().getEvents({
    since: Math.floor(since / 1000),
    until: Math.ceil(until / 1000),
    filters: { type: ['container'], label: [`${LABELS.cluster}=${CLUSTER}`] },
  });
  const text = await new Promise<string>((resolve, reject) => {
    let out = '';
    stream.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    stream.on('end', () => resolve(out));
    stream.on('error', reject);
  });
  const events: Record<string, string[]> = {};
  for (const line of text.split('\n').filter(Boolean)) {
    const e = JSON.parse(line) as { Action: string; Actor: { Attributes: { name: string } } };
    if (!['create', 'start', 'stop', 'die', 'kill', 'destroy'].includes(e.Action)) continue;
    const name = e.Actor.Attributes.name;
    events[name] = [...(events[name] ?? []), e.Action];
  }
  return events;
}

const savepointDirs = () =>
  readdirSync(hostDir('/opt/flink/savepoints')).filter((d) => d.startsWith('savepoint-'));

function hostDir(containerPath: string): string {
  const volume = cluster.volumes.find((v) => v.container === containerPath);
  if (!volume) throw new Error(`no volume for ${containerPath}`);
  return volume.host;
}

async function jobs() {
  return rest.call((c) => c.jobsOverview());
}

const alertsWith = (verdict: string) => receiver.bodies.filter((a) => a.verdict === verdict);

beforeAll(async () => {
  cluster = await loadFixtureCluster(FIXTURE, CLUSTER, 'crash-');
  job = cluster.jobs[0] as JobSpec;
  rest = new FlinkClusterClient(cluster.jobManagers.map((jm) => jm.url));
  await sandboxDown(cluster);
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection });
  receiver = await startAlertReceiver();
  supervisor = superviseWorkers({
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: taskQueue,
    WORKFLOW_BUNDLE: inject('workflowBundlePath'),
    FLINK_RUNBOOKS_CLUSTERS: FIXTURE,
    CRASH_SANDBOX_WEBHOOK_URL: receiver.url,
    CRASH_PLAN: planFile,
    CRASH_LOG: killLog,
  });
});

afterAll(async () => {
  disarm();
  await client?.workflow
    .getHandle(monitorWorkflowId(CLUSTER, JOB))
    .terminate('crash e2e done')
    .catch(() => undefined);
  await supervisor?.stop();
  if (process.env.SANDBOX_KEEP !== '1' && cluster) await sandboxDown(cluster);
  receiver?.server.close();
  await connection?.close();
  const kills = readKills(killLog)
    .map((k) => `${k.workflowId.split(':')[0]}:${k.activityType}(${k.mode}#${k.attempt})`)
    .join(' ');
  rmSync(work, { recursive: true, force: true });
  console.log(`kill points: ${kills}`);
  console.log(
    `worker crashes at every kill point (${supervisor?.starts()} workers started):\n  ${summary.join('\n  ')}`,
  );
});

/** Runs one runbook with every kill point armed; returns its result, the kills and the wall time. */
async function runWithKills<T>(
  workflowId: string,
  start: () => Promise<WorkflowHandle>,
  modes?: CrashPlan['modes'],
  nth = 1,
): Promise<{
  result: T;
  kills: KillRecord[];
  wallMs: number;
  types: string[];
  fewer: string[];
  since: number;
}> {
  const round = randomUUID();
  arm({ workflowId, round, modes, nth });
  const since = Date.now();
  try {
    const handle = await start();
    const result = (await handle.result()) as T;
    const counts = await scheduledCounts(handle);
    return {
      result,
      kills: killsOf(workflowId, round),
      wallMs: Date.now() - since,
      // With `nth`, a type called fewer times has no kill point.
      types: Object.keys(counts)
        .filter((type) => (counts[type] ?? 0) >= nth)
        .sort(),
      fewer: Object.keys(counts).filter((type) => (counts[type] ?? 0) < nth),
      since,
    };
  } finally {
    disarm();
  }
}

/**
 * Every activity type the runbook used (at least `nth` times) was a kill point, in the mode meant
 * for it. A type called fewer times may still die beside another.
 */
function expectEveryStepKilled(kills: KillRecord[], types: string[], calledFewer: string[] = []): void {
  const killed = new Set(kills.map((k) => k.activityType));
  const missing = types.filter((t) => !killed.has(t));
  const extra = [...killed].filter((t) => !types.includes(t) && !calledFewer.includes(t));
  expect({ missing, extra }).toEqual({ missing: [], extra: [] });
  for (const k of kills) {
    if (k.activityType === 'sendAlert') expect(k.mode).toBe('before');
    else if (LONG_WAIT.test(k.activityType)) expect(['during', 'after', 'beside']).toContain(k.mode);
    else expect(['after', 'beside']).toContain(k.mode);
  }
}

describe('a worker killed at every step of every runbook', () => {
  // Alerts cannot be taken back: they are killed before sending, which proves they are retried.
  const alertsBefore = { sendAlert: 'before' as const };

  it('deploy from nothing: every container created and started once, one job, one monitor, one alert', async () => {
    const workflowId = deployWorkflowId(CLUSTER, JOB);
    const run = await runWithKills<{ outcome: string; jobId: string }>(
      workflowId,
      () => client.workflow.start(deploy, { taskQueue, workflowId, args: [{ cluster: CLUSTER }] }),
      alertsBefore,
    );
    expect(run.result.outcome).toBe('deployed');
    expectEveryStepKilled(run.kills, run.types);
    expect(run.kills.length).toBeGreaterThanOrEqual(15);

    const events = await containerEvents(run.since, Date.now());
    expect(Object.keys(events).sort()).toHaveLength(5);
    for (const [name, actions] of Object.entries(events)) expect(actions, name).toEqual(['create', 'start']);
    const all = await jobs();
    expect(all.map((j) => `${j.jid} ${j.state}`)).toEqual([`${run.result.jobId} RUNNING`]);
    const monitors = await listRuns(monitorWorkflowId(CLUSTER, JOB));
    expect(monitors).toEqual(['RUNNING']);
    expect(alertsWith('deployed')).toHaveLength(1);
    record('deploy', run.kills, run.wallMs);
  }, 900_000);

  it('savepoint: one savepoint taken, the job untouched', async () => {
    const before = savepointDirs();
    const [running] = await jobs();
    const workflowId = `savepoint:${CLUSTER}:${JOB}:${randomUUID()}`;
    const run = await runWithKills<{ location: string; jobId: string }>(workflowId, () =>
      client.workflow.start(takeSavepoint, { taskQueue, workflowId, args: [{ cluster: CLUSTER, job: JOB }] }),
    );
    expectEveryStepKilled(run.kills, run.types);
    const added = savepointDirs().filter((d) => !before.includes(d));
    expect(added).toHaveLength(1);
    expect(run.result.location).toContain(added[0]);
    expect((await jobs()).map((j) => `${j.jid} ${j.state}`)).toEqual([`${running?.jid} RUNNING`]);
    record('takeSavepoint', run.kills, run.wallMs);
  }, 300_000);

  it('upgrade to v2: one stop-with-savepoint, one new job, the old one finished, the sequence unbroken', async () => {
    const before = savepointDirs();
    const [old] = await jobs();
    const v2 = join(dirname(job.jar), 'sample-pipeline-2.jar');
    const workflowId = `upgrade:${CLUSTER}:${JOB}:${randomUUID()}`;
    const run = await runWithKills<{ outcome: string; runningJobId?: string }>(
      workflowId,
      () =>
        client.workflow.start(upgrade, {
          taskQueue,
          workflowId,
          args: [{ cluster: CLUSTER, job: JOB, jar: v2 }],
        }),
      alertsBefore,
    );
    expect(run.result.outcome).toBe('upgraded');
    expectEveryStepKilled(run.kills, run.types);
    expect(savepointDirs().filter((d) => !before.includes(d))).toHaveLength(1);
    const after = await jobs();
    expect(after.filter((j) => j.jid !== old?.jid).map((j) => `${j.jid} ${j.state}`)).toEqual([
      `${run.result.runningJobId} RUNNING`,
    ]);
    expect(after.find((j) => j.jid === old?.jid)?.state).toBe('FINISHED');
    expect(alertsWith('upgraded')).toHaveLength(1);
    await expectUnbrokenSequence();
    record('upgrade', run.kills, run.wallMs);
  }, 600_000);

  it('monitor, forced restart: one stop-with-savepoint, exactly one new job, the watch resumed', async () => {
    const workflowId = monitorWorkflowId(CLUSTER, JOB);
    const handle = client.workflow.getHandle(workflowId);
    const before = await handle.query(statusQuery);
    const knownJobs = (await jobs()).map((j) => j.jid);
    const round = randomUUID();
    const since = Date.now();
    arm({ workflowId, round, modes: alertsBefore });
    const signalledAt = Number((await handle.describe()).historyLength);
    try {
      await handle.signal(forceRestartSignal, { reason: 'crash test' });
      await pollUntil(
        async () => {
          const s = await handle.query(statusQuery).catch(() => undefined);
          const watchKilled = killsOf(workflowId, round).some((k) => k.activityType === 'watchJob');
          return s && s.restarts.length > before.restarts.length && s.phase === 'watching' && watchKilled
            ? s
            : undefined;
        },
        { timeoutMs: 480_000, intervalMs: 1_000, what: 'the forced restart done and the watch resumed' },
      );
    } finally {
      disarm();
    }
    const status = await handle.query(statusQuery);
    const kills = killsOf(workflowId, round);
    expect(status.restarts.at(-1)).toMatchObject({ trigger: 'forced', outcome: 'restarted' });
    expectEveryStepKilled(kills, await scheduledTypes(handle, signalledAt));
    const fresh = (await jobs()).filter((j) => !knownJobs.includes(j.jid));
    expect(fresh.map((j) => `${j.jid} ${j.state}`)).toEqual([`${status.jobId} RUNNING`]);
    await expectUnbrokenSequence();
    record('monitor forced restart', kills, Date.now() - since);
  }, 600_000);

  it('failover drill, stop-leader: the leader stopped once and started once, one report, nothing else touched', async () => {
    const workflowId = `drill:${CLUSTER}`;
    const run = await runWithKills<{ outcome: string; files?: { markdown: string; svg: string } }>(
      workflowId,
      () =>
        client.workflow.start(failoverDrill, {
          taskQueue,
          workflowId,
          args: [{ cluster: CLUSTER, job: JOB, kind: 'stop-leader', reportDir }],
        }),
      alertsBefore,
    );
    expect(run.result.outcome).toBe('passed');
    expectEveryStepKilled(run.kills, run.types);
    const events = await containerEvents(run.since, Date.now());
    // Only the leader was touched: one stop (which Docker reports as kill+die+stop), one start.
    expect(Object.keys(events)).toHaveLength(1);
    const [actions] = Object.values(events);
    expect(actions?.filter((a) => a === 'stop')).toHaveLength(1);
    expect(actions?.filter((a) => a === 'start')).toHaveLength(1);
    // One report, however often writing it was retried: the Markdown and its chart.
    const written = readdirSync(reportDir);
    expect(written).toHaveLength(2);
    expect(written).toContain(basename(run.result.files?.markdown ?? '-'));
    expect(written).toContain(basename(run.result.files?.svg ?? '-'));
    await expectUnbrokenSequence();
    record('failoverDrill', run.kills, run.wallMs);
  }, 900_000);

  it('monitor, automatic restart of a zombie: one cancel (checkpoints retained), exactly one new job from the checkpoint', async () => {
    const workflowId = monitorWorkflowId(CLUSTER, JOB);
    const handle = client.workflow.getHandle(workflowId);
    const before = await handle.query(statusQuery);
    const knownJobs = (await jobs()).map((j) => j.jid);
    const round = randomUUID();
    const since = Date.now();
    arm({ workflowId, round, modes: alertsBefore });
    const stalledAt = Number((await handle.describe()).historyLength);
    setFault('stall');
    try {
      await pollUntil(
        async () => {
          const s = await handle.query(statusQuery).catch(() => undefined);
          // The restarted job must be able to run: lift the stall once the restart is under way.
          if (s?.phase === 'restarting') setFault('none');
          return s &&
            s.restarts.length > before.restarts.length &&
            s.phase === 'watching' &&
            s.verdict === 'healthy'
            ? s
            : undefined;
        },
        { timeoutMs: 600_000, intervalMs: 500, what: 'the automatic restart done and the job healthy' },
      );
    } finally {
      setFault('none');
      disarm();
    }
    const status = await handle.query(statusQuery);
    const kills = killsOf(workflowId, round);
    expect(status.restarts.at(-1)).toMatchObject({ trigger: 'policy', outcome: 'restarted' });
    expect(status.restarts.at(-1)?.restoredFrom).toMatch(/\/chk-\d+$/);
    const restartTypes = [
      'cancelJob',
      'observeCheckpoints',
      'listJobs',
      'submitJob',
      'waitForJobState',
      'waitForCheckpoint',
    ];
    const scheduled = await scheduledTypes(handle, stalledAt);
    expect(scheduled).toEqual(expect.arrayContaining(restartTypes));
    expectEveryStepKilled(kills, scheduled);
    const fresh = (await jobs()).filter((j) => !knownJobs.includes(j.jid));
    expect(fresh.map((j) => `${j.jid} ${j.state}`)).toEqual([`${status.jobId} RUNNING`]);
    await expectUnbrokenSequence();
    record('monitor automatic restart', kills, Date.now() - since);
  }, 900_000);

  it('upgrade to a job that fails, rolled back, killed at the second call of each step: the previous job runs again once', async () => {
    const before = savepointDirs();
    const knownBefore = (await jobs()).map((j) => j.jid);
    const [old] = (await jobs()).filter((j) => j.state === 'RUNNING');
    // The new version's source reads a fault file of its own that says fail, and may not restart.
    mkdirSync(join(hostDir('/opt/flink/control'), 'crash-fail'), { recursive: true });
    writeFileSync(join(hostDir('/opt/flink/control'), 'crash-fail', 'fault'), 'fail\n');
    // The job runs v2 since the first upgrade (the monitor's restarts kept it).
    const v2 = join(dirname(job.jar), 'sample-pipeline-2.jar');
    const workflowId = `upgrade:${CLUSTER}:${JOB}:${randomUUID()}`;
    const run = await runWithKills<{ outcome: string; runningJobId?: string }>(
      workflowId,
      () =>
        client.workflow.start(upgrade, {
          taskQueue,
          workflowId,
          args: [
            {
              cluster: CLUSTER,
              job: JOB,
              jobId: old?.jid,
              jar: v2,
              args: [
                ...job.args,
                '--control-dir',
                '/opt/flink/control/crash-fail',
                '--restart-attempts',
                '0',
              ],
              previous: { jar: v2 },
            },
          ],
        }),
      alertsBefore,
      2,
    );
    expect(run.result.outcome).toBe('rolled-back');
    expectEveryStepKilled(run.kills, run.types, run.fewer);
    // The second submit is the rollback's: killed after it submitted, it is not submitted twice.
    expect(run.kills.map((k) => k.activityType)).toContain('submitJob');
    expect(savepointDirs().filter((d) => !before.includes(d))).toHaveLength(1);
    const after = (await jobs()).filter((j) => !knownBefore.includes(j.jid));
    // The new version once (it failed), the previous version once (it runs): nothing else.
    expect(after.map((j) => j.state).sort()).toEqual(['FAILED', 'RUNNING']);
    expect(after.find((j) => j.state === 'RUNNING')?.jid).toBe(run.result.runningJobId);
    expect(alertsWith('upgrade rolled back')).toHaveLength(1);
    await expectUnbrokenSequence();
    record('upgrade rolled back (second calls)', run.kills, run.wallMs);
  }, 900_000);

  it('upgrade in last-state mode: one cancel with its checkpoint retained, one new job from it, no savepoint', async () => {
    const before = savepointDirs();
    const [old] = (await jobs()).filter((j) => j.state === 'RUNNING');
    const workflowId = `upgrade:${CLUSTER}:${JOB}:${randomUUID()}`;
    const run = await runWithKills<{ outcome: string; runningJobId?: string; snapshot?: { kind: string } }>(
      workflowId,
      () =>
        client.workflow.start(upgrade, {
          taskQueue,
          workflowId,
          // Back to v1 from the v2 that runs: a change of jar, its state taken from the latest checkpoint.
          args: [
            {
              cluster: CLUSTER,
              job: JOB,
              jobId: old?.jid,
              mode: 'last-state',
              jar: job.jar,
              previous: { jar: join(dirname(job.jar), 'sample-pipeline-2.jar') },
            },
          ],
        }),
      alertsBefore,
    );
    expect(run.result.outcome).toBe('upgraded');
    expect(run.result.snapshot?.kind).toBe('checkpoint');
    expectEveryStepKilled(run.kills, run.types);
    expect(savepointDirs().filter((d) => !before.includes(d))).toHaveLength(0);
    const all = await jobs();
    expect(all.find((j) => j.jid === old?.jid)?.state).toBe('CANCELED');
    expect(all.filter((j) => j.state === 'RUNNING').map((j) => j.jid)).toEqual([run.result.runningJobId]);
    await expectUnbrokenSequence();
    record('upgrade last-state', run.kills, run.wallMs);
  }, 900_000);
});

/** The crash sandbox job's fault knob (its control folder, mounted at /opt/flink/control). */
function setFault(fault: 'none' | 'stall'): void {
  writeFileSync(join(hostDir('/opt/flink/control'), 'fault'), `${fault}\n`);
}

async function expectUnbrokenSequence(): Promise<void> {
  if (!job.output) throw new Error('the crash sandbox job needs output');
  const report = await checkOutputSequence({ output: job.output });
  expect(report.gaps).toEqual([]);
  expect(report.duplicates).toEqual([]);
}

async function listRuns(workflowId: string): Promise<string[]> {
  const statuses: string[] = [];
  for await (const w of client.workflow.list({ query: `WorkflowId = '${workflowId}'` }))
    statuses.push(w.status.name);
  return statuses;
}
