import { randomUUID } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { join } from 'node:path';
import {
  ActivityFailure,
  ApplicationFailure,
  Client,
  Connection,
  WorkflowFailedError,
} from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { listJobs } from '../../src/activities/flink';
import { planJob } from '../../src/activities/savepoints';
import { FlinkRestError } from '../../src/flink/errors';
import { hostPathFor } from '../../src/policy/retention';
import { clusterStatus, takeSavepoint } from '../../src/workflows';
import { expectNoSecrets, historyText as scanHistory } from '../helpers/history-scan';
import { listenOnLoopback } from '../helpers/listen';
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
 * Flink REST behind a reverse proxy that requires HTTP basic auth: a real Node HTTP proxy, written
 * here, in front of each JobManager of the sandbox. The runbooks run on a separate worker process
 * that alone has the password (in its environment); the cluster comes inline in the workflow
 * input with a reference to it. With the right password everything works through the proxy; with
 * a wrong one the runbook fails at once as FlinkUnauthorized. The password is in no workflow
 * history, no error message and no line the worker logged.
 */
const USER = 'flink-ops';
const PASSWORD = `e2e-${randomUUID()}`;
const WRONG = `wrong-${randomUUID()}`;
const token = (password: string) => Buffer.from(`${USER}:${password}`).toString('base64');
/** Set in the worker's environment only, never in this process's (but for the direct calls below). */
const RIGHT_ENV = 'E2E_FLINK_REST_PASSWORD';
const WRONG_ENV = 'E2E_FLINK_REST_WRONG_PASSWORD';

interface AuthProxy {
  url: string;
  forwarded: number;
  refused: number;
  close(): Promise<void>;
}

