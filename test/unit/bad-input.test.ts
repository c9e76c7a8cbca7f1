import { describe, expect, it } from 'vitest';
import { clusterRefSchema, inputIssues } from '../../src/config/input';
import { parseClustersFile } from '../../src/config/load';
import { deployInputSchema } from '../../src/workflows/deploy';
import { monitorInputSchema } from '../../src/workflows/monitor-input';
import { signalProblem } from '../../src/workflows/monitor-signals';
import { savepointInputSchema, upgradeInputSchema } from '../../src/workflows/upgrade-api';

/**
 * The bad-input corpus: what people type into the Temporal UI, the CLI, a signal box or a
 * clusters file, wrong in every way we could think of. Each is refused with a message that names
 * the problem, before any activity runs (the workflow tests show no activity is scheduled).
 */
const SCHEMAS = {
  clusterStatus: clusterRefSchema,
  monitorJob: monitorInputSchema,
  deploy: deployInputSchema,
  upgrade: upgradeInputSchema,
  takeSavepoint: savepointInputSchema,
} as const;

const longText = 'x'.repeat(10_000);

const workflowInputs: Array<[keyof typeof SCHEMAS, string, unknown, RegExp]> = [
  ['clusterStatus', 'no input at all', undefined, /expected object/],
  ['clusterStatus', 'a bare string', 'realtime-pipeline', /expected object/],
  ['clusterStatus', 'an array', ['realtime-pipeline'], /expected object/],
  ['clusterStatus', 'no cluster', {}, /cluster: cluster must be a cluster name/],
  ['clusterStatus', 'a numeric cluster', { cluster: 42 }, /cluster: cluster must be a cluster name/],
  [
    'clusterStatus',
    'a cluster with spaces',
    { cluster: 'realtime pipeline' },
    /cluster must be lower-case letters/,
  ],
  ['clusterStatus', 'an upper-case cluster', { cluster: 'Realtime-Pipeline' }, /cluster must be lower-case/],
  ['clusterStatus', 'an oversized cluster name', { cluster: 'a'.repeat(64) }, /at most 63 characters/],
  ['clusterStatus', 'a 10 kB cluster name', { cluster: longText }, /at most 63 characters/],
  ['clusterStatus', 'a misspelt field', { clustr: 'realtime-pipeline' }, /unknown field\(s\): clustr/],
  [
    'clusterStatus',
    'a spec that is not an object',
    { cluster: 'rp', spec: 'inline' },
    /spec: .*expected record/,
  ],
  [
    'monitorJob',
    'a job id that is not a Flink id',
    { cluster: 'rp', jobId: 'abc' },
    /jobId must be a Flink job id/,
  ],
  [
    'monitorJob',
    'an upper-case job id',
    { cluster: 'rp', jobId: 'A'.repeat(32) },
    /jobId must be a Flink job id/,
  ],
  ['monitorJob', 'an empty job name', { cluster: 'rp', job: '' }, /job: .*>=1 characters/],
  ['monitorJob', 'a watch shorter than 10 s', { cluster: 'rp', watchMaxMs: 1_000 }, /watchMaxMs: .*>=10000/],
  [
    'monitorJob',
    'a watch given as text',
    { cluster: 'rp', watchMaxMs: '30m' },
    /watchMaxMs: .*expected number/,
  ],
  ['monitorJob', 'an unknown option', { cluster: 'rp', interval: 5 }, /unknown field\(s\): interval/],
  ['deploy', 'dryRun as text', { cluster: 'rp', dryRun: 'yes' }, /dryRun: .*expected boolean/],
  ['deploy', 'a negative disk threshold', { cluster: 'rp', freeDiskGb: -1 }, /freeDiskGb: .*>=0/],
  [
    'deploy',
    'a savepoint that is a bare path',
    { cluster: 'rp', savepointPath: '/opt/flink/savepoints/x' },
    /savepointPath must be a URI/,
  ],
  [
    'deploy',
    'a savepoint with spaces',
    { cluster: 'rp', savepointPath: 'file:/opt/flink/save points' },
    /savepointPath must be a URI/,
  ],
  ['upgrade', 'parallelism zero', { cluster: 'rp', parallelism: 0 }, /parallelism/],
  [
    'upgrade',
    'parallelism as text',
    { cluster: 'rp', parallelism: 'four' },
    /parallelism: .*expected number/,
  ],
  [
    'upgrade',
    'an unknown mode',
    { cluster: 'rp', jar: '/j.jar', mode: 'yolo' },
    /mode: .*savepoint.*last-state.*stateless/,
  ],
  ['upgrade', 'a job id that is not a Flink id', { cluster: 'rp', jobId: 'nope' }, /jobId/],
  ['upgrade', 'args that are not a list', { cluster: 'rp', args: '--rate 5' }, /args: .*expected array/],
  [
    'upgrade',
    'a negative readiness timeout',
    { cluster: 'rp', jar: '/j.jar', readinessTimeout: -5 },
    /readinessTimeout/,
  ],
  [
    'upgrade',
    'an approval timeout that is not a duration',
    { cluster: 'rp', jar: '/j.jar', approvalTimeout: 'later' },
    /approvalTimeout/,
  ],
  ['takeSavepoint', 'keepLast zero', { cluster: 'rp', retention: { keepLast: 0 } }, /keepLast: .*>=1/],
  [
    'takeSavepoint',
    'a max age that is not a duration',
    { cluster: 'rp', retention: { maxAge: 'old' } },
    /maxAge/,
  ],
  [
    'takeSavepoint',
    'an unknown retention rule',
    { cluster: 'rp', retention: { keepAll: true } },
    /unknown field\(s\): keepAll/,
  ],
];

