import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { sandboxDown } from '../../scripts/lib/sandbox';
import type { NamedCluster } from '../../src/config/schema';
import { readCommittedRows } from '../../src/output/files';
import { type DeployResult, stepTimings } from '../../src/policy/deploy-report';
import type { MonitorStatus } from '../../src/policy/monitor-state';
import { useTemporalClient } from '../../src/temporal/client-holder';
import { pollUntil } from '../../src/util/poll';
import { createWorker } from '../../src/worker';
import { deploy, failoverDrill, takeSavepoint, upgrade } from '../../src/workflows';
import { monitorWorkflowId, statusQuery } from '../../src/workflows/monitor-api';
import { readLeaders } from '../../src/zookeeper/leader';
import { expectSequenceWhole, type Sandbox, sandbox, setFault, waitForJobState } from '../helpers/sandbox';

/**
 * The runbooks' core on Flink 2.3 (sandbox/clusters-flink-2.3.yaml: the same HA shape as the 1.20
 * sandbox, the FLIP-27 sample job, which runs on both): deploy from nothing on 1.20, the move to
 * 2.3 by the deploy runbook (the seeds' quarterly dependency update), then on 2.3 the monitor
 * repairing a stall, a savepoint, an upgrade v1 → v2 by stop-with-savepoint and a drill stopping
 * the leader. One job's state runs through all of them, so its committed sequence is checked
 * whole at every step.
 */
let sb: Sandbox;
let connection: Connection;
let client: Client;
let native: NativeConnection;
let worker: Worker;
let running: Promise<void>;
/** One task queue: the monitor the deploy hands over to lives on it between tests. */
const taskQueue = `flink2-${randomUUID()}`;
let jobId: string;

beforeAll(async () => {
  sb = await sandbox();
  expect(sb.cluster.flinkVersion).toBe('2.3');
  // From nothing: no container, no data directory.
  await sandboxDown(sb.cluster);
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection });
  useTemporalClient(client);
  native = await NativeConnection.connect({ address: inject('temporalAddress') });
  worker = await createWorker({
    connection: native,
    taskQueue,
    workflowBundle: { codePath: inject('workflowBundlePath') },
  });
  running = worker.run();
});

afterAll(async () => {
  setFault(sb, 'none');
  await client?.workflow
    .getHandle(monitorWorkflowId(sb.cluster.name, sb.job.name))
    .terminate('flink2 e2e done')
    .catch(() => undefined);
  worker?.shutdown();
  await running?.catch(() => undefined);
  await native?.close();
  await connection?.close();
  if (process.env.SANDBOX_KEEP !== '1' && sb) await sandboxDown(sb.cluster);
});

async function deployRun(input: { spec?: Record<string, unknown> }): Promise<DeployResult> {
  const result = await client.workflow.execute(deploy, {
    taskQueue,
    workflowId: `flink2-deploy-${randomUUID()}`,
    args: [{ cluster: sb.cluster.name, ...input }],
  });
  console.log(`flink2 deploy: ${result.headline} — ${stepTimings(result.steps)}`);
  return result;
}

const monitor = () => client.workflow.getHandle(monitorWorkflowId(sb.cluster.name, sb.job.name));

async function waitForMonitor(test: (s: MonitorStatus) => boolean, what: string): Promise<MonitorStatus> {
  let last: MonitorStatus | undefined;
  return pollUntil(
    async () => {
      last = (await monitor().query(statusQuery)) as MonitorStatus;
      return test(last) ? last : undefined;
    },
    { timeoutMs: 300_000, intervalMs: 250, what },
  ).catch((e: unknown) => {
    throw new Error(`${(e as Error).message}; the monitor's last status: ${JSON.stringify(last)}`);
  });
}

async function liveJobs(): Promise<string[]> {
  const jobs = await sb.rest.call((c) => c.jobsOverview());
  return jobs
    .filter((j) => j.name === sb.job.name && !['FINISHED', 'CANCELED', 'FAILED'].includes(j.state))
    .map((j) => j.jid);
}

