import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SANDBOX_FILE } from '../../scripts/lib/sandbox';
import { readCommittedRows } from '../../src/output/files';
import { checkSequence } from '../../src/output/sequence';
import { normalizeLocation } from '../../src/policy/retention';
import { useTemporalClient } from '../../src/temporal/client-holder';
import { pollUntil, sleep } from '../../src/util/poll';
import { createWorker } from '../../src/worker';
import { upgrade } from '../../src/workflows';
import {
  approveSignal,
  cancelSignal,
  type UpgradeInput,
  type UpgradeResult,
  upgradeStatusQuery,
} from '../../src/workflows/upgrade-api';
import {
  resetSandbox,
  type Sandbox,
  sandbox,
  setFault,
  submitSample,
  waitForCheckpointAfter,
  waitForJobState,
} from '../helpers/sandbox';
import { withWorker } from '../helpers/temporal';

/**
 * The upgrade runbook on the real Temporal dev server against the sandbox (whichever one
 * loadSandbox() names): v1 → v2 with a continuous sequence, a rollback, a worker killed between
 * the stop and the submit, a stalled job upgraded from its last checkpoint, and the ways an
 * upgrade refuses or is cancelled without changing anything.
 */
const repo = fileURLToPath(new URL('../..', import.meta.url));
let sb: Sandbox;
let v1: string;
let v2: string;
const measured: Record<string, unknown> = {};

beforeAll(async () => {
  // The worker's activities read the clusters file; in a plain `npm test` run that is the default sandbox.
  process.env.FLINK_RUNBOOKS_CLUSTERS ??= SANDBOX_FILE;
  sb = await sandbox();
  v1 = sb.job.jar;
  v2 = join(dirname(sb.job.jar), 'sample-pipeline-2.jar');
});

afterAll(async () => {
  // Leave the sandbox usable for the next file: no job of ours, the knob at none.
  if (sb) await resetSandbox(sb);
  console.log(`upgrade measurements: ${JSON.stringify(measured, null, 2)}`);
});

/** A fresh v1 job with committed output and a completed checkpoint. */
async function startV1(): Promise<{ jobId: string; startTime: number }> {
  await resetSandbox(sb);
  const jobId = await submitSample(sb, { jar: v1 });
  await waitForJobState(sb, jobId, ['RUNNING']);
  await waitForCheckpointAfter(sb, jobId, 0);
  await pollUntil(async () => ((await rows()).length > 20 ? true : undefined), {
    timeoutMs: 60_000,
    what: 'v1 output',
  });
  const job = await sb.rest.call((c) => c.job(jobId));
  return { jobId, startTime: job['start-time'] };
}

const rows = () => readCommittedRows(sb.outputDir);

/** Where a host directory of the sandbox is mounted inside its containers. */
function containerPath(host: string): string {
  const volume = sb.cluster.volumes.find((v) => v.host === host);
  if (!volume) throw new Error(`${host} is not mounted into the sandbox`);
  return volume.container;
}
const savepointUri = () => new RegExp(`^file:${normalizeLocation(sb.job.savepointDir)}/savepoint-`);
const jobsOverview = () => sb.rest.call((c) => c.jobsOverview());

/**
 * Downtime as the output shows it: emitted_at of the first v2 row minus emitted_at of the last v1
 * row (rows are `seq,emitted_at_ms,marker` and v2 adds `v2`).
 */
async function outputAcrossUpgrade() {
  const all = await rows();
  const report = checkSequence(all.map((r) => Number(r[0])));
  const isV2 = (r: string[]) => r[3] === 'v2';
  const bySeq = (a: string[], b: string[]) => Number(a[0]) - Number(b[0]);
  const lastV1 = all
    .filter((r) => !isV2(r))
    .sort(bySeq)
    .at(-1);
  const firstV2 = all.filter(isV2).sort(bySeq)[0];
  return {
    report,
    lastV1Seq: lastV1 && Number(lastV1[0]),
    firstV2Seq: firstV2 && Number(firstV2[0]),
    downtimeMs: lastV1 && firstV2 ? Number(firstV2[1]) - Number(lastV1[1]) : undefined,
  };
}

