import { DefaultLogger, type LogEntry, Runtime } from '@temporalio/worker';

/**
 * The worker's process-wide telemetry: structured JSON logs (one object a line, with the
 * workflow and run ids the SDK attaches to workflow and activity logs) and a Prometheus endpoint
 * with the SDK's metrics and the runbooks' own counters.
 * FLINK_RUNBOOKS_METRICS: `host:port` to serve /metrics on (default 127.0.0.1:9464), `off` for none.
 * FLINK_RUNBOOKS_LOG_LEVEL: TRACE, DEBUG, INFO (default), WARN or ERROR.
 */
export function installRuntime(env: NodeJS.ProcessEnv = process.env): { metricsAddress?: string } {
  const metricsAddress =
    env.FLINK_RUNBOOKS_METRICS === 'off' ? undefined : (env.FLINK_RUNBOOKS_METRICS ?? '127.0.0.1:9464');
  const level = (env.FLINK_RUNBOOKS_LOG_LEVEL ?? 'INFO') as ConstructorParameters<typeof DefaultLogger>[0];
  Runtime.install({
    logger: new DefaultLogger(level, jsonLine),
    telemetryOptions: metricsAddress
      ? { metrics: { prometheus: { bindAddress: metricsAddress } } }
      : undefined,
  });
  return { metricsAddress };
}

function jsonLine(entry: LogEntry): void {
  const { sdkComponent, ...meta } = entry.meta ?? {};
  const line = {
    time: new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString(),
    level: entry.level.toLowerCase(),
    message: entry.message,
    component: sdkComponent,
    ...meta,
  };
  process.stdout.write(
    `${JSON.stringify(line, (_key, value) => (typeof value === 'bigint' ? value.toString() : value))}\n`,
  );
}
