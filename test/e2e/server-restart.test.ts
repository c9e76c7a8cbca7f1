import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevServer, freePort, startDevServer } from '../../scripts/lib/temporal-dev-server';
import type { MonitorStatus } from '../../src/policy/monitor-state';
import { pollUntil } from '../../src/util/poll';
import { monitorJob } from '../../src/workflows';
import { monitorWorkflowId, statusQuery } from '../../src/workflows/monitor-api';
import {
  resetSandbox,
  type Sandbox,
  sandbox,
  setFault,
  submitSample,
  waitForJobState,
} from '../helpers/sandbox';
import { spawnWorker, type WorkerProcess } from '../helpers/worker-process';

/**
 * The Temporal server itself restarts (a dev server keeping its database in a file) while a
 * monitor supervises the job: after the restart the monitor carries on from where it was, and
 * still detects and repairs a stall.
 */
let sb: Sandbox;
let dir: string;
let port: number;
let server: DevServer | undefined;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  sb = await sandbox();
  process.env.FLINK_RUNBOOKS_CLUSTERS ??= sb.file;
  await resetSandbox(sb);
  dir = mkdtempSync(join(tmpdir(), 'temporal-restart-'));
  port = await freePort();
});

afterAll(async () => {
  setFault(sb, 'none');
  await worker?.kill();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
  await resetSandbox(sb);
});

const start = () => startDevServer({ port, dbFile: join(dir, 'temporal.db') });

describe('a Temporal server restart in the middle of monitoring', () => {
  it('the monitor continues, with its memory, and still repairs a stall', async () => {
    const jobId = await submitSample(sb);
    await waitForJobState(sb, jobId, ['RUNNING']);
    server = await start();
    const taskQueue = 'server-restart';
    worker = await spawnWorker({
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      FLINK_RUNBOOKS_METRICS: 'off',
    });
    const { name: _name, ...cluster } = sb.cluster;
    const spec = { ...cluster, monitor: { ...cluster.monitor, interval: 2_000 } };
    const connect = async () =>
      new Client({ connection: await Connection.connect({ address: `127.0.0.1:${port}` }) });
    let client = await connect();
    const workflowId = monitorWorkflowId(sb.cluster.name, sb.job.name);
    const handle = await client.workflow.start(monitorJob, {
      taskQueue,
      workflowId,
      args: [{ cluster: sb.cluster.name, spec, jobId }],
    });
    const runId = handle.firstExecutionRunId;
    const status = async () =>
      (await client.workflow.getHandle(workflowId).query(statusQuery)) as MonitorStatus;
    await pollUntil(async () => ((await status()).verdict === 'healthy' ? true : undefined), {
      timeoutMs: 60_000,
      what: 'healthy',
    });

    await server.stop();
    const downAt = Date.now();
    server = await start();
    console.log(`Temporal dev server back after ${((Date.now() - downAt) / 1000).toFixed(1)} s`);
    client = await connect();
    const after = await pollUntil(async () => status().catch(() => undefined), {
      timeoutMs: 120_000,
      what: 'the monitor answering again',
    });
    expect(after).toMatchObject({ jobId, verdict: 'healthy' });
    expect((await client.workflow.getHandle(workflowId).describe()).runId).toBe(runId);

    setFault(sb, 'stall');
    await pollUntil(async () => ((await status()).phase === 'restarting' ? true : undefined), {
      timeoutMs: 120_000,
      what: 'the restart',
    });
    setFault(sb, 'none');
    const healed = await pollUntil(
      async () => {
        const s = await status();
        return s.restarts.length === 1 && s.verdict === 'healthy' ? s : undefined;
      },
      { timeoutMs: 180_000, what: 'healthy after the restart' },
    );
    expect(healed.restarts[0]).toMatchObject({ outcome: 'restarted', fromJobId: jobId });
    await client.workflow.getHandle(workflowId).terminate('test done');
  });
});