/** A worker in this process; the lease activities reach the monitor through this run's client. */
function withRunbookWorker<T>(use: (ctx: { client: Client; taskQueue: string }) => Promise<T>): Promise<T> {
  return withWorker(async (ctx) => {
    useTemporalClient(ctx.client);
    return use(ctx);
  });
}

const input = (extra: Partial<UpgradeInput> = {}): UpgradeInput => ({
  cluster: sb.cluster.name,
  job: sb.job.name,
  ...extra,
});

async function failureOf(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e) => e,
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  return (error as WorkflowFailedError).cause as Error & { type?: string };
}

describe('upgrade: refusals and cancellation change nothing', () => {
  it('a bad new version fails the precheck; a cancel at the approval gate returns cancelled', async () => {
    const old = await startV1();
    await withRunbookWorker(async ({ client, taskQueue }) => {
      const run = (extra: Partial<UpgradeInput>) =>
        client.workflow.execute(upgrade, {
          taskQueue,
          workflowId: `e2e-upgrade-refused-${randomUUID()}`,
          args: [input(extra)],
        });

      // main() refuses the new arguments: Flink's /plan says so before anything is stopped.
      const badArgs = await failureOf(run({ jar: v2, args: ['--bogus', '1'] }));
      expect(badArgs.type).toBe('PrecheckFailed');
      expect(badArgs.message).toMatch(/nothing was changed.*unknown option --bogus/);

      const noClass = await failureOf(run({ jar: v2, entryClass: 'no.such.Main' }));
      expect(noClass.message).toMatch(/does not contain the entry class no\.such\.Main/);

      const missing = await failureOf(run({ jar: '/nonexistent/new.jar' }));
      expect(missing.message).toMatch(/jar \/nonexistent\/new\.jar cannot be read: ENOENT/);

      const unknownJob = await failureOf(run({ jar: v2, jobId: 'f'.repeat(32) }));
      expect(unknownJob.message).toMatch(/does not know job f{32}/);

      // The approval gate: a cancel before the stop changes nothing.
      const handle = await client.workflow.start(upgrade, {
        taskQueue,
        workflowId: `e2e-upgrade-cancelled-${randomUUID()}`,
        args: [input({ jar: v2, requireApproval: true })],
      });
      await pollUntil(
        async () =>
          (await handle.query(upgradeStatusQuery)).phase === 'awaiting-approval' ? true : undefined,
        { timeoutMs: 60_000, what: 'the upgrade waiting for approval' },
      );
      await handle.signal(cancelSignal, { by: 'e2e', reason: 'change window closed' });
      const result = await handle.result();
      expect(result).toMatchObject({
        outcome: 'cancelled',
        runningJobId: old.jobId,
        cancellation: { by: 'e2e', reason: 'change window closed' },
        precheck: { ok: true },
      });
      expect(result.to.jobId).toBeUndefined();
    });
    const jobs = await jobsOverview();
    expect(jobs.filter((j) => j.state === 'RUNNING').map((j) => j.jid)).toEqual([old.jobId]);
    expect(jobs.filter((j) => j['start-time'] > old.startTime)).toEqual([]);
  });
});

