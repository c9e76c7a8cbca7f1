import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { redact, redactCredentials } from '../../src/alerts/redact';
import { ErrorNameAsFailureType } from '../../src/temporal/error-types';

/**
 * Exception text from Flink, JDBC drivers and SMTP servers, as they print it, with credentials the
 * worker was never told about. Each is scrubbed before it reaches a log, an alert, a verdict
 * reason or workflow history.
 */
const SECRET = 'Hunter2-s3cret';

const texts: Array<[string, string]> = [
  [
    'a Flink job failing on a JDBC URL with a password property',
    `org.apache.flink.runtime.JobException: Recovery is suppressed ... java.sql.SQLException: cannot connect to jdbc:postgresql://db.internal:5432/finance?user=cdc&password=${SECRET}&ssl=true`,
  ],
  [
    'a JDBC URL with user:password@',
    `Caused by: org.postgresql.util.PSQLException: Connection to postgresql://cdc:${SECRET}@db.internal:5432/finance refused`,
  ],
  [
    'an Oracle thin URL with user/password@',
    `ORA-12514 for jdbc:oracle:thin:system/${SECRET}@127.0.0.1:1521/helowin`,
  ],
  [
    'a SQL Server property list',
    `jdbc:sqlserver://db:1433;databaseName=x;user=sa;password=${SECRET};encrypt=true`,
  ],
  [
    'a token in a webhook URL',
    `request to https://oapi.dingtalk.com/robot/send?access_token=${SECRET} failed`,
  ],
  ['a signed Lark URL', `POST https://open.feishu.cn/hook?timestamp=1&sign=${SECRET} timed out`],
  [
    'a password in free text',
    `Invalid login: 535 5.7.8 Authentication failed for user alerts password=${SECRET}`,
  ],
  ['a JSON password field', `{"user":"u","password":"${SECRET}"}`],
  [
    'an Authorization header echoed',
    `proxy said: Authorization: Basic ${Buffer.from(`ops:${SECRET}`).toString('base64')}`,
  ],
  ['an SMTP URL with credentials', `smtps://alerts:${SECRET}@smtp.example.com:465 rejected the login`],
];

describe('credentials in exception text are scrubbed by their shape', () => {
  it.each(texts)('%s', (_what, text) => {
    const scrubbed = redactCredentials(text);
    expect(scrubbed).not.toContain(SECRET);
    expect(scrubbed).not.toContain(Buffer.from(`ops:${SECRET}`).toString('base64'));
    expect(scrubbed).toContain('[redacted]');
    // redact() does the same for every caller that knows its own secrets too.
    expect(redact(text, [])).not.toContain(SECRET);
  });

  it('leaves text without credentials alone', () => {
    for (const text of [
      'password authentication failed for user "cdc"',
      'http://127.0.0.1:8081/jobs/overview: 503',
      'checkpoint 12 expired before completing; tolerable failures 5',
      'jdbc:postgresql://db.internal:5432/finance?user=cdc&ssl=true',
      'spec.rest.basicAuth.password: secret refused: environment variable X belongs to the worker itself',
      'clusters.rp.alerts[0].smtp.password: must be {fromEnv: NAME} or {fromFile: /path}',
    ])
      expect(redactCredentials(text)).toBe(text);
  });
});

describe('activity failures', () => {
  it('carry no credential into history: message, stack and cause are scrubbed', async () => {
    const cause = new Error(`login to smtps://alerts:${SECRET}@smtp.example.com failed`);
    const error = Object.assign(
      new Error(`probe failed: jdbc:postgresql://db/x?password=${SECRET}`, { cause }),
      {
        name: 'ProbeFailed',
      },
    );
    const failure = await new ErrorNameAsFailureType()
      .execute({} as never, async () => {
        throw error;
      })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect((failure as ApplicationFailure).type).toBe('ProbeFailed');
    expect(`${(failure as Error).message}\n${(failure as Error).stack}`).not.toContain(SECRET);
    expect(cause.message).not.toContain(SECRET);
  });
});
