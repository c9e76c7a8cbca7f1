import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InvalidClusterSpecError, UnknownClusterError, UnknownJobError } from '../../src/config/errors';
import { loadClustersFile, parseClustersFile, parseInlineSpec, selectJob } from '../../src/config/load';

const file = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/** A valid cluster, as a person writes it; each corpus case breaks one thing. */
function validCluster(): Record<string, any> {
  return {
    zookeeper: {
      quorum: '127.0.0.1:2181',
      root: '/flink',
      clusterId: '/realtime-pipeline',
      container: 'zookeeper',
    },
    ha: { storageDir: 'file:///opt/flink/ha' },
    jobManagers: [
      { role: 'primary', url: 'http://127.0.0.1:8081', container: 'flink-jobmanager' },
      { role: 'standby', url: 'http://127.0.0.1:8082', container: 'flink-jobmanager-standby' },
    ],
    taskManagers: { slots: 2, containers: [{ container: 'tm-1' }, { container: 'tm-2' }] },
    jobs: [
      {
        name: 'realtime-data-pipeline',
        jar: './pipeline.jar',
        entryClass: 'com.realtime.pipeline.FlinkCDC3App',
        parallelism: 4,
        savepointDir: 'file:///opt/flink/savepoints',
        checkpointDir: 'file:///opt/flink/checkpoints',
      },
    ],
    alerts: [
      { type: 'slack', webhook: { fromEnv: 'SLACK_WEBHOOK_URL' } },
      {
        type: 'email',
        smtp: { host: '127.0.0.1', port: 2525, password: { fromEnv: 'SMTP_PASSWORD' } },
        from: 'flink@example.com',
        to: ['oncall@example.com'],
      },
    ],
  };
}

function errorFor(mutate: (c: Record<string, any>) => void): InvalidClusterSpecError {
  const cluster = validCluster();
  mutate(cluster);
  try {
    parseInlineSpec('realtime-pipeline', cluster);
  } catch (error) {
    if (error instanceof InvalidClusterSpecError) return error;
    throw error;
  }
  throw new Error('the spec was accepted');
}

describe('a valid spec', () => {
  it('gets the seeds defaults for everything left out', () => {
    const spec = parseInlineSpec('realtime-pipeline', validCluster(), '/srv');
    expect(spec.monitor).toEqual({
      interval: 60_000,
      fileWindow: 300_000,
      maxRestarts: 3,
      restartWindow: 3_600_000,
      cooldown: 300_000,
    });
    expect(spec.jobs[0]?.checkpoints).toMatchObject({
      interval: 30_000,
      timeout: 180_000,
      tolerableFailures: 5,
    });
    expect(spec.jobs[0]?.jar).toBe('/srv/pipeline.jar');
    expect(spec.storage.minFreeGb).toBe(100);
  });

  it('takes durations the way people write them', () => {
    const spec = parseInlineSpec('rp', {
      ...validCluster(),
      monitor: { interval: '15s', cooldown: '1h30m' },
    });
    expect(spec.monitor.interval).toBe(15_000);
    expect(spec.monitor.cooldown).toBe(5_400_000);
  });
});

