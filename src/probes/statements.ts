import { ProbeFailedError } from './errors';

/**
 * The probe's `sql` as people write it, e.g. the seeds' `UPDATE ... WHERE ROWNUM <= 18; COMMIT`,
 * turned into the statements a driver takes one at a time. The probe always runs them in one
 * transaction and commits itself, so `BEGIN`/`COMMIT` in the text are dropped; a `ROLLBACK` or
 * `SAVEPOINT` would defeat the probe and is refused. Semicolons inside quotes, comments and
 * PostgreSQL dollar quotes do not split. An Oracle PL/SQL block (`BEGIN ... END;` or
 * `DECLARE ...`) is passed whole.
 */
export type SqlDialect = 'postgres' | 'oracle';

const TRANSACTION_START =
  /^(BEGIN|START\s+TRANSACTION)(\s+(WORK|TRANSACTION))?(\s+ISOLATION\s+LEVEL\s+.*)?$/i;
const TRANSACTION_END = /^(COMMIT|END)(\s+(WORK|TRANSACTION))?$/i;
const REFUSED = /^(ROLLBACK|SAVEPOINT|RELEASE|ABORT)\b/i;

export function probeStatements(sql: string, dialect: SqlDialect): string[] {
  const text = sql.trim();
  if (dialect === 'oracle' && /^(BEGIN|DECLARE)\s/i.test(text) && !TRANSACTION_START.test(text)) {
    // PL/SQL: the block needs its final `;`; a SQL*Plus `/` line after it is not part of it.
    return [text.replace(/\n\s*\/\s*$/, '').trim()];
  }
  const statements: string[] = [];
  for (const piece of splitTopLevel(text, dialect)) {
    const bare = stripComments(piece, dialect).trim();
    if (bare === '' || bare === '/') continue;
    if (TRANSACTION_START.test(bare) || TRANSACTION_END.test(bare)) continue;
    if (REFUSED.test(bare)) {
      throw new ProbeFailedError(
        `probe sql must not control the transaction ("${bare.split(/\s+/)[0]}"): the probe commits itself`,
      );
    }
    // Comments stay: an Oracle optimizer hint is one (`/*+ INDEX(t) */`).
    const statement = piece.trim();
    statements.push(dialect === 'oracle' ? statement.replace(/\n\s*\/$/, '').trim() : statement);
  }
  if (statements.length === 0) throw new ProbeFailedError('probe sql has no statement to run');
  return statements;
}

/** Splits at `;` outside quotes, identifiers, comments and (PostgreSQL) dollar quotes. */
export function splitTopLevel(text: string, dialect: SqlDialect): string[] {
  const pieces: string[] = [];
  let start = 0;
  let i = 0;
  while (i < text.length) {
    const end = skipQuoted(text, i, dialect);
    if (end > i) {
      i = end;
      continue;
    }
    if (text[i] === ';') {
      pieces.push(text.slice(start, i));
      start = i + 1;
    }
    i++;
  }
  pieces.push(text.slice(start));
  return pieces;
}

/** When `text[i]` opens a quote or comment, the index just after it closes (or the end); else `i`. */
function skipQuoted(text: string, i: number, dialect: SqlDialect): number {
  const c = text[i];
  const next = text[i + 1];
  const until = (close: string, from: number) => {
    const at = text.indexOf(close, from);
    return at === -1 ? text.length : at + close.length;
  };
  if (c === '-' && next === '-') return until('\n', i + 2);
  if (c === '/' && next === '*') return until('*/', i + 2);
  if (c === "'" || c === '"') {
    // A doubled quote inside is an escaped quote: reading it as close-then-open gives the same end.
    return until(c, i + 1);
  }
  if (dialect === 'postgres' && c === '$') {
    const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(i))?.[0];
    if (tag) return until(tag, i + tag.length);
  }
  return i;
}

function stripComments(piece: string, dialect: SqlDialect): string {
  let out = '';
  let i = 0;
  while (i < piece.length) {
    const end = skipQuoted(piece, i, dialect);
    if (end > i) {
      const quoted = piece.slice(i, end);
      out += quoted.startsWith('--') || quoted.startsWith('/*') ? ' ' : quoted;
      i = end;
    } else {
      out += piece[i];
      i++;
    }
  }
  return out;
}
