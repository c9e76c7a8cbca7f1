import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NamedCluster } from '../../src/config/schema';
import type { MonitorStatus } from '../../src/policy/monitor-state';
import { dailyCheck } from '../../src/workflows';
import type { DailyCheckInput } from '../../src/workflows/housekeeping-api';
import { type Fakes, typedError } from '../helpers/fake-activities';
import { type FakeRun, withFakeWorker } from '../helpers/fake-worker';
import { fastCluster, jobIds } from '../helpers/fast-cluster';
import { AlertInbox } from '../helpers/monitor-fakes';
import { startTimeSkippingServer } from '../helpers/time-skipping';

/**
 * The daily check's branches with its activities faked: a cluster in order, each item that can
 * be wrong or cannot be looked at, the alert left out, not delivered, or with nobody to tell.
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

function cluster(overrides: Record<string, unknown> = {}): NamedCluster {
  return fastCluster({ volumes: VOLUMES, ...overrides });
}

function monitorStatus(at: number, overrides: Partial<MonitorStatus> = {}): MonitorStatus {
  return {
    cluster: 'fast',
    job: 'pipeline',
    jobId: jobIds.old,
    phase: 'watching',
    verdict: 'healthy',
    reasons: [],
    verdictSince: at - DAY,
    restarts: [],
    budget: { max: 2, used: 0, left: 2, windowMs: 3_600_000 },
    escalated: false,
    ...overrides,
  };
}

/** A cluster in order: every container up, both JobManagers, the job running, disks half empty. */
function fakes(c: NamedCluster, inbox: AlertInbox, overrides: Fakes = {}): Fakes {
  const now = () => env.currentTimeMs();
  return {
    resolveCluster: (ref) => ({ ...c, name: ref.cluster }),
    inspectClusterContainers: ({ names }) => names.map((name) => ({ name, exists: true, running: true })),
    probeJobManagers: (jobManagers) =>
      jobManagers.map((jm) => ({
        role: jm.role,
        url: jm.url,
        container: jm.container,
        state: 'up' as const,
        taskManagers: 2,
        slotsTotal: 4,
        flinkVersion: '1.20.1',
      })),
    knownJobs: () => [{ jobId: jobIds.old, name: 'pipeline', state: 'RUNNING' }],
    measureDiskUsage: async ({ folders }) => {
      const at = await now();
      return folders.map((f) => ({ path: f.path, roles: f.roles, at, usedBytes: 50, availableBytes: 50 }));
    },
    monitorStatusOf: async () => ({ monitor: 'running' as const, status: monitorStatus(await now()) }),
    listSavepoints: async ({ savepointDir }) => {
      const at = await now();
      const name = 'savepoint-aaaaaa-1';
      return {
        hostDir: '/srv/flink/savepoints',
        savepoints: [
          {
            uri: `${savepointDir}/${name}`,
            name,
            hostPath: `/srv/flink/savepoints/${name}`,
            complete: true,
            createdAt: at - 3 * DAY,
            sizeBytes: 100,
          },
        ],
      };
    },
    listDrillReports: async ({ cluster: name }) => {
      const at = await now();
      return {
        dir: 'reports',
        files: [
          {
            name: `${name}-stop-leader-20260101T000000Z.md`,
            bytes: 10,
            modifiedAt: at - 20 * DAY,
            title: 'Failover drill stop-leader on fast/pipeline: FAILED',
          },
          {
            name: `${name}-kill-leader-20260201T000000Z.md`,
            bytes: 10,
            modifiedAt: at - 2 * DAY,
            title: 'Failover drill kill-leader on fast/pipeline: PASSED',
          },
        ],
      };
    },
    sendAlert: inbox.sendAlert,
    ...overrides,
  };
}

let runs = 0;
async function execute(run: FakeRun, input: Partial<DailyCheckInput> = {}) {
  return run.client.workflow.execute(dailyCheck, {
    taskQueue: run.taskQueue,
    workflowId: `daily-check:fast:${++runs}`,
    args: [{ cluster: 'fast', ...input }],
  });
}

const levels = (report: { items: Array<{ key: string; level: string }> }) =>
  Object.fromEntries(report.items.map((i) => [i.key, i.level]));

