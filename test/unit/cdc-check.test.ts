import { describe, expect, it } from 'vitest';
import { checkCdcOutput, parseCdcLines, splitCsv } from '../../src/output/cdc-check';

const row = (op: string, id: number, version: number, extra = '') =>
  `${op},public.trans_info,${id},ACC${id},${100 + version}.00,${version},2026-12-05T23:02:58Z,${26528752 + version},${700 + version},1796511778992${extra}`;

const db = (entries: [number, number][]) => new Map(entries);

describe('the CDC data check', () => {
  it.each([
    {
      name: 'snapshot then every change once',
      lines: [row('r', 1, 0), row('u', 1, 1), row('u', 1, 2), row('r', 2, 0), row('u', 2, 1)],
      database: db([
        [1, 2],
        [2, 1],
      ]),
      lost: [],
      duplicated: [],
      behind: [],
      ok: true,
    },
    {
      name: 'a change lost across a restart (the first transaction at the restored LSN skipped)',
      lines: [row('r', 1, 0), row('u', 1, 1), row('u', 1, 3), row('u', 1, 4)],
      database: db([[1, 4]]),
      lost: [{ id: 1, version: 2 }],
      duplicated: [],
      behind: [],
      ok: false,
    },
    {
      name: 'a replayed change',
      lines: [row('r', 1, 0), row('u', 1, 1), row('u', 1, 1), row('u', 1, 2)],
      database: db([[1, 2]]),
      lost: [],
      duplicated: [{ id: 1, version: 1, copies: 2 }],
      behind: [],
      ok: false,
    },
    {
      name: 'a second snapshot after a start from scratch',
      lines: [row('r', 1, 0), row('u', 1, 1), row('r', 1, 1), row('u', 1, 2)],
      database: db([[1, 2]]),
      lost: [],
      duplicated: [{ id: 1, version: 1, copies: 2 }],
      behind: [],
      ok: false,
    },
    {
      name: 'changes committed but not delivered yet',
      lines: [row('r', 1, 0), row('u', 1, 1)],
      database: db([[1, 3]]),
      lost: [],
      duplicated: [],
      behind: [{ id: 1, captured: 1, database: 3 }],
      ok: false,
    },
    {
      name: 'rows of version 2 of the job count the same',
      lines: [row('r', 1, 0), row('u', 1, 1), row('u', 1, 2, ',v2')],
      database: db([[1, 2]]),
      lost: [],
      duplicated: [],
      behind: [],
      ok: true,
    },
  ])('$name', ({ lines, database, lost, duplicated, behind, ok }) => {
    const result = checkCdcOutput(parseCdcLines(lines), database);
    expect(result.lost).toEqual(lost);
    expect(result.duplicated).toEqual(duplicated);
    expect(result.behind).toEqual(behind);
    expect(result.ok).toBe(ok);
  });

  it('never counts canary rows as business data', () => {
    const parsed = parseCdcLines([
      row('r', 1, 0),
      'c,public.cdc_canary,7,canary-1,2026-12-05T23:02:58Z,1,2,3',
    ]);
    expect(parsed.rows).toHaveLength(1);
    expect(parsed.otherTables).toEqual({ 'public.cdc_canary': 1 });
  });

  it('names a key the database has and the output never mentions', () => {
    const result = checkCdcOutput(
      parseCdcLines([row('r', 1, 0)]),
      db([
        [1, 0],
        [2, 0],
      ]),
    );
    expect(result.missingKeys).toEqual([2]);
    expect(result.ok).toBe(false);
  });

  it('reads the commit time, LSN and transaction of a change', () => {
    const [parsed] = parseCdcLines([row('u', 3, 5, ',v2')]).rows;
    expect(parsed).toMatchObject({
      id: 3,
      version: 5,
      lsn: '26528757',
      txId: '705',
      commitMs: 1796511778992,
      jobVersion: 2,
    });
  });

  it('splits quoted CSV fields', () => {
    expect(splitCsv('a,"b,c","d""e",')).toEqual(['a', 'b,c', 'd"e', '']);
  });

  it('reports lines of another format instead of guessing', () => {
    expect(parseCdcLines(['0,1700000000000,m', 'x,y']).malformed).toHaveLength(2);
  });
});
