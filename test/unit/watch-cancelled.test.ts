import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observeJob } from '../../src/activities/watch';
import { adaptersWithoutZooKeeper } from '../helpers/no-zookeeper';

/**
 * The watch tells a person's cancel from a failure: a CANCELED job's exception history is read,
 * and only failures since the job last became RUNNING count. Served on 127.0.0.1 as a
 * JobManager answers; ZooKeeper is not there (the leader is then reported unreadable).
 */
const RUNNING_AT = 1_000_000;
/** Three CANCELED jobs and their exception histories. */
const HISTORIES: Record<string, Array<{ timestamp: number }>> = {
  aaaaaaaaaaaaaaaaaaaaaaaa00000001: [],
  aaaaaaaaaaaaaaaaaaaaaaaa00000002: [{ timestamp: RUNNING_AT - 10 }],
  aaaaaaaaaaaaaaaaaaaaaaaa00000003: [{ timestamp: RUNNING_AT + 10 }],
};
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '';
    res.setHeader('content-type', 'application/json');
    const json = (body: unknown) => res.end(JSON.stringify(body));
    if (path === '/overview') return json({ taskmanagers: 1, 'slots-total': 1, 'slots-available': 0 });
    if (path === '/config') return json({ 'flink-version': '1.20.3' });
    const [, jobId, rest] = /^\/jobs\/([0-9a-f]{32})(\/.*)?$/.exec(path) ?? [];
    const exceptions = jobId ? HISTORIES[jobId] : undefined;
    if (exceptions && !rest)
      return json({
        jid: jobId,
        name: 'pipeline',
        state: 'CANCELED',
        'start-time': 500_000,
        now: 2_000_000,
        timestamps: { RUNNING: RUNNING_AT, CANCELED: 1_900_000 },
        vertices: [],
      });
    if (exceptions && rest?.startsWith('/exceptions'))
      return json({
        exceptionHistory: {
          entries: exceptions.map((e) => ({
            exceptionName: 'java.io.IOException',
            timestamp: e.timestamp,
            stacktrace: 'java.io.IOException: sink refused\n\tat x',
            taskName: null,
          })),
        },
      });
    res.statusCode = 404;
    json({ errors: ['not found'] });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const target = (jobId: string) => ({
  urls: [url],
  zookeeper: { quorum: '127.0.0.1:1', root: '/flink', clusterId: '/fast' },
  jobManagers: [{ role: 'primary' as const, url, container: 'jm-a', config: {} }],
  expectedTaskManagers: 1,
  jobName: 'pipeline',
  jobId,
  fileWindowMs: 300_000,
});

describe('observeJob of a CANCELED job', () => {
  it('counts the failures since it last became RUNNING: none means a person cancelled it', async () => {
    const [none, before, since] = await Promise.all(
      Object.keys(HISTORIES).map((jobId) => observeJob(target(jobId) as never, 0, adaptersWithoutZooKeeper)),
    );
    expect([none, before, since].map((seen) => seen?.jobState)).toEqual(['CANCELED', 'CANCELED', 'CANCELED']);
    expect(none?.failuresInHistory).toBe(0); // a person's cancel
    expect(before?.failuresInHistory).toBe(0); // recovered from before it last ran
    expect(since?.failuresInHistory).toBe(1); // the cluster acted on a failure
  });
});
