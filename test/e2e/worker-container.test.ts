import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SANDBOX_FILE } from '../../scripts/lib/sandbox';
import { hostPathFor } from '../../src/policy/retention';
import { pollUntil } from '../../src/util/poll';
import { clusterStatus, failoverDrill, monitorJob, takeSavepoint } from '../../src/workflows';
import { monitorWorkflowId, statusQuery } from '../../src/workflows/monitor-api';
import {
  resetSandbox,
  type Sandbox,
  sandbox,
  submitSample,
  waitForCheckpointAfter,
  waitForJobState,
} from '../helpers/sandbox';

/**
 * The worker as a deployment runs it: the image sandbox/images/build-worker.sh builds (compiled
 * code, production dependencies, plain node; built in the e2e set-up, test/setup/worker-image.ts),
 * started with `docker run` as README "Deploying the worker" says, polling a task queue no other
 * worker polls. The runbooks below can only have run in that container; their histories say so
 * too (the container's worker is pid 1).
 */
const exec = promisify(execFile);
const container = 'flink-runbooks-worker-e2e';
let sb: Sandbox;
let image: string;
let connection: Connection;
let client: Client;
let taskQueue: string;
let healthUrl: string;
let reportsDir: string;
const measured: Record<string, number> = {};

const docker = (...args: string[]) => exec('docker', args, { maxBuffer: 16 * 1024 * 1024 });

/** A port on 127.0.0.1 nothing listens on right now, for the container's /healthz. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The socket the test's Docker engine listens on, which the container is given. */
function dockerSocket(): string {
  const host = process.env.DOCKER_HOST;
  return host?.startsWith('unix://') ? host.slice('unix://'.length) : '/var/run/docker.sock';
}

beforeAll(async () => {
  process.env.FLINK_RUNBOOKS_CLUSTERS ??= SANDBOX_FILE;
  image = inject('workerImage');
  sb = await sandbox();
  await resetSandbox(sb);
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection });
  taskQueue = `worker-container-${randomUUID()}`;
  const clustersFile = sb.file;
  // The clusters file names its host paths relative to itself; the worker sees them at the same paths.
  const data = dirname(hostPathFor(sb.job.savepointDir, sb.cluster.volumes) as string);
  reportsDir = mkdtempSync(join(data, 'worker-container-reports-'));
  // The container's unprivileged user writes drill reports and the marker probe's file, as an
  // operator would grant it on these two folders.
  chmodSync(reportsDir, 0o777);
  mkdirSync(sb.controlDir, { recursive: true });
  chmodSync(sb.controlDir, 0o777);
  const socket = dockerSocket();
  healthUrl = `127.0.0.1:${await freePort()}`;
  await docker('rm', '-f', container).catch(() => undefined);
  const started = Date.now();
  await docker(
    'run',
    '--detach',
    '--name',
    container,
    '--network',
    'host',
    '--group-add',
    String(statSync(socket).gid),
    '--volume',
    `${socket}:/var/run/docker.sock`,
    '--volume',
    `${dirname(clustersFile)}:${dirname(clustersFile)}:ro`,
    '--volume',
    `${data}:${data}`,
    '--volume',
    `${reportsDir}:/var/lib/flink-runbooks/reports`,
    '--env',
    `TEMPORAL_ADDRESS=${inject('temporalAddress')}`,
    '--env',
    `TEMPORAL_TASK_QUEUE=${taskQueue}`,
    '--env',
    `FLINK_RUNBOOKS_CLUSTERS=${clustersFile}`,
    '--env',
    `FLINK_RUNBOOKS_METRICS=${healthUrl}`,
    '--env',
    'FLINK_RUNBOOKS_REPORT_ROOTS=/var/lib/flink-runbooks/reports',
    image,
  );
  // Ready: connected to Temporal and polling (the worker's /healthz).
  await pollUntil(
    async () => ((await fetch(`http://${healthUrl}/healthz`).catch(() => undefined))?.ok ? true : undefined),
    { timeoutMs: 120_000, intervalMs: 500, what: `the worker container's /healthz at ${healthUrl}` },
  ).catch(async (error) => {
    throw new Error(`${error}\n${(await docker('logs', container).catch((e) => e)).stderr ?? ''}`);
  });
  measured.readyMs = Date.now() - started;
}, 900_000);

afterAll(async () => {
  if (container) await docker('rm', '-f', container).catch(() => undefined);
  await connection?.close();
  if (reportsDir) rmSync(reportsDir, { recursive: true, force: true });
  if (sb) await resetSandbox(sb);
  console.log(`worker container measurements: ${JSON.stringify(measured)}`);
});

