import { DefaultLogger, type LogEntry, Runtime } from '@temporalio/worker';
import { redactCredentials } from '../alerts/redact';
import { freeLoopbackPort, parseListenAddress, startEndpoint, type WorkerEndpoint } from './endpoint';

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

/**
 * The worker process's telemetry: the runtime above, and at FLINK_RUNBOOKS_METRICS one HTTP
 * endpoint serving both /metrics and /healthz (temporal/endpoint.ts). The Core exporter then
 * listens on a free loopback port behind it. With `off`, neither is served.
 */
export async function installTelemetry(
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ endpoint?: WorkerEndpoint }> {
  const setting = env.FLINK_RUNBOOKS_METRICS ?? '127.0.0.1:9464';
  if (setting === 'off') {
    installRuntime(env);
    return {};
  }
  const listen = parseListenAddress(setting, 'FLINK_RUNBOOKS_METRICS');
  const metricsUpstream = `127.0.0.1:${await freeLoopbackPort()}`;
  installRuntime({ ...env, FLINK_RUNBOOKS_METRICS: metricsUpstream });
  return { endpoint: await startEndpoint({ listen, metricsUpstream }) };
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
  // Failures logged by the SDK carry exception text from Flink, JDBC and SMTP: scrub credentials.
  const text = JSON.stringify(line, (_key, value) => (typeof value === 'bigint' ? value.toString() : value));
  process.stdout.write(`${redactCredentials(text)}\n`);
}
