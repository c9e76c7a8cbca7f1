import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadClustersFile } from '../../src/config/load';
import type { JobSpec, NamedCluster } from '../../src/config/schema';
import { planContainers } from '../../src/docker/container-plan';
import { fileUriPath, isWithin, specProblems } from '../../src/policy/deploy-spec';

const fixture = fileURLToPath(new URL('../e2e/fixtures/deploy-sandbox.yaml', import.meta.url));
const sandboxFile = fileURLToPath(new URL('../../sandbox/clusters.yaml', import.meta.url));
const examplesFile = fileURLToPath(new URL('../../examples/clusters.yaml', import.meta.url));

async function load(file: string, name: string): Promise<NamedCluster> {
  const spec = (await loadClustersFile(file, {})).clusters[name];
  if (!spec) throw new Error(`${file} has no ${name}`);
  return { name, ...spec };
}

const cluster = await load(fixture, 'deploy-sandbox');
const job = cluster.jobs[0] as JobSpec;
const problemsOf = (c: NamedCluster, j: JobSpec = c.jobs[0] as JobSpec) =>
  specProblems(c, j, planContainers(c)).map((p) => `${p.path}: ${p.message}`);

describe('specProblems', () => {
  it('finds nothing wrong with the sandboxes and the seeds example', async () => {
    expect(problemsOf(cluster)).toEqual([]);
    expect(problemsOf(await load(sandboxFile, 'realtime-pipeline'))).toEqual([]);
    const examples = await loadClustersFile(examplesFile, {});
    for (const [name, spec] of Object.entries(examples.clusters))
      expect(problemsOf({ name, ...spec }), name).toEqual([]);
  });

  const jm = (i: number, patch: object) =>
    cluster.jobManagers.map((m, index) => (index === i ? { ...m, ...patch } : m));
  const withJob = (patch: Partial<JobSpec>): NamedCluster => ({ ...cluster, jobs: [{ ...job, ...patch }] });

  it.each<[string, NamedCluster, RegExp]>([
    [
      'a standby with its own cluster-id (the seeds: job cancelled when the old leader came back)',
      { ...cluster, jobManagers: jm(1, { config: { 'high-availability.cluster-id': '/other' } }) },
      /^jobManagers: high-availability\.cluster-id differs between containers: deploy-flink-jobmanager=\/deploy-sandbox, deploy-flink-jobmanager-standby=\/other, deploy-taskmanager-1=\/deploy-sandbox/,
    ],
    [
      'a TaskManager looking at another ZooKeeper',
      {
        ...cluster,
        taskManagers: {
          ...cluster.taskManagers,
          containers: [
            {
              container: 'deploy-taskmanager-1',
              config: { 'high-availability.zookeeper.quorum': '127.0.0.1:2181' },
            },
            { container: 'deploy-taskmanager-2', config: {} },
          ],
        },
      },
      /high-availability\.zookeeper\.quorum differs between containers: .*deploy-taskmanager-1=127\.0\.0\.1:2181/,
    ],
    [
      'two containers planned on one port',
      { ...cluster, jobManagers: jm(1, { ports: { rpc: 6224, blob: 6231, ha: 6240 } }) },
      /^containers: port 6240 is planned for both deploy-flink-jobmanager and deploy-flink-jobmanager-standby$/,
    ],
    [
      'two JobManagers without pinned ports',
      { ...cluster, jobManagers: cluster.jobManagers.map((m) => ({ ...m, ports: undefined })) },
      /would bind the same default RPC port on one host/,
    ],
    [
      'checkpoints inside the container only',
      withJob({ checkpointDir: 'file:///tmp/checkpoints' }),
      /^jobs\.checkpointDir: file:\/\/\/tmp\/checkpoints is not on a mounted volume/,
    ],
    [
      "the cluster's checkpoint directory is not the job's",
      withJob({ checkpointDir: 'file:///opt/flink/checkpoints/other' }),
      /^flinkConfig\.state\.checkpoints\.dir: the cluster's state\.checkpoints\.dir \(file:\/\/\/opt\/flink\/checkpoints\) is not the job's checkpointDir/,
    ],
    [
      'HA storage holding the savepoints (a fresh deploy empties it)',
      { ...cluster, ha: { storageDir: 'file:///opt/flink/savepoints' } },
      /^ha\.storageDir: file:\/\/\/opt\/flink\/savepoints overlaps the job's savepointDir/,
    ],
    [
      'a min pause as long as the interval',
      withJob({ checkpoints: { ...job.checkpoints, minPause: 2_000 } }),
      /^jobs\.checkpoints\.minPause: minPause \(2s\) must be shorter than interval \(2s\)$/,
    ],
    [
      'an output window shorter than the checkpoint interval',
      withJob({ output: { ...(job.output as NonNullable<JobSpec['output']>), freshness: 1_000 } }),
      /^jobs\.output\.freshness: freshness \(1s\) must be longer than checkpoints\.interval \(2s\)/,
    ],
    [
      "a monitor window shorter than the job's checkpoint interval",
      { ...cluster, monitor: { ...cluster.monitor, fileWindow: 2_000 } },
      /^monitor\.fileWindow: fileWindow \(2s\) must be longer/,
    ],
    [
      'more parallelism than slots',
      withJob({ parallelism: 5 }),
      /^jobs\.parallelism: parallelism 5 needs 5 slots; 2 TaskManagers × 2 slots = 4$/,
    ],
  ])('%s', (_what, broken, expected) => {
    const found = problemsOf(broken, broken.jobs[0] as JobSpec);
    expect(
      found.some((p) => expected.test(p)),
      found.join('\n'),
    ).toBe(true);
  });

  it('does not ask remote storage (s3://, hdfs://) to be mounted', () => {
    const remote: NamedCluster = {
      ...cluster,
      ha: { storageDir: 's3://bucket/ha' },
      flinkConfig: {
        ...cluster.flinkConfig,
        'state.checkpoints.dir': 's3://bucket/cp',
        'state.savepoints.dir': 's3://bucket/sp',
      },
      jobs: [{ ...job, checkpointDir: 's3://bucket/cp/', savepointDir: 's3://bucket/sp' }],
    };
    expect(problemsOf(remote)).toEqual([]);
  });
});

describe('file URIs and paths', () => {
  it.each([
    ['file:///opt/flink/ha', '/opt/flink/ha'],
    ['file:/opt/flink/savepoints/savepoint-1/', '/opt/flink/savepoints/savepoint-1'],
    ['s3://bucket/x', undefined],
    ['/opt/flink', undefined],
  ])('fileUriPath(%s) = %s', (uri, path) => {
    expect(fileUriPath(uri)).toBe(path);
  });

  it.each([
    ['/a/b', '/a', true],
    ['/a', '/a', true],
    ['/ab', '/a', false],
    ['/a', '/a/b', false],
  ])('isWithin(%s, %s) = %s', (path, dir, expected) => {
    expect(isWithin(path, dir)).toBe(expected);
  });
});
