import { describe, expect, it } from 'vitest';
import { type ClusterSpecInput, clusterSpecSchema } from '../../src/config/schema';
import { planContainers } from '../../src/docker/container-plan';
import { containerCreateOptions } from '../../src/docker/create-options';
import { containerSpecHash } from '../../src/policy/deploy-hash';

const spec: ClusterSpecInput = {
  zookeeper: { quorum: '127.0.0.1:2181', clusterId: '/c', container: 'zk' },
  ha: { storageDir: 'file:///opt/flink/ha' },
  jobManagers: [
    { role: 'primary', url: 'http://127.0.0.1:8081', container: 'jm-1' },
    { role: 'standby', url: 'http://127.0.0.1:8082', container: 'jm-2' },
  ],
  taskManagers: { containers: [{ container: 'tm-1' }, { container: 'tm-2' }] },
  volumes: [{ host: '/data/cp', container: '/opt/flink/checkpoints' }],
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
const plan = (extra: Partial<ClusterSpecInput> = {}) =>
  planContainers({ name: 'c', ...clusterSpecSchema.parse({ ...spec, ...extra }) });

describe('containers the deploy creates', () => {
  it('every one has json-file log limits (the default 50m × 5), beside what it had before', () => {
    const created = plan().map(containerCreateOptions);
    expect(created.map((c) => c.name)).toEqual(['zk', 'jm-1', 'jm-2', 'tm-1', 'tm-2']);
    for (const c of created) {
      expect(c.HostConfig).toMatchObject({
        NetworkMode: 'host',
        Init: true,
        LogConfig: { Type: 'json-file', Config: { 'max-size': '50m', 'max-file': '5' } },
      });
    }
    expect(created[1]?.HostConfig?.Binds).toEqual(['/data/cp:/opt/flink/checkpoints']);
    expect(created[1]?.Cmd).toEqual(['jobmanager']);
    expect(created[0]?.Cmd).toBeUndefined();
  });

  it("takes the cluster's own limits from housekeeping.dockerLogs", () => {
    const created = plan({ housekeeping: { dockerLogs: { maxSize: '10m', maxFiles: 3 } } }).map(
      containerCreateOptions,
    );
    expect(new Set(created.map((c) => JSON.stringify(c.HostConfig?.LogConfig)))).toEqual(
      new Set([JSON.stringify({ Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } })]),
    );
  });

  it('changed limits change the spec hash, so a deploy recreates the containers with them', () => {
    const before = plan()[1];
    const after = plan({ housekeeping: { dockerLogs: { maxSize: '10m', maxFiles: 3 } } })[1];
    if (!before || !after) throw new Error('no JobManager planned');
    expect(containerSpecHash(after, 'sha256:x')).not.toBe(containerSpecHash(before, 'sha256:x'));
  });

  it.each([
    [{ maxSize: '50', maxFiles: 5 }, 'housekeeping.dockerLogs.maxSize'],
    [{ maxSize: '0m', maxFiles: 5 }, 'housekeeping.dockerLogs.maxSize'],
    [{ maxSize: '50m', maxFiles: 0 }, 'housekeeping.dockerLogs.maxFiles'],
  ])('refuses a limit docker would not take: %j', (dockerLogs, field) => {
    const parsed = clusterSpecSchema.safeParse({ ...spec, housekeeping: { dockerLogs } });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toEqual([field]);
  });
});
