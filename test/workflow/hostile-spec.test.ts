import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ActivityFailure, ApplicationFailure, type Client, WorkflowFailedError } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectHistoryFreeOf, expectNoSecrets, scheduledActivities } from '../helpers/history-scan';
import { unreachableCluster } from '../helpers/specs';
import { withWorker } from '../helpers/temporal';

/**
 * The trust boundary against a hostile client: every runbook started with an inline spec built to
 * carry the worker's secrets to an attacker (basic auth to a "JobManager", an SMTP login, a
 * PostgreSQL password) or to take the Docker host (a `/` mount, the Docker socket). A TCP listener
 * on 127.0.0.1 stands in for the attacker and is every host of the spec. The real worker with the
 * real activities refuses each one in the first activity, with a typed non-retryable error naming
 * the field: nothing else is scheduled, the attacker sees no connection, no secret is in history.
 */

const RUNBOOKS = [
  'clusterStatus',
  'deploy',
  'upgrade',
  'takeSavepoint',
  'failoverDrill',
  'monitorJob',
] as const;
type Runbook = (typeof RUNBOOKS)[number];

const ALLOWED_SECRET = `allowed-${randomBytes(12).toString('hex')}`;
const OWN_SECRET = `own-${randomBytes(12).toString('hex')}`;
const FILE_SECRET = `file-${randomBytes(12).toString('hex')}`;
const SECRETS = [ALLOWED_SECRET, OWN_SECRET, FILE_SECRET];

let attacker: { port: number; connections: number; close: () => Promise<void> };
let standby: { port: number; connections: number; close: () => Promise<void> };
let secretDir: string;
const savedEnv = { ...process.env };

async function listener() {
  const sockets = new Set<Socket>();
  const state = { port: 0, connections: 0, close: async (): Promise<void> => undefined };
  const server: Server = createServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as { port: number }).port;
  state.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return state;
}

/** The in-process worker's log, every line as the SDK hands it over (activity failures included). */
const workerLog: string[] = [];

beforeAll(async () => {
  // Installed before the test helpers' own quiet runtime, which then keeps this one.
  Runtime.install({
    logger: new DefaultLogger('INFO', (entry) =>
      workerLog.push(
        // Errors with their message and stack, which JSON would leave out.
        JSON.stringify({ message: entry.message, meta: entry.meta }, (_k, v) =>
          typeof v === 'bigint'
            ? v.toString()
            : v instanceof Error
              ? { ...v, name: v.name, message: v.message, stack: v.stack }
              : v,
        ),
      ),
    ),
  });
  [attacker, standby] = await Promise.all([listener(), listener()]);
  secretDir = mkdtempSync(join(tmpdir(), 'hostile-'));
  writeFileSync(join(secretDir, 'db-password'), FILE_SECRET);
  process.env.FLINK_RUNBOOKS_CLUSTERS = fileURLToPath(
    new URL('../../examples/clusters.yaml', import.meta.url),
  );
  process.env.HOSTILE_ALLOWED_PASSWORD = ALLOWED_SECRET;
  process.env.FLINK_RUNBOOKS_TEST_OWN_SECRET = OWN_SECRET;
});

afterAll(async () => {
  await Promise.all([attacker?.close(), standby?.close()]);
  rmSync(secretDir, { recursive: true, force: true });
  process.env = savedEnv;
});

/** unreachableCluster with every host the attacker. */
function attackerCluster(): Record<string, any> {
  return {
    ...structuredClone(unreachableCluster),
    jobManagers: [
      { role: 'primary', url: `http://127.0.0.1:${attacker.port}`, container: 'jm-a' },
      { role: 'standby', url: `http://127.0.0.1:${standby.port}`, container: 'jm-b' },
    ],
  };
}

const allowed = { fromEnv: 'HOSTILE_ALLOWED_PASSWORD' };

/** [what, change, failure type with inline specs allowed, the field the error names]. */
const HOSTILE: Array<[string, (spec: Record<string, any>) => void, string, string]> = [
  [
    'basic auth to a JobManager of its choice',
    (s) => {
      s.rest = { basicAuth: { username: 'ops', password: allowed } };
    },
    'UntrustedSpec',
    'spec.jobManagers[0].url: credentials refused',
  ],
  [
    "the worker's own secret as basic auth",
    (s) => {
      s.rest = { basicAuth: { username: 'ops', password: { fromEnv: 'FLINK_RUNBOOKS_TEST_OWN_SECRET' } } };
    },
    'UntrustedSpec',
    'spec.rest.basicAuth.password: secret refused',
  ],
  [
    'a file of the worker as basic auth',
    (s) => {
      s.rest = { basicAuth: { username: 'ops', password: { fromFile: join(secretDir, 'db-password') } } };
    },
    'UntrustedSpec',
    'spec.rest.basicAuth.password: secret refused',
  ],
  [
    'an SMTP login',
    (s) => {
      s.alerts = [
        {
          type: 'email',
          smtp: { host: '127.0.0.1', port: attacker.port, user: 'alerts', password: allowed },
          from: 'a@example.com',
          to: ['b@example.com'],
        },
      ];
    },
    'UntrustedSpec',
    'spec.alerts[0].smtp.host: credentials refused',
  ],
  [
    'a PostgreSQL password',
    (s) => {
      s.jobs[0].probe = {
        type: 'postgres',
        host: 'localhost',
        port: attacker.port,
        database: 'db',
        user: 'u',
        password: allowed,
        sql: 'select 1',
      };
    },
    'UntrustedSpec',
    'spec.jobs[0].probe.host: credentials refused',
  ],
  [
    'a / mount',
    (s) => {
      s.volumes = [{ host: '/', container: '/host' }];
    },
    'InvalidClusterSpec',
    'spec.volumes[0].host: "/" is refused: it is the host\'s root filesystem',
  ],
  [
    'the Docker socket',
    (s) => {
      s.volumes = [{ host: '/var/run/docker.sock', container: '/var/run/docker.sock' }];
    },
    'InvalidClusterSpec',
    'spec.volumes[0].host: "/var/run/docker.sock" is refused: it is the container engine\'s socket',
  ],
];

