import { dirname, join } from 'node:path';
import { type ApplicationFailure, Client, Connection, type WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  type CdcSandbox,
  cdcSandbox,
  cdcUp,
  committedLines,
  resetCdc,
  waitForCatchUp,
} from '../../scripts/lib/cdc-sandbox';
import { startWorkload, type Workload } from '../../scripts/lib/cdc-workload';
import { SANDBOX_FILE } from '../../scripts/lib/sandbox';
import { describeCdcCheck, parseCdcLines } from '../../src/output/cdc-check';
import { useTemporalClient } from '../../src/temporal/client-holder';
import { deploy, failoverDrill, takeSavepoint, upgrade } from '../../src/workflows';
import { monitorWorkflowId } from '../../src/workflows/monitor-api';
import { everyNodeRunning } from '../helpers/cluster-nodes';
import { runWorkerOn } from '../helpers/temporal';

/**
 * Every runbook on the CDC job (Flink CDC's PostgreSQL source on the real PostgreSQL of the
 * sandbox), with the seeds' capture step committed twice a second throughout: deploy (with its
 * database precheck), takeSavepoint, upgrade v1 → v2, and the failover drill (stop the leader,
 * kill a TaskManager) with the PostgreSQL probe. After each, the CDC data check: every change
 * committed in PostgreSQL is in the committed CSV exactly once.
 */
let sb: CdcSandbox;
let workload: Workload;
let connection: Connection;
let client: Client;
const taskQueue = `cdc-runbooks-${Date.now()}`;
const measured: Record<string, unknown> = {};

const withWorker = <T>(use: () => Promise<T>) => runWorkerOn(taskQueue, use);

async function dataCheck(step: string) {
  const check = await waitForCatchUp(sb, 90_000);
  measured[step] = describeCdcCheck(check);
  expect(check.lost, describeCdcCheck(check)).toEqual([]);
  expect(check.duplicated, describeCdcCheck(check)).toEqual([]);
  expect(check.behind, describeCdcCheck(check)).toEqual([]);
  expect(check.missingKeys).toEqual([]);
  return check;
}

const liveJobs = async () =>
  (await sb.rest.call((c) => c.jobsOverview())).filter(
    (j) => !['FINISHED', 'CANCELED', 'FAILED'].includes(j.state),
  );

beforeAll(async () => {
  process.env.FLINK_RUNBOOKS_CLUSTERS ??= SANDBOX_FILE;
  sb = await cdcSandbox();
  await cdcUp(sb);
  await resetCdc(sb);
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection });
  useTemporalClient(client);
  workload = startWorkload({ rate: 2 });
});

afterAll(async () => {
  await client?.workflow
    .getHandle(monitorWorkflowId(sb.cluster.name, sb.job.name))
    .terminate('cdc runbooks e2e done')
    .catch(() => undefined);
  const stats = await workload?.stop();
  measured.workload = stats && { committed: stats.committed, failed: stats.failed };
  for (const job of sb ? await liveJobs().catch(() => []) : []) await sb.rest.call((c) => c.cancel(job.jid));
  await connection?.close();
  console.log(`cdc runbooks e2e: ${JSON.stringify(measured, null, 2)}`);
});

describe('the runbooks on the CDC job', () => {
  it('deploy refuses a source whose publication does not exist, before anything changes', async () => {
    const { name: _name, ...spec } = structuredClone(sb.cluster) as Record<string, any>;
    spec.jobs[0].source.publication = 'no_such_pub';
    const failure = await withWorker(() =>
      client.workflow.execute(deploy, {
        taskQueue,
        workflowId: `deploy-cdc-refused-${Date.now()}`,
        args: [{ cluster: sb.cluster.name, job: sb.job.name, spec }],
      }),
    ).then(
      () => undefined,
      (error: WorkflowFailedError) => error.cause as ApplicationFailure,
    );
    expect(failure?.type).toBe('DeployPrecheckFailed');
    expect(failure?.message).toMatch(
      /source: publication no_such_pub does not exist at 127\.0\.0\.1:5433\/finance/,
    );
    expect(await liveJobs()).toEqual([]);
  });

  it('deploy checks the database, submits the job, verifies it and hands it to the monitor', async () => {
    const result = await withWorker(() =>
      client.workflow.execute(deploy, {
        taskQueue,
        workflowId: `deploy:${sb.cluster.name}:${sb.job.name}`,
        args: [{ cluster: sb.cluster.name, job: sb.job.name }],
      }),
    );
    expect(result.outcome).toBe('deployed');
    const live = await liveJobs();
    expect(live).toHaveLength(1);
    measured.deploy = { outcome: result.outcome, jobId: live[0]?.jid };
    await dataCheck('after deploy');
  });

  it('takeSavepoint records a savepoint of the running CDC job and changes nothing', async () => {
    const before = await liveJobs();
    const result = await withWorker(() =>
      client.workflow.execute(takeSavepoint, {
        taskQueue,
        workflowId: `savepoint-cdc-${Date.now()}`,
        args: [{ cluster: sb.cluster.name, job: sb.job.name }],
      }),
    );
    expect(result.location).toMatch(/savepoint-/);
    expect((await liveJobs()).map((j) => j.jid)).toEqual(before.map((j) => j.jid));
    measured.savepoint = { location: result.location, tookMs: result.tookMs };
    await dataCheck('after takeSavepoint');
  });

  it('upgrade v1 → v2 from a savepoint: v2 rows follow v1 rows with no change lost or doubled', async () => {
    const v2 = join(dirname(sb.job.jar), 'cdc-pipeline-2.jar');
    const result = await withWorker(() =>
      client.workflow.execute(upgrade, {
        taskQueue,
        workflowId: `upgrade-cdc-${Date.now()}`,
        args: [{ cluster: sb.cluster.name, job: sb.job.name, jar: v2 }],
      }),
    );
    expect(result.outcome).toBe('upgraded');
    const check = await dataCheck('after upgrade');
    const rows = parseCdcLines(await committedLines(sb)).rows;
    expect(rows.some((r) => r.jobVersion === 2)).toBe(true);
    expect(check.rows).toBe(rows.length);
    measured.upgrade = { outcome: result.outcome, v2Rows: rows.filter((r) => r.jobVersion === 2).length };
  });

  it.each(['stop-leader', 'kill-taskmanager'] as const)(
    'failoverDrill %s passes with the PostgreSQL probe captured and the data check clean',
    async (kind) => {
      await everyNodeRunning(sb.cluster, `before the ${kind} drill`);
      const report = await withWorker(() =>
        client.workflow.execute(failoverDrill, {
          taskQueue,
          workflowId: `drill-cdc-${kind}-${Date.now()}`,
          args: [{ cluster: sb.cluster.name, job: sb.job.name, kind }],
        }),
      );
      measured[`drill ${kind}`] = { outcome: report.outcome, headline: report.headline };
      expect(report.outcome, report.headline).toBe('passed');
      expect(report.probes.configured).toBe(true);
      await dataCheck(`after drill ${kind}`);
    },
  );
});
