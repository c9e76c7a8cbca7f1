import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runSourceProbe, waitForProbeOutput } from '../../src/activities/probes';
import { runSqlProbe } from '../../src/probes/sql';
import type { OutputSpec } from '../../src/probes/types';
import { resetSandbox, type Sandbox, sandbox, submitSample, waitForJobState } from '../helpers/sandbox';

/**
 * The source probe against real parts: a PostgreSQL started for this file by
 * scripts/ensure-postgres.sh, the Oracle thin driver against a closed port (no Oracle Database
 * can run on these machines), and the marker probe through the sandbox's sample job.
 */
const run = promisify(execFile);
const script = fileURLToPath(new URL('../../scripts/ensure-postgres.sh', import.meta.url));

const PASSWORD = 'pg-Probe-S3cret';
const WRONG = 'Wr0ng-Guess-91';
const USER = 'runbooks';

/** A port nothing listens on right now (taken from the kernel, then released). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('postgres probe against a real PostgreSQL', () => {
  let root: string;
  let port: number;
  let admin: pg.Client;

  const probe = (sql: string, password = 'PROBE_PG_PASSWORD') => ({
    type: 'postgres' as const,
    host: '127.0.0.1',
    port,
    database: 'postgres',
    user: USER,
    password: { fromEnv: password },
    sql,
    timeout: 120_000,
  });
  const amounts = async () =>
    (await admin.query<{ id: number; amount: number }>('SELECT id, amount FROM trans_info ORDER BY id')).rows;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'probes-pg-'));
    await chmod(root, 0o755); // run as root, the server runs as `postgres` and must reach its directory
    port = await freePort();
    const started = Date.now();
    await run('bash', [script, 'start', join(root, 'data'), String(port), PASSWORD, USER], {
      timeout: 590_000,
    });
    console.log(`postgres started in ${Date.now() - started} ms on 127.0.0.1:${port}`);
    vi.stubEnv('PROBE_PG_PASSWORD', PASSWORD);
    vi.stubEnv('PROBE_PG_WRONG', WRONG);
    admin = new pg.Client({ host: '127.0.0.1', port, user: USER, password: PASSWORD, database: 'postgres' });
    await admin.connect();
    await admin.query('CREATE TABLE trans_info (id int PRIMARY KEY, amount int NOT NULL)');
    await admin.query('INSERT INTO trans_info SELECT g, 100 + g FROM generate_series(1, 30) g');
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    await admin?.end().catch(() => undefined);
    if (root) {
      await run('bash', [script, 'stop', join(root, 'data')], { timeout: 90_000 }).catch((error) =>
        console.warn(`ensure-postgres.sh stop: ${error}`),
      );
      await rm(root, { recursive: true, force: true });
    }
  });

  it('runs the UPDATE in a committed transaction: 18 rows changed by one', async () => {
    const before = await amounts();
    const t0 = Date.now();
    const result = await runSourceProbe({
      probe: probe(
        'UPDATE trans_info SET amount = amount + 1 WHERE id IN (SELECT id FROM trans_info LIMIT 18)',
      ),
    });
    console.log(`postgres probe round trip ${Date.now() - t0} ms`);
    expect(result).toMatchObject({ type: 'postgres', rowsAffected: 18, timeoutMs: 120_000 });
    if (result.type === 'marker') throw new Error('sql run expected');
    expect(result.startedAt).toBeLessThanOrEqual(result.committedAt);
    expect(result.committedAt).toBeLessThanOrEqual(Date.now());

    // Read from another session: the change is committed.
    const after = await amounts();
    const changed = after.filter((row, i) => row.amount !== before[i]?.amount);
    expect(changed).toHaveLength(18);
    for (const row of changed) expect(row.amount).toBe(100 + row.id + 1);
  });

  it("accepts the seeds' form with its own COMMIT", async () => {
    const result = await runSqlProbe(
      probe('UPDATE trans_info SET amount = amount + 1 WHERE id <= 18; COMMIT;'),
    );
    expect(result.rowsAffected).toBe(18);
  });

  it('commits nothing when a later statement fails', async () => {
    const before = await amounts();
    const error = await runSqlProbe(
      probe('UPDATE trans_info SET amount = amount + 1; UPDATE no_such_table SET x = 1'),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ProbeFailed', code: '42P01' });
    expect(await amounts()).toEqual(before);
  });

  it('a wrong password is ProbeFailed, and the message does not carry it', async () => {
    const error = await runSqlProbe(
      probe('UPDATE trans_info SET amount = amount + 1', 'PROBE_PG_WRONG'),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ProbeFailed', code: '28P01' });
    const { message, stack } = error as Error;
    expect(message).toContain('password authentication failed');
    expect(`${message}\n${stack}`).not.toContain(WRONG);
    expect(`${message}\n${stack}`).not.toContain(PASSWORD);
  });

  it('a statement blocked past its timeout is ProbeUnavailable (statement_timeout)', async () => {
    const locker = new pg.Client({
      host: '127.0.0.1',
      port,
      user: USER,
      password: PASSWORD,
      database: 'postgres',
    });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('SELECT * FROM trans_info WHERE id = 1 FOR UPDATE');
      const t0 = Date.now();
      const error = await runSqlProbe(probe('UPDATE trans_info SET amount = amount + 1 WHERE id = 1'), {
        statementTimeoutMs: 500,
      }).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'ProbeUnavailable', code: '57014' });
      expect(Date.now() - t0).toBeLessThan(5_000);
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
    }
  });

  it('a closed port is ProbeUnavailable at once', async () => {
    const closed = await freePort();
    const t0 = Date.now();
    const error = await runSqlProbe({ ...probe('UPDATE trans_info SET amount = 1'), port: closed }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ name: 'ProbeUnavailable', code: 'ECONNREFUSED' });
    expect(Date.now() - t0).toBeLessThan(3_000);
  });
});

describe('oracle probe (node-oracledb thin; no Oracle Database can run here)', () => {
  it('a closed 127.0.0.1 port is ProbeUnavailable within seconds, without the password', async () => {
    vi.stubEnv('PROBE_ORACLE_PASSWORD', 'ora-Probe-S3cret');
    try {
      const closed = await freePort();
      const t0 = Date.now();
      const error = await runSqlProbe({
        type: 'oracle',
        connectString: `127.0.0.1:${closed}/FREEPDB1`,
        user: 'FINANCE_USER',
        password: { fromEnv: 'PROBE_ORACLE_PASSWORD' },
        sql: 'UPDATE FINANCE_USER.TRANS_INFO SET AMOUNT = AMOUNT + 1 WHERE ROWNUM <= 18; COMMIT',
        timeout: 120_000,
      }).catch((e: unknown) => e);
      const elapsed = Date.now() - t0;
      console.log(`oracle probe against a closed port failed in ${elapsed} ms`);
      expect(error).toMatchObject({ name: 'ProbeUnavailable', code: 'NJS-503' });
      expect((error as Error).message).toMatch(/could not be established.*ECONNREFUSED/);
      expect((error as Error).message).not.toContain('ora-Probe-S3cret');
      expect(elapsed).toBeLessThan(5_000);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('marker probe through the sandbox job', () => {
  let sb: Sandbox;

  beforeAll(async () => {
    sb = await sandbox();
  });

  afterAll(async () => {
    if (!sb) return;
    await resetSandbox(sb);
    await rm(join(sb.controlDir, 'marker'), { force: true });
  });

  it('a fresh marker shows up in a committed row', async () => {
    await resetSandbox(sb);
    const jobId = await submitSample(sb);
    await waitForJobState(sb, jobId, ['RUNNING']);
    if (sb.job.probe?.type !== 'marker' || !sb.job.output)
      throw new Error('sandbox job without marker probe');

    const probeRun = await runSourceProbe({ probe: sb.job.probe });
    if (probeRun.type !== 'marker') throw new Error('marker run expected');
    expect(probeRun.marker).toMatch(/^probe-\d{13}-[0-9a-f]{8}$/);
    const output: OutputSpec = sb.job.output;
    const found = await waitForProbeOutput({ run: probeRun, output, timeoutMs: 30_000 });
    console.log(`marker ${probeRun.marker} committed after ${found.arrivedAfterMs} ms`);
    expect(found).toMatchObject({ type: 'marker', marker: probeRun.marker });
    if (found.type !== 'marker') throw new Error('marker capture expected');
    expect(found.arrivedAfterMs).toBeLessThan(30_000);

    // The row is really there, in the file named, with the sequence number reported.
    const rows = (await readFile(found.file, 'utf8')).split('\n').map((line) => line.split(','));
    const row = rows.find((r) => r[0] === String(found.sequence));
    expect(row?.[2]).toBe(probeRun.marker);
    expect(found.sequence).toBeGreaterThanOrEqual(0);
  });
});
