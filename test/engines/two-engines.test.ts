import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { nodeEngines, sandboxDown } from '../../scripts/lib/sandbox';
import { nodePlacements } from '../../src/config/docker-endpoint';
import { planContainers } from '../../src/docker/container-plan';
import { localEngine } from '../../src/docker/engine';
import type { DeployResult } from '../../src/policy/deploy-report';
import { useTemporalClient } from '../../src/temporal/client-holder';
import { createWorker } from '../../src/worker';
import { deploy, failoverDrill } from '../../src/workflows';
import { monitorWorkflowId } from '../../src/workflows/monitor-api';
import { readLeaders } from '../../src/zookeeper/leader';
import { expectSequenceWhole, type Sandbox, sandbox, waitForJobState } from '../helpers/sandbox';

/**
 * One cluster on two Docker engines (sandbox/clusters-two-engines.yaml): the primary JobManager and
 * one TaskManager on a second dockerd, the rest on the first. The deploy runbook creates every
 * node on the engine its `docker:` names, and the drill stops the leader where it runs, on the
 * second engine, and starts it there again. Each node is looked for on both engines: on its own
 * it must run, on the other it must not exist.
 */
let sb: Sandbox;
let connection: Connection;
let client: Client;
let native: NativeConnection;
let worker: Worker;
let running: Promise<void>;
const taskQueue = `engines-${randomUUID()}`;
let jobId: string;
let engineOf: ReturnType<typeof nodeEngines>;
let onEngineB: string[];

beforeAll(async () => {
  sb = await sandbox();
  engineOf = nodeEngines(sb.cluster);
  onEngineB = nodePlacements(sb.cluster)
    .filter((n) => n.docker !== undefined)
    .map((n) => n.container);
  expect(onEngineB).toEqual(['engines-jobmanager', 'engines-taskmanager-2']);
  // From nothing: no container on either engine, no data directory.
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
  await client?.workflow
    .getHandle(monitorWorkflowId(sb.cluster.name, sb.job.name))
    .terminate('two-engine e2e done')
    .catch(() => undefined);
  worker?.shutdown();
  await running?.catch(() => undefined);
  await native?.close();
  await connection?.close();
  if (process.env.SANDBOX_KEEP !== '1' && sb) await sandboxDown(sb.cluster);
});

/** Each node runs on its own engine and does not exist on the other one. */
async function expectEachNodeOnItsEngine(): Promise<Record<string, string>> {
  const startedAt: Record<string, string> = {};
  for (const { name } of planContainers(sb.cluster)) {
    const own = engineOf(name);
    const other = own === localEngine ? engineOf('engines-jobmanager') : localEngine;
    const here = await own.inspectContainer(name);
    expect(here.running, `${name} on its engine`).toBe(true);
    expect((await other.inspectContainer(name)).exists, `${name} on the other engine`).toBe(false);
    startedAt[name] = here.startedAt as string;
  }
  return startedAt;
}

describe('a cluster on two Docker engines', () => {
  it('deploy from nothing creates each node on the engine its docker: names', async () => {
    const result: DeployResult = await client.workflow.execute(deploy, {
      taskQueue,
      workflowId: `engines-deploy-${randomUUID()}`,
      args: [{ cluster: sb.cluster.name }],
    });
    expect(result.outcome, result.headline).toBe('deployed');
    jobId = result.jobId as string;
    expect(await waitForJobState(sb, jobId, ['RUNNING'])).toBe('RUNNING');
    await expectEachNodeOnItsEngine();
    // The primary starts first and leads: the leader runs on the second engine.
    expect((await readLeaders(sb.cluster.zookeeper)).restServer?.address).toBe(
      sb.cluster.jobManagers[0]?.url,
    );
    await expectSequenceWhole(sb);
  });

  it('failover drill, stop-leader: the leader is stopped and started again on the second engine, the standby on the first takes over', async () => {
    const before = await expectEachNodeOnItsEngine();
    const r = await client.workflow.execute(failoverDrill, {
      taskQueue,
      workflowId: `engines-drill-${randomUUID()}`,
      args: [{ cluster: sb.cluster.name, job: sb.job.name, kind: 'stop-leader' }],
    });
    console.log(`two-engine drill: ${r.outcome}, takeover ${r.metrics.takeoverMs} ms`);
    expect(r.outcome, r.markdown).toBe('passed');
    expect(r.plan.target.url).toBe(sb.cluster.jobManagers[0]?.url);
    expect(r.newLeader?.url).toBe(sb.cluster.jobManagers[1]?.url);
    expect(r.jobId).toBe(jobId);
    const after = await expectEachNodeOnItsEngine();
    // Stopped and started where it runs: a new start on the second engine, the others untouched.
    expect(Date.parse(after['engines-jobmanager'] as string)).toBeGreaterThan(
      Date.parse(before['engines-jobmanager'] as string),
    );
    for (const name of Object.keys(before).filter((n) => n !== 'engines-jobmanager'))
      expect(after[name], name).toBe(before[name]);
    await expectSequenceWhole(sb);
  });
});
