import { describe, expect, it } from 'vitest';
import type { DeployPlan } from '../../src/policy/deploy-plan';
import {
  type DeployResult,
  headline,
  initialSteps,
  planSummary,
  stepTimings,
} from '../../src/policy/deploy-report';
import { checkpointConfigFindings, clusterFindings, findingLine } from '../../src/policy/deploy-verify';

const plan = (patch: Partial<DeployPlan> = {}): DeployPlan => ({
  noop: false,
  containers: [
    { name: 'zk', role: 'zookeeper', action: 'create', reason: 'absent' },
    { name: 'jm', role: 'jobmanager', action: 'create', reason: 'absent' },
    { name: 'tm', role: 'taskmanager', action: 'start', reason: 'stopped' },
  ],
  job: { action: 'submit', reason: 'no job', restore: 'none' },
  directories: { create: ['/a', '/b'], empty: [] },
  steps: [],
  ...patch,
});

const result = (patch: Partial<Omit<DeployResult, 'headline'>>): Omit<DeployResult, 'headline'> => ({
  cluster: 'deploy-sandbox',
  job: 'sample-pipeline',
  outcome: 'deployed',
  jobId: 'abc',
  precheck: { passed: true, problems: [] },
  plan: plan(),
  steps: initialSteps(),
  totalMs: 61_234,
  ...patch,
});

describe('what a deploy tells a person', () => {
  it('summarises a plan in a few words', () => {
    expect(planSummary(plan())).toBe(
      'create 2 containers, start 1 stopped container, create 2 directories, submit the job',
    );
    expect(
      planSummary(
        plan({
          containers: [],
          directories: { create: [], empty: [] },
          job: { action: 'keep', reason: '', restore: 'none' },
        }),
      ),
    ).toBe('nothing');
  });

  it.each<[string, Partial<Omit<DeployResult, 'headline'>>, string]>([
    [
      'deployed',
      { restoredFrom: 'file:/sp/1' },
      'deployed sample-pipeline on deploy-sandbox as job abc, restored from file:/sp/1 in 61.2 s (create 2 containers, start 1 stopped container, create 2 directories, submit the job)',
    ],
    [
      'unchanged',
      { outcome: 'unchanged' },
      'sample-pipeline on deploy-sandbox is already deployed from this spec (job abc RUNNING, every container up to date): nothing changed; verified in 61.2 s',
    ],
    [
      'dry run',
      { outcome: 'dry-run' },
      'dry run of sample-pipeline on deploy-sandbox: would create 2 containers, start 1 stopped container, create 2 directories, submit the job',
    ],
    [
      'dry run with a failing precheck',
      {
        outcome: 'dry-run',
        precheck: { passed: false, problems: [{ check: 'disk', message: '3 GB free' }] },
      },
      'dry run of sample-pipeline on deploy-sandbox: the precheck would fail (3 GB free)',
    ],
  ])('headline: %s', (_what, patch, expected) => {
    expect(headline(result(patch))).toBe(expected);
  });

  it('lists every step with its duration', () => {
    const steps = initialSteps();
    Object.assign(steps[0] as object, { status: 'done', durationMs: 1_200 });
    Object.assign(steps[1] as object, { status: 'skipped' });
    Object.assign(steps[2] as object, { status: 'failed', durationMs: 300 });
    expect(stepTimings(steps.slice(0, 4))).toBe(
      'precheck 1.2 s, stop-old-services skipped, clean-and-prepare FAILED after 0.3 s, start-zookeeper pending',
    );
    expect(steps.map((s) => s.seed).slice(0, 3)).toEqual(['预检查环境', '停止旧服务', '清理和准备']);
  });
});

describe('verify findings (部署后验证)', () => {
  const healthy = {
    jobManagers: [
      { url: 'http://127.0.0.1:8181', state: 'up' },
      { url: 'http://127.0.0.1:8182', state: 'up' },
    ],
    taskManagers: { registered: 2, expected: 2 },
    ha: { read: ['a', 'b'], unread: [], differences: [], agree: true },
    job: { jobId: 'abc', state: 'RUNNING' },
  };

  it('a healthy cluster passes every check', () => {
    expect(clusterFindings(healthy).map(findingLine)).toEqual([
      'ok: JobManagers answer: 2/2 answer',
      'ok: TaskManagers registered: 2/2 registered',
      'ok: HA settings identical: 2 JobManagers agree',
      'ok: job RUNNING: job abc is RUNNING',
    ]);
  });

  it('names what failed and what was seen', () => {
    const lines = clusterFindings({
      jobManagers: [
        healthy.jobManagers[0] as { url: string; state: string },
        { url: 'http://127.0.0.1:8182', state: 'down', error: 'ECONNREFUSED' },
      ],
      taskManagers: { registered: 1, expected: 2 },
      ha: { read: ['a'], unread: [{ url: 'b', error: 'refused' }], differences: [], agree: false },
      job: { jobId: 'abc', state: 'FAILED' },
    }).map(findingLine);
    expect(lines).toEqual([
      'FAILED: JobManagers answer: http://127.0.0.1:8182 down (ECONNREFUSED)',
      'FAILED: TaskManagers registered: 1/2 registered',
      'FAILED: HA settings identical: b unread: refused',
      'FAILED: job RUNNING: job abc is FAILED',
    ]);
  });

  it("warns when the job's checkpoint settings are not the spec's", () => {
    const expected = {
      interval: 30_000,
      timeout: 180_000,
      minPause: 5_000,
      maxConcurrent: 1,
      tolerableFailures: 5,
    };
    expect(
      checkpointConfigFindings(expected, {
        intervalMs: 30_000,
        timeoutMs: 180_000,
        minPauseMs: 5_000,
        tolerableFailures: 5,
        retainedOnCancel: true,
      }).map(findingLine),
    ).toEqual(['ok: checkpoint settings: as the spec expects']);
    expect(
      checkpointConfigFindings(expected, {
        intervalMs: 60_000,
        timeoutMs: 180_000,
        minPauseMs: 5_000,
        tolerableFailures: 2147483647,
        retainedOnCancel: false,
      }).map(findingLine),
    ).toEqual([
      'warning: checkpoint settings: the job runs with interval 60s (spec: 30s), tolerableFailures 2147483647 (spec: 5)',
      'warning: checkpoints retained: checkpoints are deleted when the job is cancelled (RETAIN_ON_CANCELLATION is off)',
    ]);
  });
});
