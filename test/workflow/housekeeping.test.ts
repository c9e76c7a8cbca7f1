import { randomUUID } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type ContainerShell, createHousekeepingActivities } from '../../src/activities/housekeeping';
import { bytesText } from '../../src/policy/housekeeping';
import { useTemporalClient } from '../../src/temporal/client-holder';
import { pollUntil } from '../../src/util/poll';
import { createWorker } from '../../src/worker';
import { dailyCheck, failoverDrill, housekeeping, monitorJob } from '../../src/workflows';
import type { HousekeepingResult } from '../../src/workflows/housekeeping-api';
import {
  acquireLeaseUpdate,
  monitorWorkflowId,
  releaseLeaseUpdate,
  statusQuery,
} from '../../src/workflows/monitor-api';
import { type AlertReceiver, startAlertReceiver } from '../helpers/alert-receiver';
import { scheduledActivities } from '../helpers/history-scan';
import { listenOnLoopback } from '../helpers/listen';

/**
 * The housekeeping and daily-check runbooks on a real Temporal server with the real activities,
 * against real folders in a temporary directory: the cluster's volumes (checkpoints, savepoints)
 * and the drill's report folder. Two things cannot exist here and are fakes, named as such: the
 * JobManagers' REST API (a loopback server answering with responses shaped like those recorded
 * from the sandbox, test/fixtures/flink-1.20) and Docker, for Flink's log files inside the
 * containers (a fake container shell).
 */
