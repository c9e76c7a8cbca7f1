import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { standardAdapters } from '../../src/activities/adapters';
import { deployActivities } from '../../src/activities/deploy';
import type { DockerEndpoint } from '../../src/config/docker-endpoint';
import { loadClustersFile } from '../../src/config/load';
import type { JobSpec, NamedCluster } from '../../src/config/schema';
import type { EngineApi } from '../../src/docker/engine';
import { engineRegistry, routedEngine } from '../../src/docker/engines';
import { placementFrom } from '../../src/docker/placement';
import {
  type EngineLook,
  engineNodes,
  engineProblems,
  enginesAsOne,
  enginesSummary,
  nodeImages,
  WORKER_ENGINE,
} from '../../src/policy/deploy-engines';
import {
  type DeployObservation,
  desiredDeployment,
  planDeploy,
  precheckProblems,
} from '../../src/policy/deploy-plan';

/**
 * The deploy precheck on a cluster of two Docker engines (sandbox/clusters-two-engines.yaml: the
 * primary JobManager and the second TaskManager on engine B, the rest on the worker's own): every
 * engine must answer and hold the image of each node it runs. The engines are fakes (named as
 * such) that answer a version and image inspections and record each call; nothing else exists on
 * them, so a precheck that tried to change anything would fail.
 */

const fixture = fileURLToPath(new URL('../../sandbox/clusters-two-engines.yaml', import.meta.url));
const spec = (await loadClustersFile(fixture, { FLINK_RUNBOOKS_DATA: '/data' })).clusters['two-engines'];
if (!spec) throw new Error('fixture has no two-engines');
const cluster: NamedCluster = { name: 'two-engines', ...spec };
const job = cluster.jobs[0] as JobSpec;

const B = 'unix:///run/flink-runbooks/docker-b.sock';
const FLINK = 'flink-runbooks/flink:1.20.3';
const ZOOKEEPER = 'flink-runbooks/zookeeper:3.8';
const ON_B = ['engines-jobmanager', 'engines-taskmanager-2'];

interface FakeEngineState {
  /** true: answers its version; a string: fails with it; 'hangs': never answers. */
  answers: true | string | 'hangs';
  /** The images it holds, tag → id. */
  images: Record<string, string>;
}

/** A fake engine: a version and image inspections, each call recorded; no other call exists. */
function fakeEngine(name: string, state: FakeEngineState, calls: string[]): EngineApi {
  return {
    engineVersion: async () => {
      calls.push(`${name} version`);
      if (state.answers === 'hangs') return new Promise<string>(() => undefined);
      if (state.answers !== true) throw new Error(state.answers);
      return '27.3';
    },
    docker: () => ({
      getImage: (image: string) => ({
        inspect: async () => {
          calls.push(`${name} image ${image}`);
          const id = state.images[image];
          if (!id) throw Object.assign(new Error(`no such image: ${image}`), { statusCode: 404 });
          return { Id: id };
        },
      }),
    }),
  } as unknown as EngineApi;
}

const BOTH = { [FLINK]: 'sha256:flink', [ZOOKEEPER]: 'sha256:zk' };

/** The worker's engine A and engine B as fakes, the worker placing `placed`'s nodes. */
function twoEngines(a: FakeEngineState, b: FakeEngineState, placed: NamedCluster[] = [cluster]) {
  const calls: string[] = [];
  const byHost: Record<string, EngineApi> = {};
  const registry = engineRegistry(
    (endpoint: DockerEndpoint) => {
      byHost[endpoint.host] ??= fakeEngine(endpoint.host === B ? 'B' : endpoint.host, b, calls);
      return byHost[endpoint.host] as EngineApi;
    },
    fakeEngine('A', a, calls),
  );
  const placement = placementFrom(
    async () => placed,
    async () => 'v1',
  );
  const docker = routedEngine(registry, placement);
  const { checkNodeEngines } = deployActivities(
    { flink: standardAdapters.flink, zookeeper: standardAdapters.zookeeper, docker },
    { engineAnswerMs: 50 },
  );
  return { calls, checkNodeEngines };
}

