import { describe, expect, it } from 'vitest';
import { oracleCode, oracleProbeError, postgresProbeError } from '../../../src/probes/errors';

const PASSWORD = 'Pr0be-S3cret!';
const what = 'probe at 127.0.0.1:5432/finance as probe';

/** Errors shaped like the drivers', carrying the password where a careless driver might. */
function driverError(message: string, fields: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), fields);
}

describe('postgres errors: typed, and never with the password', () => {
  it.each([
    [
      'connection refused',
      driverError('connect ECONNREFUSED 127.0.0.1:5432', { code: 'ECONNREFUSED' }),
      'ProbeUnavailable',
    ],
    ['connect timeout', driverError('timeout expired'), 'ProbeUnavailable'],
    ['connection lost', driverError('Connection terminated unexpectedly'), 'ProbeUnavailable'],
    ['query read timeout', driverError('Query read timeout'), 'ProbeUnavailable'],
    [
      'statement_timeout',
      driverError('canceling statement due to statement timeout', { code: '57014' }),
      'ProbeUnavailable',
    ],
    [
      'server starting',
      driverError('the database system is starting up', { code: '57P03' }),
      'ProbeUnavailable',
    ],
    [
      'too many connections',
      driverError('sorry, too many clients already', { code: '53300' }),
      'ProbeUnavailable',
    ],
    ['deadlock', driverError('deadlock detected', { code: '40P01' }), 'ProbeUnavailable'],
    [
      'wrong password',
      driverError('password authentication failed for user "probe"', { code: '28P01' }),
      'ProbeFailed',
    ],
    ['unknown database', driverError('database "finance" does not exist', { code: '3D000' }), 'ProbeFailed'],
    ['unknown table', driverError('relation "trans_info" does not exist', { code: '42P01' }), 'ProbeFailed'],
    ['unknown host', driverError('getaddrinfo ENOTFOUND db.example', { code: 'ENOTFOUND' }), 'ProbeFailed'],
  ])('%s -> %s', (_, error, name) => {
    const typed = postgresProbeError(error, what, [PASSWORD]);
    expect(typed.name).toBe(name);
    expect(typed.message.startsWith(`${what}: `)).toBe(true);
  });

  it('keeps the SQLSTATE as the code and in the message', () => {
    const typed = postgresProbeError(driverError('bad', { code: '28P01' }), what, [PASSWORD]);
    expect(typed).toMatchObject({ code: '28P01', message: `${what}: bad (SQLSTATE 28P01)` });
  });

  it('finds ECONNREFUSED inside an AggregateError (localhost tried as ::1 and 127.0.0.1)', () => {
    const error = new AggregateError([driverError('x', { code: 'ECONNREFUSED' })], '');
    expect(postgresProbeError(error, what, [PASSWORD]).name).toBe('ProbeUnavailable');
  });

  it('redacts the password, its URL encoding and its base64 from the message', () => {
    const error = driverError(
      `could not connect as postgres://probe:${encodeURIComponent(PASSWORD)}@db/finance with ${PASSWORD} ` +
        `(auth ${Buffer.from(PASSWORD).toString('base64')})`,
      { code: '08001' },
    );
    const typed = postgresProbeError(error, what, [PASSWORD]);
    expect(typed.message).not.toContain(PASSWORD);
    expect(typed.message).not.toContain(encodeURIComponent(PASSWORD));
    expect(typed.message).not.toContain(Buffer.from(PASSWORD).toString('base64'));
    expect(typed.message).toContain('[redacted]');
    expect(typed.stack ?? '').not.toContain(PASSWORD);
    expect(typed.cause).toBeUndefined();
  });
});

describe('oracle errors (node-oracledb thin): typed without a server', () => {
  // Messages as node-oracledb 6 words them (lib/errors.js), and the server's ORA- texts.
  it.each([
    [
      'NJS-503',
      'NJS-503: connection to host 127.0.0.1 port 1521 could not be established. (CONNECTION_ID=abc==)\nconnect ECONNREFUSED 127.0.0.1:1521',
      'ProbeUnavailable',
    ],
    [
      'NJS-510',
      'NJS-510: connection to host db port 1521 timed out. Request exceeded "connectTimeout" of 10 seconds.',
      'ProbeUnavailable',
    ],
    [
      'NJS-511',
      'NJS-511: connection to listener at host db port 1521 was refused. (CONNECTION_ID=x)\nCause: ORA-12514',
      'ProbeUnavailable',
    ],
    ['NJS-500', 'NJS-500: connection to Oracle Database was closed or broken', 'ProbeUnavailable'],
    ['NJS-123', 'NJS-123: call timeout of 30000 ms exceeded', 'ProbeUnavailable'],
    ['ORA-01033', 'ORA-01033: ORACLE initialization or shutdown in progress', 'ProbeUnavailable'],
    ['ORA-12541', 'ORA-12541: TNS:no listener', 'ProbeUnavailable'],
    ['ORA-00060', 'ORA-00060: deadlock detected while waiting for resource', 'ProbeUnavailable'],
    ['ORA-01017', 'ORA-01017: invalid credential or not authorized; logon denied', 'ProbeFailed'],
    ['ORA-28000', 'ORA-28000: The account is locked.', 'ProbeFailed'],
    ['ORA-00942', 'ORA-00942: table or view "FINANCE_USER"."TRANS_INFO" does not exist', 'ProbeFailed'],
    ['ORA-00933', 'ORA-00933: SQL command not properly ended', 'ProbeFailed'],
    [
      'NJS-515',
      'NJS-515: error in Easy Connect connection string: input string not in easy connect format: db:x:y',
      'ProbeFailed',
    ],
  ])('%s -> %s', (code, message, name) => {
    const typed = oracleProbeError(driverError(message, { code }), what, [PASSWORD]);
    expect(typed).toMatchObject({ name, code });
    expect(typed.message).not.toContain('\n');
  });

  it('reads the code from the message when the error has none', () => {
    expect(oracleCode(new Error('ORA-12170: TNS:Connect timeout occurred'))).toBe('ORA-12170');
    expect(oracleProbeError(new Error('ORA-12170: TNS:Connect timeout occurred'), what, []).name).toBe(
      'ProbeUnavailable',
    );
    expect(oracleCode(new Error('something else'))).toBeUndefined();
  });

  it('treats a bare socket error as unavailable', () => {
    const typed = oracleProbeError(driverError('read ECONNRESET', { code: 'ECONNRESET' }), what, []);
    expect(typed).toMatchObject({ name: 'ProbeUnavailable', code: 'ECONNRESET' });
  });

  it('redacts the password', () => {
    const typed = oracleProbeError(
      driverError(`ORA-01017: invalid username/password (tried "${PASSWORD}")`, { code: 'ORA-01017' }),
      what,
      [PASSWORD],
    );
    expect(typed.name).toBe('ProbeFailed');
    expect(typed.message).not.toContain(PASSWORD);
    expect(typed.message).toContain('ORA-01017');
  });
});
