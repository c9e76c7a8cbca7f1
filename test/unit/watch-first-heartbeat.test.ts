import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type WatchInput, watchActivities } from '../../src/activities/watch';
import { listenOnLoopback } from '../helpers/listen';
import { adaptersWithoutZooKeeper } from '../helpers/no-zookeeper';

/**
 * A watch taken over from a lost worker heartbeats before it looks: the server learns at once that
 * it runs again, and the last look it reported stays what a person sees. Recorded Flink answers
 * (test/fixtures/flink-1.20) on loopback; every request and heartbeat goes into one log.
 */
const fixtures = fileURLToPath(new URL('../fixtures/flink-1.20/', import.meta.url));
const fixture = (name: string) => readFileSync(`${fixtures}${name}`, 'utf8');
const JOB = 'f239071f0549909c93e9249e4f8ff878';

const events: string[] = [];
let url: string;
let close: () => Promise<void>;
beforeAll(async () => {
  const routes: Record<string, string> = {
    '/overview': fixture('overview.json'),
    '/config': '{}',
    [`/jobs/${JOB}`]: fixture('job-running.json'),
    [`/jobs/${JOB}/checkpoints`]: fixture('checkpoints.json'),
    [`/jobs/${JOB}/checkpoints/config`]: fixture('checkpoint-config.json'),
    [`/jobs/${JOB}/exceptions`]: fixture('exceptions.json'),
  };
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    events.push(`GET ${u.pathname}`);
    res.setHeader('content-type', 'application/json');
    const body = routes[u.pathname];
    res.statusCode = body ? 200 : 404;
    res.end(body ?? '{"errors":["Not found"]}');
  });
  ({ url, close } = await listenOnLoopback(server));
});
afterAll(() => close());

describe('a watch taken over from another worker', () => {
  it('heartbeats the last look it had reported before it looks again', async () => {
    const lastLook = { at: 1_000, verdict: 'healthy', reasons: [], jobState: 'RUNNING' };
    const env = new MockActivityEnvironment({ attempt: 2, heartbeatDetails: lastLook });
    env.on('heartbeat', (details: unknown) => events.push(`heartbeat ${JSON.stringify(details)}`));
    const input: WatchInput = {
      target: {
        urls: [url],
        zookeeper: { quorum: '127.0.0.1:1', root: '/flink', clusterId: '/sample' },
        jobManagers: [{ role: 'primary', url, container: 'jm-1', config: {} }],
        expectedTaskManagers: 2,
        jobName: 'sample-pipeline',
        jobId: JOB,
        fileWindowMs: 300_000,
      },
      confirmations: 2,
      intervalMs: 1_000,
      maxDurationMs: 0,
    };
    await env.run(watchActivities(adaptersWithoutZooKeeper).watchJob, input);
    expect(events[0]).toBe(`heartbeat ${JSON.stringify(lastLook)}`);
    expect(events.slice(1).some((e) => e.startsWith('GET '))).toBe(true);
    // After the look, its own details.
    expect(events.at(-1)).toMatch(/^heartbeat \{"at":\d{13},"verdict":/);
  });
});
