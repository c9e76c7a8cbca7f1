import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observeJob, type WatchTarget } from '../../src/activities/watch';
import { evaluateHealth } from '../../src/policy/health';
import { listenOnLoopback } from '../helpers/listen';
import { adaptersWithoutZooKeeper } from '../helpers/no-zookeeper';

/**
 * One look against Flink 1.20.3's recorded answers (test/fixtures/flink-1.20). They were
 * recorded weeks before this test runs, so the worker's clock is far ahead of the JobManager's
 * `now` in them: exactly the skew that must not make a healthy job a zombie.
 */
const fixtures = fileURLToPath(new URL('../fixtures/flink-1.20/', import.meta.url));
const fixture = (name: string) => readFileSync(`${fixtures}${name}`, 'utf8');
const JOB = 'f239071f0549909c93e9249e4f8ff878';

describe('observeJob against recorded Flink answers', () => {
  const asked: string[] = [];
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
      asked.push(req.url ?? '');
      const u = new URL(req.url ?? '/', 'http://x');
      res.setHeader('content-type', 'application/json');
      if (u.pathname.endsWith('/subtasks/metrics')) {
        // The sample job's legacy source: record counts, no sourceIdleTime.
        res.end(
          u.searchParams.has('get') ? fixture('vertex-subtasks-metrics.json') : '[{"id":"numRecordsOut"}]',
        );
        return;
      }
      const body = routes[u.pathname];
      res.statusCode = body ? 200 : 404;
      res.end(body ?? '{"errors":["Not found"]}');
    });
    ({ url, close } = await listenOnLoopback(server));
  });
  afterAll(() => close());

  it("measures Flink's times on the JobManager's clock, and reads the checkpoint history", async () => {
    const target: WatchTarget = {
      urls: [url],
      zookeeper: { quorum: '127.0.0.1:1', root: '/flink', clusterId: '/sample' },
      jobManagers: [{ role: 'primary', url, container: 'jm-1', config: {} }],
      expectedTaskManagers: 2,
      jobName: 'sample-pipeline',
      jobId: JOB,
      fileWindowMs: 300_000,
    };
    const observation = await observeJob(target, 0, adaptersWithoutZooKeeper);
    const job = JSON.parse(fixture('job-running.json'));
    expect(observation.at - job.now).toBeGreaterThan(24 * 3_600_000); // the worker is days ahead
    expect(observation.flinkNow).toBe(job.now);
    expect(observation.runningForMs).toBe(job.now - job.timestamps.RUNNING);
    expect(observation.checkpoints).toMatchObject({
      latestCompletedId: 46,
      failedSinceCompleted: 0,
      recentDurationsMs: expect.arrayContaining([27, 20, 21, 25]),
    });
    expect(observation.recordsOutTotal).toBe(1469);
    expect(observation.sourceIdleMs).toBeUndefined();
    const verdict = evaluateHealth(observation, { fileWindowMs: 300_000 });
    expect(verdict.verdict).not.toBe('zombie');
    expect(verdict.reasons.join(' ')).not.toMatch(/no checkpoint completed/);
  });

  it("after a pause past Flink's metric fetch interval, asks for the source's metrics once before reading them", async () => {
    const target: WatchTarget = {
      urls: [url],
      zookeeper: { quorum: '127.0.0.1:1', root: '/flink', clusterId: '/sample' },
      jobManagers: [{ role: 'primary', url, container: 'jm-1', config: {} }],
      expectedTaskManagers: 2,
      jobName: 'sample-pipeline',
      jobId: JOB,
      fileWindowMs: 300_000,
    };
    const metricAsks = () => asked.filter((a) => a.includes('/subtasks/metrics'));
    asked.length = 0;
    await observeJob(target, 0, adaptersWithoutZooKeeper, false);
    const plain = metricAsks().length;
    asked.length = 0;
    const started = Date.now();
    const observation = await observeJob(target, 0, adaptersWithoutZooKeeper, true);
    // One request more, answered from the last fetch, and a wait for the new fetch to land.
    expect(metricAsks()).toHaveLength(plain + 1);
    expect(metricAsks()[0]).not.toContain('get=');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(observation.recordsOutTotal).toBe(1469);
  });
});
