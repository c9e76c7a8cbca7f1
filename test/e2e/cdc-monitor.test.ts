import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { proxyFault, startDatabase, stopDatabase } from '../../scripts/lib/cdc-faults';
import {
  type CdcSandbox,
  cdcSandbox,
  cdcUp,
  look,
  resetCdc,
  submitCdc,
  waitForCatchUp,
  waitForState,
} from '../../scripts/lib/cdc-sandbox';
import { startWorkload, type Workload } from '../../scripts/lib/cdc-workload';
import { SANDBOX_FILE } from '../../scripts/lib/sandbox';
import { describeCdcCheck } from '../../src/output/cdc-check';
import type { MonitorStatus } from '../../src/policy/monitor-state';
import { useTemporalClient } from '../../src/temporal/client-holder';
import { pollUntil, sleep } from '../../src/util/poll';
import { monitorJob } from '../../src/workflows';
import { monitorWorkflowId, statusQuery } from '../../src/workflows/monitor-api';
import { runWorkerOn } from '../helpers/temporal';

/**
 * The monitor on the CDC job, telling a dead source from a quiet one with what the database says
 * (test settings: a look every 2 s, a dead sign counts after 10 s, PostgreSQL's walsender timeout
 * 20 s): a quiet source stays `idle` with no restart; a database down for a while is left to Flink
 * CDC, which recovers by itself; a replication connection gone half-open (the job RUNNING,
 * checkpoints completing, nothing written) is a `zombie`, restarted from its checkpoint, and the
 * data check finds every change once.
 */
let sb: CdcSandbox;
let client: Client;
let connection: Connection;
let workload: Workload | undefined;
const taskQueue = `cdc-monitor-${Date.now()}`;
const measured: Record<string, unknown> = {};

function spec() {
  const { name: _name, ...cluster } = structuredClone(sb.cluster);
  const job = cluster.jobs[0];
  if (!job?.source) throw new Error('the CDC job has no source');
  job.source.deadAfter = 10_000;
  return { ...cluster, monitor: { ...cluster.monitor, interval: 2_000, cooldown: 5_000 } };
}

const status = (handle: WorkflowHandle) => handle.query(statusQuery);

async function waitForStatus(
  handle: WorkflowHandle,
  test: (s: MonitorStatus) => boolean,
  what: string,
  timeoutMs = 180_000,
) {
  return pollUntil(
    async () => {
      const s = await status(handle);
      return test(s) ? s : undefined;
    },
    { timeoutMs, intervalMs: 250, what },
  );
}

/** Every verdict the monitor shows while `during` runs, sampled each second. */
async function verdictsDuring(handle: WorkflowHandle, during: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  let done = false;
  const sampler = (async () => {
    while (!done) {
      const s = await status(handle).catch(() => undefined);
      if (s && seen.at(-1) !== s.verdict) seen.push(s.verdict);
      await sleep(1000);
    }
  })();
  try {
    await during();
  } finally {
    done = true;
    await sampler;
  }
  return seen;
}

async function freshJob(): Promise<string> {
  await resetCdc(sb);
  const jobId = await submitCdc(sb);
  await waitForState(sb, jobId, ['RUNNING']);
  await pollUntil(async () => ((await look(sb, jobId)).committedRows >= 18 ? true : undefined), {
    timeoutMs: 60_000,
    what: 'the snapshot in committed output',
  });
  return jobId;
}

const startMonitor = (jobId: string) =>
  client.workflow.start(monitorJob, {
    taskQueue,
    workflowId: monitorWorkflowId(sb.cluster.name, sb.job.name),
    args: [{ cluster: sb.cluster.name, spec: spec(), jobId }],
  });

beforeAll(async () => {
  process.env.FLINK_RUNBOOKS_CLUSTERS ??= SANDBOX_FILE;
  sb = await cdcSandbox();
  await cdcUp(sb);
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection });
  useTemporalClient(client);
});

