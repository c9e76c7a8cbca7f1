import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshVertexMetrics, sourceIdleMs } from '../../src/activities/source-metrics';
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

/**
 * A JobManager's metric fetcher as Flink 1.20 runs it: every metrics request answers from the
 * last fetch, and starts a new fetch (landing a moment later) when that one is older than the
 * update interval. Between looks a minute apart, the source went silent.
 */
describe('refreshVertexMetrics: a look a minute after the last one reads figures of now', () => {
  const JOB = 'f'.repeat(32);
  let url: string;
  let close: () => Promise<void>;
  let now = 0;
  let fetchedAt = -Infinity;
  let stored = 0;
  const idleAt = (t: number) => Math.max(0, t - 100_000); // silent since t = 100 s

  beforeAll(async () => {
    const server = createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      res.setHeader('content-type', 'application/json');
      const answer = stored;
      if (now - fetchedAt > 10_000) {
        fetchedAt = now;
        const fetchNow = now;
        setTimeout(() => {
          stored = idleAt(fetchNow);
        }, 50);
      }
      if (!u.searchParams.has('get')) {
        res.end(JSON.stringify([{ id: 'Source__cdc-source.sourceIdleTime' }]));
        return;
      }
      res.end(JSON.stringify([{ id: u.searchParams.get('get'), min: answer }]));
    });
    ({ url, close } = await listenOnLoopback(server));
  });
  afterAll(() => close());

  it('reads the previous fetch without it, the present with it', async () => {
    const input = { urls: [url], jobId: JOB, vertexId: 'v1' };
    now = 85_000; // the previous look: still emitting
    await refreshVertexMetrics(
      input,
      undefined,
      (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 100))),
    );
    expect(await sourceIdleMs(input)).toBe(0);

    now = 145_000; // a minute later: silent for 45 s
    expect(await sourceIdleMs(input)).toBe(0); // Flink answers from the fetch a minute old
    now = 205_000; // the next minute, this time refreshed first: silent for 105 s
    await refreshVertexMetrics(
      input,
      undefined,
      (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 100))),
    );
    expect(await sourceIdleMs(input)).toBe(105_000);
  });
});
