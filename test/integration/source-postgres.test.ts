import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostgresSourceSpec } from '../../src/config/source-schema';
import {
  judgeSource,
  lsnToNumber,
  NEW_TRACK,
  type PostgresReading,
  type SourceReading,
  type SourceTrack,
  trackSource,
} from '../../src/policy/source-liveness';
import { newCanary } from '../../src/sources/canary';
import { observePostgresSource, writePostgresCanary } from '../../src/sources/postgres';

/**
 * The PostgreSQL source observer against a real PostgreSQL (scripts/ensure-postgres.sh, with
 * wal_level=logical): a logical slot with no consumer (dead), the same slot streamed by
 * pg_recvlogical (a real replication client: active, reply_time moving, changes confirmed),
 * that client frozen with SIGSTOP (reply_time frozen), and the database itself frozen (cannot
 * be asked, within the query timeout). Needs no Docker and no Flink.
 */
const run = promisify(execFile);
const script = fileURLToPath(new URL('../../scripts/ensure-postgres.sh', import.meta.url));
const PASSWORD = 'pg-Source-S3cret';
const USER = 'runbooks';
const SLOT = 'flink_cdc';
const SETTINGS = { deadAfterMs: 3_000, deliveryAllowanceMs: 6_000 };

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, look: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await look();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

function ok(reading: SourceReading): PostgresReading {
  if ('error' in reading) throw new Error(`the source could not be asked: ${reading.error}`);
  if (reading.type !== 'postgres') throw new Error('a postgres reading expected');
  return reading;
}

