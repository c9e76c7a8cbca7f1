import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidClusterSpecError } from '../../src/config/errors';
import { parseClustersFile } from '../../src/config/load';
import { resolveTrustedCluster } from '../../src/trust/resolve';

/**
 * The bad-input corpus, part two: clusters files that would hurt the cluster they describe, and
 * inline specs that reach past what the worker's operator allows. Each is refused with a typed
 * error naming the field, by pure code that has touched nothing yet (the workflow tests show that
 * no activity besides the spec's resolution is ever scheduled).
 */

/** A valid cluster; each case changes one thing. */
function base(): Record<string, any> {
  return {
    zookeeper: { quorum: '127.0.0.1:2181', clusterId: '/rp', container: 'zk' },
    ha: { storageDir: 'file:///opt/flink/ha' },
    jobManagers: [
      {
        role: 'primary',
        url: 'http://127.0.0.1:8081',
        container: 'jm-1',
        ports: { rpc: 6123, blob: 6130, ha: 6140 },
      },
      {
        role: 'standby',
        url: 'http://127.0.0.1:8082',
        container: 'jm-2',
        ports: { rpc: 6124, blob: 6131, ha: 6141 },
      },
    ],
    taskManagers: { containers: [{ container: 'tm-1' }, { container: 'tm-2' }] },
    flinkConfig: { 'state.checkpoints.dir': 'file:///opt/flink/checkpoints' },
    volumes: [{ host: '/data/flink/ha', container: '/opt/flink/ha' }],
    jobs: [
      {
        name: 'job',
        jar: '/data/jars/job.jar',
        entryClass: 'a.B',
        savepointDir: 'file:///opt/flink/savepoints',
        checkpointDir: 'file:///opt/flink/checkpoints',
        checkpoints: { interval: '30s' },
        output: { path: '/data/flink/output' },
        probe: { type: 'marker', controlDir: '/data/flink/control' },
      },
    ],
    monitor: { interval: '60s', fileWindow: '5m' },
    alerts: [],
  };
}

const load = (clusters: Record<string, unknown>, text?: string) =>
  parseClustersFile(text ?? JSON.stringify({ clusters }), {
    source: 'clusters.yaml',
    baseDir: '/data',
    env: {},
  });

type Change = (c: Record<string, any>) => void;

