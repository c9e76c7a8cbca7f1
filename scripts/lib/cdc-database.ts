import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

/**
 * The CDC sandbox's source side: a real PostgreSQL (Debian's, started by
 * scripts/ensure-postgres.sh) on 127.0.0.1 with logical decoding, the `finance` database with
 * `trans_info`, the job's replication role and publication; and the fault proxy the job reaches
 * it through (sandbox/cdc/fault-proxy.mjs), so that tests can break the path the way a network
 * does. Passwords live in files under the sandbox's secrets folder, never on a command line.
 */
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const dataRoot = process.env.FLINK_RUNBOOKS_DATA ?? join(repoRoot, '.data');

export const CDC_DB = {
  port: 5433,
  proxyPort: 5434,
  controlPort: 5435,
  database: 'finance',
  admin: 'finance_admin',
  user: 'cdc_user',
  slot: 'flink_cdc',
  publication: 'cdc_pub',
  table: 'trans_info',
  dir: join(dataRoot, 'sandbox', 'postgres'),
  secrets: join(dataRoot, 'sandbox', 'secrets'),
  proxyPid: join(dataRoot, 'sandbox', 'fault-proxy.pid'),
  proxyLog: join(dataRoot, 'sandbox', 'fault-proxy.log'),
} as const;

/**
 * The server settings the CDC source needs, and the sandbox's one deviation from PostgreSQL's
 * defaults that matters to the faults: wal_sender_timeout 20 s instead of 60 s, so a walsender
 * whose client went silent is ended sooner and the fault tests stay short.
 */
const SERVER_SETTINGS: Record<string, string> = {
  wal_level: 'logical',
  max_replication_slots: '8',
  max_wal_senders: '8',
  wal_sender_timeout: '20s',
  shared_buffers: '32MB',
  max_connections: '40',
};

export const adminPasswordFile = () => join(CDC_DB.secrets, 'postgres-admin');
/** The job's password, in a folder of its own that the CDC cluster's containers mount. */
export const cdcPasswordFile = () => join(CDC_DB.secrets, 'job', 'cdc-password');

function secret(file: string): string {
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    chmodSync(dirname(file), 0o755);
    writeFileSync(file, `${randomBytes(18).toString('base64url')}\n`, { mode: 0o644 });
  }
  return readFileSync(file, 'utf8').trim();
}

function ensurePostgres(action: 'start' | 'stop'): void {
  const script = join(repoRoot, 'scripts/ensure-postgres.sh');
  const args =
    action === 'start'
      ? [script, 'start', CDC_DB.dir, String(CDC_DB.port), '-', CDC_DB.admin]
      : [script, 'stop', CDC_DB.dir];
  execFileSync('bash', args, {
    input: action === 'start' ? `${secret(adminPasswordFile())}\n` : undefined,
    stdio: ['pipe', 'inherit', 'inherit'],
  });
}

/** A client of the database owner: `database` defaults to finance. */
export async function adminClient(database: string = CDC_DB.database): Promise<pg.Client> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port: CDC_DB.port,
    user: CDC_DB.admin,
    password: secret(adminPasswordFile()),
    database,
    connectionTimeoutMillis: 5000,
    query_timeout: 10_000,
  });
  // A server stopped or a session ended under it: the pending query fails, the client must not
  // take the process down with an unhandled 'error' event.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

export async function withAdmin<T>(work: (client: pg.Client) => Promise<T>, database?: string): Promise<T> {
  const client = await adminClient(database);
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Starts PostgreSQL (installing it when missing), applies the settings (restarting once when a
 * setting needs it), creates the role, database, tables and publication, and starts the proxy.
 * Each step is a no-op when already done.
 */
export async function databaseUp(log: (line: string) => void = console.log): Promise<void> {
  const t0 = Date.now();
  mkdirSync(join(dataRoot, 'sandbox'), { recursive: true });
  ensurePostgres('start');
  const needsRestart = await withAdmin(async (client) => {
    let restart = false;
    for (const [name, value] of Object.entries(SERVER_SETTINGS)) {
      const current = await client.query(
        'SELECT setting, unit, pending_restart, context FROM pg_settings WHERE name = $1',
        [name],
      );
      await client.query(`ALTER SYSTEM SET ${name} = '${value}'`);
      if (current.rows[0]?.context === 'postmaster' && !sameSetting(current.rows[0], value)) restart = true;
    }
    await client.query('SELECT pg_reload_conf()');
    return restart;
  }, 'postgres');
  allowReplicationConnections();
  if (needsRestart) {
    ensurePostgres('stop');
    ensurePostgres('start');
  } else {
    await withAdmin((client) => client.query('SELECT pg_reload_conf()'), 'postgres');
  }
  await withAdmin(async (client) => {
    const password = secret(cdcPasswordFile()).replaceAll("'", "''");
    const role = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [CDC_DB.user]);
    const verb = role.rowCount ? 'ALTER' : 'CREATE';
    await client.query(`${verb} ROLE ${CDC_DB.user} WITH LOGIN REPLICATION PASSWORD '${password}'`);
    const db = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [CDC_DB.database]);
    if (!db.rowCount) await client.query(`CREATE DATABASE ${CDC_DB.database}`);
  }, 'postgres');
  await withAdmin((client) => client.query(readFileSync(join(repoRoot, 'sandbox/cdc/schema.sql'), 'utf8')));
  startProxy();
  log(
    `  postgres: ${((Date.now() - t0) / 1000).toFixed(1)} s (127.0.0.1:${CDC_DB.port}, proxy :${CDC_DB.proxyPort})`,
  );
}

