import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelJob } from '../../src/activities/flink';

/**
 * cancelJob against a JobManager's REST answers served on 127.0.0.1: a completed checkpoint is no
 * safe place when Flink deletes it on cancellation, so such a job is never cancelled.
 */
const JOB = 'aaaaaaaaaaaaaaaaaaaaaaaa00000001';
let server: Server;
let url: string;
let externalization = { enabled: true, delete_on_cancellation: true };
const cancels: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '';
    const json = (body: unknown) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(body));
    };
    if (req.method === 'PATCH') {
      cancels.push(path);
      res.statusCode = 202;
      return json({});
    }
    if (path === `/jobs/${JOB}`) return json({ jid: JOB, state: 'RUNNING' });
    if (path === `/jobs/${JOB}/checkpoints/config`)
      return json({ interval: 10_000, timeout: 60_000, externalization });
    if (path === `/jobs/${JOB}/checkpoints`)
      return json({
        counts: {},
        latest: {
          completed: {
            id: 7,
            external_path: `file:/opt/flink/checkpoints/${JOB}/chk-7`,
            is_savepoint: false,
          },
          savepoint: null,
          failed: null,
          restored: null,
        },
        history: [],
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

describe('cancelJob with stateSafeIn: checkpoint', () => {
  it('refuses a job whose checkpoints the cancel would delete, naming the setting, and sends no cancel', async () => {
    externalization = { enabled: true, delete_on_cancellation: true };
    const refused = await cancelJob({ urls: [url], jobId: JOB, stateSafeIn: 'checkpoint' }).catch(
      (e: Error) => e,
    );
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).name).toBe('UnsafeCancel');
    expect((refused as Error).message).toMatch(
      /execution\.checkpointing\.externalized-checkpoint-retention: RETAIN_ON_CANCELLATION/,
    );
    expect(cancels).toEqual([]);
  });

  it('cancels a job whose completed checkpoint is retained', async () => {
    externalization = { enabled: true, delete_on_cancellation: false };
    expect(await cancelJob({ urls: [url], jobId: JOB, stateSafeIn: 'checkpoint' })).toEqual({
      cancelled: true,
      state: 'RUNNING',
    });
    expect(cancels).toEqual([`/jobs/${JOB}?mode=cancel`]);
  });
});
