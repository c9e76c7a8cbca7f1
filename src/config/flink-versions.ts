/**
 * The Flink releases the runbooks know: which locally built image runs each, and which settings a
 * newer release no longer reads. Pure.
 */

/** Images `sandbox/images/build.sh` builds (`FLINK_VERSION=<version>`), by release line. */
export const BUILT_FLINK_IMAGES: Record<string, string> = {
  '1.20': 'flink-runbooks/flink:1.20.3',
  '2.3': 'flink-runbooks/flink:2.3.0',
};

const parts = (version: string) => version.split('.').map(Number);

/** `1.20` of `1.20.3`. */
export function releaseLine(version: string): string {
  return version.split('.').slice(0, 2).join('.');
}

export function flinkMajor(version: string): number {
  return parts(version)[0] ?? 0;
}

/** The built image for a cluster's `flinkVersion`, or undefined when none is built for it. */
export function defaultFlinkImage(flinkVersion: string): string | undefined {
  const image = BUILT_FLINK_IMAGES[releaseLine(flinkVersion)];
  if (!image) return undefined;
  return sameRelease(flinkVersion, imageFlinkVersion(image) ?? '') ? image : undefined;
}

/**
 * The Flink version an image's tag names (`flink:1.20.3-java17`, `flink-runbooks/flink:2.3.0`),
 * or undefined for a tag that names none (`latest`, a digest).
 */
export function imageFlinkVersion(image: string): string | undefined {
  if (image.includes('@')) return undefined;
  const tag = /:([^/:]+)$/.exec(image)?.[1];
  return tag ? /^(\d+\.\d+(?:\.\d+)?)(?:$|[-_])/.exec(tag)?.[1] : undefined;
}

/** Two versions agree on every component both give: `1.20` and `1.20.3` do, `1.20.3` and `1.20.1` do not. */
export function sameRelease(a: string, b: string): boolean {
  const [x, y] = [parts(a), parts(b)];
  const shared = Math.min(x.length, y.length);
  return shared >= 2 && x.slice(0, shared).every((n, i) => n === y[i]);
}

/**
 * Settings Flink 1.20.3 reads and 2.3.0 no longer does, under any name (key, deprecated or
 * fallback key): the ConfigOption fields of every jar in each distribution's lib/, compared.
 * Flink ignores a key it does not know, so on 2.x such a setting silently does nothing.
 */
export const REMOVED_IN_FLINK_2 = new Set([
  'akka.watch.heartbeat.interval',
  'akka.watch.heartbeat.pause',
  'akka.watch.threshold',
  'cluster.evenly-spread-out-slots',
  'execution.async-state.buffer-size',
  'execution.async-state.buffer-timeout',
  'execution.async-state.in-flight-records-limit',
  'execution.checkpointing.force',
  'fine-grained.shuffle-mode.all-blocking',
  'high-availability.job.delay',
  'high-availability.zookeeper.path.running-registry',
  'jobmanager.heap.mb',
  'jobmanager.heap.size',
  'jobmanager.web.backpressure.cleanup-interval',
  'jobmanager.web.backpressure.delay-between-samples',
  'jobmanager.web.backpressure.num-samples',
  'jobmanager.web.backpressure.refresh-interval',
  'jobmanager.web.ssl.enabled',
  'local.number-resourcemanager',
  'pipeline.auto-type-registration',
  'pipeline.default-kryo-serializers',
  'pipeline.registered-kryo-types',
  'pipeline.registered-pojo-types',
  'pipeline.time-characteristic',
  'recovery.job.delay',
  'resourcemanager.taskmanager-release.wait.result.consumed',
  'security.ssl.enabled',
  'state.backend.async',
  'state.backend.rocksdb.checkpointdir',
  'table.exec.deduplicate.insert-and-updateafter-sensitive.enabled',
  'table.exec.deduplicate.mini-batch.compact-changes.enabled',
  'table.exec.legacy-transformation-uids',
  'table.exec.shuffle-mode',
  'table.exec.topn-cache-size',
  'table.optimizer.source.aggregate-pushdown-enabled',
  'table.optimizer.source.predicate-pushdown-enabled',
  'table.optimizer.sql-to-rel.project.merge.enabled',
  'taskmanager.exit-on-fatal-akka-error',
  'taskmanager.heap.mb',
  'taskmanager.heap.size',
  'taskmanager.initial-registration-pause',
  'taskmanager.max-registration-pause',
  'taskmanager.net.client.numThreads',
  'taskmanager.net.num-arenas',
  'taskmanager.net.sendReceiveBufferSize',
  'taskmanager.net.server.backlog',
  'taskmanager.net.server.numThreads',
  'taskmanager.net.transport',
  'taskmanager.network.batch-shuffle.compression.enabled',
  'taskmanager.network.blocking-shuffle.compression.enabled',
  'taskmanager.network.blocking-shuffle.type',
  'taskmanager.network.hybrid-shuffle.enable-new-mode',
  'taskmanager.network.hybrid-shuffle.num-retained-in-memory-regions-max',
  'taskmanager.network.hybrid-shuffle.spill-index-region-group-size',
  'taskmanager.network.hybrid-shuffle.spill-index-segment-size',
  'taskmanager.network.max-num-tcp-connections',
  'taskmanager.network.memory.buffers-per-channel',
  'taskmanager.network.memory.floating-buffers-per-gate',
  'taskmanager.network.memory.max-buffers-per-channel',
  'taskmanager.network.memory.max-overdraft-buffers-per-gate',
  'taskmanager.network.netty.client.numThreads',
  'taskmanager.network.netty.num-arenas',
  'taskmanager.network.netty.sendReceiveBufferSize',
  'taskmanager.network.netty.server.backlog',
  'taskmanager.network.netty.server.numThreads',
  'taskmanager.network.netty.transport',
  'taskmanager.network.numberOfBuffers',
  'taskmanager.network.sort-shuffle.min-parallelism',
  'taskmanager.refused-registration-pause',
  'taskmanager.registration.initial-backoff',
  'taskmanager.registration.max-backoff',
  'taskmanager.registration.refused-backoff',
  'traces.report-events-as-spans',
  'web.backpressure.cleanup-interval',
  'web.backpressure.delay-between-samples',
  'web.backpressure.num-samples',
  'web.backpressure.refresh-interval',
  'web.ssl.enabled',
]);