/** Forwards to `target` only requests carrying the right Authorization header; answers 401 otherwise. */
async function startAuthProxy(target: string): Promise<AuthProxy> {
  const upstream = new URL(target);
  const expected = `Basic ${token(PASSWORD)}`;
  const proxy: AuthProxy = { url: '', forwarded: 0, refused: 0, close: async () => undefined };
  const server: Server = createServer((req, res) => {
    if (req.headers.authorization !== expected) {
      proxy.refused++;
      res.writeHead(401, { 'www-authenticate': 'Basic realm="flink"', 'content-type': 'text/plain' });
      return void res.end('401 Unauthorized\n');
    }
    proxy.forwarded++;
    const { authorization: _credentials, ...headers } = req.headers;
    const out = request(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  Object.assign(proxy, await listenOnLoopback(server));
  return proxy;
}

let sb: Sandbox;
let proxies: AuthProxy[] = [];
let worker: WorkerProcess;
let connection: Connection;
let client: Client;
let taskQueue: string;

beforeAll(async () => {
  sb = await sandbox();
  proxies = await Promise.all(sb.cluster.jobManagers.map((jm) => startAuthProxy(jm.url)));
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection });
  taskQueue = `rest-basic-auth-e2e-${randomUUID()}`;
  worker = await spawnWorker({
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: taskQueue,
    // Its folders are those the inline specs below use.
    FLINK_RUNBOOKS_CLUSTERS: sb.file,
    [RIGHT_ENV]: PASSWORD,
    [WRONG_ENV]: WRONG,
    // The inline specs below send these passwords to the proxies: the worker's operator allows both.
    FLINK_RUNBOOKS_INLINE_SECRET_ENV: 'E2E_FLINK_REST_*',
    FLINK_RUNBOOKS_INLINE_CREDENTIAL_HOSTS: proxies.map((p) => new URL(p.url).host).join(','),
  });
  await resetSandbox(sb);
});

afterAll(async () => {
  await worker?.kill();
  await Promise.all(proxies.map((p) => p.close()));
  await connection?.close();
  if (sb) await resetSandbox(sb);
});

/** The sandbox's spec as an inline spec whose JobManager URLs are the proxies, with basic auth. */
function specBehindProxies(passwordEnv: string): Record<string, unknown> {
  const { name: _name, ...spec } = structuredClone(sb.cluster);
  return {
    ...spec,
    jobManagers: spec.jobManagers.map((jm, i) => ({ ...jm, url: proxies[i]?.url })),
    rest: { basicAuth: { username: USER, password: { fromEnv: passwordEnv } } },
  };
}
const CLUSTER = 'basic-auth-pipeline';

/** Every string and payload of a workflow's history, decoded (test/helpers/history-scan.ts). */
const historyText = (workflowId: string) => scanHistory(client, workflowId);

function expectNoPassword(text: string): void {
  expectNoSecrets(text, [PASSWORD, WRONG, token(PASSWORD), token(WRONG)], 'the history or the log');
}

describe('Flink REST behind a proxy that requires basic auth', () => {
  it('clusterStatus and takeSavepoint work through the proxy; only the reference is in history', async () => {
    expect(process.env[RIGHT_ENV]).toBeUndefined(); // the worker process alone has the password
    const jobId = await submitSample(sb);
    await waitForJobState(sb, jobId, ['RUNNING']);
    await waitForCheckpointAfter(sb, jobId, 0); // its tasks run: a savepoint can be taken

    const statusId = `rest-basic-auth-status-${randomUUID()}`;
    const status = await client.workflow.execute(clusterStatus, {
      taskQueue,
      workflowId: statusId,
      args: [{ cluster: CLUSTER, spec: specBehindProxies(RIGHT_ENV) }],
    });
    expect(status.jobManagers.map((jm) => [jm.url, jm.state])).toEqual(proxies.map((p) => [p.url, 'up']));

    const savepointId = `rest-basic-auth-savepoint-${randomUUID()}`;
    const savepoint = await client.workflow.execute(takeSavepoint, {
      taskQueue,
      workflowId: savepointId,
      args: [{ cluster: CLUSTER, spec: specBehindProxies(RIGHT_ENV), job: sb.job.name }],
    });
    expect(savepoint.jobId).toBe(jobId);
    expect(savepoint.location).toMatch(/^file:\/opt\/flink\/savepoints\/savepoint-/);
    const savepointDir = hostPathFor(savepoint.location, sb.cluster.volumes);
    expect(savepointDir && existsSync(join(savepointDir, '_metadata'))).toBe(true);
    if (savepointDir) rmSync(savepointDir, { recursive: true, force: true }); // leave the sandbox as found

    expect(proxies.reduce((n, p) => n + p.forwarded, 0)).toBeGreaterThanOrEqual(5);
    expect(proxies.reduce((n, p) => n + p.refused, 0)).toBe(0);
    for (const id of [statusId, savepointId]) {
      const text = await historyText(id);
      expect(text).toContain(`"fromEnv":"${RIGHT_ENV}"`); // the payloads were decoded: the reference is there
      expectNoPassword(text);
    }
  });

  it('a wrong password fails the runbook at once as FlinkUnauthorized, naming the URL, never the password', async () => {
    const refusedBefore = proxies.reduce((n, p) => n + p.refused, 0);
    const workflowId = `rest-basic-auth-wrong-${randomUUID()}`;
    const error = await client.workflow
      .execute(takeSavepoint, {
        taskQueue,
        workflowId,
        args: [{ cluster: CLUSTER, spec: specBehindProxies(WRONG_ENV), job: sb.job.name }],
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const activity = (error as WorkflowFailedError).cause;
    expect(activity).toBeInstanceOf(ActivityFailure);
    expect((activity as ActivityFailure).activityType).toBe('listJobs');
    const cause = (activity as ActivityFailure).cause as ApplicationFailure;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause.type).toBe('FlinkUnauthorized');
    expect(cause.message).toBe(
      `401 from ${proxies[0]?.url}/jobs/overview: the JobManager or a proxy in front of it refused the credentials of rest.basicAuth (user "${USER}", password from environment variable ${WRONG_ENV})`,
    );
    // Not retried (FlinkUnauthorized is in the retry policy's non-retryable types): one attempt, one refused request.
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const attempts = (history.events ?? [])
      .map((e) => e.activityTaskStartedEventAttributes?.attempt)
      .filter((a) => a !== undefined && a !== null);
    expect(attempts.every((a) => a === 1)).toBe(true);
    expect(proxies.reduce((n, p) => n + p.refused, 0) - refusedBefore).toBe(1);
    const text = await historyText(workflowId);
    expect(text).toContain(WRONG_ENV);
    expectNoPassword(text);

    const status = await client.workflow.execute(clusterStatus, {
      taskQueue,
      workflowId: `rest-basic-auth-status-wrong-${randomUUID()}`,
      args: [{ cluster: CLUSTER, spec: specBehindProxies(WRONG_ENV) }],
    });
    expect(status.answering).toBe(0);
    expect(status.jobManagers.map((jm) => [jm.state, jm.error])).toEqual(
      proxies.map((p) => [
        'error',
        `401 from ${p.url}/overview: the JobManager or a proxy in front of it refused the credentials of rest.basicAuth (user "${USER}", password from environment variable ${WRONG_ENV})`,
      ]),
    );
    expectNoPassword(worker.output());
  });

  it('the activities themselves: reads and a jar upload through the proxy; a wrong password is refused', async () => {
    const urls = proxies.map((p) => p.url);
    const access = (env: string) => ({ basicAuth: { username: USER, password: { fromEnv: env } } });
    process.env[RIGHT_ENV] = PASSWORD;
    process.env[WRONG_ENV] = WRONG;
    try {
      expect((await listJobs({ urls, access: access(RIGHT_ENV) })).length).toBeGreaterThan(0);
      const plan = await planJob({
        urls,
        access: access(RIGHT_ENV),
        jar: sb.job.jar,
        entryClass: sb.job.entryClass,
        parallelism: sb.job.parallelism,
        args: sb.job.args,
      });
      expect(plan).toMatchObject({ ok: true });

      const refused = await listJobs({ urls, access: access(WRONG_ENV) }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(refused).toBeInstanceOf(FlinkRestError);
      expect((refused as FlinkRestError).name).toBe('FlinkUnauthorized');
      expectNoPassword(`${(refused as Error).message}\n${(refused as Error).stack}`);

      const none = await listJobs({ urls }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((none as Error).message).toBe(
        `401 from ${urls[0]}/jobs/overview: the JobManager or a proxy in front of it asks for credentials and none were sent (set rest.basicAuth in the cluster spec)`,
      );
    } finally {
      delete process.env[RIGHT_ENV];
      delete process.env[WRONG_ENV];
    }
  });
});