afterEach(async () => {
  await client.workflow
    .getHandle(monitorWorkflowId(sb.cluster.name, sb.job.name))
    .terminate('test done')
    .catch(() => undefined);
  await workload?.stop();
  workload = undefined;
  await proxyFault('heal');
});

afterAll(async () => {
  await resetCdc(sb).catch(() => undefined);
  await connection?.close();
  console.log(`cdc monitor e2e: ${JSON.stringify(measured, null, 2)}`);
});

describe('monitorJob on the CDC job', () => {
  it('a quiet source (no change committed) is idle, never restarted', async () => {
    const jobId = await freshJob();
    await runWorkerOn(taskQueue, async () => {
      const handle = await startMonitor(jobId);
      await waitForStatus(handle, (s) => s.verdict === 'healthy' || s.verdict === 'idle', 'a first verdict');
      // The snapshot's file is the last one: the job writes nothing from now on.
      const verdicts = await verdictsDuring(handle, () => sleep(60_000));
      const end = await status(handle);
      measured.quiet = {
        verdicts,
        restarts: end.restarts.length,
        reasons: end.reasons,
        last: end.lastObservation,
      };
      expect(end.verdict, end.reasons.join('; ')).toBe('idle');
      expect(verdicts).not.toContain('zombie');
      expect(end.restarts).toEqual([]);
    });
  });

  it('a database down for 15 s is left to Flink CDC, which recovers by itself: no restart by the monitor', async () => {
    const jobId = await freshJob();
    workload = startWorkload({ rate: 1 });
    await runWorkerOn(taskQueue, async () => {
      const handle = await startMonitor(jobId);
      await waitForStatus(handle, (s) => s.verdict === 'healthy', 'healthy');
      const verdicts = await verdictsDuring(handle, async () => {
        stopDatabase();
        try {
          await sleep(15_000);
        } finally {
          startDatabase();
        }
        await waitForStatus(handle, (s) => s.verdict === 'healthy', 'healthy again', 120_000);
      });
      const end = await status(handle);
      measured.databaseDown = { verdicts, restarts: end.restarts.length };
      expect(end.restarts).toEqual([]);
      expect(end.jobId).toBe(jobId);
    });
    const check = await waitForCatchUp(sb, 90_000);
    expect(check.duplicated, describeCdcCheck(check)).toEqual([]);
  });

  it('a half-open replication connection is a zombie: restarted from its checkpoint, every change delivered once', async () => {
    const jobId = await freshJob();
    workload = startWorkload({ rate: 1 });
    await runWorkerOn(taskQueue, async () => {
      const handle = await startMonitor(jobId);
      await waitForStatus(handle, (s) => s.verdict === 'healthy', 'healthy');
      const t0 = Date.now();
      // The open connection goes silent both ways; a new one (the restarted job's) gets through.
      await proxyFault('drop-open');
      const zombie = await waitForStatus(
        handle,
        (s) => s.verdict === 'zombie' || s.restarts.length > 0,
        'a zombie verdict',
      );
      const detectedS = (Date.now() - t0) / 1000;
      const healed = await waitForStatus(
        handle,
        (s) => s.restarts.length === 1 && s.verdict === 'healthy',
        'healthy after the restart',
      );
      measured.deadSource = {
        detectedS,
        healthyAgainS: (Date.now() - t0) / 1000,
        reasons: zombie.reasons,
        newJob: healed.jobId,
      };
      expect(zombie.reasons.join('; ')).toMatch(/slot|walsender|reply|unconfirmed|source/i);
      expect(healed.jobId).not.toBe(jobId);
      expect(healed.escalated).toBe(false);
    });
    const check = await waitForCatchUp(sb, 90_000);
    expect(check.lost, describeCdcCheck(check)).toEqual([]);
    expect(check.duplicated, describeCdcCheck(check)).toEqual([]);
    expect(check.behind).toEqual([]);
  });
});
