import { describe, expect, it } from 'vitest';
import { standardAdapters } from '../../src/activities/adapters';
import { createActivities } from '../../src/activities/create';
import { drillAdaptersFrom } from '../../src/activities/drill-adapters';
import type { DockerEndpoint, PlacedCluster } from '../../src/config/docker-endpoint';
import { parseClustersFile } from '../../src/config/load';
import type { NamedCluster } from '../../src/config/schema';
import { planContainers } from '../../src/docker/container-plan';
import type { EngineApi } from '../../src/docker/engine';
import {
  ALL_LOCAL,
  dockerodeOptions,
  engineRegistry,
  type Placement,
  routedEngine,
} from '../../src/docker/engines';
import { placedNodes, placementFrom } from '../../src/docker/placement';

/**
 * Nodes on several Docker engines: every call about a container goes to the engine its node
 * names. Fake engines (named as such) record the calls; no Docker engine is reached.
 */

type Call = [engine: string, method: string, ...args: unknown[]];

/** A fake engine: answers every call as a healthy engine would and records it. */
function fakeEngine(id: string, calls: Call[]): EngineApi {
  const record =
    (method: string, answer: unknown = undefined) =>
    async (...args: unknown[]) => {
      calls.push([id, method, ...args]);
      return answer;
    };
  const container = (name: string) => ({
    inspect: async () => {
      calls.push([id, 'inspect', name]);
      return {
        Id: `${id}-${name}-0123456789`,
        State: { Running: true, StartedAt: 'now' },
        Config: { Labels: { 'io.flink-runbooks.cluster': 'rp' } },
      };
    },
    remove: async () => {
      calls.push([id, 'remove', name]);
    },
  });
  return {
    docker: (() => ({ getContainer: container })) as unknown as EngineApi['docker'],
    inspectContainer: record('inspectContainer', { name: 'x', exists: true, running: true }),
    listContainersByLabel: record('listContainersByLabel', [`${id}-labelled`]),
    createContainer: record('createContainer', true),
    startContainer: record('startContainer', 'started'),
    stopContainer: record('stopContainer', 'stopped'),
    killContainer: record('killContainer', 'killed'),
    removeContainer: record('removeContainer', true),
    containerLogs: record('containerLogs', 'a\nb error\n'),
    execInContainer: record('execInContainer', { exitCode: 0, stdout: '', stderr: '' }),
    imageExists: record('imageExists', true),
    engineVersion: record('engineVersion', '27.0'),
    localDataRoot: record('localDataRoot', '/var/lib/docker'),
  } as EngineApi;
}

const B: DockerEndpoint = { host: 'unix:///run/flink-runbooks/docker-b.sock' };
const C: DockerEndpoint = { host: 'tcp://10.0.0.3:2376' };

/** The sandbox's shape: the standby JobManager and one TaskManager on engine B, the rest local. */
const clustersYaml = (docker: { jm2?: DockerEndpoint; tm2?: DockerEndpoint; cluster?: DockerEndpoint }) =>
  JSON.stringify({
    clusters: {
      rp: {
        ...(docker.cluster ? { docker: docker.cluster } : {}),
        zookeeper: { quorum: '127.0.0.1:2181', clusterId: '/rp', container: 'zk' },
        ha: { storageDir: 'file:///opt/flink/ha' },
        jobManagers: [
          { role: 'primary', url: 'http://127.0.0.1:8081', container: 'jm-1' },
          {
            role: 'standby',
            url: 'http://127.0.0.1:8082',
            container: 'jm-2',
            ...(docker.jm2 ? { docker: docker.jm2 } : {}),
          },
        ],
        taskManagers: {
          containers: [
            { container: 'tm-1' },
            { container: 'tm-2', ...(docker.tm2 ? { docker: docker.tm2 } : {}) },
          ],
        },
        jobs: [
          {
            name: 'job',
            jar: '/data/job.jar',
            entryClass: 'a.B',
            savepointDir: 'file:///opt/flink/savepoints',
            checkpointDir: 'file:///opt/flink/checkpoints',
          },
        ],
      },
    },
  });

const cluster = (docker: Parameters<typeof clustersYaml>[0]): NamedCluster => {
  const { clusters } = parseClustersFile(clustersYaml(docker), {
    source: 'clusters.yaml',
    baseDir: '/data',
    env: {},
  });
  return { ...(clusters.rp as NamedCluster), name: 'rp' };
};

/** Fake engines A (the worker's own), B and C, and a routed adapter over them. */
function engines(placed: PlacedCluster[]) {
  const calls: Call[] = [];
  const made: string[] = [];
  const byHost: Record<string, string> = { [B.host]: 'B', [C.host]: 'C' };
  const registry = engineRegistry(
    (endpoint) => {
      made.push(endpoint.host);
      return fakeEngine(byHost[endpoint.host] ?? endpoint.host, calls);
    },
    fakeEngine('A', calls),
  );
  const placement = placementFrom(
    async () => placed,
    async () => 'v1',
  );
  const docker = routedEngine(registry, placement);
  return { calls, made, docker, activities: createActivities({ ...standardAdapters, docker }) };
}

