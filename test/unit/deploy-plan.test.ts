import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadClustersFile } from '../../src/config/load';
import type { JobSpec, NamedCluster } from '../../src/config/schema';
import { deployJobId, jobSpecHash, SPEC_HASH_LABEL } from '../../src/policy/deploy-hash';
import {
  type DeployObservation,
  type DeployOptions,
  type DesiredDeployment,
  desiredDeployment,
  type LiveJob,
  planDeploy,
  precheckProblems,
  staleTaskManagersPossible,
} from '../../src/policy/deploy-plan';

const fixture = fileURLToPath(new URL('../e2e/fixtures/deploy-sandbox.yaml', import.meta.url));
const spec = (await loadClustersFile(fixture, { FLINK_RUNBOOKS_DATA: '/data' })).clusters['deploy-sandbox'];
if (!spec) throw new Error('fixture has no deploy-sandbox');
const cluster: NamedCluster = { name: 'deploy-sandbox', ...spec };
const job = cluster.jobs[0] as JobSpec;

const JAR_SHA = 'c'.repeat(64);
const IMAGES = [
  { image: 'flink-runbooks/flink:1.20.3', id: 'sha256:flink' },
  { image: 'flink-runbooks/zookeeper:3.8', id: 'sha256:zk' },
];
const GB = 1024 ** 3;

const desiredFor = (options: DeployOptions = {}, c: NamedCluster = cluster, j: JobSpec = job) =>
  desiredDeployment(c, j, IMAGES, JAR_SHA, options);

/** A job id as a deploy of this spec would have made it. */
const ours = (d: DesiredDeployment, nonce = '00000001') =>
  deployJobId(d.jobKey, d.jobSpecHash as string, nonce);
const liveJob = (jobId: string, state = 'RUNNING', name = 'sample-pipeline'): LiveJob => ({
  jobId,
  name,
  state,
  startTime: 1,
});

/** Nothing exists yet: no container, no directory, nothing listening. */
function nothing(d: DesiredDeployment): DeployObservation {
  return {
    engine: { reachable: true, version: '20.10.24' },
    images: IMAGES,
    disk: d.storagePaths.map((path) => ({ path, measuredAt: '/', freeBytes: 70 * GB })),
    ports: [...new Set(d.containers.flatMap((c) => c.ports))].map((port) => ({ port, free: true })),
    containers: d.containers.map((c) => ({ name: c.name, exists: false, running: false })),
    directories: [...d.directories, ...(d.haHostDir ? [d.haHostDir] : [])].map((path) => ({
      path,
      exists: false,
      entries: 0,
    })),
    jar: {
      path: job.jar,
      entryClass: job.entryClass,
      readable: true,
      isJar: true,
      hasEntryClass: true,
      sha256: JAR_SHA,
    },
  };
}

/** A healthy deployment of this very spec: every container current and running, our job RUNNING. */
function deployed(d: DesiredDeployment, jobs: LiveJob[] = [liveJob(ours(d))]): DeployObservation {
  const seen = nothing(d);
  return {
    ...seen,
    ports: seen.ports.map((p) => ({ ...p, free: false })),
    containers: d.containers.map((c) => ({
      name: c.name,
      exists: true,
      running: true,
      cluster: 'deploy-sandbox',
      role: c.role,
      specHash: c.labels[SPEC_HASH_LABEL],
    })),
    directories: seen.directories.map((dir) => ({ ...dir, exists: true, entries: 3 })),
    rest: { answering: true, jobs },
    jarValidation: { ok: true, jobName: 'sample-pipeline' },
    liveHa: { read: ['a', 'b'], unread: [], differences: [], agree: true },
  };
}

const withContainer = (o: DeployObservation, name: string, patch: object): DeployObservation => ({
  ...o,
  containers: o.containers.map((c) => (c.name === name ? { ...c, ...patch } : c)),
});
const actions = (o: DeployObservation, d = desiredFor()) =>
  Object.fromEntries(planDeploy(d, o).containers.map((c) => [c.name, c.action]));