describe('malformed workflow inputs', () => {
  it.each(workflowInputs)('%s: %s', (runbook, _what, input, message) => {
    const issues = inputIssues(SCHEMAS[runbook], input);
    expect(issues.length, `accepted: ${JSON.stringify(input)?.slice(0, 100)}`).toBeGreaterThan(0);
    expect(issues.map((i) => `${i.path}: ${i.message}`).join('; ')).toMatch(message);
  });
});

const signals: Array<[Parameters<typeof signalProblem>[0], string, unknown, RegExp]> = [
  ['forceRestart', 'a bare string', 'now please', /expected object/],
  ['forceRestart', 'a numeric reason', { reason: 42 }, /reason: .*expected string/],
  ['forceRestart', 'a 10 kB reason', { reason: longText }, /at most 500 characters/],
  ['forceRestart', 'an unknown field', { reason: 'x', force: true }, /unknown field\(s\): force/],
  ['pause', 'a list', ['maintenance'], /expected object/],
  ['watchJob', 'no job id', { reason: 'deploy' }, /jobId: .*expected string/],
  ['watchJob', 'a job id that is not a Flink id', { jobId: 'job-1' }, /jobId must be a Flink job id/],
  [
    'watchJob',
    'a submission without its jar',
    { jobId: 'a'.repeat(32), submission: { entryClass: 'a.B', parallelism: 1, args: [] } },
    /submission\.jar/,
  ],
];

describe('malformed signal payloads', () => {
  it.each(signals)('%s: %s', (signal, _what, payload, message) => {
    expect(signalProblem(signal, payload)).toMatch(message);
  });

  it('well-formed payloads pass, and a missing payload reads as {}', () => {
    expect(signalProblem('forceRestart', { reason: 'operator' })).toBeUndefined();
    expect(signalProblem('forceRestart', undefined)).toBeUndefined();
    expect(signalProblem('watchJob', { jobId: 'a'.repeat(32) })).toBeUndefined();
  });
});

const files: Array<[string, string, RegExp]> = [
  ['an empty file', '', /clusters: .*expected object|expected object/],
  ['a file that is not YAML', 'clusters: [unclosed', /line \d+/],
  ['clusters as a list', 'clusters:\n  - realtime-pipeline\n', /clusters: .*expected record/],
  [
    'a cluster without JobManagers',
    'clusters:\n  rp:\n    zookeeper: {quorum: "127.0.0.1:2181", clusterId: rp}\n',
    /jobManagers: .*expected array/,
  ],
  ['a top-level typo', 'cluster:\n  rp: {}\n', /unknown field\(s\): cluster/],
];

describe('malformed clusters files', () => {
  it.each(files)('%s', (_what, text, message) => {
    expect(() => parseClustersFile(text, { source: 'bad.yaml', baseDir: '/', env: {} })).toThrow(message);
  });
});

describe('the corpus', () => {
  it('has at least 40 malformed inputs, cluster files and signal payloads', () => {
    // The malformed-spec corpus of test/unit/cluster-spec.test.ts adds 33 more.
    expect(workflowInputs.length + signals.length + files.length).toBeGreaterThanOrEqual(40);
  });
});