const draft = desiredDeployment(cluster, job, [], undefined);

/** The precheck's verdict on these looks, every other observation as on a fresh machine. */
function precheck(looks: EngineLook[]): string[] {
  const reachable = enginesAsOne(looks).reachable;
  const desired = desiredDeployment(cluster, job, reachable ? nodeImages(looks) : [], 'c'.repeat(64));
  const observed: DeployObservation = {
    engine: enginesAsOne(looks),
    engines: looks,
    images: reachable ? nodeImages(looks) : [],
    disk: [],
    ports: [],
    containers: reachable
      ? desired.containers.map((c) => ({ name: c.name, exists: false, running: false }))
      : [],
    directories: [],
    jar: { path: job.jar, entryClass: job.entryClass, readable: true, isJar: true, hasEntryClass: true },
  };
  return precheckProblems(desired, observed, planDeploy(desired, observed)).map(
    (p) => `${p.check}: ${p.message}`,
  );
}

describe('the deploy precheck asks every engine the nodes run on', () => {
  it('two engines, the image missing only on the second: refused naming that engine and its nodes, nothing else asked', async () => {
    const { calls, checkNodeEngines } = twoEngines(
      { answers: true, images: BOTH },
      { answers: true, images: { [ZOOKEEPER]: 'sha256:zk' } },
    );
    const looks = await checkNodeEngines({ nodes: engineNodes(draft.containers) });
    expect(
      looks.map((l) => [l.engine, l.nodes.map((n) => `${n.container}${n.id ? '' : ' (absent)'}`)]),
    ).toEqual([
      [WORKER_ENGINE, ['engines-zookeeper', 'engines-jobmanager-standby', 'engines-taskmanager-1']],
      [B, ['engines-jobmanager (absent)', 'engines-taskmanager-2 (absent)']],
    ]);
    expect(precheck(looks)).toEqual([
      `images: image ${FLINK} is not present on Docker engine ${B}, where ${ON_B.join(', ')} run (build or pull it there first)`,
    ]);
    // Only versions and image inspections, each engine about its own nodes' images.
    expect(calls.sort()).toEqual(
      ['A version', `A image ${ZOOKEEPER}`, `A image ${FLINK}`, 'B version', `B image ${FLINK}`].sort(),
    );
  });

  it('the second engine does not answer: refused naming it and its nodes; it is asked nothing more', async () => {
    const { calls, checkNodeEngines } = twoEngines(
      { answers: true, images: BOTH },
      { answers: 'connect ENOENT /run/flink-runbooks/docker-b.sock', images: BOTH },
    );
    const looks = await checkNodeEngines({ nodes: engineNodes(draft.containers) });
    expect(precheck(looks)).toEqual([
      `docker: Docker engine ${B} does not answer (nodes ${ON_B.join(', ')}): connect ENOENT /run/flink-runbooks/docker-b.sock`,
    ]);
    expect(calls.filter((c) => c.startsWith('B'))).toEqual(['B version']);
  });

  it('an engine that never answers is reported after the wait, not left hanging', async () => {
    const { checkNodeEngines } = twoEngines(
      { answers: true, images: BOTH },
      { answers: 'hangs', images: BOTH },
    );
    const looks = await checkNodeEngines({ nodes: engineNodes(draft.containers) });
    expect(precheck(looks)).toEqual([
      `docker: Docker engine ${B} does not answer (nodes ${ON_B.join(', ')}): no answer within 50 ms`,
    ]);
  });

  it('every engine answers and holds its nodes’ images: the precheck passes', async () => {
    const { checkNodeEngines } = twoEngines({ answers: true, images: BOTH }, { answers: true, images: BOTH });
    const looks = await checkNodeEngines({ nodes: engineNodes(draft.containers) });
    expect(precheck(looks)).toEqual([]);
    expect(enginesSummary(looks)).toBe(
      `Docker 27.3 on ${WORKER_ENGINE} (3 nodes), Docker 27.3 on ${B} (2 nodes)`,
    );
  });

  it('a node whose plan names no engine is asked where the worker places its name, as every runbook finds it', async () => {
    const { calls, checkNodeEngines } = twoEngines(
      { answers: true, images: BOTH },
      { answers: true, images: {} },
    );
    const nodes = engineNodes(draft.containers).map(({ container, image }) => ({ container, image }));
    const looks = await checkNodeEngines({ nodes });
    expect(looks.map((l) => l.engine)).toEqual([WORKER_ENGINE, B]);
    expect(calls).toContain(`B image ${FLINK}`);
  });

  it('names an engine by its endpoint only: never its TLS files, never a credential in its error', async () => {
    const tlsEngine = {
      host: 'tcp://10.0.0.3:2376',
      tls: { cert: '/etc/tls/cert.pem', key: '/etc/tls/key.pem' },
    };
    const onTls: NamedCluster = {
      ...cluster,
      jobManagers: cluster.jobManagers.map((jm) => (jm.docker ? { ...jm, docker: tlsEngine } : jm)),
      taskManagers: {
        ...cluster.taskManagers,
        containers: cluster.taskManagers.containers.map((tm) =>
          tm.docker ? { ...tm, docker: tlsEngine } : tm,
        ),
      },
    };
    const { checkNodeEngines } = twoEngines(
      { answers: true, images: BOTH },
      { answers: 'request to https://ops:hunter2@10.0.0.3:2376/version failed', images: BOTH },
      [onTls],
    );
    const looks = await checkNodeEngines({
      nodes: engineNodes(desiredDeployment(onTls, job, [], undefined).containers),
    });
    const problems = engineProblems(draft.containers, looks);
    expect(problems.map((p) => p.message)).toEqual([
      `Docker engine tcp://10.0.0.3:2376 does not answer (nodes ${ON_B.join(', ')}): request to https://ops:[redacted]@10.0.0.3:2376/version failed`,
    ]);
    expect(JSON.stringify(looks)).not.toMatch(/pem|hunter2/);
  });
});