describe('planDeploy', () => {
  const d = desiredFor();

  it('from nothing: create every container in start order, create the directories, submit the job', () => {
    const plan = planDeploy(d, nothing(d));
    expect(plan.containers.map((c) => [c.name, c.action])).toEqual([
      ['deploy-zookeeper', 'create'],
      ['deploy-flink-jobmanager', 'create'],
      ['deploy-flink-jobmanager-standby', 'create'],
      ['deploy-taskmanager-1', 'create'],
      ['deploy-taskmanager-2', 'create'],
    ]);
    expect(plan.job).toEqual({ action: 'submit', reason: 'no job of this name runs', restore: 'none' });
    expect(plan.directories.create).toEqual(d.directories);
    expect(plan.noop).toBe(false);
    const changes = Object.fromEntries(plan.steps.map((s) => [s.step, s.changes]));
    expect(changes.precheck).toEqual([]);
    expect(changes['stop-old-services']).toEqual([]);
    expect(changes['start-jobmanagers']).toEqual([
      'create and start deploy-flink-jobmanager (absent)',
      'create and start deploy-flink-jobmanager-standby (absent)',
    ]);
    expect(changes['deploy-job']).toEqual(['submit sample-pipeline as a new job']);
    expect(changes.verify).toEqual([]);
  });

  it('a healthy deployment of the same spec is a no-op', () => {
    const plan = planDeploy(d, deployed(d));
    expect(plan.noop).toBe(true);
    expect(plan.job).toMatchObject({ action: 'keep', current: { jobId: ours(d) } });
    expect(plan.containers.every((c) => c.action === 'keep')).toBe(true);
    expect(plan.steps.find((s) => s.step === 'stop-old-services')?.changes).toEqual([]);
  });

  it.each<[string, (o: DeployObservation) => DeployObservation, Record<string, string>]>([
    [
      'a stopped TaskManager is started',
      (o) => withContainer(o, 'deploy-taskmanager-2', { running: false }),
      { 'deploy-taskmanager-2': 'start' },
    ],
    [
      'a container of another spec is recreated',
      (o) => withContainer(o, 'deploy-flink-jobmanager-standby', { specHash: 'old' }),
      { 'deploy-flink-jobmanager-standby': 'recreate' },
    ],
    [
      'a container created by another tool (no spec hash) is recreated',
      (o) => withContainer(o, 'deploy-taskmanager-1', { specHash: undefined }),
      { 'deploy-taskmanager-1': 'recreate' },
    ],
    [
      'a missing standby is created',
      (o) => withContainer(o, 'deploy-flink-jobmanager-standby', { exists: false, running: false }),
      { 'deploy-flink-jobmanager-standby': 'create' },
    ],
    [
      'a new ZooKeeper means fresh HA state: every Flink container is recreated',
      (o) => withContainer(o, 'deploy-zookeeper', { exists: false, running: false }),
      {
        'deploy-zookeeper': 'create',
        'deploy-flink-jobmanager': 'recreate',
        'deploy-flink-jobmanager-standby': 'recreate',
        'deploy-taskmanager-1': 'recreate',
        'deploy-taskmanager-2': 'recreate',
      },
    ],
    [
      'a container of another cluster is never touched',
      (o) => withContainer(o, 'deploy-zookeeper', { cluster: 'realtime-pipeline' }),
      { 'deploy-zookeeper': 'blocked' },
    ],
    [
      'a container labelled with this cluster but no longer in the spec is removed',
      (o) => ({
        ...o,
        containers: [
          ...o.containers,
          { name: 'deploy-taskmanager-3', exists: true, running: true, cluster: 'deploy-sandbox' },
        ],
      }),
      { 'deploy-taskmanager-3': 'remove' },
    ],
  ])('%s', (_what, change, expected) => {
    const all = actions(change(deployed(d)));
    expect(all).toMatchObject(expected);
    for (const [name, action] of Object.entries(all))
      if (!(name in expected)) expect(action, name).toBe('keep');
  });

  it.each<[string, DeployOptions, (d: DesiredDeployment) => DeployObservation, object]>([
    [
      'no live job: submit fresh',
      {},
      (dd) => deployed(dd, [liveJob(ours(dd), 'FAILED')]),
      { action: 'submit', restore: 'none' },
    ],
    [
      'no live job, a savepoint given: submit from it',
      { savepointPath: 'file:/opt/flink/savepoints/savepoint-1' },
      (dd) => deployed(dd, []),
      { action: 'submit', restore: 'given', savepointPath: 'file:/opt/flink/savepoints/savepoint-1' },
    ],
    [
      'the running job is of another spec: replace it from its own savepoint',
      {},
      (dd) =>
        deployed(dd, [
          liveJob(
            deployJobId(
              dd.jobKey,
              jobSpecHash({ jarSha256: 'old', entryClass: 'x.Y', parallelism: 2, args: [] }),
              '00000002',
            ),
          ),
        ]),
      {
        action: 'replace',
        restore: 'old-job-savepoint',
        reason: expect.stringMatching(/not deployed from this spec/),
      },
    ],
    [
      'a job of that name submitted by hand: replace it',
      {},
      (dd) => deployed(dd, [liveJob('8df739ddb8968174aad87a27bc8e59a3')]),
      { action: 'replace', restore: 'old-job-savepoint' },
    ],
    [
      'containers it runs on are recreated: replace it, even of the same spec',
      {},
      (dd) => withContainer(deployed(dd), 'deploy-taskmanager-1', { specHash: 'old' }),
      { action: 'replace', reason: expect.stringMatching(/deploy-taskmanager-1/) },
    ],
    [
      'a savepoint given and the job restored from it already: keep',
      { savepointPath: 'file:///opt/flink/savepoints/savepoint-1/' },
      (dd) => ({ ...deployed(dd), currentRestoredFrom: 'file:/opt/flink/savepoints/savepoint-1' }),
      { action: 'keep' },
    ],
    [
      'a savepoint given, the job restored from another: replace, from the one given',
      { savepointPath: 'file:/opt/flink/savepoints/savepoint-2' },
      (dd) => ({ ...deployed(dd), currentRestoredFrom: 'file:/opt/flink/savepoints/savepoint-1' }),
      { action: 'replace', restore: 'given', savepointPath: 'file:/opt/flink/savepoints/savepoint-2' },
    ],
  ])('%s', (_what, options, observe, expected) => {
    const dd = desiredFor(options);
    expect(planDeploy(dd, observe(dd)).job).toMatchObject(expected);
  });

  it('keepState false: the old job is still stopped with a savepoint, the new one starts empty', () => {
    const dd = desiredFor({}, cluster, { ...job, keepState: false });
    const plan = planDeploy(dd, deployed(dd, [liveJob('8df739ddb8968174aad87a27bc8e59a3')]));
    expect(plan.job).toMatchObject({ action: 'replace', restore: 'none' });
    expect(plan.steps.find((s) => s.step === 'stop-old-services')?.changes).toEqual([
      expect.stringMatching(
        /^stop job 8df739ddb8968174aad87a27bc8e59a3 with a savepoint into file:\/\/\/opt\/flink\/savepoints/,
      ),
    ]);
  });

  it('empties the old HA storage only when ZooKeeper and every JobManager start afresh', () => {
    const freshZk = withContainer(deployed(d), 'deploy-zookeeper', { exists: false, running: false });
    expect(planDeploy(d, freshZk).directories.empty).toEqual(['/data/deploy-sandbox/ha']);
    expect(
      planDeploy(d, withContainer(deployed(d), 'deploy-flink-jobmanager', { specHash: 'old' })).directories
        .empty,
    ).toEqual([]);
    // Never the checkpoints, savepoints or output, whatever the plan.
    expect(d.protectedDirs).toEqual([
      '/data/deploy-sandbox/checkpoints',
      '/data/deploy-sandbox/savepoints',
      '/data/deploy-sandbox/output',
    ]);
    const empty = { ...nothing(d) };
    expect(planDeploy(d, empty).directories.empty).toEqual([]); // nothing in it
  });
});