function sameSetting(row: { setting: string; unit: string | null }, wanted: string): boolean {
  if (row.setting === wanted) return true;
  // shared_buffers reads back in 8 kB pages: 32MB = 4096.
  if (row.unit === '8kB' && wanted.endsWith('MB'))
    return Number(row.setting) * 8 === Number.parseInt(wanted, 10) * 1024;
  return false;
}

/** Replication connections need their own pg_hba line ("all" does not match them). */
function allowReplicationConnections(): void {
  const hba = join(CDC_DB.dir, 'pg_hba.conf');
  const line = 'host  replication all 127.0.0.1/32 scram-sha-256';
  const text = readFileSync(hba, 'utf8');
  if (!text.includes(line)) writeFileSync(hba, `${text.trimEnd()}\n${line}\n`);
}

function proxyRunning(): number | undefined {
  if (!existsSync(CDC_DB.proxyPid)) return undefined;
  const pid = Number(readFileSync(CDC_DB.proxyPid, 'utf8'));
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

function startProxy(): void {
  if (proxyRunning()) return;
  const out = openSync(CDC_DB.proxyLog, 'a');
  const child = spawn(
    process.execPath,
    [
      join(repoRoot, 'sandbox/cdc/fault-proxy.mjs'),
      '--listen',
      String(CDC_DB.proxyPort),
      '--upstream',
      String(CDC_DB.port),
      '--control',
      String(CDC_DB.controlPort),
    ],
    { detached: true, stdio: ['ignore', out, out] },
  );
  child.unref();
  writeFileSync(CDC_DB.proxyPid, String(child.pid));
}

function stopProxy(): void {
  const pid = proxyRunning();
  if (pid) process.kill(pid, 'SIGTERM');
  rmSync(CDC_DB.proxyPid, { force: true });
}

/** Stops the proxy and the server, and removes the database's files and secrets. */
export function databaseDown(): void {
  stopProxy();
  if (existsSync(CDC_DB.dir)) ensurePostgres('stop');
  rmSync(CDC_DB.dir, { recursive: true, force: true });
  // The files, not the folders: a running container's bind mount holds the folder it was given.
  rmSync(adminPasswordFile(), { force: true });
  rmSync(cdcPasswordFile(), { force: true });
}

export interface DatabaseStatus {
  server: string;
  walLevel?: string;
  slot?: {
    active: boolean;
    activePid: number | null;
    confirmedFlushLsn: string | null;
    lagBytes: number | null;
  };
  replication: { pid: number; state: string; sentLsn: string; flushLsn: string; replyTime: string | null }[];
  proxy: string;
}

/** What `sandbox status` shows of the source side. */
export async function databaseStatus(): Promise<DatabaseStatus> {
  const proxy = proxyRunning() ? `running (pid ${proxyRunning()})` : 'not running';
  try {
    return await withAdmin(async (client) => {
      const wal = await client.query('SHOW wal_level');
      const slot = await client.query(
        `SELECT active, active_pid, confirmed_flush_lsn::text,
                pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint AS lag
         FROM pg_replication_slots WHERE slot_name = $1`,
        [CDC_DB.slot],
      );
      const senders = await client.query(
        `SELECT pid, state, sent_lsn::text, flush_lsn::text, reply_time::text FROM pg_stat_replication`,
      );
      const row = slot.rows[0];
      return {
        server: `up on 127.0.0.1:${CDC_DB.port}`,
        walLevel: wal.rows[0].wal_level,
        slot: row
          ? {
              active: row.active,
              activePid: row.active_pid,
              confirmedFlushLsn: row.confirmed_flush_lsn,
              lagBytes: row.lag === null ? null : Number(row.lag),
            }
          : undefined,
        replication: senders.rows.map((r) => ({
          pid: r.pid,
          state: r.state,
          sentLsn: r.sent_lsn,
          flushLsn: r.flush_lsn,
          replyTime: r.reply_time,
        })),
        proxy,
      };
    });
  } catch (error) {
    return { server: `not answering (${(error as Error).message})`, replication: [], proxy };
  }
}