/** [what, change, field path, message]. */
const hurtful: Array<[string, Change, string, RegExp]> = [
  // Durations: a unit, and bounds per field.
  [
    'a bare-number interval (60 ms)',
    (c) => (c.monitor.interval = 60),
    'monitor.interval',
    /at least 1s.*bare number is milliseconds/,
  ],
  [
    'a bare-number interval as text',
    (c) => (c.monitor.interval = '60'),
    'monitor.interval',
    /at least 1s.*bare number/,
  ],
  ['an interval of 500 ms', (c) => (c.monitor.interval = '500ms'), 'monitor.interval', /at least 1s/],
  ['an interval of two hours', (c) => (c.monitor.interval = '2h'), 'monitor.interval', /at most 1h/],
  ['a negative interval', (c) => (c.monitor.interval = -1), 'monitor.interval', /positive duration/],
  ['an interval in words', (c) => (c.monitor.interval = '1 minute'), 'monitor.interval', /not a duration/],
  ['an interval in exponent form', (c) => (c.monitor.interval = '1e3'), 'monitor.interval', /not a duration/],
  [
    'a bare-number file window (300 ms)',
    (c) => (c.monitor.fileWindow = 300),
    'monitor.fileWindow',
    /at least 1s/,
  ],
  [
    'a file window equal to the checkpoint interval',
    (c) => (c.monitor.fileWindow = '30s'),
    'monitor.fileWindow',
    /longer than the checkpoint interval/,
  ],
  [
    'a file window shorter than the checkpoint interval',
    (c) => (c.monitor.fileWindow = '10s'),
    'monitor.fileWindow',
    /files are committed only at checkpoints/,
  ],
  ['a zero cooldown', (c) => (c.monitor.cooldown = 0), 'monitor.cooldown', /positive duration/],
  [
    'a restart window of a year',
    (c) => (c.monitor.restartWindow = '365d'),
    'monitor.restartWindow',
    /at most 30d/,
  ],
  [
    'a checkpoint interval of 50 ms',
    (c) => (c.jobs[0].checkpoints.interval = '50ms'),
    'jobs[0].checkpoints.interval',
    /at least 100ms/,
  ],
  [
    'a checkpoint interval of two days',
    (c) => (c.jobs[0].checkpoints.interval = '2d'),
    'jobs[0].checkpoints.interval',
    /at most 1d/,
  ],
  [
    'a checkpoint timeout of 100 ms',
    (c) => (c.jobs[0].checkpoints.timeout = '100ms'),
    'jobs[0].checkpoints.timeout',
    /at least 1s/,
  ],
  [
    'an output freshness inside one checkpoint interval',
    (c) => (c.jobs[0].output.freshness = '10s'),
    'jobs[0].output.freshness',
    /longer than the job's checkpoint interval/,
  ],
  [
    'a bare-number in-progress limit',
    (c) => (c.jobs[0].output.inProgressLimit = 500),
    'jobs[0].output.inProgressLimit',
    /at least 1s/,
  ],
  [
    'a probe timeout of two hours',
    (c) => (c.jobs[0].probe.timeout = '2h'),
    'jobs[0].probe.timeout',
    /at most 1h/,
  ],
  // Control characters: a line break would add a Flink setting of its own.
  [
    'a line break in a Flink value',
    (c) => (c.flinkConfig['state.backend.type'] = 'rocksdb\nhigh-availability.type: NONE'),
    'flinkConfig.state.backend.type',
    /control characters/,
  ],
  [
    'a line break in a Flink key',
    (c) => (c.flinkConfig['a\nhigh-availability.type'] = 'NONE'),
    'flinkConfig.a\nhigh-availability.type',
    /control characters/,
  ],
  [
    'a carriage return in a JobManager setting',
    (c) => (c.jobManagers[0].config = { 'web.upload.dir': '/tmp\r' }),
    'jobManagers[0].config.web.upload.dir',
    /control characters/,
  ],
  [
    'a tab in a TaskManager setting',
    (c) => (c.taskManagers.containers[0].config = { 'taskmanager.host': 'a\tb' }),
    'taskManagers.containers[0].config.taskmanager.host',
    /control characters/,
  ],
  [
    'a NUL in a Flink value',
    (c) => (c.flinkConfig['x.y'] = 'a\u0000b'),
    'flinkConfig.x.y',
    /control characters/,
  ],
  [
    'a Unicode line separator in a Flink value',
    (c) => (c.flinkConfig['x.y'] = 'a\u2028b'),
    'flinkConfig.x.y',
    /control characters/,
  ],
  [
    'a line break in an image name',
    (c) => (c.images = { flink: 'flink\n--privileged', zookeeper: 'zk' }),
    'images.flink',
    /control characters/,
  ],
  [
    'a line break in an SMTP user',
    (c) =>
      c.alerts.push({
        type: 'email',
        smtp: { host: 'smtp', user: 'a\r\nRCPT TO:<x@y>' },
        from: 'alerts@example.com',
        to: ['oncall@example.com'],
      }),
    'alerts[0].smtp.user',
    /control characters/,
  ],
  [
    'a line break in the REST user',
    (c) => (c.rest = { basicAuth: { username: 'ops\r\nX: 1', password: { fromEnv: 'P' } } }),
    'rest.basicAuth.username',
    /control characters/,
  ],
  [
    'a line break in a JobManager URL',
    (c) => (c.jobManagers[1].url = 'http://127.0.0.1:8082\n'),
    'jobManagers[1].url',
    /control characters/,
  ],
  // "..": nothing reaches outside the folder it names.
  [
    '.. in a savepoint directory',
    (c) => (c.jobs[0].savepointDir = 'file:///opt/flink/savepoints/../..'),
    'jobs[0].savepointDir',
    /must not contain "\.\."/,
  ],
  [
    '.. in a checkpoint directory',
    (c) => (c.jobs[0].checkpointDir = 'file:///opt/flink/../etc'),
    'jobs[0].checkpointDir',
    /must not contain "\.\."/,
  ],
  [
    'percent-encoded .. in the HA directory',
    (c) => (c.ha.storageDir = 'file:///opt/flink/%2e%2e/x'),
    'ha.storageDir',
    /must not contain "\.\."/,
  ],
  [
    '.. in a container path',
    (c) => (c.volumes[0].container = '/opt/flink/../../etc'),
    'volumes[0].container',
    /must not contain "\.\."/,
  ],
  [
    '.. inside an absolute host path',
    (c) => (c.volumes[0].host = '/data/../etc/x'),
    'volumes[0].host',
    /must not contain "\.\."/,
  ],
  [
    '.. inside a relative host path',
    (c) => (c.volumes[0].host = 'data/../../x'),
    'volumes[0].host',
    /must not contain "\.\."/,
  ],
  [
    '.. in the jar',
    (c) => (c.jobs[0].jar = '/data/jars/../../etc/passwd'),
    'jobs[0].jar',
    /must not contain "\.\."/,
  ],
  [
    '.. in the output folder',
    (c) => (c.jobs[0].output.path = '/data/flink/output/..'),
    'jobs[0].output.path',
    /must not contain "\.\."/,
  ],
  [
    '.. in the probe folder',
    (c) => (c.jobs[0].probe.controlDir = '/data/ctl/../..'),
    'jobs[0].probe.controlDir',
    /must not contain "\.\."/,
  ],
  [
    '.. in a storage path',
    (c) => (c.storage = { paths: ['/data/..'] }),
    'storage.paths[0]',
    /must not contain "\.\."/,
  ],
  [
    '.. in the REST CA file',
    (c) => (c.rest = { tls: { caFile: '/certs/../../etc/shadow' } }),
    'rest.tls.caFile',
    /must not contain "\.\."/,
  ],
  [
    '.. in a secret file',
    (c) =>
      (c.rest = { basicAuth: { username: 'u', password: { fromFile: '/run/secrets/../../etc/shadow' } } }),
    'rest.basicAuth.password.fromFile',
    /must not contain "\.\."/,
  ],
  [
    '.. as the ZooKeeper cluster id',
    (c) => (c.zookeeper.clusterId = '..'),
    'zookeeper.clusterId',
    /must not contain "\.\."/,
  ],
  [
    '.. in the ZooKeeper root',
    (c) => (c.zookeeper.root = '/flink/../other'),
    'zookeeper.root',
    /must not contain "\.\."/,
  ],
  [
    '.. in a JobManager URL',
    (c) => (c.jobManagers[1].url = 'http://127.0.0.1:8082/../x'),
    'jobManagers[1].url',
    /must not contain "\.\."/,
  ],
  // One JobManager twice is no HA pair.
  [
    'localhost and 127.0.0.1 on one port',
    (c) => (c.jobManagers[1].url = 'http://localhost:8081'),
    'jobManagers[1].url',
    /duplicate JobManager URL .*both reach 127\.0\.0\.1:8081/,
  ],
  [
    'the default port written and left out',
    (c) => {
      c.jobManagers[0].url = 'http://127.0.0.1';
      c.jobManagers[1].url = 'http://127.0.0.1:80';
    },
    'jobManagers[1].url',
    /both reach 127\.0\.0\.1:80/,
  ],
  [
    'IPv6 loopback and 127.0.0.1',
    (c) => (c.jobManagers[1].url = 'http://[::1]:8081'),
    'jobManagers[1].url',
    /both reach 127\.0\.0\.1:8081/,
  ],
  [
    'a numeric address and its dotted form',
    (c) => (c.jobManagers[1].url = 'http://2130706433:8081'),
    'jobManagers[1].url',
    /both reach 127\.0\.0\.1:8081/,
  ],
  [
    'upper case with a trailing dot',
    (c) => (c.jobManagers[1].url = 'http://LOCALHOST.:8081'),
    'jobManagers[1].url',
    /both reach 127\.0\.0\.1:8081/,
  ],
  // Host networking: two listeners on one port cannot both start.
  [
    "an RPC port on the standby's REST port",
    (c) => (c.jobManagers[0].ports.rpc = 8082),
    'jobManagers[1].url',
    /port 8082 is also the rpc port of jm-1/,
  ],
  [
    "a TaskManager's data port on a blob port",
    (c) => (c.taskManagers.containers[0].ports = { rpc: 6200, data: 6130 }),
    'taskManagers.containers[0].ports.data',
    /port 6130 is also the blob port of jm-1/,
  ],
  [
    "ZooKeeper's client port on a REST port",
    (c) => (c.zookeeper.quorum = '127.0.0.1:8081'),
    'jobManagers[0].url',
    /port 8081 is also ZooKeeper's client port/,
  ],
  [
    'two TaskManagers on one RPC port',
    (c) =>
      c.taskManagers.containers.forEach((tm: any, i: number) => {
        tm.ports = { rpc: 6300, data: 6400 + i };
      }),
    'taskManagers.containers[1].ports.rpc',
    /port 6300 is also the rpc port of tm-1/,
  ],
  [
    "a JobManager's HA port on its own RPC port",
    (c) => (c.jobManagers[1].ports.ha = 6124),
    'jobManagers[1].ports.ha',
    /port 6124 is also the rpc port of jm-2/,
  ],
  // Mounts that hand a container the host.
  [
    'a / mount',
    (c) => (c.volumes = [{ host: '/', container: '/host' }]),
    'volumes[0].host',
    /host's root filesystem/,
  ],
  [
    'the Docker socket',
    (c) => (c.volumes = [{ host: '/var/run/docker.sock', container: '/var/run/docker.sock' }]),
    'volumes[0].host',
    /\/var\/run or under it|engine's socket/,
  ],
  [
    "containerd's socket",
    (c) => (c.volumes = [{ host: '/srv/containerd.sock', container: '/c.sock' }]),
    'volumes[0].host',
    /engine's socket/,
  ],
  [
    '/proc',
    (c) => (c.volumes = [{ host: '/proc', container: '/host-proc' }]),
    'volumes[0].host',
    /\/proc or under it/,
  ],
  [
    'a folder under /sys',
    (c) => (c.volumes = [{ host: '/sys/fs/cgroup', container: '/cg' }]),
    'volumes[0].host',
    /\/sys or under it/,
  ],
  [
    '/etc',
    (c) => (c.volumes = [{ host: '/etc', container: '/host-etc' }]),
    'volumes[0].host',
    /\/etc or under it/,
  ],
  [
    '/dev',
    (c) => (c.volumes = [{ host: '/dev/', container: '/host-dev' }]),
    'volumes[0].host',
    /\/dev or under it/,
  ],
];