describe('staleTaskManagersPossible', () => {
  const d = desiredFor();
  it.each<[string, (o: DeployObservation) => DeployObservation, boolean]>([
    ['from nothing: no JobManager kept', () => nothing(d), false],
    ['nothing to start', (o) => o, false],
    [
      'a TaskManager re-created under running JobManagers',
      (o) => withContainer(o, 'deploy-taskmanager-2', { exists: false, running: false }),
      true,
    ],
    [
      'a stopped TaskManager started',
      (o) => withContainer(o, 'deploy-taskmanager-1', { running: false }),
      true,
    ],
    [
      'JobManagers re-created with the TaskManagers (new ZooKeeper)',
      (o) => withContainer(o, 'deploy-zookeeper', { exists: false, running: false }),
      false,
    ],
  ])('%s → %s', (_what, change, expected) => {
    expect(staleTaskManagersPossible(planDeploy(d, change(deployed(d))))).toBe(expected);
  });
});

describe('precheckProblems', () => {
  const d = desiredFor();
  const problems = (o: DeployObservation, dd: DesiredDeployment = d) =>
    precheckProblems(dd, o, planDeploy(dd, o)).map((p) => `${p.check}: ${p.message}`);

  it('passes from nothing and on a healthy deployment (its ports are held by its own containers)', () => {
    expect(problems(nothing(d))).toEqual([]);
    expect(problems(deployed(d))).toEqual([]);
  });

  it.each<[string, DeployObservation, DesiredDeployment, RegExp]>([
    [
      'the Docker engine is down',
      { ...nothing(d), engine: { reachable: false, error: 'connect ENOENT /var/run/docker.sock' } },
      d,
      /^docker: the Docker engine does not answer: connect ENOENT/,
    ],
    [
      'an image is missing',
      { ...nothing(d), images: [IMAGES[0] as { image: string; id: string }] },
      d,
      /^images: image flink-runbooks\/zookeeper:3\.8 is not present/,
    ],
    [
      'less free disk than the seeds ask for',
      nothing(d),
      desiredFor({ freeDiskGb: 100 }),
      /^disk: 70\.0 GB free at \/data\/deploy-sandbox \(measured at \/\), below the 100 GB required/,
    ],
    [
      'a port held by something else',
      { ...nothing(d), ports: [{ port: 8181, free: false }] },
      d,
      /^ports: port 8181 on 127\.0\.0\.1 is in use, and not by deploy-flink-jobmanager/,
    ],
    [
      'a port of a stopped container held by something else',
      withContainer({ ...deployed(d) }, 'deploy-zookeeper', { running: false }),
      d,
      /^ports: port 2281 .* not by deploy-zookeeper/,
    ],
    [
      'a container of the same name from another cluster',
      withContainer(deployed(d), 'deploy-zookeeper', { cluster: 'other' }),
      d,
      /^containers: container deploy-zookeeper exists but belongs to cluster "other"; it is never removed/,
    ],
    [
      'the jar is missing',
      {
        ...nothing(d),
        jar: {
          path: '/jars/x.jar',
          entryClass: 'a.B',
          readable: false,
          isJar: false,
          hasEntryClass: false,
          error: 'ENOENT',
        },
      },
      d,
      /^jar: jar \/jars\/x\.jar cannot be read \(ENOENT\)/,
    ],
    [
      'the jar lacks the entry class',
      {
        ...nothing(d),
        jar: { path: '/jars/x.jar', entryClass: 'a.B', readable: true, isJar: true, hasEntryClass: false },
      },
      d,
      /^jar: \/jars\/x\.jar does not contain the entry class a\.B/,
    ],
    [
      'the JobManager rejects the job',
      {
        ...deployed(d),
        jarValidation: { ok: false, error: 'java.lang.IllegalArgumentException: unknown option --bogus' },
      },
      d,
      /^jar: the JobManager rejects the job .*unknown option --bogus/,
    ],
    [
      'two live jobs of the job',
      deployed(d, [liveJob(ours(d)), liveJob('8df739ddb8968174aad87a27bc8e59a3')]),
      d,
      /^job: 2 live jobs of sample-pipeline .* one writer per job/,
    ],
    [
      'a job to replace that is not RUNNING',
      deployed(d, [liveJob('8df739ddb8968174aad87a27bc8e59a3', 'RESTARTING')]),
      d,
      /^job: job 8df739ddb8968174aad87a27bc8e59a3 is RESTARTING; stopping it with a savepoint needs it RUNNING/,
    ],
    [
      'JobManagers run but REST does not answer',
      { ...deployed(d), rest: { answering: false, jobs: [], error: 'timed out' } },
      d,
      /^job: JobManager containers run but no JobManager answers REST: timed out/,
    ],
    [
      'running JobManagers disagree on HA settings',
      {
        ...deployed(d),
        liveHa: {
          read: ['a', 'b'],
          unread: [],
          differences: [{ key: 'high-availability.cluster-id', values: { a: '/x', b: '/y' } }],
          agree: false,
        },
      },
      d,
      /^ha: the running JobManagers disagree on HA settings: high-availability\.cluster-id \(a=\/x, b=\/y\)/,
    ],
    [
      'the spec gives the standby its own HA settings',
      nothing(d),
      desiredFor(
        {},
        {
          ...cluster,
          jobManagers: cluster.jobManagers.map((m, i) =>
            i === 1 ? { ...m, config: { 'high-availability.cluster-id': '/other' } } : m,
          ),
        },
      ),
      /^spec: jobManagers: high-availability\.cluster-id differs/,
    ],
  ])('%s', (_what, observed, dd, expected) => {
    const found = problems(observed, dd);
    expect(
      found.some((p) => expected.test(p)),
      found.join('\n'),
    ).toBe(true);
  });

  it('an unreachable engine is the only problem reported (nothing else could be looked at)', () => {
    expect(problems({ ...nothing(d), engine: { reachable: false, error: 'x' } })).toHaveLength(1);
  });

  it('running JobManagers that disagree are no problem when both are recreated from the spec', () => {
    const o = withContainer(
      withContainer(deployed(d), 'deploy-flink-jobmanager', { specHash: 'old' }),
      'deploy-flink-jobmanager-standby',
      { specHash: 'old' },
    );
    const disagreeing = {
      ...o,
      liveHa: { read: ['a', 'b'], unread: [], differences: [{ key: 'k', values: {} }], agree: false },
    };
    expect(problems(disagreeing)).toEqual([]);
  });
});