// [what is wrong, how to break it, the field path named, the message]
const corpus: Array<[string, (c: Record<string, any>) => void, string, RegExp]> = [
  [
    'a JobManager URL that is not a URL',
    (c) => (c.jobManagers[0].url = 'localhost 8081'),
    'spec.jobManagers[0].url',
    /must be a URL/,
  ],
  [
    'an ftp JobManager URL',
    (c) => (c.jobManagers[0].url = 'ftp://127.0.0.1:8081'),
    'spec.jobManagers[0].url',
    /http:\/\/ or https:\/\//,
  ],
  [
    'duplicate JobManager URLs',
    (c) => (c.jobManagers[1].url = 'http://127.0.0.1:8081/'),
    'spec.jobManagers[1].url',
    /duplicate JobManager URL "http:\/\/127.0.0.1:8081" \(also at jobManagers\[0\]\)/,
  ],
  ['a single JobManager', (c) => c.jobManagers.pop(), 'spec.jobManagers', /needs a primary and a standby/],
  [
    'two primaries',
    (c) => (c.jobManagers[1].role = 'primary'),
    'spec.jobManagers',
    /exactly one primary, found 2/,
  ],
  [
    'an unknown JobManager role',
    (c) => (c.jobManagers[1].role = 'backup'),
    'spec.jobManagers[1].role',
    /"primary"|primary/,
  ],
  [
    'a job without a jar',
    (c) => delete c.jobs[0].jar,
    'spec.jobs[0].jar',
    /expected string, received undefined/,
  ],
  [
    'a parallelism given as text',
    (c) => (c.jobs[0].parallelism = 'four'),
    'spec.jobs[0].parallelism',
    /expected number, received string/,
  ],
  [
    'parallelism zero',
    (c) => (c.jobs[0].parallelism = 0),
    'spec.jobs[0].parallelism',
    /expected number to be >=1/,
  ],
  [
    'an entry class that is not a Java name',
    (c) => (c.jobs[0].entryClass = 'com.realtime.'),
    'spec.jobs[0].entryClass',
    /must be a Java class name/,
  ],
  [
    'a savepoint dir without a scheme',
    (c) => (c.jobs[0].savepointDir = '/opt/flink/savepoints'),
    'spec.jobs[0].savepointDir',
    /must be a URI/,
  ],
  [
    'a checkpoint timeout shorter than the interval',
    (c) => (c.jobs[0].checkpoints = { interval: '30s', timeout: '10s' }),
    'spec.jobs[0].checkpoints.timeout',
    /must not be shorter than interval/,
  ],
  [
    'negative max restarts',
    (c) => (c.monitor = { maxRestarts: -1 }),
    'spec.monitor.maxRestarts',
    /expected number to be >=0/,
  ],
  [
    'a negative interval',
    (c) => (c.monitor = { interval: -5000 }),
    'spec.monitor.interval',
    /must be a positive duration/,
  ],
  [
    'an interval that is not a duration',
    (c) => (c.monitor = { cooldown: 'soon' }),
    'spec.monitor.cooldown',
    /"soon" is not a duration/,
  ],
  [
    'a misspelt field',
    (c) => (c.monitor = { intervall: '60s' }),
    'spec.monitor',
    /unknown field\(s\): intervall/,
  ],
  [
    'an unknown alert type',
    (c) => (c.alerts[0] = { type: 'pager', webhook: { fromEnv: 'X' } }),
    'spec.alerts[0].type',
    /type must be one of email, dingtalk, slack, wecom, lark, webhook/,
  ],
  [
    'a Slack webhook written inline',
    (c) => (c.alerts[0].webhook = 'https://hooks.slack.com/services/T/B/secret'),
    'spec.alerts[0].webhook',
    /secrets must be references like \{fromEnv: NAME\}/,
  ],
  [
    'an SMTP password written inline',
    (c) => (c.alerts[1].smtp.password = 'hunter2'),
    'spec.alerts[1].smtp.password',
    /secrets must be references/,
  ],
  [
    'a DingTalk secret reference to a bad variable name',
    (c) => (c.alerts[0] = { type: 'dingtalk', webhook: { fromEnv: 'DING URL' } }),
    'spec.alerts[0].webhook.fromEnv',
    /must be an environment variable name/,
  ],
  [
    'an email alert without recipients',
    (c) => (c.alerts[1].to = []),
    'spec.alerts[1].to',
    /needs at least one recipient/,
  ],
  [
    'a sender that is not an address',
    (c) => (c.alerts[1].from = 'flink alerts'),
    'spec.alerts[1].from',
    /email/i,
  ],
  [
    'a ZooKeeper quorum without a port',
    (c) => (c.zookeeper.quorum = 'zookeeper'),
    'spec.zookeeper.quorum',
    /must be host:port/,
  ],
  [
    'a ZooKeeper root without a slash',
    (c) => (c.zookeeper.root = 'flink'),
    'spec.zookeeper.root',
    /must start with \//,
  ],
  [
    'HA storage without a scheme',
    (c) => (c.ha.storageDir = '/opt/flink/ha'),
    'spec.ha.storageDir',
    /must be a URI such as file:\/\/\/opt\/flink\/ha/,
  ],
  [
    'no TaskManager',
    (c) => (c.taskManagers.containers = []),
    'spec.taskManagers.containers',
    /needs at least one TaskManager/,
  ],
  [
    'a container name used twice',
    (c) => (c.taskManagers.containers[1].container = 'flink-jobmanager'),
    'spec.containers',
    /container name "flink-jobmanager" is used twice/,
  ],
  [
    'two jobs with one name',
    (c) => c.jobs.push({ ...c.jobs[0] }),
    'spec.jobs[1].name',
    /duplicate job name "realtime-data-pipeline"/,
  ],
  ['no job', (c) => (c.jobs = []), 'spec.jobs', /needs at least one job/],
  [
    'an unknown probe type',
    (c) => (c.jobs[0].probe = { type: 'mysql' }),
    'spec.jobs[0].probe.type',
    /type must be one of postgres, oracle, marker/,
  ],
  [
    'an Oracle probe password written inline',
    (c) =>
      (c.jobs[0].probe = {
        type: 'oracle',
        connectString: 'db:1521/x',
        user: 'system',
        password: 'helowin',
        sql: 'UPDATE t SET a = a',
      }),
    'spec.jobs[0].probe.password',
    /secrets must be references/,
  ],
  [
    'a relative path inside the container',
    (c) => (c.volumes = [{ host: './ha', container: 'opt/flink/ha' }]),
    'spec.volumes[0].container',
    /absolute path inside the container/,
  ],
  [
    'a port out of range',
    (c) => (c.jobManagers[0].ports = { rpc: 70000, blob: 6130, ha: 6140 }),
    'spec.jobManagers[0].ports.rpc',
    /expected number to be <=65535/,
  ],
];