describe('a clusters file that would hurt its own cluster', () => {
  it.each(hurtful)('%s', (_what, change, field, message) => {
    const cluster = base();
    change(cluster);
    const error = (() => {
      try {
        load({ rp: cluster });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error, 'accepted').toBeInstanceOf(InvalidClusterSpecError);
    const issues = (error as InvalidClusterSpecError).issues;
    const issue = issues.find((i) => i.path === `clusters.rp.${field}` && message.test(i.message));
    expect(issue, `issues: ${JSON.stringify(issues)}`).toBeDefined();
    expect((error as InvalidClusterSpecError).nonRetryable).toBe(true);
  });

  it('the base cluster itself loads', () => {
    expect(Object.keys(load({ rp: base() }).clusters)).toEqual(['rp']);
  });
});

/** [what, the second cluster's change, message]: two clusters of one file. */
const sharing: Array<[string, Change, RegExp]> = [
  [
    'the same ZooKeeper namespace',
    (c) => renamed(c, 'b'),
    /cluster b shares ZooKeeper \/flink\/rp with cluster a/,
  ],
  [
    'one cluster id with and without its slash',
    (c) => {
      renamed(c, 'b');
      c.zookeeper.clusterId = 'rp';
    },
    /shares ZooKeeper/,
  ],
  [
    'one quorum as localhost and as 127.0.0.1',
    (c) => {
      renamed(c, 'b');
      c.zookeeper.quorum = 'localhost:2181';
    },
    /shares ZooKeeper/,
  ],
  [
    'the container names',
    (c) => (c.zookeeper.clusterId = '/other'),
    /container name "zk" is also used by cluster a/,
  ],
];

function renamed(c: Record<string, any>, prefix: string): void {
  c.zookeeper.container = `${prefix}-zk`;
  for (const [i, jm] of c.jobManagers.entries()) jm.container = `${prefix}-jm-${i}`;
  for (const [i, tm] of c.taskManagers.containers.entries()) tm.container = `${prefix}-tm-${i}`;
}

describe('two clusters of one file', () => {
  it.each(sharing)('sharing %s is refused', (_what, change, message) => {
    const second = base();
    change(second);
    expect(() => load({ a: base(), b: second })).toThrow(message);
  });
});

const YAML_BOMB = [
  'a: &a [x, x, x, x, x, x, x, x, x]',
  'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
  'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
  'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
  'e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]',
  'clusters: *e',
].join('\n');

/** [what, file text, message]: files that are not a clusters file at all. */
const unreadable: Array<[string, string, RegExp]> = [
  ['a YAML alias bomb', YAML_BOMB, /cannot be read as YAML: .*alias/i],
  ['a key given twice', 'clusters:\n  rp: {}\n  rp: {}\n', /line \d+.*(unique|duplicate)/i],
  ['tab indentation', 'clusters:\n\trp: {}\n', /line \d+/],
  ['a file over a megabyte', `clusters: {}\n#${'x'.repeat(1_100_000)}`, /larger than 1000000 bytes/],
  [
    'a secret interpolated into a URL query',
    urlFile('http://127.0.0.1:8081/?token=${FLINK_TOKEN}'),
    /\$\{FLINK_TOKEN\} looks like a secret/,
  ],
  [
    'a variable in a URL path',
    urlFile('http://127.0.0.1:8081/${PATH_PART}'),
    /may only set a URL's host and port/,
  ],
  [
    'a variable as a URL user',
    urlFile('http://${USER_NAME}@127.0.0.1:8081'),
    /may only set a URL's host and port/,
  ],
  [
    'a password variable in an image name',
    'clusters:\n  rp:\n    images: {flink: "${REGISTRY_PASSWORD}", zookeeper: z}\n',
    /\$\{REGISTRY_PASSWORD\} looks like a secret/,
  ],
  [
    'a key password in a Flink setting',
    'clusters:\n  rp:\n    flinkConfig: {security.ssl.rest.key-password: "${SSL_KEY_PASSWORD}"}\n',
    /looks like a secret/,
  ],
];

function urlFile(url: string): string {
  const c = base();
  c.jobManagers[1].url = url;
  return JSON.stringify({ clusters: { rp: c } });
}

describe('a file that is no clusters file', () => {
  it.each(unreadable)('%s is a typed InvalidClusterSpec, never retried', (_what, text, message) => {
    const error = (() => {
      try {
        load({}, text);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InvalidClusterSpecError);
    expect((error as Error).name).toBe('InvalidClusterSpec');
    expect((error as InvalidClusterSpecError).nonRetryable).toBe(true);
    expect((error as Error).message).toMatch(message);
  });

  it('a variable may still set a URL host and port, and paths and images', () => {
    const c = base();
    c.jobManagers[1].url = 'http://${JM2_HOST:-127.0.0.1}:${JM2_PORT:-8082}';
    c.images = { flink: '${FLINK_IMAGE:-flink:1.20}', zookeeper: 'zk' };
    const { clusters } = load({}, JSON.stringify({ clusters: { rp: c } }));
    expect(clusters.rp?.jobManagers[1]?.url).toBe('http://127.0.0.1:8082');
  });
});

// The trust boundary: a worker whose clusters file names a secret, a credential host and folders.
let dir: string;
let clustersFile: string;
const workerFile = () => {
  const c = base();
  c.volumes = [{ host: join(dir, 'data'), container: '/opt/flink/ha' }];
  c.jobs[0].jar = join(dir, 'jars/job.jar');
  c.jobs[0].output.path = join(dir, 'output');
  c.jobs[0].probe = {
    type: 'postgres',
    host: 'db.internal',
    port: 5432,
    database: 'd',
    user: 'u',
    password: { fromEnv: 'DB_PASSWORD' },
    sql: 'select 1',
  };
  c.rest = { basicAuth: { username: 'ops', password: { fromFile: 'secrets/rest' } } };
  c.alerts = [
    {
      type: 'email',
      smtp: { host: 'smtp.internal', user: 'a', password: { fromEnv: 'SMTP_PASSWORD' } },
      from: 'alerts@example.com',
      to: ['oncall@example.com'],
    },
  ];
  return { clusters: { rp: c } };
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'trust-'));
  clustersFile = join(dir, 'clusters.yaml');
  writeFileSync(clustersFile, JSON.stringify(workerFile()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The worker's own cluster, as a client would copy it into an inline spec. */
const inline = (): Record<string, any> => structuredClone(workerFile().clusters.rp);
const env = (more: Record<string, string> = {}) => ({
  FLINK_RUNBOOKS_CLUSTERS: clustersFile,
  FLINK_RUNBOOKS_ALLOW_INLINE_SPECS: 'true',
  ...more,
});

/** [what, change, worker environment, failure type, field, message]. */
const beyond: Array<[string, Change, Record<string, string>, string, string, RegExp]> = [
  [
    'any inline spec, by default',
    () => undefined,
    { FLINK_RUNBOOKS_ALLOW_INLINE_SPECS: '' },
    'InlineSpecRefused',
    'spec',
    /inline cluster specs are refused/,
  ],
  [
    'any inline spec, with the setting misspelt',
    () => undefined,
    { FLINK_RUNBOOKS_ALLOW_INLINE_SPECS: 'ture' },
    'InlineSpecRefused',
    'spec',
    /FLINK_RUNBOOKS_ALLOW_INLINE_SPECS=true/,
  ],
  [
    'the Temporal API key, whatever the list says',
    (c) => (c.jobs[0].probe.password = { fromEnv: 'TEMPORAL_API_KEY' }),
    { FLINK_RUNBOOKS_INLINE_SECRET_ENV: '*' },
    'UntrustedSpec',
    'spec.jobs[0].probe.password',
    /TEMPORAL_API_KEY belongs to the worker itself/,
  ],
  [
    'the codec key',
    (c) => (c.alerts[0].smtp.password = { fromEnv: 'FLINK_RUNBOOKS_CODEC_KEY' }),
    {},
    'UntrustedSpec',
    'spec.alerts[0].smtp.password',
    /belongs to the worker itself/,
  ],
  [
    'a variable neither used nor listed',
    (c) => (c.alerts[0].smtp.password = { fromEnv: 'HOME_PASSWORD' }),
    { FLINK_RUNBOOKS_INLINE_SECRET_ENV: 'INLINE_*,OTHER' },
    'UntrustedSpec',
    'spec.alerts[0].smtp.password',
    /HOME_PASSWORD is neither used/,
  ],
  [
    'a file outside the secret folder',
    (c) => (c.rest.basicAuth.password = { fromFile: '/home/worker/.ssh/id_rsa' }),
    { FLINK_RUNBOOKS_INLINE_SECRET_DIR: 'secrets' },
    'UntrustedSpec',
    'spec.rest.basicAuth.password',
    /id_rsa is neither used/,
  ],
  [
    'a webhook URL from an unlisted variable',
    (c) => c.alerts.push({ type: 'slack', webhook: { fromEnv: 'ATTACKER_URL' } }),
    {},
    'UntrustedSpec',
    'spec.alerts[1].webhook',
    /ATTACKER_URL/,
  ],
  [
    'a webhook header from an unlisted variable',
    (c) =>
      c.alerts.push({
        type: 'webhook',
        url: { fromEnv: 'DB_PASSWORD' },
        headers: { x: { fromEnv: 'AWS_SECRET_ACCESS_KEY' } },
      }),
    {},
    'UntrustedSpec',
    'spec.alerts[1].headers.x',
    /AWS_SECRET_ACCESS_KEY/,
  ],
  [
    'a DingTalk signing secret from an unlisted file',
    (c) =>
      c.alerts.push({
        type: 'dingtalk',
        webhook: { fromEnv: 'DB_PASSWORD' },
        secret: { fromFile: '/etc/shadow' },
      }),
    {},
    'UntrustedSpec',
    'spec.alerts[1].secret',
    /shadow is neither used/,
  ],
  [
    'basic auth to another JobManager',
    (c) => (c.jobManagers[0].url = 'http://203.0.113.7:8081'),
    {},
    'UntrustedSpec',
    'spec.jobManagers[0].url',
    /credentials refused for 203\.0\.113\.7:8081/,
  ],
  [
    'basic auth to another port of a known host',
    (c) => (c.jobManagers[1].url = 'http://127.0.0.1:9999'),
    {},
    'UntrustedSpec',
    'spec.jobManagers[1].url',
    /credentials refused for 127\.0\.0\.1:9999/,
  ],
  [
    'an SMTP login to another server',
    (c) => (c.alerts[0].smtp.host = 'smtp.attacker.test'),
    {},
    'UntrustedSpec',
    'spec.alerts[0].smtp.host',
    /credentials refused for smtp\.attacker\.test:587/,
  ],
  [
    'an SMTP login to another port',
    (c) => (c.alerts[0].smtp.port = 2525),
    {},
    'UntrustedSpec',
    'spec.alerts[0].smtp.host',
    /smtp\.internal:2525/,
  ],
  [
    'a PostgreSQL password to another server',
    (c) => (c.jobs[0].probe.host = '198.51.100.1'),
    {},
    'UntrustedSpec',
    'spec.jobs[0].probe.host',
    /credentials refused for 198\.51\.100\.1:5432/,
  ],
  [
    'an Oracle password to another server',
    (c) =>
      (c.jobs[0].probe = {
        type: 'oracle',
        connectString: 'evil.test:1521/x',
        user: 'u',
        password: { fromEnv: 'DB_PASSWORD' },
        sql: 's',
      }),
    {},
    'UntrustedSpec',
    'spec.jobs[0].probe.connectString',
    /credentials refused for evil\.test:1521/,
  ],
  [
    'a jar outside every folder of the file',
    (c) => (c.jobs[0].jar = '/home/worker/.temporal/key.jar'),
    {},
    'UntrustedSpec',
    'spec.jobs[0].jar',
    /under no folder the worker's clusters file uses/,
  ],
  [
    'a mount outside every folder of the file',
    (c) => (c.volumes = [{ host: '/home/worker', container: '/w' }]),
    {},
    'UntrustedSpec',
    'spec.volumes[0].host',
    /under no folder/,
  ],
  [
    'an output folder outside',
    (c) => (c.jobs[0].output.path = '/var/lib/other'),
    {},
    'UntrustedSpec',
    'spec.jobs[0].output.path',
    /under no folder/,
  ],
  [
    'a marker folder to write into, outside',
    (c) => (c.jobs[0].probe = { type: 'marker', controlDir: '/var/spool/cron' }),
    {},
    'UntrustedSpec',
    'spec.jobs[0].probe.controlDir',
    /under no folder/,
  ],
  [
    'a CA file outside',
    (c) => {
      c.rest.tls = { caFile: '/home/worker/ca.pem' };
      for (const jm of c.jobManagers) jm.url = jm.url.replace('http:', 'https:');
    },
    {},
    'UntrustedSpec',
    'spec.rest.tls.caFile',
    /under no folder/,
  ],
  [
    'a storage path outside',
    (c) => (c.storage = { paths: ['/home'] }),
    {},
    'UntrustedSpec',
    'spec.storage.paths[0]',
    /under no folder/,
  ],
  [
    'a listed root of / (never a root)',
    (c) => (c.jobs[0].jar = '/home/worker/x.jar'),
    { FLINK_RUNBOOKS_INLINE_PATHS: '/' },
    'UntrustedSpec',
    'spec.jobs[0].jar',
    /under no folder/,
  ],
  [
    'a listed root of /etc (never a root)',
    (c) => (c.jobs[0].jar = '/etc/x.jar'),
    { FLINK_RUNBOOKS_INLINE_PATHS: '/etc' },
    'UntrustedSpec',
    'spec.jobs[0].jar',
    /\/etc or under it/,
  ],
];

describe('an inline spec past what the worker allows', () => {
  it.each(beyond)('%s is refused, naming the field', async (_what, change, more, type, field, message) => {
    const spec = inline();
    change(spec);
    const error = await resolveTrustedCluster({ cluster: 'rp', spec }, env(more)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name, (error as Error).message.replace(/\n/g, ' ')).toBe(type);
    expect((error as { nonRetryable?: boolean }).nonRetryable).toBe(true);
    const line = (error as Error).message
      .split('\n')
      .find((l) => l.includes(`${field}:`) || l.startsWith(`${field}:`));
    expect(line, (error as Error).message).toMatch(message);
  });

  it("an upgrade's new jar outside every folder of the file is refused with its inline spec", async () => {
    const error = await resolveTrustedCluster(
      { cluster: 'rp', spec: inline(), jar: '/home/worker/.ssh/id_rsa' } as never,
      env(),
    ).catch((e: unknown) => e);
    expect((error as Error).name).toBe('UntrustedSpec');
    expect((error as Error).message).toContain('jar: host path /home/worker/.ssh/id_rsa refused');
  });

  it("stays inside: the file's own secrets, hosts and folders, and what the operator listed", async () => {
    const spec = inline();
    spec.jobs[0].jar = join(dir, 'jars/job-2.jar');
    spec.jobManagers[0].url = 'http://localhost:8081';
    spec.jobManagers[1].url = 'http://10.0.0.9:8443';
    spec.alerts.push({ type: 'slack', webhook: { fromEnv: 'INLINE_SLACK' } });
    const cluster = await resolveTrustedCluster(
      { cluster: 'rp', spec },
      env({
        FLINK_RUNBOOKS_INLINE_SECRET_ENV: 'INLINE_*',
        FLINK_RUNBOOKS_INLINE_CREDENTIAL_HOSTS: '10.0.0.9:8443',
      }),
    );
    expect(cluster.jobs[0]?.jar).toBe(join(dir, 'jars/job-2.jar'));
    // A relative secret file is read from the clusters file's folder.
    expect(cluster.rest?.basicAuth?.password).toEqual({ fromFile: join(dir, 'secrets/rest') });
  });

  it('a cluster of the file needs no permission at all', async () => {
    const cluster = await resolveTrustedCluster({ cluster: 'rp' }, { FLINK_RUNBOOKS_CLUSTERS: clustersFile });
    expect(cluster.name).toBe('rp');
  });
});

describe('the corpus', () => {
  it('has at least 100 cases with the first part (test/unit/bad-input.test.ts)', () => {
    expect(hurtful.length + sharing.length + unreadable.length + beyond.length).toBeGreaterThanOrEqual(95);
  });
});
