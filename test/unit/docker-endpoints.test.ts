import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpointKey, nodePlacements } from '../../src/config/docker-endpoint';
import { InvalidClusterSpecError } from '../../src/config/errors';
import { parseClustersFile } from '../../src/config/load';
import { trustPolicyFromEnv } from '../../src/trust/policy';
import { resolveTrustedCluster } from '../../src/trust/resolve';

/**
 * `docker:` on a node or a cluster: which endpoints the clusters file accepts, with an error that
 * names the field, and which an inline spec may use past the worker's trust boundary.
 */

function base(): Record<string, any> {
  return {
    zookeeper: { quorum: '127.0.0.1:2181', clusterId: '/rp', container: 'zk' },
    ha: { storageDir: 'file:///opt/flink/ha' },
    jobManagers: [
      { role: 'primary', url: 'http://127.0.0.1:8081', container: 'jm-1' },
      { role: 'standby', url: 'http://127.0.0.1:8082', container: 'jm-2' },
    ],
    taskManagers: { containers: [{ container: 'tm-1' }, { container: 'tm-2' }] },
    volumes: [{ host: '/data/flink/ha', container: '/opt/flink/ha' }],
    jobs: [
      {
        name: 'job',
        jar: '/data/jars/job.jar',
        entryClass: 'a.B',
        savepointDir: 'file:///opt/flink/savepoints',
        checkpointDir: 'file:///opt/flink/checkpoints',
      },
    ],
  };
}

type Change = (c: Record<string, any>) => void;

const load = (change: Change) => {
  const c = base();
  change(c);
  return parseClustersFile(JSON.stringify({ clusters: { rp: c } }), {
    source: 'clusters.yaml',
    baseDir: '/srv/flink',
    env: {},
  });
};

/** [what, change, field, message]. */
const refused: Array<[string, Change, string, RegExp]> = [
  [
    'an http:// URL',
    (c) => {
      c.jobManagers[1].docker = 'http://10.0.0.2:2375';
    },
    'clusters.rp.jobManagers[1].docker.host',
    /must be unix:\/\/\/path\/to\/docker\.sock, tcp:\/\/host:port or ssh:\/\/user@host/,
  ],
  [
    'a bare host name',
    (c) => {
      c.docker = 'docker-b';
    },
    'clusters.rp.docker.host',
    /must be unix/,
  ],
  [
    'tcp:// without a port',
    (c) => {
      c.jobManagers[1].docker = 'tcp://10.0.0.2';
    },
    'clusters.rp.jobManagers[1].docker.host',
    /needs a port/,
  ],
  [
    'tcp:// with a port past 65535',
    (c) => {
      c.taskManagers.containers[1].docker = 'tcp://10.0.0.2:99999';
    },
    'clusters.rp.taskManagers.containers[1].docker.host',
    /port 99999 is outside 1-65535/,
  ],
  [
    'tcp:// with a path',
    (c) => {
      c.jobManagers[0].docker = 'tcp://10.0.0.2:2376/v1.41';
    },
    'clusters.rp.jobManagers[0].docker.host',
    /no path/,
  ],
  [
    'tcp:// with a user',
    (c) => {
      c.jobManagers[0].docker = 'tcp://ops@10.0.0.2:2376';
    },
    'clusters.rp.jobManagers[0].docker.host',
    /must not carry a user/,
  ],
  [
    'tcp:// with a host that is no host',
    (c) => {
      c.jobManagers[0].docker = 'tcp://docker_b!:2376';
    },
    'clusters.rp.jobManagers[0].docker.host',
    /is not a host name or address/,
  ],
  [
    'a relative unix socket',
    (c) => {
      c.zookeeper.docker = 'unix://run/docker.sock';
    },
    'clusters.rp.zookeeper.docker.host',
    /absolute socket path/,
  ],
  [
    'a unix socket path with ..',
    (c) => {
      c.zookeeper.docker = 'unix:///run/flink/../../var/run/docker.sock';
    },
    'clusters.rp.zookeeper.docker.host',
    /must not contain "\.\."/,
  ],
  [
    'ssh:// with a password',
    (c) => {
      c.jobManagers[1].docker = 'ssh://root:hunter2@docker-b';
    },
    'clusters.rp.jobManagers[1].docker.host',
    /must not carry a password/,
  ],
  [
    'ssh:// with a path',
    (c) => {
      c.jobManagers[1].docker = 'ssh://ops@docker-b/var/run/docker.sock';
    },
    'clusters.rp.jobManagers[1].docker.host',
    /no path/,
  ],
  [
    'ssh:// with a user that is no user',
    (c) => {
      c.jobManagers[1].docker = 'ssh://-oProxyCommand=x@docker-b';
    },
    'clusters.rp.jobManagers[1].docker.host',
    /is not a user name/,
  ],
  [
    'a line break',
    (c) => {
      c.jobManagers[1].docker = 'tcp://10.0.0.2:2376\n';
    },
    'clusters.rp.jobManagers[1].docker.host',
    /control characters/,
  ],
  [
    'TLS on a unix socket',
    (c) => {
      c.jobManagers[1].docker = { host: 'unix:///run/b.sock', tls: { cert: 'c.pem', key: 'k.pem' } };
    },
    'clusters.rp.jobManagers[1].docker.tls',
    /tls is for tcp:\/\/ endpoints only/,
  ],
  [
    'TLS without the key',
    (c) => {
      c.taskManagers.containers[0].docker = { host: 'tcp://10.0.0.2:2376', tls: { cert: 'c.pem' } };
    },
    'clusters.rp.taskManagers.containers[0].docker.tls.key',
    /expected string/,
  ],
  [
    'a TLS file path with ..',
    (c) => {
      c.docker = { host: 'tcp://10.0.0.2:2376', tls: { cert: 'certs/../../etc/c.pem', key: 'k.pem' } };
    },
    'clusters.rp.docker.tls.cert',
    /must not contain "\.\."/,
  ],
  [
    'a misspelt field',
    (c) => {
      c.docker = { hots: 'tcp://10.0.0.2:2376' };
    },
    'clusters.rp.docker',
    /unknown field\(s\): hots/,
  ],
  [
    'a number',
    (c) => {
      c.jobManagers[0].docker = 2376;
    },
    'clusters.rp.jobManagers[0].docker',
    /expected object/,
  ],
];

