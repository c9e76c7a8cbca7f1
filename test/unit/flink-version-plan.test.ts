import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { imageFlinkVersion, REMOVED_IN_FLINK_2, sameRelease } from '../../src/config/flink-versions';
import { loadClustersFile } from '../../src/config/load';
import { type ClusterSpecInput, clusterSpecSchema } from '../../src/config/schema';
import { planContainers } from '../../src/docker/container-plan';

const base: ClusterSpecInput = {
  zookeeper: { quorum: '127.0.0.1:2181', clusterId: '/c', container: 'zk' },
  ha: { storageDir: 'file:///opt/flink/ha' },
  jobManagers: [
    { role: 'primary', url: 'http://127.0.0.1:8081', container: 'jm-1' },
    { role: 'standby', url: 'http://127.0.0.1:8082', container: 'jm-2' },
  ],
  taskManagers: { containers: [{ container: 'tm-1' }] },
  jobs: [
    {
      name: 'job',
      jar: '/jars/job.jar',
      entryClass: 'a.B',
      savepointDir: 'file:///opt/flink/savepoints',
      checkpointDir: 'file:///opt/flink/checkpoints',
    },
  ],
};

const parse = (extra: Partial<ClusterSpecInput>) => clusterSpecSchema.safeParse({ ...base, ...extra });
const imagesOf = (extra: Partial<ClusterSpecInput>) => {
  const parsed = clusterSpecSchema.parse({ ...base, ...extra });
  return Object.fromEntries(planContainers({ name: 'c', ...parsed }).map((c) => [c.name, c.image]));
};
const problems = (extra: Partial<ClusterSpecInput>) =>
  parse(extra).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];

describe('the image a cluster runs, from flinkVersion and images', () => {
  it('a 2.3 cluster that names no image runs the 2.3 image; ZooKeeper keeps its own', () => {
    expect(imagesOf({ flinkVersion: '2.3' })).toEqual({
      zk: 'flink-runbooks/zookeeper:3.8',
      'jm-1': 'flink-runbooks/flink:2.3.0',
      'jm-2': 'flink-runbooks/flink:2.3.0',
      'tm-1': 'flink-runbooks/flink:2.3.0',
    });
    expect(imagesOf({ flinkVersion: '2.3.0', images: { zookeeper: 'zk:3.9' } })).toMatchObject({
      zk: 'zk:3.9',
      'jm-1': 'flink-runbooks/flink:2.3.0',
    });
  });

  it('a cluster that says nothing runs 1.20.3, as before', () => {
    expect(imagesOf({})['jm-1']).toBe('flink-runbooks/flink:1.20.3');
    expect(imagesOf({ flinkVersion: '1.20' })['tm-1']).toBe('flink-runbooks/flink:1.20.3');
    expect(clusterSpecSchema.parse(base).images).toEqual({
      flink: 'flink-runbooks/flink:1.20.3',
      zookeeper: 'flink-runbooks/zookeeper:3.8',
    });
  });

  it('a named image is used as it is when its tag agrees with flinkVersion, or names no version', () => {
    expect(
      imagesOf({ flinkVersion: '2.3', images: { flink: 'flink:2.3.0-scala_2.12-java17' } })['jm-2'],
    ).toBe('flink:2.3.0-scala_2.12-java17');
    expect(imagesOf({ flinkVersion: '1.20', images: { flink: 'flink:1.20.3-java17' } })['jm-1']).toBe(
      'flink:1.20.3-java17',
    );
    expect(
      imagesOf({ flinkVersion: '2.3', images: { flink: 'registry.local:5000/flink:latest' } })['jm-1'],
    ).toBe('registry.local:5000/flink:latest');
  });

  it('refuses an image of another Flink than flinkVersion, naming images.flink', () => {
    expect(problems({ flinkVersion: '2.3', images: { flink: 'flink-runbooks/flink:1.20.3' } })).toEqual([
      'images.flink: "flink-runbooks/flink:1.20.3" is Flink 1.20.3, but flinkVersion is 2.3: change both together',
    ]);
    expect(problems({ flinkVersion: '1.20.3', images: { flink: 'flink:1.20.1-java17' } })).toHaveLength(1);
  });

  it('refuses a version with no built image unless the image is named', () => {
    expect(problems({ flinkVersion: '2.0' })).toEqual([
      'images.flink: no image is built for Flink 2.0 (built: 1.20, 2.3); name the image',
    ]);
    expect(problems({ flinkVersion: '1.20.1' })).toHaveLength(1);
    expect(problems({ flinkVersion: '2.0', images: { flink: 'flink:2.0.1-java17' } })).toEqual([]);
  });

  it('reads the Flink version from the tags of the official and the local images', () => {
    expect(imageFlinkVersion('flink:1.20.3-java17')).toBe('1.20.3');
    expect(imageFlinkVersion('flink:2.3.0-scala_2.12-java17')).toBe('2.3.0');
    expect(imageFlinkVersion('flink-runbooks/flink:2.3.0')).toBe('2.3.0');
    expect(imageFlinkVersion('flink:2.3')).toBe('2.3');
    expect(imageFlinkVersion('localhost:5000/flink')).toBeUndefined();
    expect(imageFlinkVersion('flink:java17')).toBeUndefined();
    expect(imageFlinkVersion('flink@sha256:0123')).toBeUndefined();
    expect(sameRelease('2.3', '2.3.0')).toBe(true);
    expect(sameRelease('2.3', '2.30.0')).toBe(false);
  });
});

