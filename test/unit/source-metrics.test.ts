import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sourceIdleMs } from '../../src/activities/source-metrics';
import { listenOnLoopback } from '../helpers/listen';

/**
 * Flink's answers to /jobs/<id>/vertices/<v>/subtasks/metrics as 1.20 gives them: the list of
 * metric ids (operator metrics carry the operator's name), then the values asked for.
 */
const CDC_JOB = 'c'.repeat(32);
const LEGACY_JOB = 'l'.repeat(32);
const EMPTY_JOB = 'e'.repeat(32);

describe('sourceIdleMs', () => {
  const asked: string[] = [];
  let url: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const server = createServer((req, res) => {
      asked.push(req.url ?? '');
      const u = new URL(req.url ?? '/', 'http://x');
      res.setHeader('content-type', 'application/json');
      const job = u.pathname.split('/')[2];
      if (!u.searchParams.has('get')) {
        const ids =
          job === CDC_JOB
            ? ['numRecordsOut', 'Source__pg-cdc.sourceIdleTime', 'Source__pg-cdc.currentFetchEventTimeLag']
            : job === LEGACY_JOB
              ? ['numRecordsOut', 'numRecordsOutPerSecond']
              : [];
        res.end(JSON.stringify(ids.map((id) => ({ id }))));
        return;
      }
      res.end(JSON.stringify([{ id: u.searchParams.get('get'), min: 23_363 }]));
    });
    ({ url, close } = await listenOnLoopback(server));
  });
  afterAll(() => close());

  it("reads the source operator's sourceIdleTime, least over its subtasks, listing the ids once", async () => {
    const input = { urls: [url], jobId: CDC_JOB, vertexId: 'v1' };
    expect(await sourceIdleMs(input)).toBe(23_363);
    expect(await sourceIdleMs(input)).toBe(23_363);
    const lists = asked.filter((a) => a.includes(CDC_JOB) && !a.includes('get='));
    expect(lists).toHaveLength(1);
    expect(asked.at(-1)).toContain(`get=${encodeURIComponent('Source__pg-cdc.sourceIdleTime')}&agg=min`);
  });

  it('a source without the metric (a legacy SourceFunction) reads as unknown, asked once', async () => {
    const input = { urls: [url], jobId: LEGACY_JOB, vertexId: 'v1' };
    expect(await sourceIdleMs(input)).toBeUndefined();
    expect(await sourceIdleMs(input)).toBeUndefined();
    expect(asked.filter((a) => a.includes(LEGACY_JOB))).toHaveLength(1);
  });

  it('no metrics yet (a job just started) is unknown and asked again next time', async () => {
    const input = { urls: [url], jobId: EMPTY_JOB, vertexId: 'v1' };
    expect(await sourceIdleMs(input)).toBeUndefined();
    expect(await sourceIdleMs(input)).toBeUndefined();
    expect(asked.filter((a) => a.includes(EMPTY_JOB))).toHaveLength(2);
  });

  it('a JobManager that does not answer is skipped for the next', async () => {
    const input = { urls: ['http://127.0.0.1:9', url], jobId: CDC_JOB, vertexId: 'v2' };
    expect(await sourceIdleMs(input)).toBe(23_363);
  });
});
