import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { sandboxDown } from '../../scripts/lib/sandbox';
import { checkHaSettings } from '../../src/activities/leader';
import type { NamedCluster } from '../../src/config/schema';
import { FlinkRestClient } from '../../src/flink/client';
import { FlinkClusterClient } from '../../src/flink/cluster-client';
import { FlinkRestError } from '../../src/flink/errors';
import type { MonitorStatus } from '../../src/policy/monitor-state';
import { useTemporalClient } from '../../src/temporal/client-holder';
import { pollUntil } from '../../src/util/poll';
import { clusterStatus, deploy, takeSavepoint } from '../../src/workflows';
import { monitorWorkflowId, statusQuery } from '../../src/workflows/monitor-api';
import { loadFixtureCluster } from '../helpers/fixture-cluster';
import { generateRestKeystore } from '../helpers/rest-tls';
import { runWorkerOn } from '../helpers/temporal';

/**
 * Flink REST behind TLS, for real: a small HA cluster (test/e2e/fixtures/secure-sandbox.yaml,
 * containers `secure-*`) whose JobManagers have `security.ssl.rest.enabled`, with a keystore made
 * by keytool. The deploy runbook creates it from nothing over https with `rest.tls.caFile`, the
 * monitor watches the job, a savepoint is taken, the cluster status is read; without the CA
 * every call fails as FlinkTlsFailed, saying what to set. Everything is removed at the end.
 */
const FIXTURE = fileURLToPath(new URL('./fixtures/secure-sandbox.yaml', import.meta.url));
const CLUSTER = 'secure-sandbox';
const JOB = 'sample-pipeline';
const taskQueue = `rest-tls-e2e-${randomUUID()}`;

let cluster: NamedCluster;
let sslDir: string;
let connection: Connection;
let client: Client;
const savedEnv = process.env.FLINK_RUNBOOKS_CLUSTERS;
const measured: Record<string, string> = {};
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

beforeAll(async () => {
  cluster = await loadFixtureCluster(FIXTURE, CLUSTER, 'secure-');
  const ssl = cluster.volumes.find((v) => v.container === '/opt/flink/ssl');
  if (!ssl) throw new Error('the secure sandbox mounts no /opt/flink/ssl');
  sslDir = ssl.host;
  // The worker's activities (in this process) read the same clusters file.
  process.env.FLINK_RUNBOOKS_CLUSTERS = FIXTURE;
  await sandboxDown(cluster); // from nothing: no container, no data, no keystore
  const t0 = Date.now();
  generateRestKeystore(sslDir, cluster.images.flink, 'secure-sandbox-only');
  measured.keystore = seconds(Date.now() - t0);
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection });
  useTemporalClient(client); // the deploy's hand-over and the savepoint's lease reach the monitor
});

afterAll(async () => {
  await client?.workflow
    .getHandle(monitorWorkflowId(CLUSTER, JOB))
    .terminate('rest-tls e2e done')
    .catch(() => undefined);
  const t0 = Date.now();
  if (cluster && process.env.SANDBOX_KEEP !== '1') {
    await sandboxDown(cluster);
    rmSync(dirname(sslDir), { recursive: true, force: true }); // .data/secure-sandbox, emptied above
  }
  measured.teardown = seconds(Date.now() - t0);
  await connection?.close();
  if (savedEnv === undefined) delete process.env.FLINK_RUNBOOKS_CLUSTERS;
  else process.env.FLINK_RUNBOOKS_CLUSTERS = savedEnv;
  console.log(`rest-tls e2e measurements: ${JSON.stringify(measured)}`);
});

/** A worker on the file's task queue, in this process, for the duration of `use`. */
const withWorker = <T>(use: () => Promise<T>): Promise<T> => runWorkerOn(taskQueue, use);

const urls = () => cluster.jobManagers.map((jm) => jm.url);

async function failure(call: Promise<unknown>): Promise<FlinkRestError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof FlinkRestError)) throw new Error(`expected a FlinkRestError, got ${String(error)}`);
  return error;
}