describe('settings Flink 2 no longer reads', () => {
  it('are refused on a 2.x cluster where they are written, and accepted on 1.20', () => {
    const settings: Partial<ClusterSpecInput> = {
      flinkConfig: { 'state.backend.async': 'true', 'execution.checkpointing.dir': 'file:///cp' },
      jobManagers: [
        {
          role: 'primary',
          url: 'http://127.0.0.1:8081',
          container: 'jm-1',
          config: { 'jobmanager.heap.size': '1g' },
        },
        { role: 'standby', url: 'http://127.0.0.1:8082', container: 'jm-2' },
      ],
      taskManagers: { containers: [{ container: 'tm-1', config: { 'taskmanager.heap.size': '1g' } }] },
    };
    expect(problems({ flinkVersion: '2.3', ...settings })).toEqual([
      'flinkConfig.state.backend.async: Flink 2.3 no longer reads this setting (removed in 2.0) and would ignore it',
      'jobManagers.0.config.jobmanager.heap.size: Flink 2.3 no longer reads this setting (removed in 2.0) and would ignore it',
      'taskManagers.containers.0.config.taskmanager.heap.size: Flink 2.3 no longer reads this setting (removed in 2.0) and would ignore it',
    ]);
    expect(problems({ flinkVersion: '1.20', ...settings })).toEqual([]);
  });

  it('do not include any key the sandboxes and examples write', async () => {
    const files = [
      '../../sandbox/clusters.yaml',
      '../../sandbox/clusters-flink-2.3.yaml',
      '../../examples/clusters.yaml',
    ];
    for (const file of files) {
      const { clusters } = await loadClustersFile(fileURLToPath(new URL(file, import.meta.url)), {});
      for (const spec of Object.values(clusters))
        for (const key of Object.keys(spec.flinkConfig)) expect(REMOVED_IN_FLINK_2.has(key), key).toBe(false);
    }
    expect(REMOVED_IN_FLINK_2.size).toBe(78);
  });
});

describe('the Flink 2.3 sandbox (sandbox/clusters-flink-2.3.yaml)', async () => {
  const file = fileURLToPath(new URL('../../sandbox/clusters-flink-2.3.yaml', import.meta.url));
  const { clusters } = await loadClustersFile(file, {});
  const spec = clusters['realtime-pipeline-flink2'];
  if (!spec) throw new Error('realtime-pipeline-flink2 missing');
  const plan = planContainers({ name: 'realtime-pipeline-flink2', ...spec });

  it('runs the 2.3 image in every Flink container, with the HA shape of the 1.20 sandbox', () => {
    expect(plan.map((c) => [c.name, c.role, c.image])).toEqual([
      ['flink2-zookeeper', 'zookeeper', 'flink-runbooks/zookeeper:3.8'],
      ['flink2-jobmanager', 'jobmanager', 'flink-runbooks/flink:2.3.0'],
      ['flink2-jobmanager-standby', 'jobmanager', 'flink-runbooks/flink:2.3.0'],
      ['flink2-taskmanager-1', 'taskmanager', 'flink-runbooks/flink:2.3.0'],
      ['flink2-taskmanager-2', 'taskmanager', 'flink-runbooks/flink:2.3.0'],
    ]);
  });

  it('runs the FLIP-27 sample job (Flink 2 has no SourceFunction)', () => {
    expect(spec.jobs[0]).toMatchObject({
      entryClass: 'io.flinkrunbooks.sample.SourcePipeline',
      jar: expect.stringMatching(/sample-source-pipeline-1\.jar$/),
    });
  });

  it('shares no port or container name with the 1.20 sandbox, so both can run on one engine', async () => {
    const other = await loadClustersFile(
      fileURLToPath(new URL('../../sandbox/clusters.yaml', import.meta.url)),
      {},
    );
    const taken = Object.entries(other.clusters).flatMap(([name, s]) => planContainers({ name, ...s }));
    const ports = new Set(taken.flatMap((c) => c.ports));
    const names = new Set(taken.map((c) => c.name));
    expect(plan.flatMap((c) => c.ports).filter((p) => ports.has(p))).toEqual([]);
    expect(plan.map((c) => c.name).filter((n) => names.has(n))).toEqual([]);
  });
});
