import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadClustersFile } from '../../src/config/load';
import { haSettings, planContainers } from '../../src/docker/container-plan';
import { haAgreementReport } from '../../src/policy/ha-agreement';

// GET /jobmanager/config from the sandbox's primary (Flink 1.20.3), see test/fixtures/flink-1.20/README.md.
const recordedConfig = Object.fromEntries(
  (
    JSON.parse(
      readFileSync(new URL('../fixtures/flink-1.20/jobmanager-config.json', import.meta.url), 'utf8'),
    ) as Array<{ key: string; value: string }>
  ).map((e) => [e.key, e.value]),
);

describe('haAgreementReport', () => {
  it('two JobManagers with the recorded configuration agree; their own HA ports are not compared', () => {
    const standby = { ...recordedConfig, 'high-availability.jobmanager.port': '6141', 'rest.port': '8082' };
    const report = haAgreementReport([
      { url: 'a', config: recordedConfig },
      { url: 'b', config: standby },
    ]);
    expect(report).toMatchObject({ agree: true, differences: [], read: ['a', 'b'] });
  });

  it("names each differing key with every JobManager's value", () => {
    const drifted = { ...recordedConfig, 'high-availability.cluster-id': '/other' };
    const { 'high-availability.storageDir': _dropped, ...missing } = recordedConfig;
    const report = haAgreementReport([
      { url: 'a', config: recordedConfig },
      { url: 'b', config: drifted },
      { url: 'c', config: missing },
    ]);
    expect(report.agree).toBe(false);
    expect(report.differences).toEqual([
      {
        key: 'high-availability.cluster-id',
        values: { a: '/realtime-pipeline', b: '/other', c: '/realtime-pipeline' },
      },
      {
        key: 'high-availability.storageDir',
        values: { a: 'file:///opt/flink/ha', b: 'file:///opt/flink/ha', c: null },
      },
    ]);
  });

  it('cannot say the settings agree when only one JobManager answered', () => {
    const report = haAgreementReport([
      { url: 'a', config: recordedConfig },
      { url: 'b', error: 'refused' },
    ]);
    expect(report).toMatchObject({ agree: false, unread: [{ url: 'b', error: 'refused' }] });
  });
});

describe('planContainers for the sandbox', async () => {
  const file = fileURLToPath(new URL('../../sandbox/clusters.yaml', import.meta.url));
  const spec = (await loadClustersFile(file, {})).clusters['realtime-pipeline'];
  if (!spec) throw new Error('sandbox cluster missing');
  const plan = planContainers({ name: 'realtime-pipeline', ...spec });
  const props = (name: string) =>
    Object.fromEntries(
      (plan.find((c) => c.name === name)?.env.FLINK_PROPERTIES ?? '')
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]),
    );

  it('starts ZooKeeper, then the JobManagers, then the TaskManagers, all on host networking', () => {
    expect(plan.map((c) => [c.name, c.role])).toEqual([
      ['zookeeper', 'zookeeper'],
      ['flink-jobmanager', 'jobmanager'],
      ['flink-jobmanager-standby', 'jobmanager'],
      ['realtime-pipeline-taskmanager-1', 'taskmanager'],
      ['realtime-pipeline-taskmanager-2', 'taskmanager'],
    ]);
  });

  it('gives both JobManagers identical HA settings and each its own pinned ports on 127.0.0.1', () => {
    const primary = props('flink-jobmanager');
    const standby = props('flink-jobmanager-standby');
    for (const [key, value] of Object.entries(haSettings(spec))) {
      expect(primary[key]).toBe(value);
      expect(standby[key]).toBe(value);
    }
    expect([primary['rest.port'], standby['rest.port']]).toEqual(['8081', '8082']);
    expect([
      primary['high-availability.jobmanager.port'],
      standby['high-availability.jobmanager.port'],
    ]).toEqual(['6140', '6141']);
    expect(primary['rest.bind-address']).toBe('127.0.0.1');
  });

  it('no two containers listen on the same port', () => {
    const ports = plan.flatMap((c) => c.ports);
    expect(new Set(ports).size).toBe(ports.length);
  });
});
