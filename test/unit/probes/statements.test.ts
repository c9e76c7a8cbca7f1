import { describe, expect, it } from 'vitest';
import { probeStatements } from '../../../src/probes/statements';

describe('probeStatements: the probe sql as drivers take it', () => {
  it.each([
    {
      name: "the seeds' Oracle probe: the COMMIT goes, the probe commits itself",
      sql: 'UPDATE FINANCE_USER.TRANS_INFO SET AMOUNT = AMOUNT + 1 WHERE ROWNUM <= 18; COMMIT',
      dialect: 'oracle' as const,
      expected: ['UPDATE FINANCE_USER.TRANS_INFO SET AMOUNT = AMOUNT + 1 WHERE ROWNUM <= 18'],
    },
    {
      name: 'a trailing semicolon and COMMIT WORK;',
      sql: 'update t set a = a + 1;\nCOMMIT WORK;\n',
      dialect: 'oracle' as const,
      expected: ['update t set a = a + 1'],
    },
    {
      name: 'BEGIN/COMMIT around PostgreSQL statements',
      sql: 'BEGIN; UPDATE t SET a = a + 1; INSERT INTO log VALUES (1); COMMIT;',
      dialect: 'postgres' as const,
      expected: ['UPDATE t SET a = a + 1', 'INSERT INTO log VALUES (1)'],
    },
    {
      name: 'semicolons inside quotes, identifiers and comments do not split',
      sql: `UPDATE t SET note = 'a;b''c;' WHERE "odd;col" = 1 -- trailing; comment\n; /* x; y */ COMMIT`,
      dialect: 'postgres' as const,
      expected: [`UPDATE t SET note = 'a;b''c;' WHERE "odd;col" = 1 -- trailing; comment`],
    },
    {
      name: 'PostgreSQL dollar quotes',
      sql: 'DO $probe$ BEGIN UPDATE t SET a = a + 1; END $probe$; END',
      dialect: 'postgres' as const,
      expected: ['DO $probe$ BEGIN UPDATE t SET a = a + 1; END $probe$'],
    },
    {
      name: 'an Oracle PL/SQL block is passed whole, without the SQL*Plus slash',
      sql: 'BEGIN\n  UPDATE t SET a = a + 1 WHERE ROWNUM <= 18;\n  COMMIT;\nEND;\n/',
      dialect: 'oracle' as const,
      expected: ['BEGIN\n  UPDATE t SET a = a + 1 WHERE ROWNUM <= 18;\n  COMMIT;\nEND;'],
    },
    {
      name: 'an Oracle optimizer hint is kept, a SQL*Plus slash line is not',
      sql: 'UPDATE /*+ INDEX(t pk_t) */ t SET a = a + 1 WHERE ROWNUM <= 18\n/',
      dialect: 'oracle' as const,
      expected: ['UPDATE /*+ INDEX(t pk_t) */ t SET a = a + 1 WHERE ROWNUM <= 18'],
    },
    {
      name: 'a statement followed by a comment-only piece',
      sql: 'UPDATE t SET a = 1; -- done',
      dialect: 'postgres' as const,
      expected: ['UPDATE t SET a = 1'],
    },
  ])('$name', ({ sql, dialect, expected }) => {
    expect(probeStatements(sql, dialect)).toEqual(expected);
  });

  it('refuses a ROLLBACK or SAVEPOINT, and sql with nothing to run, as ProbeFailed', () => {
    expect(() => probeStatements('UPDATE t SET a = 1; ROLLBACK', 'postgres')).toThrow(
      expect.objectContaining({ name: 'ProbeFailed', message: expect.stringContaining('ROLLBACK') }),
    );
    expect(() => probeStatements('SAVEPOINT s; UPDATE t SET a = 1', 'oracle')).toThrow(/SAVEPOINT/);
    expect(() => probeStatements('COMMIT; -- nothing', 'postgres')).toThrow(/no statement/);
  });
});
