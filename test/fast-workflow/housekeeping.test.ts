import { WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NamedCluster } from '../../src/config/schema';
import { housekeeping } from '../../src/workflows';
import type { HousekeepingInput } from '../../src/workflows/housekeeping-api';
import { type Fakes, typedError } from '../helpers/fake-activities';
import { type FakeRun, withFakeWorker } from '../helpers/fake-worker';
import { fastCluster } from '../helpers/fast-cluster';
import { AlertInbox } from '../helpers/monitor-fakes';
import { startTimeSkippingServer } from '../helpers/time-skipping';

/**
 * Housekeeping's branches with its activities faked: a cleanup under every job's lease, a dry
 * run, the refusals (a dangerous setting, a lease held by another runbook), the JobManagers not
 * answering, a step that fails, and the steps chosen or skipped.
 */
let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startTimeSkippingServer();
});
afterAll(async () => {
  await env?.teardown();
});

const DAY = 86_400_000;
const VOLUMES = [{ host: '/srv/flink', container: '/data' }];
/** The running job and a cancelled one of the same name whose folder nobody needs. */
const LIVE = 'aaaaaaaaaaaaaaaaaaaaaaaa00000001';
const GONE = 'aaaaaaaaaaaaaaaaaaaaaaaa00000000';

function cluster(overrides: Record<string, unknown> = {}): NamedCluster {
  return fastCluster({ volumes: VOLUMES, ...overrides });
}

/** A second job with folders of its own, for the leases. */
function twoJobs(): NamedCluster {
  const one = cluster();
  const first = one.jobs[0] as NamedCluster['jobs'][number];
  return {
    ...one,
    jobs: [
      first,
      {
        ...first,
        name: 'audit',
        checkpointDir: 'file:///data/checkpoints-audit',
        savepointDir: 'file:///data/savepoints-audit',
      },
    ],
  };
}

/** A cluster with one orphaned checkpoint folder, one old log, one stale savepoint and two drills. */
function fakes(c: NamedCluster, inbox: AlertInbox, overrides: Fakes = {}): Fakes {
  const now = () => env.currentTimeMs();
  return {
    resolveCluster: (ref) => ({ ...c, name: ref.cluster }),
    acquireMaintenanceLease: () => ({ granted: true, monitor: 'running' }),
    releaseMaintenanceLease: () => ({ released: true }),
    knownJobs: () => [
      { jobId: LIVE, name: 'pipeline', state: 'RUNNING' },
      { jobId: GONE, name: 'pipeline', state: 'CANCELED' },
    ],
    listCheckpointFolders: async ({ checkpointDir }) => {
      const at = await now();
      const hostDir = checkpointDir.replace('file:///data', '/srv/flink');
      return {
        hostDir,
        folders: [
          {
            jobId: GONE,
            hostPath: `${hostDir}/${GONE}`,
            sizeBytes: 4_000,
            modifiedAt: at - 10 * DAY,
            newestComplete: { id: 3, completedAt: at - 10 * DAY },
          },
          {
            jobId: LIVE,
            hostPath: `${hostDir}/${LIVE}`,
            sizeBytes: 9_000,
            modifiedAt: at,
            newestComplete: { id: 40, completedAt: at },
          },
        ],
      };
    },
    removeCheckpointFolders: ({ paths }) => ({
      removed: paths.map((path) => ({ path, bytes: 4_000 })),
      missing: [],
    }),
    cleanFlinkLogs: ({ containers }) =>
      containers.map((container) => ({
        container,
        files: container === 'jm-a' ? [{ path: '/opt/flink/log/flink.log.1', bytes: 500 }] : [],
      })),
    listSavepoints: async ({ savepointDir }) => {
      const at = await now();
      const hostDir = savepointDir.replace('file:///data', '/srv/flink');
      const entry = (name: string, complete: boolean, createdAt: number) => ({
        uri: `${savepointDir}/${name}`,
        name,
        hostPath: `${hostDir}/${name}`,
        complete,
        createdAt,
        sizeBytes: 200,
      });
      return {
        hostDir,
        savepoints: [
          entry('savepoint-aaaaaa-1', false, at - 2 * DAY),
          entry('savepoint-aaaaaa-2', true, at - DAY),
        ],
      };
    },
    deleteSavepoints: ({ uris }) => ({ deleted: uris, missing: [] }),
    listDrillReports: ({ cluster: name }) => ({
      dir: 'reports',
      files: ['20260101T000000Z', '20260201T000000Z'].flatMap((stamp) =>
        ['md', 'svg'].map((ext) => ({
          name: `${name}-stop-leader-${stamp}.${ext}`,
          bytes: 10,
          modifiedAt: 0,
        })),
      ),
    }),
    removeDrillReports: ({ names }) => ({
      removed: names.map((n) => ({ path: `reports/${n}`, bytes: 10 })),
      missing: [],
    }),
    sendAlert: inbox.sendAlert,
    ...overrides,
  };
}

