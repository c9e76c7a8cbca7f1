import { readFileSync } from 'node:fs';
import { DEFAULT_TASK_QUEUE } from '../shared';

/**
 * Where the worker and the clients find Temporal, from the environment:
 * TEMPORAL_ADDRESS (127.0.0.1:7233), TEMPORAL_NAMESPACE (default), TEMPORAL_TASK_QUEUE,
 * TEMPORAL_TLS_CERT + TEMPORAL_TLS_KEY (mTLS client pair, paths), TEMPORAL_TLS_CA (path),
 * TEMPORAL_TLS_SERVER_NAME, TEMPORAL_API_KEY (Temporal Cloud; implies TLS).
 */
export interface TemporalSettings {
  address: string;
  namespace: string;
  taskQueue: string;
  tls?: {
    serverNameOverride?: string;
    serverRootCACertificate?: Buffer;
    clientCertPair?: { crt: Buffer; key: Buffer };
  };
  apiKey?: string;
}

export function temporalSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): TemporalSettings {
  const cert = env.TEMPORAL_TLS_CERT;
  const key = env.TEMPORAL_TLS_KEY;
  if (Boolean(cert) !== Boolean(key)) {
    throw new Error('TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be set together');
  }
  const wantsTls = Boolean(
    cert || env.TEMPORAL_TLS_CA || env.TEMPORAL_API_KEY || env.TEMPORAL_TLS === 'true',
  );
  return {
    address: env.TEMPORAL_ADDRESS || '127.0.0.1:7233',
    namespace: env.TEMPORAL_NAMESPACE || 'default',
    taskQueue: env.TEMPORAL_TASK_QUEUE || DEFAULT_TASK_QUEUE,
    apiKey: env.TEMPORAL_API_KEY || undefined,
    tls: wantsTls
      ? {
          serverNameOverride: env.TEMPORAL_TLS_SERVER_NAME || undefined,
          serverRootCACertificate: env.TEMPORAL_TLS_CA ? readFileSync(env.TEMPORAL_TLS_CA) : undefined,
          clientCertPair: cert && key ? { crt: readFileSync(cert), key: readFileSync(key) } : undefined,
        }
      : undefined,
  };
}

/** Options for NativeConnection.connect / Connection.connect. */
export function connectionOptions(settings: TemporalSettings) {
  return { address: settings.address, tls: settings.tls, apiKey: settings.apiKey };
}