describe('dailyCheck with faked activities on the time-skipping server', () => {
  it('finds a cluster in order, changes nothing and sums it up as info on the alert channels', async () => {
    const inbox = new AlertInbox();
    await withFakeWorker(env, fakes(cluster(), inbox), async (run) => {
      const report = await execute(run);
      expect(report.level).toBe('ok');
      expect(report.headline).toBe('fast: all 7 daily checks ok');
      expect(report.alert).toBeUndefined();
      // The newest drill is the one of February, by the time in its name.
      expect(report.items.find((i) => i.key === 'drill')?.detail).toMatch(
        /kill-leader on fast\/pipeline: PASSED/,
      );
      expect(run.calls.inputsOf('inspectClusterContainers')[0]?.names).toEqual([
        'jm-a',
        'jm-b',
        'tm-1',
        'tm-2',
      ]);
      expect(run.calls.inputsOf('measureDiskUsage')[0]?.folders.map((f) => f.path)).toEqual(['/srv/flink']);
      expect(inbox.alerts).toHaveLength(1);
      expect(inbox.alerts[0]).toMatchObject({
        severity: 'info',
        verdict: 'daily-check-ok',
        title: 'fast: daily check OK',
        incidentKey: 'daily-check:fast',
      });
      // It only looks.
      for (const name of run.calls.names())
        expect(name).toMatch(/^(resolveCluster|inspect|probe|known|measure|monitorStatusOf|list|sendAlert)/);
    });
  });

  it('turns critical when the job is not running and its monitor escalated, and says so critically', async () => {
    const inbox = new AlertInbox();
    const overrides: Fakes = {
      knownJobs: () => [{ jobId: jobIds.old, name: 'pipeline', state: 'FAILED' }],
      monitorStatusOf: async () => ({
        monitor: 'running' as const,
        status: monitorStatus(await env.currentTimeMs(), {
          verdict: 'failed',
          escalated: true,
          reasons: ['restart budget spent'],
        }),
      }),
    };
    await withFakeWorker(env, fakes(cluster(), inbox, overrides), async (run) => {
      const report = await execute(run);
      expect(report.level).toBe('critical');
      expect(levels(report)).toMatchObject({ jobs: 'critical', monitor: 'critical', containers: 'ok' });
      expect(inbox.alerts[0]).toMatchObject({ severity: 'critical', verdict: 'daily-check-critical' });
    });
  });

  it('warns of a container down, a JobManager down, a missing monitor and an overdue savepoint', async () => {
    const inbox = new AlertInbox();
    const overrides: Fakes = {
      inspectClusterContainers: ({ names }) =>
        names.map((name) => ({ name, exists: true, running: name !== 'tm-2' })),
      probeJobManagers: (jobManagers) =>
        jobManagers.map((jm) => ({
          role: jm.role,
          url: jm.url,
          container: jm.container,
          state: jm.role === 'standby' ? ('down' as const) : ('up' as const),
          taskManagers: 2,
          slotsTotal: 4,
        })),
      monitorStatusOf: () => ({ monitor: 'none' as const }),
      listSavepoints: async ({ savepointDir }) => ({
        hostDir: '/srv/flink/savepoints',
        savepoints: [
          {
            uri: `${savepointDir}/savepoint-aaaaaa-1`,
            name: 'savepoint-aaaaaa-1',
            hostPath: '/srv/flink/savepoints/savepoint-aaaaaa-1',
            complete: true,
            createdAt: (await env.currentTimeMs()) - 40 * DAY,
            sizeBytes: 100,
          },
        ],
      }),
    };
    await withFakeWorker(env, fakes(cluster(), inbox, overrides), async (run) => {
      const report = await execute(run);
      expect(report.level).toBe('warning');
      expect(levels(report)).toEqual({
        containers: 'warning',
        overview: 'warning',
        jobs: 'ok',
        disk: 'ok',
        monitor: 'warning',
        savepoint: 'warning',
        drill: 'ok',
      });
      expect(report.items.find((i) => i.key === 'containers')?.detail).toBe('not running: tm-2');
      expect(report.items.find((i) => i.key === 'savepoint')?.detail).toMatch(/the monthly one is overdue/);
      expect(inbox.alerts[0]).toMatchObject({ severity: 'warning', verdict: 'daily-check-warning' });
    });
  });

  it('reports an item it cannot look at as unknown and looks at the others', async () => {
    const inbox = new AlertInbox();
    const fail = (type: string, message: string) => () => {
      throw typedError(type, message);
    };
    const overrides: Fakes = {
      inspectClusterContainers: fail('DockerUnreachable', 'the Docker engine did not answer'),
      knownJobs: fail('FlinkUnreachable', 'no JobManager answered'),
      monitorStatusOf: fail('TemporalUnreachable', 'the Temporal server did not answer'),
      listDrillReports: fail('ReportDirRefused', 'the report folder is outside the allowed ones'),
    };
    await withFakeWorker(env, fakes(cluster(), inbox, overrides), async (run) => {
      const report = await execute(run);
      expect(levels(report)).toMatchObject({
        containers: 'unknown',
        jobs: 'unknown',
        monitor: 'unknown',
        drill: 'warning',
        disk: 'ok',
        savepoint: 'ok',
      });
      expect(report.items.find((i) => i.key === 'containers')?.detail).toBe(
        'Docker could not be asked: the Docker engine did not answer',
      );
      expect(report.items.find((i) => i.key === 'monitor')?.detail).toMatch(
        /pipeline: the monitor could not be asked \(the Temporal server did not answer\)/,
      );
      expect(inbox.alerts).toHaveLength(1);
    });
  });

  it('does not look into a savepoint folder that is not on a mounted folder', async () => {
    const inbox = new AlertInbox();
    const c = cluster();
    const job = c.jobs[0] as NamedCluster['jobs'][number];
    const remote = { ...c, jobs: [{ ...job, savepointDir: 's3://bucket/savepoints' }] };
    await withFakeWorker(env, fakes(remote, inbox), async (run) => {
      const report = await execute(run);
      expect(report.items.find((i) => i.key === 'savepoint')).toMatchObject({
        level: 'unknown',
        detail: 'pipeline: s3://bucket/savepoints is not on a mounted folder; not looked at from here',
      });
      expect(run.calls.count('listSavepoints')).toBe(0);
    });
  });

  it('sends nothing when asked not to alert, or when the cluster has no alert channel', async () => {
    const inbox = new AlertInbox();
    await withFakeWorker(env, fakes(cluster(), inbox), async (run) => {
      const quiet = await execute(run, { alert: false });
      expect(quiet.level).toBe('ok');
      expect(run.calls.count('sendAlert')).toBe(0);
    });
    await withFakeWorker(env, fakes(cluster({ alerts: [] }), inbox), async (run) => {
      const report = await execute(run);
      expect(report.alert).toBeUndefined();
      expect(run.calls.count('sendAlert')).toBe(0);
    });
  });

  it('returns the report with a warning when a channel did not take the alert', async () => {
    const inbox = new AlertInbox();
    const overrides: Fakes = {
      sendAlert: ({ alert, channels }) => {
        inbox.alerts.push(alert);
        return channels.map((c) => ({
          channel: c.name ?? c.type,
          type: c.type,
          outcome: 'failed' as const,
          ok: false,
          attempts: 3,
          status: 503,
          error: 'HTTP 503',
          durationMs: 1,
        }));
      },
    };
    await withFakeWorker(env, fakes(cluster(), inbox, overrides), async (run) => {
      const report = await execute(run);
      expect(report.level).toBe('ok');
      expect(report.alert).toBe('alert "fast: daily check OK" not delivered to webhook (HTTP 503)');
    });
  });

  it('returns the report with a warning when the alert could not be sent at all', async () => {
    const inbox = new AlertInbox();
    const overrides: Fakes = {
      sendAlert: () => {
        throw typedError('InvalidAlert', 'the alert cannot be rendered');
      },
    };
    await withFakeWorker(env, fakes(cluster(), inbox, overrides), async (run) => {
      const report = await execute(run);
      expect(report.alert).toBe('alert "fast: daily check OK" not sent: the alert cannot be rendered');
    });
  });
});
