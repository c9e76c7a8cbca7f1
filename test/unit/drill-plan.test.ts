import { describe, expect, it } from 'vitest';
import {
  type DrillBaseline,
  type DrillContext,
  drillId,
  drillReadiness,
  planFault,
} from '../../src/policy/drill-plan';

const AT = 1_795_242_546_000;
const P = 'http://127.0.0.1:8081';
const S = 'http://127.0.0.1:8082';

/** A healthy cluster, as observeDrillBaseline reports it from the sandbox. */
const healthy = (patch: Partial<DrillBaseline> = {}): DrillBaseline => ({
  at: AT,
  jobManagers: [
    { url: P, container: 'flink-jobmanager', role: 'primary', state: 'up', taskManagers: 2 },
    { url: S, container: 'flink-jobmanager-standby', role: 'standby', state: 'up', taskManagers: 2 },
  ],
  containers: [
    { name: 'flink-jobmanager', role: 'jobmanager', exists: true, running: true },
    { name: 'flink-jobmanager-standby', role: 'jobmanager', exists: true, running: true },
    { name: 'tm-1', role: 'taskmanager', exists: true, running: true },
    { name: 'tm-2', role: 'taskmanager', exists: true, running: true },
    { name: 'zookeeper', role: 'zookeeper', exists: true, running: true },
  ],
  leader: {
    url: P,
    sessionId: 'c45334ef-5dc1-4731-b5ee-b40945d62e8e',
    container: 'flink-jobmanager',
    consistent: true,
  },
  ha: { agree: true, differences: [], unread: [], types: { [P]: 'zookeeper', [S]: 'zookeeper' } },
  job: { jobId: 'a'.repeat(32), name: 'sample-pipeline', state: 'RUNNING', startTime: AT - 60_000 },
  checkpoint: { id: 41, completedAt: AT - 1_500 },
  checkpointConfig: { intervalMs: 2_000, timeoutMs: 10_000 },
  recordsPerSecond: 20,
  sequence: { last: 880, rows: 881, gaps: 0, duplicates: 0 },
  sourceTaskManager: { resourceId: '127.0.0.1:44749-fcada7', container: 'tm-2' },
  ...patch,
});

const ctx = (patch: Partial<DrillContext> = {}): DrillContext => ({
  kind: 'stop-leader',
  expectedTaskManagers: 2,
  slotsPerTaskManager: 2,
  parallelism: 2,
  zookeeperContainer: 'zookeeper',
  ...patch,
});

describe('the drill plans its fault', () => {
  it.each([
    ['stop-leader', 'stop', 'flink-jobmanager', 'jobmanager', 'flink-jobmanager-standby'],
    ['kill-leader', 'kill', 'flink-jobmanager', 'jobmanager', 'flink-jobmanager-standby'],
    ['kill-taskmanager', 'kill', 'tm-2', 'taskmanager', undefined],
    ['stop-zookeeper', 'stop', 'zookeeper', 'zookeeper', undefined],
  ] as const)('%s: %s %s (%s)', (kind, action, container, role, successor) => {
    const plan = planFault(healthy(), ctx({ kind }));
    expect(plan).toMatchObject({ kind, action, target: { container, role } });
    expect('successor' in plan ? plan.successor?.container : undefined).toBe(successor);
  });

  it('follows the leader wherever it is: after an earlier drill the standby leads', () => {
    const plan = planFault(
      healthy({
        leader: { url: S, sessionId: 'x', container: 'flink-jobmanager-standby', consistent: true },
      }),
      ctx({ kind: 'kill-leader' }),
    );
    expect(plan).toMatchObject({
      target: { container: 'flink-jobmanager-standby', url: S },
      successor: { container: 'flink-jobmanager', url: P },
    });
  });

  it.each<[string, Partial<DrillBaseline>, Partial<DrillContext>, RegExp]>([
    [
      'no TaskManager known to run the source',
      { sourceTaskManager: undefined },
      { kind: 'kill-taskmanager' },
      /no TaskManager is known/,
    ],
    [
      'the source runs on a TaskManager outside the spec',
      { sourceTaskManager: { resourceId: 'r-1' } },
      { kind: 'kill-taskmanager' },
      /r-1 runs the job's source, but no configured container/,
    ],
    ['too few slots left', {}, { kind: 'kill-taskmanager', parallelism: 3 }, /2 slot\(s\); the job needs 3/],
    [
      'no ZooKeeper container',
      {},
      { kind: 'stop-zookeeper', zookeeperContainer: undefined },
      /zookeeper.container is not set/,
    ],
    [
      'nobody to take over',
      {
        jobManagers: [
          { url: P, container: 'flink-jobmanager', role: 'primary', state: 'up' },
          { url: S, container: 'flink-jobmanager-standby', role: 'standby', state: 'down' },
        ],
      },
      { kind: 'stop-leader' },
      /no other JobManager is up/,
    ],
  ])('cannot plan when %s', (_what, baseline, context, problem) => {
    expect(planFault(healthy(baseline), ctx(context))).toEqual({ problem: expect.stringMatching(problem) });
  });
});