function inputFor(runbook: Runbook, cluster: string, spec: unknown): { workflowId: string; args: unknown[] } {
  const id = randomUUID().slice(0, 8);
  const base = { cluster, spec };
  switch (runbook) {
    case 'deploy':
      return { workflowId: `deploy:${cluster}:job:${id}`, args: [base] };
    case 'upgrade':
      return { workflowId: `upgrade-${id}`, args: [{ ...base, jar: '/tmp/job-2.jar' }] };
    case 'failoverDrill':
      return { workflowId: `drill:${cluster}:${id}`, args: [{ ...base, kind: 'stop-leader' }] };
    case 'monitorJob':
      return { workflowId: `monitor:${cluster}:job`, args: [base] };
    default:
      return { workflowId: `${runbook}-${id}`, args: [base] };
  }
}

/** Starts the runbook with the spec, and returns its failure and the activities it scheduled. */
async function refusal(client: Client, taskQueue: string, runbook: Runbook, spec: unknown) {
  const cluster = `hostile-${randomUUID().slice(0, 8)}`;
  const { workflowId, args } = inputFor(runbook, cluster, spec);
  const error = await client.workflow.execute(runbook, { taskQueue, workflowId, args }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `${runbook} accepted the spec`).toBeInstanceOf(WorkflowFailedError);
  const activityFailure = (error as WorkflowFailedError).cause;
  expect(activityFailure).toBeInstanceOf(ActivityFailure);
  const failure = (activityFailure as ActivityFailure).cause as ApplicationFailure;
  expect(failure).toBeInstanceOf(ApplicationFailure);
  return { failure, workflowId, scheduled: await scheduledActivities(client, workflowId) };
}

async function expectAllRefused(client: Client, taskQueue: string, runbook: Runbook, allowedInline: boolean) {
  const before = attacker.connections + standby.connections;
  const outcomes = await Promise.all(
    HOSTILE.map(async ([what, change, type, field]) => {
      const spec = attackerCluster();
      change(spec);
      return { what, type, field, ...(await refusal(client, taskQueue, runbook, spec)) };
    }),
  );
  for (const { what, type, field, failure, workflowId, scheduled } of outcomes) {
    expect(failure.type, what).toBe(allowedInline ? type : 'InlineSpecRefused');
    expect(failure.nonRetryable, what).toBe(true);
    expect(failure.message, what).toContain(allowedInline ? field : 'spec: inline cluster specs are refused');
    // Only the spec was resolved, once: nothing on any cluster was asked, started or changed.
    expect(scheduled, what).toHaveLength(1);
    expect(['resolveCluster', 'resolveClusterJob'], what).toContain(scheduled[0]);
    await expectHistoryFreeOf(client, workflowId, SECRETS);
  }
  expect(attacker.connections + standby.connections - before, 'connections that reached the attacker').toBe(
    0,
  );
}

describe('a hostile inline spec, on a worker with the default policy', () => {
  beforeAll(() => {
    delete process.env.FLINK_RUNBOOKS_ALLOW_INLINE_SPECS;
  });

  it.each(RUNBOOKS)('%s refuses every inline spec before anything leaves the worker', async (runbook) => {
    await withWorker(({ client, taskQueue }) => expectAllRefused(client, taskQueue, runbook, false));
  });
});

describe('a hostile inline spec, on a worker whose operator allows inline specs', () => {
  beforeAll(() => {
    process.env.FLINK_RUNBOOKS_ALLOW_INLINE_SPECS = 'true';
    process.env.FLINK_RUNBOOKS_INLINE_SECRET_ENV = 'HOSTILE_ALLOWED_*';
    process.env.FLINK_RUNBOOKS_INLINE_PATHS = '/tmp';
  });

  it.each(RUNBOOKS)('%s refuses each way out of the boundary, naming the field', async (runbook) => {
    await withWorker(({ client, taskQueue }) => expectAllRefused(client, taskQueue, runbook, true));
  });

  it('the listener does see a runbook that may reach it: a spec without credentials is asked', async () => {
    const before = attacker.connections;
    await withWorker(({ client, taskQueue }) =>
      client.workflow.execute('clusterStatus', {
        taskQueue,
        workflowId: `hostile-control-${randomUUID()}`,
        args: [{ cluster: 'control', spec: attackerCluster() }],
      }),
    );
    expect(attacker.connections).toBeGreaterThan(before);
  });
});

describe("the worker's log after every refusal", () => {
  it('holds none of the secrets', () => {
    expect(workerLog.some((line) => line.includes('refused'))).toBe(true);
    expectNoSecrets(workerLog.join('\n'), SECRETS, "the worker's log");
  });
});