describe('a docker endpoint the clusters file refuses', () => {
  it.each(refused)('%s, naming the field', (_what, change, field, message) => {
    let error: unknown;
    try {
      load(change);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidClusterSpecError);
    const issue = (error as InvalidClusterSpecError).issues.find((i) => i.path === field);
    expect(issue, (error as Error).message).toBeDefined();
    expect(issue?.message).toMatch(message);
  });
});

describe('a docker endpoint the clusters file accepts', () => {
  it.each([
    ['unix:///run/flink-runbooks/docker-b.sock'],
    ['tcp://10.0.0.2:2375'],
    ['tcp://docker-b.internal:2376'],
    ['tcp://[fd00::2]:2376'],
    ['ssh://ops@docker-b.internal'],
    ['ssh://ops@10.0.0.2:2222'],
    ['ssh://docker-b'],
  ])('%s', (host) => {
    const { clusters } = load((c) => {
      c.jobManagers[1].docker = host;
    });
    expect(clusters.rp?.jobManagers[1]?.docker).toEqual({ host });
    expect(clusters.rp?.jobManagers[0]).not.toHaveProperty('docker');
  });

  it("takes TLS files from the clusters file's folder, like every other host path", () => {
    const { clusters } = load((c) => {
      c.docker = {
        host: 'tcp://10.0.0.2:2376',
        tls: { ca: 'certs/ca.pem', cert: '/etc/flink/cert.pem', key: 'certs/key.pem' },
      };
    });
    expect(clusters.rp?.docker?.tls).toEqual({
      ca: '/srv/flink/certs/ca.pem',
      cert: '/etc/flink/cert.pem',
      key: '/srv/flink/certs/key.pem',
    });
  });

  it("places a node on its own docker, else on the cluster's, else on the worker's own engine", () => {
    const { clusters } = load((c) => {
      c.docker = 'tcp://10.0.0.2:2376';
      c.jobManagers[1].docker = 'unix:///run/flink-runbooks/docker-b.sock';
    });
    const placed = nodePlacements(clusters.rp as never).map((n) => [n.container, n.docker?.host]);
    expect(placed).toEqual([
      ['zk', 'tcp://10.0.0.2:2376'],
      ['jm-1', 'tcp://10.0.0.2:2376'],
      ['jm-2', 'unix:///run/flink-runbooks/docker-b.sock'],
      ['tm-1', 'tcp://10.0.0.2:2376'],
      ['tm-2', 'tcp://10.0.0.2:2376'],
    ]);
    const { clusters: local } = load(() => undefined);
    expect(nodePlacements(local.rp as never).every((n) => n.docker === undefined)).toBe(true);
  });

  it.each([
    ['tcp://LOCALHOST:2376', 'tcp://127.0.0.1:2376'],
    ['tcp://[::1]:2376', 'tcp://127.0.0.1:2376'],
    ['ssh://ops@Docker-B.', 'ssh://ops@docker-b:22'],
    ['unix:///run/b.sock/', 'unix:///run/b.sock'],
  ])('%s is the engine %s', (host, key) => {
    expect(endpointKey(host)).toBe(key);
  });
});