describe('the runbooks on Flink 2.3', () => {
  it('deploy from nothing on Flink 1.20: the same cluster and FLIP-27 job on flink-runbooks/flink:1.20.3', async () => {
    const { name: _name, ...spec } = structuredClone(sb.cluster) as NamedCluster;
    const on120 = {
      ...spec,
      flinkVersion: '1.20',
      images: { ...spec.images, flink: 'flink-runbooks/flink:1.20.3' },
    };
    const result = await deployRun({ spec: on120 });
    expect(result.outcome).toBe('deployed');
    jobId = result.jobId as string;
    expect(await waitForJobState(sb, jobId, ['RUNNING'])).toBe('RUNNING');
    expect((await sb.rest.call((c) => c.dashboardConfig()))['flink-version']).toBe('1.20.3');
    await expectSequenceWhole(sb);
  });

  it('moved to 2.3 by the deploy runbook: stopped with a savepoint on 1.20, every Flink container recreated on 2.3.0, the job restored from that savepoint, nothing lost or doubled', async () => {
    const result = await deployRun({});
    expect(result.outcome).toBe('deployed');
    expect(result.previousJobId).toBe(jobId);
    expect(result.savepoint).toMatch(/^file:\/opt\/flink\/savepoints\/savepoint-/);
    expect(result.restoredFrom).toBe(result.savepoint);
    jobId = result.jobId as string;
    expect(await waitForJobState(sb, jobId, ['RUNNING'])).toBe('RUNNING');
    expect((await sb.rest.call((c) => c.dashboardConfig()))['flink-version']).toBe('2.3.0');
    expect(await liveJobs()).toEqual([jobId]);
    // The move hands the job to a monitor, as every deploy does.
    expect(result.monitorWorkflowId).toBe(monitorWorkflowId(sb.cluster.name, sb.job.name));
    await waitForMonitor(
      (s) => s.verdict === 'healthy' && s.jobId === jobId,
      'the monitor seeing the job healthy',
    );
    await expectSequenceWhole(sb);
  });

  it('monitor: a stalled FLIP-27 source (checkpoints expire, RUNNING) is restarted from its latest checkpoint', async () => {
    setFault(sb, 'stall');
    const restarting = await waitForMonitor((s) => s.phase === 'restarting', 'the restart under way');
    // The replacement must not stall too: it reads the knob when it starts.
    setFault(sb, 'none');
    expect(restarting.verdict).toBe('zombie');
    const end = await waitForMonitor(
      (s) => s.restarts.length > 0 && s.phase === 'watching' && s.verdict === 'healthy',
      'healthy after the restart',
    );
    const restart = end.restarts.at(-1);
    console.log(`flink2 monitor restart: ${JSON.stringify(restart)}`);
    expect(restart?.outcome).toBe('restarted');
    expect(restart?.restoredFrom).toMatch(/chk-\d+$/);
    expect(end.jobId).not.toBe(jobId);
    jobId = end.jobId as string;
    expect(await liveJobs()).toEqual([jobId]);
    await expectSequenceWhole(sb);
  });

  it('takeSavepoint: a complete savepoint under the savepoint directory, the job untouched', async () => {
    const result = await client.workflow.execute(takeSavepoint, {
      taskQueue,
      workflowId: `flink2-savepoint-${randomUUID()}`,
      args: [{ cluster: sb.cluster.name }],
    });
    expect(result.location).toMatch(/^file:\/opt\/flink\/savepoints\/savepoint-/);
    expect(await liveJobs()).toEqual([jobId]);
  });

  it('upgrade v1 → v2 by stop-with-savepoint: one new job from the savepoint, v2 rows after v1 with nothing lost or doubled', async () => {
    const v2 = sb.job.jar.replace(/-1\.jar$/, '-2.jar');
    expect(v2).not.toBe(sb.job.jar);
    const result = await client.workflow.execute(upgrade, {
      taskQueue,
      workflowId: `flink2-upgrade-${randomUUID()}`,
      args: [{ cluster: sb.cluster.name, job: sb.job.name, jar: v2 }],
    });
    console.log(`flink2 upgrade: ${result.headline}`);
    expect(result.outcome).toBe('upgraded');
    expect(result.snapshot?.kind).toBe('savepoint');
    expect(result.runningJobId).not.toBe(jobId);
    jobId = result.runningJobId as string;
    expect(await liveJobs()).toEqual([jobId]);
    await expectSequenceWhole(sb);
    const rows = await pollUntil(
      async () => {
        const all = await readCommittedRows(sb.outputDir);
        return all.some((r) => r[3] === 'v2') ? all : undefined;
      },
      { timeoutMs: 60_000, what: 'v2 rows' },
    );
    const firstV2 = Math.min(...rows.filter((r) => r[3] === 'v2').map((r) => Number(r[0])));
    expect(rows.filter((r) => r[3] !== 'v2').every((r) => Number(r[0]) < firstV2)).toBe(true);
  });

  it('failover drill, stop-leader: the standby takes over, the old leader rejoins, the job keeps running, no row lost', async () => {
    const before = await readLeaders(sb.cluster.zookeeper);
    const r = await client.workflow.execute(failoverDrill, {
      taskQueue,
      workflowId: `flink2-drill-${randomUUID()}`,
      args: [{ cluster: sb.cluster.name, job: sb.job.name, kind: 'stop-leader' }],
    });
    console.log(`flink2 drill: ${r.outcome}, takeover ${r.metrics.takeoverMs} ms`);
    expect(r.outcome, r.markdown).toBe('passed');
    expect(r.newLeader?.url).not.toBe(before.restServer?.address);
    expect(r.metrics.takeoverMs).toBeLessThan(30_000);
    const status = (await monitor().query(statusQuery)) as MonitorStatus;
    expect(status.lease).toBeUndefined();
    expect(await liveJobs()).toEqual([jobId]);
    await expectSequenceWhole(sb);
  });
});
