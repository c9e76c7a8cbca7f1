import type { SqlProbeSpec } from './types';

/** What a driver adapter needs: the password already resolved, the statements already split. */
export interface SqlSession {
  statements: string[];
  password: string;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
}

/** `postgres probe at db.example:5432/finance as probe_user`: for messages, never with the password. */
export function describeSqlProbe(probe: SqlProbeSpec): string {
  return probe.type === 'postgres'
    ? `postgres probe at ${probe.host}:${probe.port}/${probe.database} as ${probe.user}`
    : `oracle probe at ${probe.connectString} as ${probe.user}`;
}

/** Sums the counts the driver reports; undefined when any statement reports none (PL/SQL, DDL). */
export function sumRows(counts: Array<number | null | undefined>): number | undefined {
  let total = 0;
  for (const count of counts) {
    if (typeof count !== 'number') return undefined;
    total += count;
  }
  return total;
}

/** Awaits a clean-up step for at most `ms`; its failure does not matter any more. */
export async function settleWithin(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    work.catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}
