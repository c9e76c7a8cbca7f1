import { describe, expect, it } from 'vitest';
import { diskVerdict } from '../../src/policy/disk';
import {
  type DailyCheckInput,
  dailyCheckReport,
  SAVEPOINT_OVERDUE_MS,
} from '../../src/policy/housekeeping-daily-check';
import type { MonitorStatus } from '../../src/policy/monitor-state';

const NOW = Date.UTC(2026, 11, 6, 6, 0, 0);
const HOUR = 3_600_000;
const GB = 1024 ** 3;
const thresholds = { warnAtPercent: 80, criticalAtPercent: 90, forecastHorizonMs: 6 * HOUR };

const monitor = (change: Partial<MonitorStatus> = {}): Omit<MonitorStatus, 'lastObservation'> => ({
  cluster: 'prod',
  job: 'pipeline',
  jobId: 'a'.repeat(32),
  phase: 'watching',
  verdict: 'healthy',
  reasons: [],
  verdictSince: NOW - 5 * HOUR,
  restarts: [],
  budget: { max: 3, used: 0, left: 3, windowMs: HOUR },
  escalated: false,
  ...change,
});

/** Everything fine: each case below changes one thing. */
function healthy(): DailyCheckInput {
  return {
    cluster: 'prod',
    now: NOW,
    containers: {
      expected: ['zk', 'jm-1', 'jm-2', 'tm-1'],
      seen: ['zk', 'jm-1', 'jm-2', 'tm-1'].map((name) => ({ name, running: true })),
    },
    jobManagers: [
      { url: 'http://jm-1:8081', role: 'primary', state: 'up', taskManagers: 1, flinkVersion: '1.20.3' },
      { url: 'http://jm-2:8081', role: 'standby', state: 'up', taskManagers: 1, flinkVersion: '1.20.3' },
    ],
    taskManagersExpected: 1,
    jobs: { named: ['pipeline'], known: [{ jobId: 'a'.repeat(32), name: 'pipeline', state: 'RUNNING' }] },
    disk: diskVerdict({
      now: NOW,
      thresholds,
      usage: [
        { path: '/data/cp', roles: ['checkpoints'], at: NOW, usedBytes: 40 * GB, availableBytes: 60 * GB },
      ],
    }),
    monitors: [{ job: 'pipeline', status: monitor() }],
    savepoints: [{ job: 'pipeline', newest: { name: 'savepoint-1', createdAt: NOW - 3 * 24 * HOUR } }],
    drill: {
      name: 'prod-stop-leader-20261201T030000Z.md',
      title: 'Failover drill stop-leader on prod/pipeline: PASSED',
      at: NOW - 5 * 24 * HOUR,
    },
  };
}

const item = (report: ReturnType<typeof dailyCheckReport>, key: string) =>
  report.items.find((i) => i.key === key);