describe('Flink REST behind TLS (security.ssl.rest.enabled)', () => {
  it('deploy, monitor, savepoint and cluster status all work over https with rest.tls.caFile', async () => {
    await withWorker(async () => {
      let t0 = Date.now();
      const deployed = await client.workflow.execute(deploy, {
        taskQueue,
        workflowId: `deploy:${CLUSTER}:${JOB}`,
        args: [{ cluster: CLUSTER }],
      });
      measured.deploy = `${seconds(Date.now() - t0)} (${deployed.headline})`;
      expect(deployed.outcome).toBe('deployed');
      expect(deployed.steps.every((s) => s.status === 'done')).toBe(true);
      expect(deployed.steps.find((s) => s.step === 'verify')?.summary).toMatch(
        /ok: JobManagers answer: 2\/2 answer; ok: TaskManagers registered: 1\/1 registered; ok: HA settings identical: 2 JobManagers agree; ok: job RUNNING/,
      );

      // The monitor the deploy handed over to watches the job over https: its verdict comes from REST.
      t0 = Date.now();
      const monitor = client.workflow.getHandle(monitorWorkflowId(CLUSTER, JOB));
      const healthy = await pollUntil(
        async () => {
          const status = (await monitor.query(statusQuery).catch(() => undefined)) as
            | MonitorStatus
            | undefined;
          return status?.verdict === 'healthy' ? status : undefined;
        },
        { timeoutMs: 90_000, intervalMs: 500, what: 'the monitor seeing the job healthy' },
      );
      measured['monitor healthy'] = seconds(Date.now() - t0);
      expect(healthy.lastObservation?.checkpoints?.completed).toBeGreaterThan(0);

      t0 = Date.now();
      const savepoint = await client.workflow.execute(takeSavepoint, {
        taskQueue,
        workflowId: `rest-tls-savepoint-${randomUUID()}`,
        args: [{ cluster: CLUSTER }],
      });
      measured.savepoint = seconds(Date.now() - t0);
      expect(savepoint.jobId).toBe(deployed.jobId);
      expect(savepoint.location).toMatch(/^file:\/opt\/flink\/savepoints\/savepoint-/);

      const status = await client.workflow.execute(clusterStatus, {
        taskQueue,
        workflowId: `rest-tls-status-${randomUUID()}`,
        args: [{ cluster: CLUSTER }],
      });
      expect(status.jobManagers.map((jm) => `${jm.url} ${jm.state}`)).toEqual([
        'https://127.0.0.1:8881 up',
        'https://127.0.0.1:8882 up',
      ]);
      expect(status.answering).toBe(2);
      // Stop the monitor's watch here, so the worker does not wait for it at shutdown.
      await monitor.terminate('rest-tls e2e: checked');
    });
    const ha = await checkHaSettings({ jobManagers: cluster.jobManagers, access: cluster.rest });
    expect(ha.agree).toBe(true);
  });

  it('without the CA, or with another one, every call fails as FlinkTlsFailed saying what to set', async () => {
    const [primary] = urls() as [string];
    const noCa = await failure(new FlinkClusterClient(urls()).call((c) => c.overview()));
    expect(noCa.name).toBe('FlinkTlsFailed');
    expect(noCa.message).toBe(
      `${primary}/overview: TLS certificate not trusted (DEPTH_ZERO_SELF_SIGNED_CERT); set rest.tls.caFile to the CA that signed the JobManager's certificate`,
    );

    const otherCa = join(sslDir, 'other-ca.pem');
    const wrongCa = await failure(
      new FlinkRestClient(primary, 3_000, { tls: { caFile: otherCa, insecureSkipVerify: false } }).overview(),
    );
    expect(wrongCa.name).toBe('FlinkTlsFailed');
    expect(wrongCa.message).toBe(
      `${primary}/overview: TLS certificate not trusted (DEPTH_ZERO_SELF_SIGNED_CERT); it is not signed by the CA in ${otherCa}`,
    );

    const plainHttp = await failure(
      new FlinkRestClient(primary.replace('https:', 'http:'), 3_000).overview(),
    );
    expect(plainHttp.name).toBe('FlinkTlsFailed');
    expect(plainHttp.message).toMatch(
      /^301 from http:\/\/127\.0\.0\.1:8881\/overview: the JobManager serves REST over TLS only/,
    );

    // A runbook given the cluster without its rest section reports the same, per JobManager.
    const { name: _name, rest: _rest, ...withoutTls } = cluster;
    const status = await withWorker(() =>
      client.workflow.execute(clusterStatus, {
        taskQueue,
        workflowId: `rest-tls-status-no-ca-${randomUUID()}`,
        args: [{ cluster: CLUSTER, spec: withoutTls }],
      }),
    );
    expect(status.answering).toBe(0);
    expect(status.jobManagers.map((jm) => [jm.state, jm.error?.split(';')[0]])).toEqual([
      ['error', 'https://127.0.0.1:8881/overview: TLS certificate not trusted (DEPTH_ZERO_SELF_SIGNED_CERT)'],
      ['error', 'https://127.0.0.1:8882/overview: TLS certificate not trusted (DEPTH_ZERO_SELF_SIGNED_CERT)'],
    ]);
  });
});
