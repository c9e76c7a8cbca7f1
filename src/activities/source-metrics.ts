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