describe('engineProblems', () => {
  const containers = [
    { name: 'zk', image: 'zk:3' },
    { name: 'jm-1', image: 'flink:1' },
    { name: 'jm-2', image: 'flink:1' },
    { name: 'tm-1', image: 'flink:1' },
  ];
  const look = (engine: string, nodes: Array<[string, string, string?]>, rest: Partial<EngineLook> = {}) => ({
    engine,
    reachable: true,
    version: '27',
    nodes: nodes.map(([container, image, id]) => ({ container, image, ...(id ? { id } : {}) })),
    ...rest,
  });
  it.each<[string, EngineLook[], string[]]>([
    [
      'every image on its own engine',
      [
        look(WORKER_ENGINE, [
          ['zk', 'zk:3', 'z'],
          ['jm-1', 'flink:1', 'f'],
        ]),
        look(B, [
          ['jm-2', 'flink:1', 'f'],
          ['tm-1', 'flink:1', 'g'],
        ]),
      ],
      [],
    ],
    [
      'one node of the second engine without its image',
      [
        look(WORKER_ENGINE, [
          ['zk', 'zk:3', 'z'],
          ['jm-1', 'flink:1', 'f'],
        ]),
        look(B, [
          ['jm-2', 'flink:1'],
          ['tm-1', 'flink:1'],
        ]),
      ],
      [
        `images: image flink:1 is not present on Docker engine ${B}, where jm-2, tm-1 run (build or pull it there first)`,
      ],
    ],
    [
      'the image on the worker but not on the second engine, one node there',
      [
        look(WORKER_ENGINE, [
          ['zk', 'zk:3', 'z'],
          ['jm-1', 'flink:1', 'f'],
          ['tm-1', 'flink:1', 'f'],
        ]),
        look(B, [['jm-2', 'flink:1']]),
      ],
      [
        `images: image flink:1 is not present on Docker engine ${B}, where jm-2 runs (build or pull it there first)`,
      ],
    ],
    [
      'the second engine down, the worker missing an image',
      [
        look(WORKER_ENGINE, [
          ['zk', 'zk:3'],
          ['jm-1', 'flink:1', 'f'],
        ]),
        look(
          B,
          [
            ['jm-2', 'flink:1'],
            ['tm-1', 'flink:1'],
          ],
          { reachable: false, version: undefined, error: 'EHOSTUNREACH' },
        ),
      ],
      [
        `images: image zk:3 is not present on Docker engine ${WORKER_ENGINE}, where zk runs (build or pull it there first)`,
        `docker: Docker engine ${B} does not answer (nodes jm-2, tm-1): EHOSTUNREACH`,
      ],
    ],
    [
      'a node no engine was asked about',
      [
        look(WORKER_ENGINE, [
          ['zk', 'zk:3', 'z'],
          ['jm-1', 'flink:1', 'f'],
          ['jm-2', 'flink:1', 'f'],
        ]),
      ],
      ['images: container tm-1: no Docker engine was asked for its image flink:1'],
    ],
  ])('%s', (_what, looks, expected) => {
    expect(engineProblems(containers, looks).map((p) => `${p.check}: ${p.message}`)).toEqual(expected);
  });

  it('an engine down leaves only the engines to speak: the other observations were not made', () => {
    const looks = [
      look(WORKER_ENGINE, [
        ['engines-zookeeper', ZOOKEEPER, 'z'],
        ['engines-jobmanager-standby', FLINK, 'f'],
        ['engines-taskmanager-1', FLINK, 'f'],
      ]),
      look(
        B,
        ON_B.map((name) => [name, FLINK] as [string, string]),
        { reachable: false, version: undefined, error: 'timeout' },
      ),
    ];
    expect(enginesAsOne(looks)).toEqual({ reachable: false, error: `${B}: timeout` });
    const desired = desiredDeployment(cluster, job, [], undefined);
    const unmade: DeployObservation = {
      engine: enginesAsOne(looks),
      engines: looks,
      images: [],
      disk: [],
      ports: [],
      containers: [],
      directories: [],
      jar: { path: job.jar, entryClass: job.entryClass, readable: false, isJar: false, hasEntryClass: false },
    };
    expect(precheckProblems(desired, unmade, planDeploy(desired, unmade))).toEqual([
      { check: 'docker', message: `Docker engine ${B} does not answer (nodes ${ON_B.join(', ')}): timeout` },
    ]);
  });

  it("each node's image id is its own engine's, for its spec hash", () => {
    const looks = [
      look(WORKER_ENGINE, [['jm-1', 'flink:1', 'sha256:a']]),
      look(B, [['jm-2', 'flink:1', 'sha256:b']]),
    ];
    expect(nodeImages(looks)).toEqual([
      { image: 'flink:1', container: 'jm-1', id: 'sha256:a' },
      { image: 'flink:1', container: 'jm-2', id: 'sha256:b' },
    ]);
    const ids = (images: DeployObservation['images']) =>
      Object.fromEntries(
        desiredDeployment(cluster, job, images, undefined).containers.map((c) => [
          c.name,
          c.labels['io.flink-runbooks.spec-hash'],
        ]),
      );
    const same = ids([
      { image: FLINK, id: 'sha256:a' },
      { image: ZOOKEEPER, id: 'sha256:z' },
    ]);
    const onB = ids([
      { image: FLINK, id: 'sha256:a', container: 'engines-jobmanager-standby' },
      { image: FLINK, id: 'sha256:a', container: 'engines-taskmanager-1' },
      { image: FLINK, id: 'sha256:b', container: 'engines-jobmanager' },
      { image: FLINK, id: 'sha256:b', container: 'engines-taskmanager-2' },
      { image: ZOOKEEPER, id: 'sha256:z', container: 'engines-zookeeper' },
    ]);
    expect(onB['engines-jobmanager-standby']).toBe(same['engines-jobmanager-standby']);
    expect(onB['engines-jobmanager']).not.toBe(same['engines-jobmanager']);
  });

  it('on one engine, the summary reads as before', () => {
    expect(enginesSummary([look(WORKER_ENGINE, [['jm-1', 'flink:1', 'f']], { version: '27.3' })])).toBe(
      'Docker 27.3',
    );
  });
});
