/**
 * The CDC data check (the seeds' 数据不丢失 for a CDC job): every change committed in the
 * database appears in the committed CSV exactly once.
 *
 * The CDC job writes `op,schema.table,<row columns>,lsn,tx_id,commit_ms[,v2]`. For the captured
 * business table the row's columns are `id,account,amount,version,updated_at`, where `version`
 * goes up by one in every committed change of the row. So, per primary key, the versions in the
 * output must run without a gap and without a repeat from the first one captured (the snapshot's)
 * to the version the database holds now. A missing version is a lost change, a repeated one a
 * duplicate (a replay, or a second snapshot after a start from scratch). Rows of other tables
 * (the monitor's canary) are counted apart and never as business data.
 */

export interface CdcRow {
  op: string;
  table: string;
  id: number;
  version: number;
  lsn: string;
  txId: string;
  commitMs: number | undefined;
  /** The job version that wrote it: 2 when the row ends in "v2". */
  jobVersion: number;
}

export interface CdcParse {
  rows: CdcRow[];
  /** Rows of other tables, e.g. the canary. */
  otherTables: Record<string, number>;
  /** Lines that are not rows of this format. */
  malformed: string[];
}

export interface CdcCheckResult {
  ok: boolean;
  /** Changes of the business table found in the output (snapshot reads included). */
  rows: number;
  keys: number;
  lost: { id: number; version: number }[];
  duplicated: { id: number; version: number; copies: number }[];
  /** Keys whose newest captured version is still behind the database: not delivered yet. */
  behind: { id: number; captured: number; database: number }[];
  /** Keys the database holds that the output never mentions. */
  missingKeys: number[];
  otherTables: Record<string, number>;
  malformed: number;
}

const ID = 2;
const VERSION = 5;

/** Splits one CSV line, honouring quotes. */
export function splitCsv(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else field += c;
  }
  fields.push(field);
  return fields;
}

export function parseCdcLines(lines: string[], table = 'public.trans_info'): CdcParse {
  const rows: CdcRow[] = [];
  const otherTables: Record<string, number> = {};
  const malformed: string[] = [];
  for (const line of lines) {
    if (line.trim() === '') continue;
    const f = splitCsv(line);
    const op = f[0] ?? '';
    const rowTable = f[1] ?? '';
    if (!['r', 'c', 'u', 'd'].includes(op) || !rowTable.includes('.')) {
      malformed.push(line);
      continue;
    }
    if (rowTable !== table) {
      otherTables[rowTable] = (otherTables[rowTable] ?? 0) + 1;
      continue;
    }
    const jobVersion = f[f.length - 1] === 'v2' ? 2 : 1;
    const tail = jobVersion === 2 ? f.length - 1 : f.length;
    const id = Number(f[ID]);
    const version = Number(f[VERSION]);
    if (tail < 10 || !Number.isInteger(id) || !Number.isInteger(version)) {
      malformed.push(line);
      continue;
    }
    const commit = Number(f[tail - 1]);
    rows.push({
      op,
      table: rowTable,
      id,
      version,
      lsn: f[tail - 3] ?? '',
      txId: f[tail - 2] ?? '',
      commitMs: Number.isFinite(commit) && commit > 0 ? commit : undefined,
      jobVersion,
    });
  }
  return { rows, otherTables, malformed };
}

/**
 * Checks the parsed output against the database's current versions (`database`: id → version).
 * Deleted rows are not in `database`; their changes are checked up to the delete.
 */
export function checkCdcOutput(parsed: CdcParse, database: Map<number, number>): CdcCheckResult {
  const seen = new Map<number, Map<number, number>>();
  for (const row of parsed.rows) {
    const versions = seen.get(row.id) ?? new Map<number, number>();
    versions.set(row.version, (versions.get(row.version) ?? 0) + 1);
    seen.set(row.id, versions);
  }
  const lost: CdcCheckResult['lost'] = [];
  const duplicated: CdcCheckResult['duplicated'] = [];
  const behind: CdcCheckResult['behind'] = [];
  for (const [id, versions] of seen) {
    const all = [...versions.keys()].sort((a, b) => a - b);
    const first = all[0] ?? 0;
    const newest = all[all.length - 1] ?? 0;
    const current = database.get(id);
    for (let v = first; v <= newest; v++) if (!versions.has(v)) lost.push({ id, version: v });
    for (const [version, copies] of versions) if (copies > 1) duplicated.push({ id, version, copies });
    if (current !== undefined && newest < current) behind.push({ id, captured: newest, database: current });
  }
  const missingKeys = [...database.keys()].filter((id) => !seen.has(id)).sort((a, b) => a - b);
  lost.sort((a, b) => a.id - b.id || a.version - b.version);
  duplicated.sort((a, b) => a.id - b.id || a.version - b.version);
  return {
    ok: lost.length === 0 && duplicated.length === 0 && behind.length === 0 && missingKeys.length === 0,
    rows: parsed.rows.length,
    keys: seen.size,
    lost,
    duplicated,
    behind,
    missingKeys,
    otherTables: parsed.otherTables,
    malformed: parsed.malformed.length,
  };
}

/** One line for a log or an assertion message. */
export function describeCdcCheck(result: CdcCheckResult): string {
  const part = (label: string, items: unknown[]) =>
    items.length === 0 ? undefined : `${items.length} ${label} (${JSON.stringify(items.slice(0, 5))})`;
  const problems = [
    part('lost', result.lost),
    part('duplicated', result.duplicated),
    part('keys behind the database', result.behind),
    part('keys never captured', result.missingKeys),
  ].filter(Boolean);
  return `${result.rows} changes of ${result.keys} keys: ${problems.length === 0 ? '0 lost, 0 duplicated' : problems.join('; ')}`;
}