describe('PostgreSQL source observer against a real PostgreSQL', () => {
  let root: string;
  let dataDir: string;
  let port: number;
  let admin: pg.Client;
  let consumer: ChildProcess | undefined;
  let received = '';
  let spec: PostgresSourceSpec;

  /** Flushes this session's table statistics now rather than within 10 s. */
  const publishStats = async () => {
    await admin.query('SELECT pg_stat_force_next_flush()');
    await admin.query('SELECT 1');
  };

  const startConsumer = () => {
    consumer = spawn(
      'pg_recvlogical',
      // pgoutput needs the protocol version and the publication; a status every second.
      [
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '-U',
        USER,
        '-d',
        'finance',
        '--slot',
        SLOT,
        '--start',
        '-f',
        '-',
        '-o',
        'proto_version=1',
        '-o',
        'publication_names=cdc_pub',
        '-s',
        '1',
      ],
      {
        env: { ...process.env, PGPASSWORD: PASSWORD },
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    // pgoutput sends column values as text: what the client received can be searched.
    consumer.stdout?.on('data', (chunk: Buffer) => {
      received = (received + chunk.toString('latin1')).slice(-1_000_000);
    });
  };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'source-pg-'));
    await chmod(root, 0o755); // run as root, the server runs as `postgres` and must reach its directory
    dataDir = join(root, 'data');
    port = await freePort();
    const started = Date.now();
    await run('bash', [script, 'start', dataDir, String(port), PASSWORD, USER], {
      timeout: 590_000,
      env: {
        ...process.env,
        PG_SETTINGS: 'wal_level=logical max_wal_senders=10 max_replication_slots=10',
        PG_REPLICATION: '1',
      },
    });
    console.log(`postgres started in ${Date.now() - started} ms on 127.0.0.1:${port}`);
    const boot = new pg.Client({
      host: '127.0.0.1',
      port,
      user: USER,
      password: PASSWORD,
      database: 'postgres',
    });
    await boot.connect();
    await boot.query('CREATE DATABASE finance');
    await boot.end();
    admin = new pg.Client({ host: '127.0.0.1', port, user: USER, password: PASSWORD, database: 'finance' });
    await admin.connect();
    await admin.query('CREATE TABLE trans_info (id int PRIMARY KEY, amount int NOT NULL)');
    await admin.query(
      'CREATE TABLE cdc_canary (id bigint PRIMARY KEY, marker text NOT NULL, written_at timestamptz NOT NULL)',
    );
    await admin.query('INSERT INTO trans_info SELECT g, 100 + g FROM generate_series(1, 30) g');
    await publishStats();
    await admin.query('CREATE PUBLICATION cdc_pub FOR TABLE trans_info, cdc_canary');
    await admin.query(`SELECT pg_create_logical_replication_slot('${SLOT}', 'pgoutput')`);
    spec = {
      type: 'postgres',
      host: '127.0.0.1',
      port,
      database: 'finance',
      user: USER,
      password: { fromEnv: 'UNUSED_HERE' },
      slot: SLOT,
      publication: 'cdc_pub',
      tables: ['public.trans_info', 'public.cdc_canary'],
      commitDelayCheckpoints: 3,
      deadAfter: SETTINGS.deadAfterMs,
      queryTimeout: 2_000,
      canary: { table: 'public.cdc_canary', quietTime: 60_000, sla: 120_000 },
    };
  }, 600_000);

  afterAll(async () => {
    consumer?.kill('SIGCONT');
    consumer?.kill('SIGKILL');
    await admin?.end().catch(() => undefined);
    if (root) {
      await run('bash', [script, 'stop', dataDir], { timeout: 90_000 }).catch((error) =>
        console.warn(`ensure-postgres.sh stop: ${error}`),
      );
      await rm(root, { recursive: true, force: true });
    }
  });

  it('reads a slot with no consumer as inactive, and tracks it dead past the window', async () => {
    // Backends publish their table statistics within about 10 s of a change (PostgreSQL 15);
    // publishStats makes this session do it at once.
    const first = await until('the 30 inserted rows in the statistics', async () => {
      const r = ok(await observePostgresSource(spec, PASSWORD));
      return r.tableChanges === 30 ? r : undefined;
    });
    expect(first.slotState).toMatchObject({ active: false });
    expect(first.slotState?.activePid).toBeUndefined();
    expect(first.walsender).toBeUndefined();
    expect(first.currentWalLsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    expect(first.slotState?.confirmedFlushLsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    expect(first.lagBytes).toBeGreaterThanOrEqual(0);

    await admin.query('UPDATE trans_info SET amount = amount + 1 WHERE id <= 18');
    await publishStats();
    // With synchronous_commit off (a test server) the WAL write position follows within 200 ms.
    const second = await until('the 18 updates in the statistics and the WAL', async () => {
      const r = ok(await observePostgresSource(spec, PASSWORD));
      return r.tableChanges === 48 && (r.lagBytes ?? 0) > (first.lagBytes ?? 0) ? r : undefined;
    });
    expect(second.slotState?.confirmedFlushLsn).toBe(first.slotState?.confirmedFlushLsn);
    await sleep(SETTINGS.deadAfterMs + 500);

    let track: SourceTrack = NEW_TRACK;
    for (const reading of [first, second]) track = trackSource(track, reading, SETTINGS).track;
    const { evidence } = trackSource(track, ok(await observePostgresSource(spec, PASSWORD)), SETTINGS);
    expect(evidence.transportDead?.what).toBe(`replication slot ${SLOT} is inactive (no consumer connected)`);
    expect(judgeSource(evidence, SETTINGS).dead.join('; ')).toMatch(
      /inactive \(no consumer connected\) for \d+ s \(window 3 s\)/,
    );
  });

  it('reads a slot streamed by a real client as active, its reply_time moving, changes confirmed', async () => {
    startConsumer();
    const live = await until('the slot active with a walsender', async () => {
      const r = ok(await observePostgresSource(spec, PASSWORD));
      return r.slotState?.active && r.walsender?.state === 'streaming' ? r : undefined;
    });
    expect(live.slotState?.activePid).toBe(live.walsender?.pid);
    expect(live.walsender?.replyTime).toBeTruthy();

    let track = trackSource(NEW_TRACK, live, SETTINGS).track;
    await admin.query('UPDATE trans_info SET amount = amount + 1 WHERE id <= 5');
    await publishStats();
    const changed = await until('the change in the statistics', async () => {
      const r = ok(await observePostgresSource(spec, PASSWORD));
      return (r.tableChanges ?? 0) > (live.tableChanges ?? 0) ? r : undefined;
    });
    track = trackSource(track, changed, SETTINGS).track;
    const moved = await until('reply_time to move', async () => {
      const r = ok(await observePostgresSource(spec, PASSWORD));
      return r.walsender?.replyTime !== live.walsender?.replyTime ? r : undefined;
    });
    const step = trackSource(track, moved, SETTINGS);
    track = step.track;
    expect(step.evidence.consumerSilent).toBeUndefined();
    expect(step.evidence.transportDead).toBeUndefined();

    // The change is confirmed beyond the WAL position read before it: nothing left to deliver.
    const delivered = await until('the change to be confirmed', async () => {
      const reading = ok(await observePostgresSource(spec, PASSWORD));
      const next = trackSource(track, reading, SETTINGS);
      return next.evidence.nothingPending ? { reading, next } : undefined;
    });
    expect(lsnToNumber(delivered.reading.slotState?.confirmedFlushLsn)).toBeGreaterThan(
      lsnToNumber(live.currentWalLsn) as number,
    );
    expect(delivered.next.evidence.undelivered).toBeUndefined();
    expect(judgeSource(delivered.next.evidence, SETTINGS)).toMatchObject({ dead: [], warnings: [] });
  });

  it('sees the reply_time of a frozen client stop moving, and calls it dead past the window', async () => {
    expect(consumer?.pid).toBeDefined();
    const before = ok(await observePostgresSource(spec, PASSWORD));
    expect(before.slotState?.active).toBe(true);
    consumer?.kill('SIGSTOP');
    await sleep(300); // a status message already on its way lands before the first look
    try {
      // Changes keep coming upstream; the frozen client confirms none of them.
      await admin.query('UPDATE trans_info SET amount = amount + 1 WHERE id <= 18');
      let track = trackSource(NEW_TRACK, ok(await observePostgresSource(spec, PASSWORD)), SETTINGS).track;
      await sleep(SETTINGS.deadAfterMs + 1_000);
      const frozen = ok(await observePostgresSource(spec, PASSWORD));
      const step = trackSource(track, frozen, SETTINGS);
      track = step.track;
      expect(frozen.slotState?.active).toBe(true); // wal_sender_timeout (60 s) has not struck yet
      expect(step.evidence.consumerSilent?.forMs).toBeGreaterThan(SETTINGS.deadAfterMs);
      expect(judgeSource(step.evidence, SETTINGS).dead.join('; ')).toMatch(
        new RegExp(
          `reply_time of walsender ${frozen.walsender?.pid} has not moved for \\d+ s \\(window 3 s\\)`,
        ),
      );
    } finally {
      consumer?.kill('SIGCONT');
    }
  });

  it('reads a frozen database as "could not be asked" within the query timeout, then reads it again', async () => {
    const postmaster = Number((await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    const children = (await run('ps', ['-o', 'pid=', '--ppid', String(postmaster)])).stdout
      .split('\n')
      .map((line) => Number(line.trim()))
      .filter((pid) => pid > 0);
    const all = [postmaster, ...children];
    for (const pid of all) process.kill(pid, 'SIGSTOP');
    let reading: SourceReading;
    const started = Date.now();
    try {
      reading = await observePostgresSource(spec, PASSWORD);
    } finally {
      for (const pid of all) process.kill(pid, 'SIGCONT');
    }
    const took = Date.now() - started;
    console.log(
      `a frozen PostgreSQL read as unreachable in ${took} ms (query timeout ${spec.queryTimeout} ms)`,
    );
    expect(reading).toMatchObject({ type: 'postgres', error: expect.stringMatching(/timed out|timeout/i) });
    expect(took).toBeLessThan(spec.queryTimeout + 1_500);
    const evidence = trackSource(NEW_TRACK, reading, SETTINGS).evidence;
    expect(judgeSource(evidence, SETTINGS)).toMatchObject({
      dead: [],
      warnings: [expect.stringMatching(/could not be asked/)],
    });
    // Back after the freeze: asked again at once.
    expect(ok(await observePostgresSource(spec, PASSWORD)).slotState?.active).toBe(true);
  });

  it('reports a wrong password without showing any password', async () => {
    const reading = await observePostgresSource(spec, 'Wr0ng-Guess-91');
    expect(reading).toMatchObject({ error: expect.stringMatching(/password authentication failed|28P01/) });
    expect(JSON.stringify(reading)).not.toMatch(/Wr0ng-Guess-91|pg-Source-S3cret/);
  });

  it('writes a canary row that the replication client receives', async () => {
    const canary = newCanary();
    await writePostgresCanary(spec, 'public.cdc_canary', PASSWORD, canary);
    const row = await admin.query('SELECT id, marker FROM cdc_canary WHERE marker = $1', [canary.marker]);
    expect(row.rows).toEqual([{ id: String(canary.id), marker: canary.marker }]);
    await until('the canary in the replication stream', async () =>
      received.includes(canary.marker) ? true : undefined,
    );
  });
});
