import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporalSettingsFromEnv } from '../../src/temporal/connection';

describe('temporalSettingsFromEnv', () => {
  it('defaults to the local dev server without TLS', () => {
    expect(temporalSettingsFromEnv({})).toEqual({
      address: '127.0.0.1:7233',
      namespace: 'default',
      taskQueue: 'flink-runbooks',
      apiKey: undefined,
      tls: undefined,
    });
  });

  it('reads an mTLS client pair and a CA from files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tls-'));
    for (const name of ['crt', 'key', 'ca']) writeFileSync(join(dir, name), `${name}-pem`);
    const settings = temporalSettingsFromEnv({
      TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233',
      TEMPORAL_NAMESPACE: 'ns.acct',
      TEMPORAL_TLS_CERT: join(dir, 'crt'),
      TEMPORAL_TLS_KEY: join(dir, 'key'),
      TEMPORAL_TLS_CA: join(dir, 'ca'),
    });
    expect(settings.tls?.clientCertPair?.crt.toString()).toBe('crt-pem');
    expect(settings.tls?.clientCertPair?.key.toString()).toBe('key-pem');
    expect(settings.tls?.serverRootCACertificate?.toString()).toBe('ca-pem');
  });

  it('an API key turns TLS on', () => {
    const settings = temporalSettingsFromEnv({ TEMPORAL_API_KEY: 'k' });
    expect(settings.apiKey).toBe('k');
    expect(settings.tls).toBeDefined();
  });

  it('a certificate without its key is an error', () => {
    expect(() => temporalSettingsFromEnv({ TEMPORAL_TLS_CERT: '/x' })).toThrow(/must be set together/);
  });
});