describe('the malformed-spec corpus', () => {
  it('has at least 20 cases', () => expect(corpus.length).toBeGreaterThanOrEqual(20));

  it.each(corpus)('%s', (_what, mutate, path, message) => {
    const error = errorFor(mutate);
    const issue = error.issues.find((i) => i.path === path);
    expect(issue, `issues: ${JSON.stringify(error.issues)}`).toBeDefined();
    expect(issue?.message).toMatch(message);
    expect(error.message).toContain(path);
  });
});

describe('clusters files', () => {
  it('the example file mirrors the seeds: 8081/8082, three TaskManagers, the Oracle CDC job', async () => {
    const { clusters } = await loadClustersFile(file('examples/clusters.yaml'), {});
    const rp = clusters['realtime-pipeline'];
    expect(rp?.jobManagers.map((jm) => jm.url)).toEqual(['http://127.0.0.1:8081', 'http://127.0.0.1:8082']);
    expect(rp?.taskManagers.containers).toHaveLength(3);
    expect(rp?.jobs[0]?.probe).toMatchObject({ type: 'oracle', password: { fromEnv: 'DATABASE_PASSWORD' } });
    expect(rp?.jobs[0]?.probe && 'sql' in rp.jobs[0].probe ? rp.jobs[0].probe.sql : '').toContain(
      'FINANCE_USER.TRANS_INFO',
    );
  });

  it('the sandbox file resolves host paths against its own folder', async () => {
    const { clusters } = await loadClustersFile(file('sandbox/clusters.yaml'), {});
    expect(clusters['realtime-pipeline']?.jobs[0]?.output?.path).toBe(file('.data/sandbox/output'));
  });

  it('reads ${NAME:-default} from the environment', () => {
    const text = 'clusters:\n  rp:\n    zookeeper: { quorum: "${ZK:-127.0.0.1:2181}", clusterId: rp }\n';
    const parse = (env: NodeJS.ProcessEnv) =>
      parseClustersFile(text, { source: 't.yaml', baseDir: '/', env });
    const issues = (env: NodeJS.ProcessEnv) => {
      try {
        parse(env);
        return [];
      } catch (error) {
        return (error as InvalidClusterSpecError).issues.map((i) => i.path);
      }
    };
    // The rest of this cluster is missing, so it fails, but not on the quorum in either case.
    expect(issues({})).not.toContain('clusters.rp.zookeeper.quorum');
    expect(issues({ ZK: 'zk-1' })).toContain('clusters.rp.zookeeper.quorum');
  });

  it('names an unset variable without a default', () => {
    const text = 'clusters:\n  rp:\n    zookeeper:\n      quorum: ${ZK_QUORUM}\n';
    expect(() => parseClustersFile(text, { source: 't.yaml', baseDir: '/', env: {} })).toThrow(
      /clusters\.rp\.zookeeper\.quorum: environment variable ZK_QUORUM is not set and has no default/,
    );
  });

  it('points at the line of a YAML syntax error', () => {
    const text = 'clusters:\n  rp:\n    jobs: [\n';
    expect(() => parseClustersFile(text, { source: 't.yaml', baseDir: '/', env: {} })).toThrow(
      /t\.yaml:\n {2}- line 4: Flow sequence .* must be sufficiently indented and end with a ] at line 4, column 1$/,
    );
  });

  it('refuses a cluster name with spaces and a file without clusters', () => {
    expect(() =>
      parseClustersFile('clusters:\n  "Realtime Pipeline": {}\n', { source: 't', baseDir: '/', env: {} }),
    ).toThrow(/clusters\.Realtime Pipeline: cluster name "Realtime Pipeline" must be lower-case letters/);
    expect(() => parseClustersFile('clusters: {}\n', { source: 't', baseDir: '/', env: {} })).toThrow(
      /defines no cluster/,
    );
  });

  it('selects jobs by name and names the known ones otherwise', () => {
    const spec = parseInlineSpec('rp', validCluster());
    expect(selectJob(spec).name).toBe('realtime-data-pipeline');
    expect(() => selectJob(spec, 'nope')).toThrow(UnknownJobError);
    expect(() => selectJob(spec, 'nope')).toThrow(/known jobs: realtime-data-pipeline/);
  });

  it('an unknown cluster is a typed error listing the known ones', () => {
    const error = new UnknownClusterError('nope', ['realtime-pipeline'], 'clusters.yaml');
    expect(error.name).toBe('UnknownCluster');
    expect(error.message).toBe('unknown cluster "nope" in clusters.yaml; known clusters: realtime-pipeline');
  });
});