// The trust boundary: the worker's clusters file runs jm-2 on engine B and tm-2 on a TLS engine.
let dir: string;
let clustersFile: string;
const B = 'unix:///run/flink-runbooks/docker-b.sock';
const workerFile = () => {
  const c = base();
  c.volumes = [{ host: join(dir, 'data'), container: '/opt/flink/ha' }];
  c.jobs[0].jar = join(dir, 'jars/job.jar');
  c.jobManagers[1].docker = B;
  c.taskManagers.containers[1].docker = {
    host: 'tcp://127.0.0.1:2376',
    tls: { ca: 'certs/ca.pem', cert: 'certs/cert.pem', key: 'certs/key.pem' },
  };
  return { clusters: { rp: c } };
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'engines-'));
  clustersFile = join(dir, 'clusters.yaml');
  writeFileSync(clustersFile, JSON.stringify(workerFile()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const inline = (): Record<string, any> => structuredClone(workerFile().clusters.rp);
const env = (more: Record<string, string> = {}) => ({
  FLINK_RUNBOOKS_CLUSTERS: clustersFile,
  FLINK_RUNBOOKS_ALLOW_INLINE_SPECS: 'true',
  ...more,
});

/** [what, change, worker environment, field, message]. */
const beyond: Array<[string, Change, Record<string, string>, string, RegExp]> = [
  [
    'a node on an engine the worker never uses',
    (c) => {
      c.jobManagers[0].docker = 'tcp://10.0.0.66:2375';
    },
    {},
    'spec.jobManagers[0].docker.host',
    /Docker engine tcp:\/\/10\.0\.0\.66:2375 refused: it is neither an engine the worker's clusters file uses nor listed in FLINK_RUNBOOKS_INLINE_DOCKER_HOSTS/,
  ],
  [
    "a cluster's docker over ssh to another machine",
    (c) => {
      c.docker = 'ssh://root@attacker.example';
    },
    {},
    'spec.docker.host',
    /Docker engine ssh:\/\/root@attacker\.example:22 refused/,
  ],
  [
    "the worker's own socket, named explicitly",
    (c) => {
      c.zookeeper.docker = 'unix:///var/run/docker.sock';
    },
    {},
    'spec.zookeeper.docker.host',
    /Docker engine unix:\/\/\/var\/run\/docker\.sock refused/,
  ],
  [
    'an engine the operator listed for another port',
    (c) => {
      c.taskManagers.containers[0].docker = 'tcp://10.0.0.7:2375';
    },
    { FLINK_RUNBOOKS_INLINE_DOCKER_HOSTS: 'tcp://10.0.0.7:2376' },
    'spec.taskManagers.containers[0].docker.host',
    /Docker engine tcp:\/\/10\.0\.0\.7:2375 refused/,
  ],
  [
    'client certificates from outside every folder of the file',
    (c) => {
      c.taskManagers.containers[1].docker.tls.key = '/home/worker/.docker/key.pem';
    },
    {},
    'spec.taskManagers.containers[1].docker.tls.key',
    /host path \/home\/worker\/\.docker\/key\.pem refused: it is under no folder/,
  ],
  [
    "a node of the clusters file moved to the worker's own engine",
    (c) => {
      delete c.jobManagers[1].docker;
    },
    {},
    'spec.jobManagers[1].container',
    /container jm-2 refused: the worker's clusters file runs it on unix:\/\/\/run\/flink-runbooks\/docker-b\.sock, not on the worker's own engine/,
  ],
  [
    'a node of the clusters file moved to another listed engine',
    (c) => {
      c.jobManagers[0].docker = 'tcp://10.0.0.7:2376';
    },
    { FLINK_RUNBOOKS_INLINE_DOCKER_HOSTS: 'tcp://10.0.0.7:2376' },
    'spec.jobManagers[0].container',
    /container jm-1 refused: the worker's clusters file runs it on the worker's own engine, not on tcp:\/\/10\.0\.0\.7:2376/,
  ],
];

describe('an inline spec whose nodes reach past the engines the worker allows', () => {
  it.each(beyond)(
    '%s is refused before anything happens, naming the field',
    async (_what, change, more, field, message) => {
      const spec = inline();
      change(spec);
      const error = await resolveTrustedCluster({ cluster: 'rp', spec }, env(more)).catch((e: unknown) => e);
      expect((error as Error).name, String(error)).toBe('UntrustedSpec');
      expect((error as { nonRetryable?: boolean }).nonRetryable).toBe(true);
      const line = (error as Error).message.split('\n').find((l) => l.includes(`${field}:`));
      expect(line, (error as Error).message).toMatch(message);
    },
  );

  it('needs inline specs allowed at all', async () => {
    const spec = inline();
    spec.docker = B;
    const error = await resolveTrustedCluster(
      { cluster: 'rp', spec },
      env({ FLINK_RUNBOOKS_ALLOW_INLINE_SPECS: '' }),
    ).catch((e: unknown) => e);
    expect((error as Error).name).toBe('InlineSpecRefused');
  });
});

describe('an inline spec that stays on the engines the worker allows', () => {
  it("uses the file's engines, however spelt, with TLS files from the file's folder", async () => {
    const spec = inline();
    spec.taskManagers.containers[1].docker.host = 'tcp://localhost:2376';
    const cluster = await resolveTrustedCluster({ cluster: 'rp', spec }, env());
    expect(cluster.jobManagers[1]?.docker).toEqual({ host: B });
    expect(cluster.taskManagers.containers[1]?.docker?.tls?.cert).toBe(join(dir, 'certs/cert.pem'));
  });

  it('puts a new node on an engine the operator listed, in any spelling', async () => {
    const spec = inline();
    spec.taskManagers.containers.push({ container: 'tm-3', docker: 'tcp://127.0.0.1:2377' });
    const cluster = await resolveTrustedCluster(
      { cluster: 'rp', spec },
      env({ FLINK_RUNBOOKS_INLINE_DOCKER_HOSTS: ' tcp://localhost:2377 , ssh://ops@docker-c' }),
    );
    expect(cluster.taskManagers.containers[2]?.docker).toEqual({ host: 'tcp://127.0.0.1:2377' });
  });

  it("leaves nodes that name no engine on the worker's own, as before", async () => {
    const spec = inline();
    spec.taskManagers.containers.push({ container: 'tm-3' });
    const cluster = await resolveTrustedCluster({ cluster: 'rp', spec }, env());
    expect(cluster.taskManagers.containers[2]).not.toHaveProperty('docker');
  });

  it('reads the list from FLINK_RUNBOOKS_INLINE_DOCKER_HOSTS', () => {
    expect(
      trustPolicyFromEnv({ FLINK_RUNBOOKS_INLINE_DOCKER_HOSTS: 'tcp://a:1, ,ssh://b' }, '/').dockerHosts,
    ).toEqual(['tcp://a:1', 'ssh://b']);
    expect(trustPolicyFromEnv({}, '/').dockerHosts).toEqual([]);
  });
});
