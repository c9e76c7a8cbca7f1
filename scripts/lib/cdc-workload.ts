import type pg from 'pg';
import { adminClient, CDC_DB, withAdmin } from './cdc-database';

/**
 * The workload of the CDC sandbox: the seeds' data-capture step (`UPDATE ... amount + 1` on the
 * 18 rows of trans_info, then commit), run at a steady rate (0 for a quiet source) with optional
 * bursts. The database is the truth: a commit whose answer was lost (the server frozen or gone
 * mid-statement) may or may not have happened, and the data check reads the versions the
 * database holds rather than counting what was sent.
 */
export const CAPTURE_STEP =
  'UPDATE trans_info SET amount = amount + 1, version = version + 1, updated_at = now() WHERE id <= 18';

export interface WorkloadOptions {
  /** Transactions per second; 0 for a quiet source. */
  rate: number;
  /** Extra transactions every `everyMs`, all at once. */
  burst?: { everyMs: number; transactions: number };
  /** Stops by itself after this long (default 30 minutes), whatever the caller does. */
  maxDurationMs?: number;
}

export interface WorkloadStats {
  committed: number;
  failed: number;
  /** Failures' messages, newest last, at most 20. */
  errors: string[];
  lastCommitAt?: number;
}

export interface Workload {
  stats(): WorkloadStats;
  stop(): Promise<WorkloadStats>;
}

/** One capture step, in a transaction of its own. */
export async function captureOnce(): Promise<void> {
  await withAdmin((client) => client.query(CAPTURE_STEP));
}

export function startWorkload(options: WorkloadOptions): Workload {
  const stats: WorkloadStats = { committed: 0, failed: 0, errors: [] };
  const started = Date.now();
  const maxDurationMs = options.maxDurationMs ?? 30 * 60_000;
  let client: pg.Client | undefined;
  let stopped = false;
  let lastBurst = started;

  const commit = async () => {
    try {
      client ??= await adminClient();
      await client.query(CAPTURE_STEP);
      stats.committed++;
      stats.lastCommitAt = Date.now();
    } catch (error) {
      stats.failed++;
      stats.errors.push((error as Error).message);
      if (stats.errors.length > 20) stats.errors.shift();
      const broken = client;
      client = undefined;
      await broken?.end().catch(() => undefined);
    }
  };

  const loop = (async () => {
    const intervalMs = options.rate > 0 ? 1000 / options.rate : 250;
    while (!stopped && Date.now() - started < maxDurationMs) {
      const t0 = Date.now();
      if (options.rate > 0) await commit();
      if (options.burst && Date.now() - lastBurst >= options.burst.everyMs) {
        lastBurst = Date.now();
        for (let i = 0; i < options.burst.transactions && !stopped; i++) await commit();
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, intervalMs - (Date.now() - t0))));
    }
  })();

  return {
    stats: () => ({ ...stats, errors: [...stats.errors] }),
    stop: async () => {
      stopped = true;
      await loop;
      await client?.end().catch(() => undefined);
      return { ...stats, errors: [...stats.errors] };
    },
  };
}

/** The version of each row as the database holds it now: the data check's ground truth. */
export async function databaseVersions(): Promise<Map<number, number>> {
  return withAdmin(async (client) => {
    const result = await client.query<{ id: number; version: string }>(
      `SELECT id, version FROM ${CDC_DB.table} ORDER BY id`,
    );
    return new Map(result.rows.map((r) => [r.id, Number(r.version)]));
  });
}
