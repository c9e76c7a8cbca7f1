import type { OnCluster } from '../flink/target';
import type { MetricValue } from '../flink/types';
import { type FlinkAdapter, REST_TIMEOUT_MS, standardAdapters } from './adapters';

/**
 * Flink's sourceIdleTime of a job's source vertex: ms since its source last emitted a record
 * (FLIP-33; Flink CDC's legacy source resets it on heartbeats too). It cannot tell a quiet
 * source from a dead one, but it says the job is silent and the source must be asked. The
 * metric is an operator metric, so its id carries the operator's name
 * (`Source__pg-cdc.sourceIdleTime`): the ids are listed once per vertex and remembered. The
 * least over the subtasks counts: one subtask emitting means the source is not silent.
 * `undefined` when no JobManager could tell, or the source has no such metric (a legacy
 * SourceFunction without it).
 */
const idsByVertex = new Map<string, string | null>();

export async function sourceIdleMs(
  input: OnCluster & { jobId: string; vertexId: string },
  flink: FlinkAdapter = standardAdapters.flink,
): Promise<number | undefined> {
  const base = `/jobs/${encodeURIComponent(input.jobId)}/vertices/${encodeURIComponent(input.vertexId)}/subtasks/metrics`;
  for (const url of input.urls) {
    const client = flink.jobManager(url, REST_TIMEOUT_MS.oneJobManager, input.access);
    try {
      const key = `${input.jobId}/${input.vertexId}`;
      let id = idsByVertex.get(key);
      if (id === undefined) {
        const listed = await client.call<MetricValue[]>(base);
        // Before the first metrics arrive the list is empty: look again next time.
        if (listed.length === 0) continue;
        id = listed.find((m) => /(^|\.)sourceIdleTime$/.test(m.id))?.id ?? null;
        idsByVertex.set(key, id);
        if (idsByVertex.size > 100) idsByVertex.delete(idsByVertex.keys().next().value as string);
      }
      if (id === null) return undefined;
      const value = (await client.call<MetricValue[]>(`${base}?get=${encodeURIComponent(id)}&agg=min`))[0]
        ?.min;
      if (value !== undefined) return value;
    } catch {
      // This JobManager could not tell; the next one may.
    }
  }
  return undefined;
}

/**
 * Flink's REST API answers metrics from its last fetch and starts a new one, asynchronously, when
 * that fetch is older than `metrics.fetcher.update-interval` (10 s by default). A look every
 * 60 s would read figures a whole look old: a source dead for 45 s reads as emitting. Past that
 * interval a look first asks each JobManager once, then waits for the fetch to land.
 */
export const METRIC_FETCH_INTERVAL_MS = 10_000;
export const METRIC_FETCH_SETTLE_MS = 1_000;

export async function refreshVertexMetrics(
  input: OnCluster & { jobId: string; vertexId: string },
  flink: FlinkAdapter = standardAdapters.flink,
  settle: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<void> {
  const base = `/jobs/${encodeURIComponent(input.jobId)}/vertices/${encodeURIComponent(input.vertexId)}/subtasks/metrics`;
  await Promise.all(
    input.urls.map((url) =>
      flink
        .jobManager(url, REST_TIMEOUT_MS.oneJobManager, input.access)
        .call(base)
        .catch(() => undefined),
    ),
  );
  await settle(METRIC_FETCH_SETTLE_MS);
}
