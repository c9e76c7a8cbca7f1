import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adminPasswordFile, CDC_DB, withAdmin } from './cdc-database';

/**
 * The faults that silence CDC jobs in production, made for real on 127.0.0.1:
 * - blackhole: the proxy between job and database stops forwarding without closing (half-open);
 * - terminate: `pg_terminate_backend` of the replication connection;
 * - database down: PostgreSQL stopped, started again later;
 * - database frozen: every PostgreSQL process stopped with SIGSTOP, resumed with SIGCONT;
 * - credentials revoked: the job's role loses LOGIN (and gets it back).
 */
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export type ProxyFault = 'blackhole' | 'hold-new' | 'drop-open' | 'heal' | 'close';

export interface ProxyState {
  mode: 'open' | 'blackhole' | 'hold-new';
  open: number;
  frozen: number;
  accepted: number;
}

export async function proxyFault(fault: ProxyFault): Promise<ProxyState> {
  const response = await fetch(`http://127.0.0.1:${CDC_DB.controlPort}/${fault}`, {
    method: 'POST',
    signal: AbortSignal.timeout(5000),
  });
  if (!response.ok)
    throw new Error(`fault proxy refused ${fault}: ${response.status} ${await response.text()}`);
  return (await response.json()) as ProxyState;
}

export async function proxyState(): Promise<ProxyState> {
  const response = await fetch(`http://127.0.0.1:${CDC_DB.controlPort}/state`, {
    signal: AbortSignal.timeout(5000),
  });
  return (await response.json()) as ProxyState;
}

export interface SlotState {
  exists: boolean;
  active: boolean;
  activePid: number | null;
  confirmedFlushLsn: string | null;
  /** WAL written since the slot's confirmed position, in bytes. */
  lagBytes: number | null;
  walsender: boolean;
}

export async function slotState(slot: string = CDC_DB.slot): Promise<SlotState> {
  return withAdmin(async (client) => {
    const result = await client.query(
      `SELECT s.active, s.active_pid, s.confirmed_flush_lsn::text,
              pg_wal_lsn_diff(pg_current_wal_lsn(), s.confirmed_flush_lsn)::bigint AS lag,
              (SELECT count(*) FROM pg_stat_replication r WHERE r.pid = s.active_pid) AS senders
       FROM pg_replication_slots s WHERE s.slot_name = $1`,
      [slot],
    );
    const row = result.rows[0];
    if (!row)
      return {
        exists: false,
        active: false,
        activePid: null,
        confirmedFlushLsn: null,
        lagBytes: null,
        walsender: false,
      };
    return {
      exists: true,
      active: row.active,
      activePid: row.active_pid,
      confirmedFlushLsn: row.confirmed_flush_lsn,
      lagBytes: row.lag === null ? null : Number(row.lag),
      walsender: Number(row.senders) > 0,
    };
  });
}

/** Ends the slot's walsender; returns its pid, or undefined when none was active. */
export async function terminateWalsender(slot: string = CDC_DB.slot): Promise<number | undefined> {
  return withAdmin(async (client) => {
    const result = await client.query(
      `SELECT active_pid, pg_terminate_backend(active_pid) AS ended
       FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL`,
      [slot],
    );
    return result.rows[0]?.active_pid ?? undefined;
  });
}

function ensurePostgres(args: string[], input?: string): void {
  execFileSync('bash', [join(repoRoot, 'scripts/ensure-postgres.sh'), ...args], {
    input,
    stdio: ['pipe', 'ignore', 'inherit'],
  });
}

export function stopDatabase(): void {
  ensurePostgres(['stop', CDC_DB.dir]);
}

export function startDatabase(): void {
  const password = readFileSync(adminPasswordFile(), 'utf8').trim();
  ensurePostgres(['start', CDC_DB.dir, String(CDC_DB.port), '-', CDC_DB.admin], `${password}\n`);
}

/** The postmaster and every process it started. */
function databasePids(): number[] {
  const postmaster = Number(readFileSync(join(CDC_DB.dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const children = execFileSync('pgrep', ['-P', String(postmaster)], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map(Number);
  return [postmaster, ...children];
}

/** SIGSTOP to every PostgreSQL process: the server keeps its sockets and answers nothing. */
export function freezeDatabase(): number[] {
  const pids = databasePids();
  for (const pid of pids) process.kill(pid, 'SIGSTOP');
  return pids;
}

export function thawDatabase(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // a process that ended meanwhile
    }
  }
}

/** The job's role loses LOGIN: sessions already open go on, new ones are refused. */
export async function revokeLogin(): Promise<void> {
  await withAdmin((client) => client.query(`ALTER ROLE ${CDC_DB.user} NOLOGIN`), 'postgres');
}

export async function restoreLogin(): Promise<void> {
  await withAdmin((client) => client.query(`ALTER ROLE ${CDC_DB.user} LOGIN`), 'postgres');
}