/** Every activity of the workflow ran in the container: its worker is pid 1 there. */
async function expectRanInContainer(workflowId: string): Promise<void> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const identities = new Set(
    (history.events ?? [])
      .map((e) => e.activityTaskStartedEventAttributes?.identity)
      .filter((i): i is string => typeof i === 'string'),
  );
  expect(identities.size, `${workflowId} ran no activity`).toBeGreaterThan(0);
  // Host networking shares the host's name; the process is the container's first.
  expect([...identities]).toEqual([`1@${hostname()}`]);
}

describe('the worker in its container image', () => {
  it('runs as an unprivileged user with plain node, no TypeScript loader, no dev dependency', async () => {
    const { stdout } = await docker(
      'exec',
      container,
      'sh',
      '-c',
      'id -u; cat /proc/1/cmdline | tr "\\0" " "',
    );
    const [uid, cmdline] = stdout.trim().split('\n');
    expect(uid).toBe('10001');
    expect(cmdline?.trim()).toBe('/usr/local/bin/node /opt/flink-runbooks/dist/worker.js');
    const modules = await docker('exec', container, 'ls', '/opt/flink-runbooks/node_modules');
    expect(modules.stdout).toContain('@temporalio');
    for (const dev of ['tsx', 'vitest', 'typescript', '@biomejs']) expect(modules.stdout).not.toContain(dev);
    const health = await fetch(`http://${healthUrl}/healthz`);
    expect(health.status).toBe(200);
  });

  it('runs clusterStatus, takeSavepoint, a monitor look and a stop-leader drill against the sandbox', async () => {
    const statusId = `container-status-${randomUUID()}`;
    const summary = await client.workflow.execute(clusterStatus, {
      taskQueue,
      workflowId: statusId,
      args: [{ cluster: sb.cluster.name }],
    });
    expect(summary.jobManagers.map((jm) => jm.state)).not.toContain('unreachable');
    await expectRanInContainer(statusId);

    const jobId = await submitSample(sb);
    await waitForJobState(sb, jobId, ['RUNNING']);
    await waitForCheckpointAfter(sb, jobId, await waitForCheckpointAfter(sb, jobId, 0));

    const savepointId = `container-savepoint-${randomUUID()}`;
    const savepoint = await client.workflow.execute(takeSavepoint, {
      taskQueue,
      workflowId: savepointId,
      args: [{ cluster: sb.cluster.name, job: sb.job.name }],
    });
    expect(savepoint.jobId).toBe(jobId);
    expect(existsSync(join(hostPathFor(savepoint.location, sb.cluster.volumes) as string, '_metadata'))).toBe(
      true,
    );
    await expectRanInContainer(savepointId);

    // The monitor reads the job's output folder through the mount, and heartbeats its looks.
    // From the clusters file (a look every 5 s): this worker's operator allows no inline spec.
    const monitorId = monitorWorkflowId(sb.cluster.name, sb.job.name);
    const monitor = await client.workflow.start(monitorJob, {
      taskQueue,
      workflowId: monitorId,
      args: [{ cluster: sb.cluster.name, jobId }],
    });
    try {
      const t0 = Date.now();
      let last: unknown;
      await pollUntil(
        async () => {
          last = await monitor.query(statusQuery);
          return (last as { verdict?: string }).verdict === 'healthy' ? true : undefined;
        },
        { timeoutMs: 120_000, what: 'the container-run monitor seeing the job healthy' },
      ).catch((error) => {
        throw new Error(`${error}; its last status: ${JSON.stringify(last)}`);
      });
      measured.monitorHealthyMs = Date.now() - t0;

      // The drill stops and starts the leader's container through the Docker socket it was given,
      // and writes its report as the container's user into the folder mounted for it.
      const drillId = `container-drill-${randomUUID()}`;
      const drill = await client.workflow.execute(failoverDrill, {
        taskQueue,
        workflowId: drillId,
        args: [
          {
            cluster: sb.cluster.name,
            job: sb.job.name,
            kind: 'stop-leader',
            reportDir: '/var/lib/flink-runbooks/reports',
          },
        ],
      });
      expect(drill.outcome, drill.markdown).toBe('passed');
      expect(drill.lease).toMatchObject({ monitor: 'running', released: true });
      measured.drillTakeoverMs = drill.metrics.takeoverMs ?? -1;
      const report = join(reportsDir, `${drill.files?.markdown.split('/').pop()}`);
      expect(readFileSync(report, 'utf8')).toBe(drill.markdown);
      await expectRanInContainer(drillId);
      expect((await monitor.query(statusQuery)).restarts).toEqual([]);
    } finally {
      await monitor.terminate('test done').catch(() => undefined);
    }
    await expectRanInContainer(monitorId);
  });

  it('stops on `docker stop` (SIGTERM) cleanly, within its grace time', async () => {
    const t0 = Date.now();
    await docker('stop', '--time', '30', container);
    measured.stopMs = Date.now() - t0;
    const { stdout } = await docker('inspect', '-f', '{{.State.ExitCode}}', container);
    expect(stdout.trim()).toBe('0');
    expect(measured.stopMs).toBeLessThan(30_000);
  });
});