const on = (calls: Call[], method: string) => calls.filter((c) => c[1] === method).map((c) => [c[0], c[2]]);

describe('a drill against a cluster whose standby JobManager runs on engine B', () => {
  it('stops the standby on B, never on A', async () => {
    const { calls, activities } = engines([cluster({ jm2: B })]);
    await activities.injectFault({ container: 'jm-2', action: 'stop', stopTimeoutSeconds: 5 });
    expect(calls).toEqual([['B', 'stopContainer', 'jm-2', 5]]);
  });

  it('kills the primary on A, and restarts, starts, reads logs of and runs commands in each node on its own engine', async () => {
    const { calls, activities } = engines([cluster({ jm2: B, tm2: C })]);
    await activities.injectFault({ container: 'jm-1', action: 'kill' });
    await activities.restartContainer({ container: 'jm-2', timeoutSeconds: 1 });
    await activities.startContainer({ container: 'tm-2' });
    await activities.grepContainerLogs({ container: 'tm-2' });
    await activities.execInContainer({ container: 'jm-2', cmd: ['ls'] });
    await activities.inspectContainer({ container: 'zk' });
    expect(calls.map((c) => `${c[0]} ${c[1]} ${c[2]}`)).toEqual([
      'A killContainer jm-1',
      'B stopContainer jm-2',
      'B startContainer jm-2',
      'C startContainer tm-2',
      'C containerLogs tm-2',
      'B execInContainer jm-2',
      'A inspectContainer zk',
    ]);
  });

  it("reads the job's output in its container on that container's engine", async () => {
    const { calls, docker, activities } = engines([cluster({ tm2: C })]);
    const output = {
      container: 'tm-2',
      path: '/out',
      pattern: '*.csv',
      freshness: 60_000,
      inProgressLimit: 60_000,
    };
    await drillAdaptersFrom({ ...standardAdapters, docker }).output.freshness(output);
    await activities.observeOutput({ output });
    expect(on(calls, 'execInContainer')).toEqual([
      ['C', 'tm-2'],
      ['C', 'tm-2'],
    ]);
  });

  it("a cluster's docker places every node that names none; a node's own wins", async () => {
    const { calls, activities } = engines([cluster({ cluster: B, tm2: C })]);
    for (const container of ['zk', 'jm-1', 'jm-2', 'tm-1', 'tm-2'])
      await activities.stopContainer({ container });
    expect(on(calls, 'stopContainer')).toEqual([
      ['B', 'zk'],
      ['B', 'jm-1'],
      ['B', 'jm-2'],
      ['B', 'tm-1'],
      ['C', 'tm-2'],
    ]);
  });
});

describe('a deploy on two engines', () => {
  it("creates each container on its node's engine", async () => {
    const spec = cluster({ jm2: B });
    const { calls, activities } = engines([spec]);
    for (const plan of planContainers(spec)) await activities.createContainer({ plan });
    expect(
      on(calls, 'createContainer').map(([engine, plan]) => [engine, (plan as { name: string }).name]),
    ).toEqual([
      ['A', 'zk'],
      ['A', 'jm-1'],
      ['B', 'jm-2'],
      ['A', 'tm-1'],
      ['A', 'tm-2'],
    ]);
  });

  it("a plan's own engine wins over where its name was placed", async () => {
    const { calls, activities } = engines([]);
    const plan = planContainers(cluster({ jm2: C })).find((p) => p.name === 'jm-2');
    expect(plan?.docker).toEqual(C);
    await activities.createContainer({ plan: plan as never });
    expect(on(calls, 'createContainer').map(([engine]) => engine)).toEqual(['C']);
  });

  it('observes and removes a container on its engine, and looks for labelled containers on every engine', async () => {
    const { calls, activities } = engines([cluster({ jm2: B })]);
    const seen = await activities.inspectClusterContainers({ cluster: 'rp', names: ['jm-1', 'jm-2'] });
    expect(seen.map((c) => c.id)).toEqual(['A-jm-1-01234', 'B-jm-2-01234', 'A-A-labelled', 'B-B-labelled']);
    expect(on(calls, 'listContainersByLabel').map(([engine]) => engine)).toEqual(['A', 'B']);
    expect(await activities.removeClusterContainer({ container: 'jm-2', cluster: 'rp' })).toBe('removed');
    expect(calls.filter((c) => c[1] === 'remove')).toEqual([['B', 'remove', 'jm-2']]);
  });

  it('plans of nodes that name no engine are as they were (same hash, no docker field)', () => {
    expect(planContainers(cluster({})).some((p) => 'docker' in p)).toBe(false);
    expect(
      planContainers(cluster({ jm2: B }))
        .filter((p) => 'docker' in p)
        .map((p) => p.name),
    ).toEqual(['jm-2']);
  });
});