describe('the guardrails: a drill starts only on a healthy HA cluster', () => {
  it('a healthy cluster passes, with the plan', () => {
    const readiness = drillReadiness(healthy(), ctx());
    expect(readiness).toMatchObject({ ok: true, problems: [], notes: [] });
    expect(readiness.plan?.summary).toBe(
      'docker stop flink-jobmanager (the leader, http://127.0.0.1:8081); flink-jobmanager-standby should take over',
    );
  });

  it.each<[string, Partial<DrillBaseline>, RegExp]>([
    [
      'a JobManager down',
      {
        jobManagers: [
          { url: P, container: 'flink-jobmanager', role: 'primary', state: 'up', taskManagers: 2 },
          { url: S, container: 'flink-jobmanager-standby', role: 'standby', state: 'down', error: 'refused' },
        ],
      },
      /JobManager http:\/\/127.0.0.1:8082 \(flink-jobmanager-standby\) is down: refused/,
    ],
    [
      'a container stopped',
      { containers: [{ name: 'tm-1', role: 'taskmanager', exists: true, running: false }] },
      /container tm-1 \(taskmanager\) is not running/,
    ],
    [
      'no leader in ZooKeeper',
      { leader: undefined, leaderError: 'ZooKeeper did not answer' },
      /ZooKeeper names no REST leader \(ZooKeeper did not answer\)/,
    ],
    [
      'REST and dispatcher leadership split',
      { leader: { url: P, sessionId: 's', consistent: false } },
      /REST and dispatcher leadership in ZooKeeper disagree/,
    ],
    [
      'HA not configured on one JobManager',
      { ha: { agree: false, differences: [], unread: [], types: { [P]: 'zookeeper', [S]: null } } },
      /HA is not configured on http:\/\/127.0.0.1:8082: high-availability.type is not set/,
    ],
    [
      "the seeds' HA settings differ",
      {
        ha: {
          agree: false,
          differences: [{ key: 'high-availability.cluster-id', values: { [P]: '/a', [S]: '/b' } }],
          unread: [],
          types: { [P]: 'zookeeper', [S]: 'zookeeper' },
        },
      },
      /disagree on high-availability.cluster-id: http:\/\/127.0.0.1:8081=\/a, http:\/\/127.0.0.1:8082=\/b/,
    ],
    [
      'no live job',
      { job: undefined, jobProblem: 'no live job named "sample-pipeline" on the cluster' },
      /no live job named/,
    ],
    [
      'the job restarting',
      { job: { jobId: 'b'.repeat(32), name: 'sample-pipeline', state: 'RESTARTING', startTime: AT } },
      /is RESTARTING, not RUNNING/,
    ],
    [
      'no checkpoint yet',
      { checkpoint: undefined },
      /has no completed checkpoint: a failover would lose its state/,
    ],
    [
      'the last checkpoint too old',
      { checkpoint: { id: 41, completedAt: AT - 20_000 } },
      /#41\) completed 20.0 s ago, longer than the job's window of 14.0 s/,
    ],
    [
      'a TaskManager missing',
      {
        jobManagers: [
          { url: P, container: 'flink-jobmanager', role: 'primary', state: 'up', taskManagers: 1 },
          { url: S, container: 'flink-jobmanager-standby', role: 'standby', state: 'up', taskManagers: 1 },
        ],
      },
      /1 of 2 TaskManagers are registered/,
    ],
  ])('refuses with %s', (_what, patch, problem) => {
    const readiness = drillReadiness(healthy(patch), ctx());
    expect(readiness.ok).toBe(false);
    expect(readiness.problems.join('\n')).toMatch(problem);
  });

  it('names every problem at once', () => {
    const readiness = drillReadiness(
      healthy({ leader: undefined, job: undefined, jobProblem: 'no job' }),
      ctx(),
    );
    expect(readiness.problems).toEqual([
      'ZooKeeper names no REST leader',
      'no job',
      'the leading JobManager is not one of the configured JobManagers',
    ]);
  });

  it('earlier gaps in the output are noted, not refused: only rows after the baseline are judged', () => {
    const readiness = drillReadiness(
      healthy({ sequence: { last: 900, rows: 880, gaps: 2, duplicates: 0 } }),
      ctx(),
    );
    expect(readiness.ok).toBe(true);
    expect(readiness.notes).toEqual([
      'the output already has 2 gap(s) before the drill; only rows after #900 are judged',
    ]);
  });
});

describe('drill ids', () => {
  it('name the cluster, the kind and the time, usable as a file name', () => {
    expect(drillId('drill-sandbox', 'kill-leader', Date.UTC(2026, 10, 21, 6, 30, 0, 123))).toBe(
      'drill-sandbox-kill-leader-20261121T063000Z',
    );
  });
});
