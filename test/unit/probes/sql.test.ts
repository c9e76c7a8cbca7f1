import { describe, expect, it } from 'vitest';
import { runSqlProbe } from '../../../src/probes/sql';
import type { SqlProbeSpec } from '../../../src/probes/types';

/** What runSqlProbe decides before it touches a network: nothing here opens a connection. */
describe('runSqlProbe before connecting', () => {
  const probe: SqlProbeSpec = {
    type: 'postgres',
    host: '127.0.0.1',
    port: 9,
    database: 'finance',
    user: 'probe',
    password: { fromEnv: 'PROBE_TEST_PASSWORD_UNSET' },
    sql: 'UPDATE trans_info SET amount = amount + 1',
    timeout: 120_000,
  };

  it('fails with SecretUnavailable when the password reference resolves to nothing', async () => {
    await expect(runSqlProbe(probe, { env: {} })).rejects.toMatchObject({
      name: 'SecretUnavailable',
      message: 'secret environment variable PROBE_TEST_PASSWORD_UNSET is not set',
    });
  });

  it('refuses sql that would roll itself back, before reading the secret', async () => {
    await expect(
      runSqlProbe({ ...probe, sql: 'UPDATE t SET a = 1; ROLLBACK' }, { env: {} }),
    ).rejects.toMatchObject({
      name: 'ProbeFailed',
    });
  });
});
