import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlinkClusterClient } from '../../src/flink/cluster-client';
import { listenOnLoopback } from '../helpers/listen';

/** Which JobManagers the cluster client finds silent: only those that do not answer at all. */
const servers: Array<{ url: string; close: () => Promise<void> }> = [];
let answering: string;
let noLeader: string;
let failing: string;
let gone: string;

const BODIES: Record<number, string> = {
  200: '{"flink-version":"1.20.3"}',
  // What a standby cut off from the leader answers to everything.
  500: '{"errors":["Internal server error."]}',
};

function jobManager(status: number, body = BODIES[status] ?? '{"errors":["x"]}') {
  return listenOnLoopback(
    createServer((_req, res) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body);
    }),
  );
}

beforeAll(async () => {
  for (const status of [200, 503, 500, 200]) servers.push(await jobManager(status));
  [answering, noLeader, failing, gone] = servers.map((s) => s.url) as [string, string, string, string];
  await servers[3]?.close(); // a port nobody listens on any more: connection refused
});

afterAll(async () => {
  for (const s of servers.slice(0, 3)) await s.close();
});

describe('FlinkClusterClient.silentUrls', () => {
  it('names the refused JobManager; a 503 or a 500 is an answer', async () => {
    const rest = new FlinkClusterClient([answering, noLeader, failing, gone], 2_000);
    expect(await rest.silentUrls()).toEqual([gone]);
  });

  it('is empty when every JobManager answers', async () => {
    expect(await new FlinkClusterClient([answering, noLeader], 2_000).silentUrls()).toEqual([]);
  });
});

describe('FlinkClusterClient.call', () => {
  const overview = (rest: FlinkClusterClient) => rest.call((c) => c.dashboardConfig());

  it('moves past a JobManager that answers 500 to one that answers, and keeps asking that one', async () => {
    const rest = new FlinkClusterClient([failing, answering], 2_000);
    expect(await overview(rest)).toMatchObject({ 'flink-version': '1.20.3' });
    expect(await overview(rest)).toMatchObject({ 'flink-version': '1.20.3' });
  });

  it("throws the server error when no JobManager does better: it is the cluster's answer", async () => {
    const rest = new FlinkClusterClient([failing, noLeader, gone], 2_000);
    await expect(overview(rest)).rejects.toMatchObject({ name: 'FlinkServerError', status: 500 });
  });

  it('throws a 500 that names a cause at once: it is an answer about the request', async () => {
    const caused = await jobManager(
      500,
      '{"errors":["Internal server error.","<Exception on server side:\\njava.lang.IllegalStateException: the handler failed>"]}',
    );
    try {
      const rest = new FlinkClusterClient([caused.url, answering], 2_000);
      await expect(overview(rest)).rejects.toMatchObject({ name: 'FlinkServerError', bare: false });
    } finally {
      await caused.close();
    }
  });

  it('moves past refused and no-leader JobManagers', async () => {
    const rest = new FlinkClusterClient([gone, noLeader, answering], 2_000);
    expect(await overview(rest)).toMatchObject({ 'flink-version': '1.20.3' });
  });
});