const DAY = 86_400_000;
const HOUR = 3_600_000;
const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/flink-1.20/${name}`, import.meta.url), 'utf8'));

const LIVE = 'a'.repeat(32); // running now
const PREVIOUS = 'b'.repeat(32); // cancelled 10 days ago, newest complete checkpoint of the job
const RESTORED = 'c'.repeat(32); // old, but the live job was restored from it
const ORPHAN = 'd'.repeat(32); // cancelled long ago, older checkpoint: goes
const YOUNG = 'e'.repeat(32); // failed yesterday before its first checkpoint: younger than the age, stays
const FAILED_EARLY = 'f'.repeat(32); // never completed a checkpoint, old: goes

let root: string;
let volumes: { checkpoints: string; savepoints: string; reports: string };
let closeRest: () => Promise<void>;
let restUrl: string;
let receiver: AlertReceiver;
let connection: Connection;
let client: Client;
let taskQueue: string;
let stopWorker: () => Promise<void>;

/** A fake of Docker's exec for Flink's log folder: in-memory files per container, `find` obeyed. */
function fakeContainerShell(files: Record<string, Array<{ path: string; bytes: number; ageDays: number }>>) {
  const calls: Array<{ container: string; cmd: string[] }> = [];
  const shell: ContainerShell = {
    isRunning: async (container) => container in files,
    run: async (container, cmd) => {
      calls.push({ container, cmd });
      const days = Number(cmd[cmd.indexOf('-mtime') + 1]?.replace('+', ''));
      const all = files[container] ?? [];
      // find's -mtime +N: more than N whole days old.
      const found = all.filter((f) => Math.floor(f.ageDays) > days);
      if (cmd.includes('-delete')) files[container] = all.filter((f) => !found.includes(f));
      return { exitCode: 0, stdout: found.map((f) => `${f.bytes}\t${f.path}\n`).join(''), stderr: '' };
    },
  };
  return { shell, calls, files };
}

let containerLogs: ReturnType<typeof fakeContainerShell>;

function backdate(path: string, ageMs: number) {
  const at = new Date(Date.now() - ageMs);
  utimesSync(path, at, at);
}

/** A job's checkpoint folder: `chk-N` with `_metadata` when complete, everything dated `ageMs` ago. */
function checkpointFolder(jobId: string, ageMs: number, chk?: number, bytes = 1_000) {
  const dir = join(volumes.checkpoints, jobId);
  mkdirSync(join(dir, 'shared'), { recursive: true });
  writeFileSync(join(dir, 'shared', 'state'), Buffer.alloc(bytes));
  if (chk !== undefined) {
    mkdirSync(join(dir, `chk-${chk}`));
    writeFileSync(join(dir, `chk-${chk}`, '_metadata'), 'meta');
    backdate(join(dir, `chk-${chk}`, '_metadata'), ageMs);
    backdate(join(dir, `chk-${chk}`), ageMs);
  }
  backdate(join(dir, 'shared', 'state'), ageMs);
  backdate(join(dir, 'shared'), ageMs);
  backdate(dir, ageMs);
}

function savepointFolder(name: string, ageMs: number, complete: boolean) {
  const dir = join(volumes.savepoints, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, complete ? '_metadata' : 'part-0'), Buffer.alloc(500));
  backdate(join(dir, complete ? '_metadata' : 'part-0'), ageMs);
  backdate(dir, ageMs);
}

const REPORT = { md: '# Failover drill stop-leader on wf-hk/pipeline: PASSED\n', svg: '<svg/>' };
function drillReport(stamp: string, cluster = 'wf-hk') {
  for (const ext of ['md', 'svg'] as const)
    writeFileSync(join(volumes.reports, `${cluster}-stop-leader-${stamp}.${ext}`), REPORT[ext]);
}

/** Every file and folder under the temporary root, with its size: what "nothing changed" compares. */
function tree(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const info = statSync(path);
      out.push(`${relative(root, path)}${info.isDirectory() ? '/' : ` ${info.size}`}`);
      if (info.isDirectory()) walk(path);
    }
  };
  walk(root);
  return out;
}

/** What the leftovers below that may go weigh: 2 checkpoint folders, 2 log files, 1 savepoint, 2 drills. */
const SEEDED_FREE = 4_004 + 2_000 + 5_000 + 7_000 + 500 + 2 * (REPORT.md.length + REPORT.svg.length);

/** The leftovers of a year of running one job. */
function seedLeftovers() {
  rmSync(volumes.checkpoints, { recursive: true, force: true });
  rmSync(volumes.savepoints, { recursive: true, force: true });
  rmSync(volumes.reports, { recursive: true, force: true });
  for (const dir of Object.values(volumes)) mkdirSync(dir, { recursive: true });
  checkpointFolder(LIVE, 60_000); // no complete checkpoint yet
  checkpointFolder(PREVIOUS, 10 * DAY, 40);
  checkpointFolder(RESTORED, 40 * DAY, 7);
  checkpointFolder(ORPHAN, 30 * DAY, 12, 4_000);
  checkpointFolder(YOUNG, 1 * DAY);
  checkpointFolder(FAILED_EARLY, 20 * DAY, undefined, 2_000);
  mkdirSync(join(volumes.checkpoints, 'not-a-job'));
  savepointFolder('savepoint-aaaaaa-000000000001', 90 * DAY, true);
  savepointFolder('savepoint-aaaaaa-000000000002', 2 * HOUR, false);
  savepointFolder('savepoint-aaaaaa-000000000003', 10 * 60_000, false);
  for (const stamp of ['20260101T030000Z', '20260201T030000Z', '20260301T030000Z']) drillReport(stamp);
  writeFileSync(join(volumes.reports, 'notes.md'), 'kept');
  containerLogs.files['wf-jm-1'] = [
    { path: '/opt/flink/log/flink--standalonesession-0.log', bytes: 900, ageDays: 0 },
    { path: '/opt/flink/log/flink--standalonesession-0.log.1', bytes: 5_000, ageDays: 9 },
  ];
  containerLogs.files['wf-tm-1'] = [
    { path: '/opt/flink/log/flink--taskexecutor-0.log.3', bytes: 7_000, ageDays: 30 },
  ];
  delete containerLogs.files['wf-jm-2']; // stopped
}

/** A fake of the JobManagers' REST API: the jobs above, shaped like the sandbox's answers. */
async function startFakeFlinkRest() {
  const jobs = [
    { jid: LIVE, state: 'RUNNING' },
    { jid: PREVIOUS, state: 'CANCELED' },
    { jid: ORPHAN, state: 'CANCELED' },
    { jid: YOUNG, state: 'FAILED' },
  ];
  const template = fixture('jobs-overview.json').jobs[0];
  const checkpoints = fixture('checkpoints.json');
  checkpoints.latest.restored.external_path = `file:/opt/flink/checkpoints/${RESTORED}/chk-7`;
  const server = createServer((req, res) => {
    const send = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const url = req.url ?? '';
    if (url === '/jobs/overview')
      return send(200, { jobs: jobs.map((j) => ({ ...template, ...j, name: 'pipeline' })) });
    if (url === `/jobs/${LIVE}/checkpoints`) return send(200, checkpoints);
    if (url === '/overview') return send(200, fixture('overview.json'));
    if (url === '/config') return send(200, { 'flink-version': '1.20.3' });
    return send(404, { errors: ['Not found'] });
  });
  return listenOnLoopback(server);
}

/** Container names of a cluster: `wf-…` for wf-hk (the fake container shell's), others their own. */
const prefix = (cluster: string) => cluster.replace('wf-hk', 'wf');

function clusterSpec(name: string, change: Record<string, unknown> = {}) {
  return {
    zookeeper: { quorum: '127.0.0.1:1', clusterId: `/${name}` },
    ha: { storageDir: 'file:///opt/flink/ha' },
    jobManagers: [
      { role: 'primary', url: restUrl, container: `${prefix(name)}-jm-1` },
      { role: 'standby', url: 'http://127.0.0.1:9', container: `${prefix(name)}-jm-2` },
    ],
    taskManagers: { containers: [{ container: `${prefix(name)}-tm-1` }] },
    volumes: [
      { host: volumes.checkpoints, container: '/opt/flink/checkpoints' },
      { host: volumes.savepoints, container: '/opt/flink/savepoints' },
    ],
    jobs: [
      {
        name: 'pipeline',
        jar: join(root, 'job.jar'),
        entryClass: 'a.B',
        savepointDir: 'file:///opt/flink/savepoints',
        checkpointDir: 'file:///opt/flink/checkpoints',
      },
    ],
    alerts: [{ type: 'webhook', url: { fromEnv: 'HOUSEKEEPING_TEST_HOOK' }, minSeverity: 'info' }],
    ...change,
  };
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'housekeeping-wf-'));
  volumes = {
    checkpoints: join(root, 'checkpoints'),
    savepoints: join(root, 'savepoints'),
    reports: join(root, 'reports'),
  };
  containerLogs = fakeContainerShell({});
  const rest = await startFakeFlinkRest();
  restUrl = rest.url;
  closeRest = rest.close;
  receiver = await startAlertReceiver();
  process.env.HOUSEKEEPING_TEST_HOOK = receiver.url;
  // Docker is not reachable from these tests: the daily check must say so, not hang on it.
  process.env.DOCKER_HOST = `unix://${join(root, 'no-docker.sock')}`;
  const clusters = {
    clusters: {
      'wf-hk': clusterSpec('wf-hk'),
      // Its checkpoints are not on any volume: housekeeping must refuse it.
      'wf-hk-unmounted': clusterSpec('wf-hk-unmounted', {
        jobs: [{ ...clusterSpec('x').jobs[0], checkpointDir: 'file:///opt/flink/elsewhere' }],
      }),
      // No JobManager answers.
      'wf-hk-down': clusterSpec('wf-hk-down', {
        jobManagers: [
          { role: 'primary', url: 'http://127.0.0.1:9', container: 'wf-down-jm-1' },
          { role: 'standby', url: 'http://127.0.0.1:7', container: 'wf-down-jm-2' },
        ],
      }),
      // A disk past any threshold: real statfs of the folders above.
      'wf-hk-full': clusterSpec('wf-hk-full', {
        disk: { warnAtPercent: 0.0001, criticalAtPercent: 0.0002, dockerDataRoot: false },
      }),
    },
  };
  writeFileSync(join(root, 'clusters.yaml'), JSON.stringify(clusters, null, 2));
  process.env.FLINK_RUNBOOKS_CLUSTERS = join(root, 'clusters.yaml');

  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection });
  useTemporalClient(client);
  taskQueue = `housekeeping-${randomUUID()}`;
  const native = await NativeConnection.connect({ address: inject('temporalAddress') });
  const worker = await createWorker({
    connection: native,
    taskQueue,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    activityOverrides: createHousekeepingActivities({ shell: containerLogs.shell }),
  });
  const running = worker.run();
  stopWorker = async () => {
    worker.shutdown();
    await running;
    await native.close();
  };
});

