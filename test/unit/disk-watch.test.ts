import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type WatchInput, type WatchReport, watchActivities } from '../../src/activities/watch';
import { healthAlert } from '../../src/policy/monitor-alerts';
import { RESTARTABLE } from '../../src/policy/monitor-state';
import { listenOnLoopback } from '../helpers/listen';
import { adaptersWithoutZooKeeper } from '../helpers/no-zookeeper';

/**
 * The disk in the monitor's look: the watch activity (in Temporal's mock activity environment)
 * against Flink's recorded answers (test/fixtures/flink-1.20, served on loopback), with the real
 * statfs of a real folder and thresholds it cannot help crossing.
 */
const fixtures = fileURLToPath(new URL('../fixtures/flink-1.20/', import.meta.url));
const fixture = (name: string) => readFileSync(`${fixtures}${name}`, 'utf8');
const JOB = 'f239071f0549909c93e9249e4f8ff878';

let url: string;
let close: () => Promise<void>;
beforeAll(async () => {
  const routes: Record<string, string> = {
    '/overview': fixture('overview.json'),
    '/config': '{}',
    '/jobs/overview': fixture('jobs-overview.json'),
    [`/jobs/${JOB}`]: fixture('job-running.json'),
    [`/jobs/${JOB}/checkpoints`]: fixture('checkpoints.json'),
    [`/jobs/${JOB}/checkpoints/config`]: fixture('checkpoint-config.json'),
    [`/jobs/${JOB}/exceptions`]: fixture('exceptions.json'),
  };
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    res.setHeader('content-type', 'application/json');
    const body = routes[u.pathname];
    res.statusCode = body ? 200 : 404;
    res.end(body ?? '{"errors":["Not found"]}');
  });
  ({ url, close } = await listenOnLoopback(server));
});
afterAll(() => close());

function input(warnAtPercent: number, criticalAtPercent: number): WatchInput {
  return {
    target: {
      urls: [url],
      zookeeper: { quorum: '127.0.0.1:1', root: '/flink', clusterId: '/sample' },
      jobManagers: [{ role: 'primary', url, container: 'jm-1', config: {} }],
      expectedTaskManagers: 2,
      jobName: 'sample-pipeline',
      jobId: JOB,
      fileWindowMs: 300_000,
      disk: {
        folders: [{ path: tmpdir(), roles: ['checkpoints'] }],
        dockerDataRoot: false,
        thresholds: { warnAtPercent, criticalAtPercent, forecastHorizonMs: 3_600_000 },
      },
    },
    confirmations: 1,
    intervalMs: 1_000,
    maxDurationMs: 0,
  };
}

describe('the disk in every look of the watch', () => {
  it('a full disk makes the look degraded with a critical alert, never a restart; a roomy one adds nothing', async () => {
    const { watchJob } = watchActivities(adaptersWithoutZooKeeper);
    const watch = (warnAt: number, criticalAt: number) =>
      new MockActivityEnvironment().run(watchJob, input(warnAt, criticalAt)) as Promise<WatchReport>;
    const [full, roomy] = await Promise.all([watch(0.0001, 0.0002), watch(99.99, 100)]);
    expect(full.verdict).toBe('degraded');
    expect(RESTARTABLE.has(full.verdict)).toBe(false);
    expect(full.evaluation.reasons.filter((r) => r.startsWith('disk '))).toEqual([
      expect.stringMatching(
        new RegExp(`^disk critical: checkpoints \\(${tmpdir()}\\): \\d+ % of its space used`),
      ),
    ]);
    const alert = healthAlert({
      cluster: 'c',
      job: 'sample-pipeline',
      verdict: full.verdict,
      reasons: full.evaluation.reasons,
      at: 0,
      workflow: { namespace: 'default', workflowId: 'monitor:c:sample-pipeline', runId: 'r' },
    });
    expect(alert.severity).toBe('critical');
    expect(roomy.evaluation.reasons.filter((r) => r.startsWith('disk '))).toEqual([]);
  });
});