describe('upgrade v1 → v2 from a stop-with-savepoint', () => {
  it('approved, it stops v1, starts v2 from the savepoint, and the sequence continues with no gap or duplicate', async () => {
    const old = await startV1();
    const t0 = Date.now();
    const result = await withRunbookWorker(async ({ client, taskQueue }) => {
      const handle = await client.workflow.start(upgrade, {
        taskQueue,
        workflowId: `e2e-upgrade-v2-${randomUUID()}`,
        args: [input({ jar: v2, requireApproval: true })],
      });
      await pollUntil(
        async () =>
          (await handle.query(upgradeStatusQuery)).phase === 'awaiting-approval' ? true : undefined,
        { timeoutMs: 60_000, what: 'the upgrade waiting for approval' },
      );
      // Nothing has happened to the job while waiting.
      expect((await sb.rest.call((c) => c.job(old.jobId))).state).toBe('RUNNING');
      await handle.signal(approveSignal, { by: 'e2e', comment: 'window open' });
      return handle.result();
    });
    measured.upgradeWorkflowMs = Date.now() - t0;

    expect(result).toMatchObject({
      outcome: 'upgraded',
      mode: 'savepoint',
      from: { jobId: old.jobId, config: { jar: v1 } },
      to: { config: { jar: v2 } },
      changes: [`jar: ${v1} → ${v2}`],
      snapshot: {
        kind: 'savepoint',
        path: expect.stringMatching(savepointUri()),
      },
      approval: { by: 'e2e', comment: 'window open' },
      readiness: { verdict: 'ready' },
      sequence: { continuous: true, gaps: [], duplicates: [] },
      lease: { monitor: expect.stringMatching(/running|no-monitor/) },
      warnings: [],
    });
    const newJobId = result.to.jobId as string;
    expect(result.runningJobId).toBe(newJobId);
    expect(result.steps.map((s) => s.step)).toEqual(
      expect.arrayContaining([
        'precheck passed',
        'approved',
        'maintenance lease taken',
        'stop-with-savepoint',
        'old job stopped',
        'job submitted',
        'output sequence continuous',
        'maintenance lease released',
      ]),
    );

    // Flink agrees: the old job FINISHED (stopped, not cancelled), the new one restored the savepoint.
    expect((await sb.rest.call((c) => c.job(old.jobId))).state).toBe('FINISHED');
    const restored = (await sb.rest.call((c) => c.checkpoints(newJobId))).latest.restored;
    expect(restored).toMatchObject({ is_savepoint: true, external_path: result.snapshot?.path });
    const running = (await jobsOverview()).filter((j) => j.state === 'RUNNING');
    expect(running.map((j) => j.jid)).toEqual([newJobId]);

    // The output: v1 rows, then v2 rows continuing at the next number.
    await sleep(3_000);
    const out = await outputAcrossUpgrade();
    expect(out.report).toMatchObject({ first: 0, gaps: [], duplicates: [], continuous: true });
    expect(out.firstV2Seq).toBe((out.lastV1Seq as number) + 1);
    expect(out.downtimeMs).toBeGreaterThan(0);
    measured.savepointUpgrade = {
      downtimeMs: out.downtimeMs,
      lastV1Seq: out.lastV1Seq,
      firstV2Seq: out.firstV2Seq,
      rows: out.report.rows,
      gaps: out.report.gaps,
      duplicates: out.report.duplicates,
      controlPlaneDowntimeMs: result.timings.downtimeMs,
    };
  });
});