let runs = 0;
async function execute(run: FakeRun, input: Partial<HousekeepingInput> = {}) {
  return run.client.workflow.execute(housekeeping, {
    taskQueue: run.taskQueue,
    workflowId: `housekeeping:fast:${++runs}`,
    args: [{ cluster: 'fast', keepDrillReports: 1, ...input }],
  });
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  return (error as WorkflowFailedError).cause as ApplicationFailure;
}

const REMOVALS = [
  'removeCheckpointFolders',
  'cleanFlinkLogs',
  'deleteSavepoints',
  'removeDrillReports',
] as const;

describe('housekeeping with faked activities on the time-skipping server', () => {
  it('removes what nobody needs under the lease, keeps the rest and says what it gave back', async () => {
    const inbox = new AlertInbox();
    await withFakeWorker(env, fakes(cluster(), inbox), async (run) => {
      const result = await execute(run);
      const step = (name: string) => result.steps.find((s) => s.step === name);
      expect(result.steps.map((s) => s.step)).toEqual([
        'checkpoints',
        'flink-logs',
        'incomplete-savepoints',
        'drill-reports',
      ]);
      // The cancelled job's folder goes; the running job's (its newest complete checkpoint) stays.
      expect(run.calls.inputsOf('removeCheckpointFolders')[0]?.paths).toEqual([
        `/srv/flink/checkpoints/${GONE}`,
      ]);
      expect(step('checkpoints')?.kept.map((d) => d.what)).toEqual([`/srv/flink/checkpoints/${LIVE}`]);
      expect(run.calls.inputsOf('cleanFlinkLogs')[0]).toMatchObject({
        containers: ['jm-a', 'jm-b', 'tm-1', 'tm-2'],
        maxAgeDays: 7,
        remove: true,
      });
      // Only the incomplete savepoint is deleted; the complete one is the savepoint runbook's.
      expect(run.calls.inputsOf('deleteSavepoints')[0]?.uris).toEqual([
        'file:///data/savepoints/savepoint-aaaaaa-1',
      ]);
      expect(run.calls.inputsOf('removeDrillReports')[0]?.names).toEqual([
        'fast-stop-leader-20260101T000000Z.md',
        'fast-stop-leader-20260101T000000Z.svg',
      ]);
      expect(result.freedBytes).toBe(4_000 + 500 + 200 + 20);
      expect(result.headline).toBe('fast: removed 5 items, 4.6 KB given back');
      // The lease is taken before the first look and released after the last removal.
      const names = run.calls.names();
      expect(names.indexOf('acquireMaintenanceLease')).toBeLessThan(names.indexOf('knownJobs'));
      expect(names.lastIndexOf('removeDrillReports')).toBeLessThan(names.indexOf('releaseMaintenanceLease'));
      expect(run.calls.inputsOf('acquireMaintenanceLease')[0]).toMatchObject({
        cluster: 'fast',
        job: 'pipeline',
        purpose: 'housekeeping',
      });
      expect(inbox.alerts).toHaveLength(1);
      expect(inbox.alerts[0]).toMatchObject({
        severity: 'info',
        verdict: 'housekeeping',
        summary: result.headline,
      });
    });
  });

  it('in a dry run lists what it would remove, removes nothing and tells nobody', async () => {
    const inbox = new AlertInbox();
    await withFakeWorker(env, fakes(cluster(), inbox), async (run) => {
      const result = await execute(run, { dryRun: true });
      expect(result.dryRun).toBe(true);
      expect(result.steps.flatMap((s) => s.removed.map((d) => d.what))).toHaveLength(5);
      expect(result.headline).toMatch(/^fast: dry run, would remove 5 items .*nothing changed$/);
      for (const removal of REMOVALS.filter((r) => r !== 'cleanFlinkLogs'))
        expect(run.calls.count(removal)).toBe(0);
      expect(run.calls.inputsOf('cleanFlinkLogs')[0]?.remove).toBe(false);
      expect(inbox.alerts).toHaveLength(0);
    });
  });

  it('refuses a retention of 0 before looking at anything', async () => {
    const inbox = new AlertInbox();
    await withFakeWorker(env, fakes(cluster(), inbox), async (run) => {
      const failure = await failureOf(execute(run, { checkpointMaxAge: 0 }));
      expect(failure.type).toBe('HousekeepingRefused');
      expect(failure.message).toMatch(/checkpointMaxAge must be a positive duration/);
      expect(run.calls.names()).toEqual(['resolveCluster']);
    });
  });

  it("refuses the whole run when another runbook holds a job's lease, giving back the leases it took", async () => {
    const inbox = new AlertInbox();
    const c = twoJobs();
    const overrides: Fakes = {
      acquireMaintenanceLease: ({ job }) => {
        if (job === 'audit') throw typedError('LeaseHeld', 'the lease is held by upgrade:fast:audit');
        return { granted: true, monitor: 'running' };
      },
    };
    await withFakeWorker(env, fakes(c, inbox, overrides), async (run) => {
      const failure = await failureOf(execute(run));
      expect(failure.type).toBe('HousekeepingRefused');
      expect(failure.message).toMatch(/nothing was removed: the lease is held by upgrade:fast:audit/);
      expect(run.calls.inputsOf('acquireMaintenanceLease').map((l) => l.job)).toEqual(['pipeline', 'audit']);
      expect(run.calls.inputsOf('releaseMaintenanceLease').map((l) => l.job)).toEqual(['pipeline']);
      expect(run.calls.count('knownJobs')).toBe(0);
      for (const removal of REMOVALS) expect(run.calls.count(removal)).toBe(0);
    });
  });

  it('holds every job’s lease, released in the reverse order', async () => {
    const inbox = new AlertInbox();
    await withFakeWorker(env, fakes(twoJobs(), inbox), async (run) => {
      await execute(run, { steps: ['checkpoints'] });
      expect(run.calls.inputsOf('acquireMaintenanceLease').map((l) => l.job)).toEqual(['pipeline', 'audit']);
      expect(run.calls.inputsOf('releaseMaintenanceLease').map((l) => l.job)).toEqual(['audit', 'pipeline']);
      expect(run.calls.inputsOf('listCheckpointFolders').map((l) => l.checkpointDir)).toEqual([
        'file:///data/checkpoints',
        'file:///data/checkpoints-audit',
      ]);
    });
  });

  it('removes no checkpoint folder when the JobManagers do not answer, and warns', async () => {
    const inbox = new AlertInbox();
    const overrides: Fakes = {
      knownJobs: () => {
        throw typedError('FlinkUnreachable', 'no JobManager answered');
      },
    };
    await withFakeWorker(env, fakes(cluster(), inbox, overrides), async (run) => {
      const result = await execute(run);
      const checkpoints = result.steps.find((s) => s.step === 'checkpoints');
      expect(checkpoints?.removed).toEqual([]);
      expect(checkpoints?.kept).toHaveLength(2);
      expect(checkpoints?.problems[0]).toMatch(/the JobManagers did not answer/);
      expect(run.calls.count('removeCheckpointFolders')).toBe(0);
      // The other steps go on.
      expect(run.calls.count('deleteSavepoints')).toBe(1);
      expect(inbox.alerts[0]).toMatchObject({
        severity: 'warning',
        title: 'fast: housekeeping needs a look',
      });
    });
  });

  it('reports a step that fails as that step’s problem while the others go on', async () => {
    const inbox = new AlertInbox();
    const overrides: Fakes = {
      listDrillReports: () => {
        throw typedError('ReportDirRefused', 'the report folder is outside the allowed ones');
      },
      cleanFlinkLogs: ({ containers }) =>
        containers.map((container) =>
          container === 'tm-2'
            ? { container, files: [], problem: 'tm-2 is not running: its logs were not looked at' }
            : { container, files: [] },
        ),
    };
    await withFakeWorker(env, fakes(cluster(), inbox, overrides), async (run) => {
      const result = await execute(run);
      const step = (name: string) => result.steps.find((s) => s.step === name);
      expect(step('drill-reports')?.problems).toEqual(['the report folder is outside the allowed ones']);
      expect(step('flink-logs')?.problems).toEqual(['tm-2 is not running: its logs were not looked at']);
      expect(step('checkpoints')?.removed).toHaveLength(1);
      expect(result.headline).toMatch(/; 2 problems, see the steps$/);
      expect(inbox.alerts[0]?.severity).toBe('warning');
      expect(inbox.alerts[0]?.details).toContainEqual({
        label: 'problem',
        value: 'drill-reports: the report folder is outside the allowed ones',
      });
    });
  });

  it('runs only the steps asked for, and leaves checkpoints that are not on a mounted folder alone', async () => {
    const inbox = new AlertInbox();
    const c = cluster();
    const job = c.jobs[0] as NamedCluster['jobs'][number];
    const remote = { ...c, jobs: [{ ...job, checkpointDir: 's3://bucket/checkpoints' }] };
    await withFakeWorker(env, fakes(remote, inbox), async (run) => {
      const result = await execute(run, { steps: ['checkpoints'] });
      expect(result.steps.map((s) => s.step)).toEqual(['checkpoints']);
      expect(result.steps[0]?.skipped).toMatch(/s3:\/\/bucket\/checkpoints is not on a mounted folder/);
      expect(run.calls.count('listCheckpointFolders')).toBe(0);
      expect(run.calls.count('cleanFlinkLogs')).toBe(0);
      expect(run.calls.count('listSavepoints')).toBe(0);
      expect(run.calls.count('listDrillReports')).toBe(0);
      // Nothing removed and no problem: nothing to tell.
      expect(inbox.alerts).toHaveLength(0);
    });
  });
});
