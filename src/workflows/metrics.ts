import { metricMeter } from '@temporalio/workflow';

/**
 * The runbooks' own Prometheus metrics, emitted from workflow code (the SDK drops them during
 * replay, so a restart is counted once) and served by the worker next to the SDK's metrics.
 * Made on each use: the meter exists only inside a running workflow.
 */
type Tags = Record<string, string>;

export function countRestart(durationMs: number, tags: Tags): void {
  metricMeter
    .createCounter('flink_runbooks_restarts', 'restarts', 'Job restarts by the monitor')
    .add(1, tags);
  metricMeter
    .createHistogram(
      'flink_runbooks_restart_duration',
      'int',
      'ms',
      'From the restart decision to the new job checkpointing',
    )
    .record(durationMs, tags);
}

export function countVerdict(tags: Tags): void {
  metricMeter.createCounter('flink_runbooks_verdicts', 'verdicts', 'Confirmed verdict changes').add(1, tags);
}