describe('rollback', () => {
  it('v2 fails at start: it is cancelled, v1 is resubmitted from the same savepoint, and the result says so', async () => {
    await startV1();
    const t0 = Date.now();
    // The new version reads its fault knob from a control directory of its own, set to `fail`:
    // it throws as soon as it runs. The rolled-back v1 reads the sandbox's own knob (none).
    const broken = join(sb.controlDir, 'v2-broken');
    mkdirSync(broken, { recursive: true });
    writeFileSync(join(broken, 'fault'), 'fail\n');
    const failing = [...sb.job.args, '--control-dir', `${containerPath(sb.controlDir)}/v2-broken`];
    const result = await withRunbookWorker(({ client, taskQueue }) =>
      client.workflow.execute(upgrade, {
        taskQueue,
        workflowId: `e2e-upgrade-rollback-${randomUUID()}`,
        args: [input({ jar: v2, args: failing })],
      }),
    ).finally(() => rmSync(broken, { recursive: true, force: true }));
    measured.rollbackWorkflowMs = Date.now() - t0;
    expect(result).toMatchObject({
      outcome: 'rolled-back',
      readiness: { verdict: 'failed' },
      rollback: { readiness: { verdict: 'ready' } },
      sequence: { continuous: true },
    });
    expect(result.headline).toMatch(
      new RegExp(`rolled back: .*threw.*runs .*sample-pipeline-1\\.jar again from ${result.snapshot?.path}`),
    );
    expect(result.rollback?.reason).toMatch(/threw .*injected failure/);
    const newJobId = result.to.jobId as string;
    const rollbackJobId = result.rollback?.jobId as string;
    expect(result.runningJobId).toBe(rollbackJobId);
    expect(['FAILED', 'CANCELED']).toContain((await sb.rest.call((c) => c.job(newJobId))).state);
    const restored = (await sb.rest.call((c) => c.checkpoints(rollbackJobId))).latest.restored;
    expect(restored?.external_path).toBe(result.snapshot?.path);
    expect((await jobsOverview()).filter((j) => j.state === 'RUNNING').map((j) => j.jid)).toEqual([
      rollbackJobId,
    ]);
    expect(result.steps.map((s) => s.step)).toEqual(
      expect.arrayContaining(['rolling back', 'job submitted', 'output sequence continuous']),
    );
    await sleep(3_000);
    const out = await outputAcrossUpgrade();
    expect(out.report).toMatchObject({ first: 0, continuous: true });
    expect(out.firstV2Seq).toBeUndefined(); // v2 never committed a row
    measured.rollback = {
      reason: result.rollback?.reason,
      rows: out.report.rows,
      workflowMs: measured.rollbackWorkflowMs,
    };
  });
});