afterAll(async () => {
  await stopWorker?.();
  await connection?.close();
  await closeRest?.();
  receiver?.server.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

const run = (input: Record<string, unknown>) =>
  client.workflow.execute(housekeeping, {
    taskQueue,
    workflowId: `housekeeping-${randomUUID()}`,
    args: [{ cluster: 'wf-hk', reportDir: volumes.reports, keepDrillReports: 1, ...input }],
  });

const names = (result: HousekeepingResult, step: string, what: 'removed' | 'kept') =>
  (result.steps.find((s) => s.step === step)?.[what] ?? []).map((d) => d.what.split('/').at(-1));

async function refusal(input: Record<string, unknown>) {
  const error = await run(input).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  return (error as WorkflowFailedError).cause as { type?: string; message: string };
}

describe('housekeeping with the real activities on real folders', () => {
  it('a dry run lists what would go, and changes nothing', async () => {
    seedLeftovers();
    const before = tree();
    const logsBefore = JSON.stringify(containerLogs.files);
    const result = await run({ dryRun: true });
    expect(tree()).toEqual(before);
    expect(JSON.stringify(containerLogs.files)).toBe(logsBefore);
    expect(containerLogs.calls.at(-1)?.cmd).not.toContain('-delete');
    expect(result.headline).toBe(
      `wf-hk: dry run, would remove 9 items (${bytesText(SEEDED_FREE)}); nothing changed; 1 problem, see the steps`,
    );
    expect(names(result, 'checkpoints', 'removed')).toEqual([ORPHAN, FAILED_EARLY]);
    expect(names(result, 'incomplete-savepoints', 'removed')).toEqual(['savepoint-aaaaaa-000000000002']);
    expect(result.steps.map((s) => [s.step, s.removed.length])).toEqual([
      ['checkpoints', 2],
      ['flink-logs', 2],
      ['incomplete-savepoints', 1],
      ['drill-reports', 4],
    ]);
  });

  it('removes the orphaned checkpoint folders, old logs, failed savepoints and old drill reports, and nothing a restore needs', async () => {
    seedLeftovers();
    receiver.bodies.length = 0;
    const result = await run({});

    expect(readdirSync(volumes.checkpoints).sort()).toEqual(
      [LIVE, PREVIOUS, RESTORED, YOUNG, 'not-a-job'].sort(),
    );
    const checkpoints = result.steps.find((s) => s.step === 'checkpoints');
    expect(checkpoints?.removed.map((d) => [d.what.split('/').at(-1), d.bytes])).toEqual([
      [ORPHAN, 4_004],
      [FAILED_EARLY, 2_000],
    ]);
    expect(checkpoints?.removed[0]?.reason).toBe(
      `job ${ORPHAN} is CANCELED, untouched for 30 d; pipeline restores from chk-40 of ${PREVIOUS}`,
    );
    expect(
      Object.fromEntries(checkpoints?.kept.map((d) => [d.what.split('/').at(-1), d.reason]) ?? []),
    ).toEqual({
      [LIVE]: `job ${LIVE} is RUNNING`,
      [PREVIOUS]:
        'the newest complete checkpoint of pipeline (chk-40): what a restart or upgrade would restore from',
      [RESTORED]: 'a live job was restored from a checkpoint in it',
      [YOUNG]: 'younger than 7 d (1 d)',
    });

    expect(containerLogs.files['wf-jm-1']?.map((f) => f.path)).toEqual([
      '/opt/flink/log/flink--standalonesession-0.log',
    ]);
    expect(containerLogs.files['wf-tm-1']).toEqual([]);
    const logs = result.steps.find((s) => s.step === 'flink-logs');
    expect(logs?.removed.map((d) => d.what)).toEqual([
      'wf-jm-1:/opt/flink/log/flink--standalonesession-0.log.1',
      'wf-tm-1:/opt/flink/log/flink--taskexecutor-0.log.3',
    ]);
    expect(logs?.freedBytes).toBe(12_000);
    expect(logs?.problems).toEqual(['wf-jm-2 is not running: its logs were not looked at']);

    expect(readdirSync(volumes.savepoints).sort()).toEqual([
      'savepoint-aaaaaa-000000000001',
      'savepoint-aaaaaa-000000000003',
    ]);
    expect(readdirSync(volumes.reports).sort()).toEqual([
      'notes.md',
      'wf-hk-stop-leader-20260301T030000Z.md',
      'wf-hk-stop-leader-20260301T030000Z.svg',
    ]);
    expect(result.freedBytes).toBe(result.steps.reduce((n, s) => n + s.freedBytes, 0));
    expect(result.freedBytes).toBe(SEEDED_FREE);
    expect(result.headline).toBe(
      `wf-hk: removed 9 items, ${bytesText(SEEDED_FREE)} given back; 1 problem, see the steps`,
    );
    await pollUntil(
      async () =>
        receiver.bodies.some((b) => JSON.stringify(b).includes('wf-hk: housekeeping needs a look')) ||
        undefined,
      {
        timeoutMs: 10_000,
        what: 'the warning about the stopped container',
      },
    );

    // Run again: nothing left to remove, the kept state still there.
    const again = await run({ steps: ['checkpoints', 'incomplete-savepoints', 'drill-reports'] });
    expect(again.steps.map((s) => s.removed.length)).toEqual([0, 0, 0]);
    expect(readdirSync(volumes.checkpoints)).toContain(PREVIOUS);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['a checkpoint retention of 0', { checkpointMaxAge: 0 }, /checkpointMaxAge must be a positive duration/],
    [
      'logs kept 0 days',
      { logMaxAgeDays: 0 },
      /logMaxAgeDays must be a whole number of days of at least 1, got 0/,
    ],
    [
      'no drill report kept',
      { keepDrillReports: 0 },
      /keepDrillReports must be a whole number of at least 1, got 0/,
    ],
    [
      'checkpoints outside the volumes',
      { cluster: 'wf-hk-unmounted' },
      /checkpointDir file:\/\/\/opt\/flink\/elsewhere is outside the cluster's volumes/,
    ],
  ])('refuses %s before anything is removed', async (_name, input, message) => {
    seedLeftovers();
    const before = tree();
    const failure = await refusal(input);
    expect(failure.type).toBe('HousekeepingRefused');
    expect(failure.message).toMatch(/^housekeeping refused, nothing was removed: /);
    expect(failure.message).toMatch(message);
    expect(tree()).toEqual(before);
  });

  it.each([
    ['housekeeping', '/etc/cron.d'],
    // Climbing out of reports/ to /etc wherever the checkout lies (the temp folder is allowed here).
    ['housekeeping', `reports/${'../'.repeat(30)}etc`],
    ['dailyCheck', '/etc/cron.d'],
    ['failoverDrill', '/etc/cron.d'],
  ] as const)(
    '%s given reportDir %s, outside the folders the worker allows, is refused in its first step',
    async (runbook, reportDir) => {
      seedLeftovers();
      const before = tree();
      const workflowId = `${runbook}-${randomUUID()}`;
      const args = [
        { cluster: 'wf-hk', reportDir, ...(runbook === 'failoverDrill' ? { kind: 'stop-leader' } : {}) },
      ];
      const workflow = { housekeeping, dailyCheck, failoverDrill }[runbook];
      const error = await client.workflow.execute(workflow, { taskQueue, workflowId, args } as never).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(WorkflowFailedError);
      const failure = (error as WorkflowFailedError).cause?.cause as { type?: string; message: string };
      expect(failure.type).toBe('ReportDirRefused');
      expect(failure.message).toMatch(/is outside the report folders this worker allows/);
      expect(await scheduledActivities(client, workflowId)).toEqual([
        runbook === 'failoverDrill' ? 'resolveClusterJob' : 'resolveCluster',
      ]);
      expect(tree()).toEqual(before);
    },
  );

  it('removes no checkpoint folder when the JobManagers cannot be asked', async () => {
    seedLeftovers();
    const result = await run({
      cluster: 'wf-hk-down',
      steps: ['checkpoints', 'drill-reports'],
      reportDir: volumes.reports,
    });
    const checkpoints = result.steps[0];
    expect(checkpoints?.removed).toEqual([]);
    expect(checkpoints?.problems).toEqual([
      'the JobManagers did not answer: no checkpoint folder can be called orphaned, none removed',
    ]);
    expect(readdirSync(volumes.checkpoints)).toContain(ORPHAN);
  });

  it('waits for no one: refused while an upgrade holds the job, runs once it is released', async () => {
    seedLeftovers();
    const monitorId = monitorWorkflowId('wf-hk', 'pipeline');
    const monitor = await client.workflow.start(monitorJob, {
      taskQueue,
      workflowId: monitorId,
      args: [{ cluster: 'wf-hk', jobId: LIVE }],
    });
    try {
      await pollUntil(() => monitor.query(statusQuery), { timeoutMs: 20_000, what: 'the monitor running' });
      await monitor.executeUpdate(acquireLeaseUpdate, {
        args: [{ holder: 'upgrade:wf-hk:pipeline', purpose: 'upgrade', ttlMs: 600_000 }],
      });
      const before = tree();
      const failure = await refusal({});
      expect(failure.type).toBe('HousekeepingRefused');
      expect(failure.message).toMatch(/held by upgrade:wf-hk:pipeline for upgrade/);
      expect(tree()).toEqual(before);

      await monitor.executeUpdate(releaseLeaseUpdate, { args: [{ holder: 'upgrade:wf-hk:pipeline' }] });
      const result = await run({ dryRun: true });
      expect(result.steps[0]?.removed).toHaveLength(2);
      // Housekeeping took the lease and gave it back.
      expect((await monitor.query(statusQuery)).lease).toBeUndefined();
    } finally {
      await monitor.terminate('test done');
    }
  });
});

describe('dailyCheck', () => {
  it('one Markdown report of the 日常维护 list, summed up on the alert channels', async () => {
    seedLeftovers();
    drillReport('20260301T030000Z', 'wf-hk-full');
    const report = await client.workflow.execute(dailyCheck, {
      taskQueue,
      workflowId: `daily-check-${randomUUID()}`,
      args: [{ cluster: 'wf-hk-full', reportDir: volumes.reports }],
    });
    const level = Object.fromEntries(report.items.map((i) => [i.key, i.level]));
    expect(level).toEqual({
      containers: 'unknown', // Docker is not reachable here, and the report says so
      overview: 'warning', // the standby URL does not answer
      jobs: 'ok',
      disk: 'critical', // real statfs, thresholds of 0.0001 %
      monitor: 'warning', // no monitor runs
      savepoint: 'warning', // 90 days old
      drill: 'ok',
    });
    expect(report.items.find((i) => i.key === 'disk')?.detail).toMatch(
      /^checkpoints, savepoints \(.*\): \d+ % of its space used \(critical at 0.0002 %\)/,
    );
    expect(report.items.find((i) => i.key === 'drill')?.detail).toMatch(
      /^Failover drill stop-leader on wf-hk\/pipeline: PASSED, /,
    );
    expect(report.level).toBe('critical');
    expect(report.markdown).toMatch(/^# Daily check of wf-hk-full: CRITICAL\n/);
    expect(report.markdown).toContain(`| ${volumes.checkpoints} | checkpoints |`);
    await pollUntil(
      async () =>
        receiver.bodies.some((b) => JSON.stringify(b).includes('wf-hk-full: daily check CRITICAL')) ||
        undefined,
      {
        timeoutMs: 10_000,
        what: 'the summary alert',
      },
    );
  });
});
