import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outcomeTable, testAlert, testChannels } from '../../../src/alerts/test-alert';
import { type HookReceiver, startHookServer } from './servers';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const tsx = join(root, 'node_modules/.bin/tsx');
const script = join(root, 'scripts/alert-test.ts');

let hooks: HookReceiver;
let dir: string;
let clustersFile: string;

/** Each cluster of one file has its own ZooKeeper namespace and containers, or the file is refused. */
function cluster(name: string, alerts: unknown[]): string {
  return JSON.stringify({
    zookeeper: { quorum: '127.0.0.1:2181', clusterId: `/${name}` },
    ha: { storageDir: 'file:///opt/flink/ha' },
    jobManagers: [
      { role: 'primary', url: 'http://127.0.0.1:8081', container: `${name}-jm-1` },
      { role: 'standby', url: 'http://127.0.0.1:8082', container: `${name}-jm-2` },
    ],
    taskManagers: { containers: [{ container: `${name}-tm-1` }] },
    jobs: [
      {
        name: 'pipeline',
        jar: './pipeline.jar',
        entryClass: 'com.example.App',
        savepointDir: 'file:///sp',
        checkpointDir: 'file:///cp',
      },
    ],
    alerts,
  });
}

beforeAll(async () => {
  hooks = await startHookServer({
    dingtalkSecret: 's',
    larkSecret: 's',
    webhookHeader: { name: 'x', value: 'y' },
  });
  dir = mkdtempSync(join(tmpdir(), 'alert-test-'));
  clustersFile = join(dir, 'clusters.yaml');
  // YAML is a superset of JSON.
  writeFileSync(
    clustersFile,
    `{"clusters": {
      "good": ${cluster('good', [{ type: 'slack', name: 'oncall', minSeverity: 'critical', webhook: { fromEnv: 'AT_SLACK' } }])},
      "mixed": ${cluster('mixed', [
        { type: 'slack', name: 'oncall', webhook: { fromEnv: 'AT_SLACK' } },
        { type: 'webhook', name: 'gone', url: { fromEnv: 'AT_GONE' } },
      ])},
      "quiet": ${cluster('quiet', [])}
    }}`,
  );
});
afterAll(async () => {
  await hooks.close();
  rmSync(dir, { recursive: true, force: true });
});

function runScript(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      tsx,
      [script, ...args],
      {
        cwd: root,
        timeout: 20_000,
        env: {
          ...process.env,
          FLINK_RUNBOOKS_CLUSTERS: clustersFile,
          AT_SLACK: `${hooks.base}/slack/services/T1/B1/scriptToken0001`,
          AT_GONE: `${hooks.base}/gone/scriptToken0002`,
        },
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

// Each test starts the script through tsx (up to 20 s each on a loaded machine), not 5 s of work.
describe('npm run alert:test', { timeout: 30_000 }, () => {
  it('sends an info test alert to every channel, even one whose minSeverity is critical, and exits 0', async () => {
    const since = hooks.requests.length;
    const result = await runScript(['--cluster', 'good']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/slack\/oncall\s+sent\s+1\s+200/);
    expect(result.stdout).toContain('1 sent, 0 failed, 0 skipped');
    const request = hooks.requests.slice(since).find((r) => r.route === 'slack');
    expect(request?.body.text).toContain('[INFO] good: Test alert');
    expect(result.stdout).not.toContain('scriptToken');
  });

  it('exits 1 and shows which channel failed', async () => {
    const result = await runScript(['--cluster=mixed']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/slack\/oncall\s+sent/);
    expect(result.stdout).toMatch(/webhook\/gone\s+FAILED\s+1\s+404\s+.*HTTP 404: no route/);
    expect(result.stdout).not.toContain('scriptToken');
  });

  it('exits 2 for an unknown cluster, a cluster without channels, or no cluster at all', async () => {
    const [unknown, quiet, none] = await Promise.all([
      runScript(['--cluster', 'nope']),
      runScript(['--cluster', 'quiet']),
      runScript([]),
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown cluster "nope"');
    expect(unknown.stderr).toContain('known clusters: good, mixed, quiet');
    expect(quiet.code).toBe(2);
    expect(quiet.stderr).toContain('cluster "quiet" has no alert channels');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('usage: npm run alert:test -- --cluster NAME');
  });
});

describe('test alert pieces', () => {
  it('lowers every channel to info and leaves the rest alone', () => {
    const channels = testChannels([{ type: 'slack', minSeverity: 'critical', webhook: { fromEnv: 'X' } }]);
    expect(channels).toEqual([{ type: 'slack', minSeverity: 'info', webhook: { fromEnv: 'X' } }]);
  });

  it('links the test alert to the cluster’s runbooks', () => {
    expect(testAlert('rp', 1_000, 'ops')).toMatchObject({
      severity: 'info',
      cluster: 'rp',
      verdict: 'test',
      incidentKey: 'alert-test:rp:1000',
      workflow: { namespace: 'ops' },
    });
  });

  it('prints a readable table', () => {
    expect(
      outcomeTable([
        {
          channel: 'slack/oncall',
          type: 'slack',
          outcome: 'sent',
          ok: true,
          attempts: 1,
          status: 200,
          durationMs: 42,
        },
        {
          channel: 'email[1]',
          type: 'email',
          outcome: 'failed',
          ok: false,
          attempts: 3,
          error: 'connect ECONNREFUSED 127.0.0.1:2525',
          durationMs: 3_210,
        },
      ]),
    ).toBe(
      [
        'CHANNEL       RESULT  ATTEMPTS  STATUS  TIME   DETAIL',
        'slack/oncall  sent    1         200     42 ms',
        'email[1]      FAILED  3         -       3.2 s  connect ECONNREFUSED 127.0.0.1:2525',
        '',
        '1 sent, 1 failed, 0 skipped',
      ].join('\n'),
    );
  });
});