describe('a worker killed between the stop and the submit', () => {
  it('the replayed workflow submits exactly one new job', async () => {
    const old = await startV1();
    const address = inject('temporalAddress');
    const taskQueue = `e2e-upgrade-kill-${randomUUID()}`;
    const worker = await spawnWorkerProcess({
      TEMPORAL_ADDRESS: address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      FLINK_RUNBOOKS_CLUSTERS: process.env.FLINK_RUNBOOKS_CLUSTERS as string,
    });
    const connection = await Connection.connect({ address });
    const client = new Client({ connection });
    try {
      const handle = await client.workflow.start(upgrade, {
        taskQueue,
        workflowId: `e2e-upgrade-kill-${randomUUID()}`,
        args: [input({ jar: v2 })],
      });
      // The stop is done when Flink says the old job FINISHED: kill the worker right then.
      await pollUntil(
        async () => ((await sb.rest.call((c) => c.job(old.jobId))).state === 'FINISHED' ? true : undefined),
        { timeoutMs: 120_000, intervalMs: 50, what: 'the old job stopped' },
      );
      worker.process.kill('SIGKILL');
      await worker.exited;
      const killedAt = Date.now();
      const newJobsAtKill = (await jobsOverview()).filter((j) => j['start-time'] > old.startTime).length;

      // A second worker takes over the same task queue and finishes the runbook.
      const native = await NativeConnection.connect({ address });
      useTemporalClient(client);
      const second = await createWorker({
        connection: native,
        taskQueue,
        workflowBundle: { codePath: inject('workflowBundlePath') },
      });
      let result: UpgradeResult;
      try {
        result = await second.runUntil(handle.result());
      } finally {
        await native.close();
      }
      const newJobs = (await jobsOverview()).filter((j) => j['start-time'] > old.startTime);
      expect(newJobs.map((j) => j.jid)).toEqual([result.to.jobId]);
      expect(result).toMatchObject({ outcome: 'upgraded', sequence: { continuous: true } });

      // Where the kill landed, from the history: how often the stop and the submit were scheduled.
      const history = await handle.fetchHistory();
      const scheduled = (name: string) =>
        (history.events ?? []).filter(
          (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === name,
        ).length;
      expect(scheduled('stopWithSavepoint')).toBe(1);
      expect(scheduled('submitJob')).toBe(1);
      const submitted = result.steps.find((s) => s.step === 'job submitted');
      measured.workerKill = {
        newJobsAtKill,
        submitFoundAlreadySubmitted: submitted?.detail?.includes('found already submitted'),
        resumedAfterKillMs: (submitted?.at ?? 0) - killedAt,
        totalAfterKillMs: Date.now() - killedAt,
      };
      const out = await outputAcrossUpgrade();
      expect(out.firstV2Seq).toBe((out.lastV1Seq as number) + 1);
    } finally {
      if (worker.process.exitCode === null && worker.process.signalCode === null)
        worker.process.kill('SIGKILL');
      await connection.close();
    }
  });
});

describe('last-state upgrade of a stalled job', () => {
  it('the savepoint upgrade fails clearly and the job keeps running; a last-state upgrade restores its latest checkpoint', async () => {
    const old = await startV1();
    setFault(sb, 'stall');
    await pollUntil(
      async () =>
        (await sb.rest.call((c) => c.checkpoints(old.jobId))).counts.failed > 0 ? true : undefined,
      { timeoutMs: 60_000, what: 'a checkpoint expired while stalled' },
    );
    await withRunbookWorker(async ({ client, taskQueue }) => {
      const t0 = Date.now();
      const failure = await failureOf(
        client.workflow.execute(upgrade, {
          taskQueue,
          workflowId: `e2e-upgrade-stalled-${randomUUID()}`,
          args: [input({ jar: v2 })],
        }),
      );
      measured.stalledSavepointFailureMs = Date.now() - t0;
      expect(failure.type).toBe('SavepointFailed');
      expect(failure.message).toMatch(
        new RegExp(
          `stop-with-savepoint of job ${old.jobId} failed: .*The job is still RUNNING; nothing was changed`,
        ),
      );
      expect((await sb.rest.call((c) => c.job(old.jobId))).state).toBe('RUNNING');
      expect((await jobsOverview()).filter((j) => j['start-time'] > old.startTime)).toEqual([]);

      // mode last-state: cancel the stalled job, start v2 from its latest completed checkpoint.
      const t1 = Date.now();
      const handle = await client.workflow.start(upgrade, {
        taskQueue,
        workflowId: `e2e-upgrade-last-state-${randomUUID()}`,
        args: [input({ jar: v2, mode: 'last-state' })],
      });
      // The stall is the old job's (a hung source connection); a fresh job does not have it.
      await waitForJobState(sb, old.jobId, ['CANCELED'], 120_000);
      setFault(sb, 'none');
      const result = await handle.result();
      measured.lastStateUpgradeMs = Date.now() - t1;
      expect(result).toMatchObject({
        outcome: 'upgraded',
        mode: 'last-state',
        snapshot: {
          kind: 'checkpoint',
          path: expect.stringMatching(new RegExp(`/${old.jobId}/chk-\\d+$`)),
        },
        sequence: { continuous: true },
      });
      const restored = (await sb.rest.call((c) => c.checkpoints(result.to.jobId as string))).latest.restored;
      expect(restored?.external_path).toBe(result.snapshot?.path);
    });
    await sleep(3_000);
    const out = await outputAcrossUpgrade();
    expect(out.report).toMatchObject({ first: 0, gaps: [], duplicates: [], continuous: true });
    expect(out.firstV2Seq).toBe((out.lastV1Seq as number) + 1);
    measured.lastState = { downtimeMs: out.downtimeMs, lastV1Seq: out.lastV1Seq, firstV2Seq: out.firstV2Seq };
  });
});

/**
 * A real worker process that SIGKILL ends at once: node with tsx's loader, not the tsx CLI (which
 * runs the script in a child process that a SIGKILL to the CLI would leave running).
 */
async function spawnWorkerProcess(env: Record<string, string>) {
  let output = '';
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/worker.ts'], {
    cwd: repo,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  await pollUntil(async () => (output.includes('worker polling') ? true : undefined), {
    timeoutMs: 120_000,
    intervalMs: 200,
    what: `the worker process polling (output so far: ${output.slice(-500)})`,
  }).catch((error) => {
    child.kill('SIGKILL');
    throw error;
  });
  return { process: child, exited, output: () => output };
}