describe('the daily check (日常维护)', () => {
  it('everything fine: seven items ok, one headline', () => {
    const report = dailyCheckReport(healthy());
    expect(report.level).toBe('ok');
    expect(report.headline).toBe('prod: all 7 daily checks ok');
    expect(report.items.map((i) => [i.item, i.level])).toEqual([
      ['容器 (docker ps)', 'ok'],
      ['集群概览 (curl /overview)', 'ok'],
      ['作业 (curl /jobs/overview)', 'ok'],
      ['磁盘 (df -h)', 'ok'],
      ['健康监控 (the monitor: verdicts, restarts)', 'ok'],
      ['最近 savepoint (每月)', 'ok'],
      ['最近演练 (故障转移测试)', 'ok'],
    ]);
    expect(item(report, 'overview')?.detail).toBe('2/2 JobManagers answer (Flink 1.20.3), 1/1 TaskManagers');
    expect(item(report, 'monitor')?.detail).toBe('pipeline: healthy since 5 h ago, watching, budget 3/3');
  });

  it.each<[string, (i: DailyCheckInput) => void, string, string, RegExp]>([
    [
      'a container stopped',
      (i) => {
        (i.containers.seen ?? [])[2] = { name: 'jm-2', running: false };
      },
      'containers',
      'warning',
      /not running: jm-2/,
    ],
    [
      'Docker could not be asked',
      (i) => {
        i.containers = { expected: ['zk'], error: 'connect ENOENT /var/run/docker.sock' };
      },
      'containers',
      'unknown',
      /Docker could not be asked: connect ENOENT/,
    ],
    [
      'the standby does not answer',
      (i) => {
        (i.jobManagers[1] as { state: string }).state = 'down';
      },
      'overview',
      'warning',
      /standby http:\/\/jm-2:8081 down: no failover possible/,
    ],
    [
      'no JobManager answers',
      (i) => {
        for (const jm of i.jobManagers) jm.state = 'down';
      },
      'overview',
      'critical',
      /no JobManager answers/,
    ],
    [
      'a TaskManager missing',
      (i) => {
        i.taskManagersExpected = 2;
      },
      'overview',
      'warning',
      /1\/2 TaskManagers registered/,
    ],
    [
      'the job is not running',
      (i) => {
        i.jobs.known = [{ jobId: 'b'.repeat(32), name: 'pipeline', state: 'CANCELED' }];
      },
      'jobs',
      'critical',
      /pipeline not running/,
    ],
    [
      'the job is restarting',
      (i) => {
        i.jobs.known = [{ jobId: 'b'.repeat(32), name: 'pipeline', state: 'RESTARTING' }];
      },
      'jobs',
      'warning',
      /pipeline RESTARTING/,
    ],
    [
      'a disk past 90 %',
      (i) => {
        i.disk = diskVerdict({
          now: NOW,
          thresholds,
          usage: [
            { path: '/data/cp', roles: ['checkpoints'], at: NOW, usedBytes: 95 * GB, availableBytes: 5 * GB },
          ],
        });
      },
      'disk',
      'critical',
      /checkpoints \(\/data\/cp\): 95 % of its space used/,
    ],
    [
      'no monitor runs',
      (i) => {
        i.monitors = [{ job: 'pipeline', none: true }];
      },
      'monitor',
      'warning',
      /pipeline: no monitor runs/,
    ],
    [
      'the monitor restarted the job last night',
      (i) => {
        i.monitors = [
          {
            job: 'pipeline',
            status: monitor({
              restarts: [
                {
                  at: NOW - 4 * HOUR,
                  trigger: 'policy',
                  reason: 'zombie',
                  outcome: 'restarted',
                  durationMs: 3_000,
                },
              ],
              budget: { max: 3, used: 1, left: 2, windowMs: HOUR },
            }),
          },
        ];
      },
      'monitor',
      'warning',
      /1 restart in 24 h, budget 2\/3/,
    ],
    [
      'the monitor escalated',
      (i) => {
        i.monitors = [
          {
            job: 'pipeline',
            status: monitor({
              escalated: true,
              phase: 'escalated',
              verdict: 'zombie',
              reasons: ['budget spent'],
            }),
          },
        ];
      },
      'monitor',
      'critical',
      /escalated: budget spent/,
    ],
    [
      'the monthly savepoint is overdue',
      (i) => {
        i.savepoints = [
          {
            job: 'pipeline',
            newest: { name: 'savepoint-old', createdAt: NOW - SAVEPOINT_OVERDUE_MS - HOUR },
          },
        ];
      },
      'savepoint',
      'warning',
      /savepoint-old, 32 d ago \(the monthly one is overdue\)/,
    ],
    [
      'no savepoint at all',
      (i) => {
        i.savepoints = [{ job: 'pipeline' }];
      },
      'savepoint',
      'warning',
      /no complete savepoint/,
    ],
    [
      'the last drill failed',
      (i) => {
        i.drill = {
          name: 'x.md',
          title: 'Failover drill kill-leader on prod/pipeline: FAILED',
          at: NOW - HOUR,
        };
      },
      'drill',
      'warning',
      /FAILED, 60 min ago/,
    ],
    [
      'no drill on record',
      (i) => {
        i.drill = undefined;
      },
      'drill',
      'warning',
      /no drill report on record/,
    ],
  ])('%s', (_name, change, key, level, detail) => {
    const input = healthy();
    change(input);
    const report = dailyCheckReport(input);
    expect(item(report, key)).toMatchObject({ level, detail: expect.stringMatching(detail) });
    expect(report.items.filter((i) => i.level !== 'ok')).toHaveLength(1);
    expect(report.level).toBe(level);
    expect(report.headline).toBe(`prod: 1 of 7 daily checks need a look: ${key} ${level}`);
  });

  it('renders one Markdown report: the checklist, the disks, the restarts of the last day', () => {
    const input = healthy();
    input.monitors = [
      {
        job: 'pipeline',
        status: monitor({
          restarts: [
            {
              at: NOW - 2 * HOUR,
              trigger: 'forced',
              reason: 'by hand | test',
              outcome: 'restarted',
              restoredFrom: 'file:/cp/chk-9',
              durationMs: 1,
            },
            { at: NOW - 30 * HOUR, trigger: 'policy', reason: 'old', outcome: 'restarted', durationMs: 1 },
          ],
        }),
      },
    ];
    const { markdown } = dailyCheckReport(input);
    expect(markdown.split('\n').slice(0, 5)).toEqual([
      '# Daily check of prod: WARNING',
      '',
      '**prod: 1 of 7 daily checks need a look: monitor warning**',
      '',
      'Checked 2026-12-06 06:00:00 UTC.',
    ]);
    expect(markdown).toContain(
      '| 磁盘 (df -h) | ✅ ok | every watched folder below its thresholds (fullest 40 %) |',
    );
    expect(markdown).toContain('| /data/cp | checkpoints | 40 % | — |  |');
    expect(markdown).toContain('## Restarts in the last 24 h');
    expect(markdown).toContain(
      '| pipeline | 2026-12-06 04:00:00 UTC | by hand \\| test | restarted from file:/cp/chk-9 |',
    );
    expect(markdown).not.toContain('| old |');
  });
});