describe('with no docker field anywhere', () => {
  it("every call goes to the worker's own engine and no other engine is ever made", async () => {
    const { calls, made, activities } = engines([cluster({})]);
    for (const plan of planContainers(cluster({}))) await activities.createContainer({ plan });
    await activities.injectFault({ container: 'jm-2', action: 'kill' });
    await activities.inspectClusterContainers({ cluster: 'rp', names: ['jm-1'] });
    expect(new Set(calls.map((c) => c[0]))).toEqual(new Set(['A']));
    expect(made).toEqual([]);
  });

  it('the worker with no clusters file places nothing', async () => {
    const placement: Placement = ALL_LOCAL;
    expect(await placement.endpointOf('jm-1')).toBeUndefined();
    expect(await placement.endpoints()).toEqual([]);
  });
});

describe('the engine registry', () => {
  it('makes one client per engine, lazily, whatever the spelling', () => {
    const made: string[] = [];
    const registry = engineRegistry(
      (e) => {
        made.push(e.host);
        return fakeEngine(e.host, []);
      },
      fakeEngine('A', []),
    );
    expect(made).toEqual([]);
    const first = registry.on({ host: 'tcp://localhost:2376' });
    expect(registry.on({ host: 'tcp://127.0.0.1:2376' })).toBe(first);
    expect(registry.on({ host: 'ssh://ops@h' })).toBe(registry.on({ host: 'ssh://ops@h:22' }));
    expect(registry.on({ host: 'tcp://localhost:2376', tls: { cert: '/c', key: '/k' } })).not.toBe(first);
    expect(registry.on(undefined)).toBe(registry.on(undefined));
    expect(made).toEqual(['tcp://localhost:2376', 'ssh://ops@h', 'tcp://localhost:2376']);
  });

  const read = (path: string) => Buffer.from(`<${path}>`);
  it.each<[string, DockerEndpoint, Record<string, unknown>]>([
    [
      'a unix socket',
      { host: 'unix:///run/flink-runbooks/docker-b.sock' },
      { socketPath: '/run/flink-runbooks/docker-b.sock' },
    ],
    ['plain tcp', { host: 'tcp://10.0.0.2:2375' }, { protocol: 'http', host: '10.0.0.2', port: 2375 }],
    [
      'tcp with TLS',
      { host: 'tcp://[::1]:2376', tls: { ca: '/t/ca.pem', cert: '/t/cert.pem', key: '/t/key.pem' } },
      {
        protocol: 'https',
        host: '::1',
        port: 2376,
        ca: Buffer.from('</t/ca.pem>'),
        cert: Buffer.from('</t/cert.pem>'),
        key: Buffer.from('</t/key.pem>'),
      },
    ],
    [
      'ssh with the agent',
      { host: 'ssh://ops@docker-b.internal:2222' },
      {
        protocol: 'ssh',
        host: 'docker-b.internal',
        port: 2222,
        username: 'ops',
        sshOptions: { agent: '/agent.sock' },
      },
    ],
    ['ssh without a user', { host: 'ssh://docker-b' }, { protocol: 'ssh', host: 'docker-b', port: 22 }],
  ])('dockerode options for %s', (_what, endpoint, options) => {
    const env = endpoint.host === 'ssh://docker-b' ? {} : { SSH_AUTH_SOCK: '/agent.sock' };
    expect(dockerodeOptions(endpoint, read, env)).toEqual(options);
  });
});

describe("the worker's placement", () => {
  it('follows the clusters file, re-read only when it changes, keeping the last good reading when it breaks', async () => {
    let version = 'v1';
    let file: () => PlacedCluster[] = () => [cluster({ jm2: B })];
    let loads = 0;
    const placement = placementFrom(
      async () => {
        loads++;
        return file();
      },
      async () => version,
    );
    expect(await placement.endpointOf('jm-2')).toEqual(B);
    expect(await placement.endpointOf('jm-1')).toBeUndefined();
    expect(loads).toBe(1);
    file = () => [cluster({ jm2: C })];
    expect(await placement.endpointOf('jm-2')).toEqual(B);
    version = 'v2';
    expect(await placement.endpointOf('jm-2')).toEqual(C);
    file = () => {
      throw new Error('invalid cluster spec');
    };
    version = 'v3';
    expect(await placement.endpointOf('jm-2')).toEqual(C);
    expect(await placement.endpoints()).toEqual([C]);
  });

  it("places an inline spec's nodes it was told of, but never moves a node of the clusters file", async () => {
    const placement = placementFrom(
      async () => [cluster({ jm2: B })],
      async () => 'v1',
    );
    const inline = structuredClone(cluster({ jm2: C, tm2: C }));
    inline.taskManagers.containers.push({ container: 'tm-9', config: {}, docker: C });
    placement.remember(inline);
    expect(await placement.endpointOf('jm-2')).toEqual(B);
    expect(await placement.endpointOf('tm-9')).toEqual(C);
    expect(await placement.endpoints()).toEqual([B, C]);
  });

  it('placedNodes lists every node with its engine', () => {
    expect([...placedNodes([cluster({ cluster: C, jm2: B })])]).toEqual([
      ['zk', C],
      ['jm-1', C],
      ['jm-2', B],
      ['tm-1', C],
      ['tm-2', C],
    ]);
  });
});
