import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { sendAlert } from '../../../src/activities/alerts';
import { deliverAlert } from '../../../src/alerts/deliver';
import type { AlertChannel } from '../../../src/config/schema';
import { zombieAlert } from './fixtures';
import { decodeBody, mimeLeaves, parseMime, type SmtpReceiver, startSmtp } from './servers';

const PASSWORD = 'smtp-Pa55word-7f3c9e';
let smtp: SmtpReceiver;

beforeAll(async () => {
  smtp = await startSmtp({ user: 'flink-alerts', password: PASSWORD });
});
afterAll(() => smtp.close());
afterEach(() => {
  vi.unstubAllEnvs();
});

function emailChannel(overrides: Partial<Extract<AlertChannel, { type: 'email' }>> = {}): AlertChannel {
  return {
    type: 'email',
    name: 'oncall',
    minSeverity: 'warning',
    smtp: {
      host: '127.0.0.1',
      port: smtp.port,
      secure: false,
      user: 'flink-alerts',
      password: { fromEnv: 'ALERT_TEST_SMTP_PASSWORD' },
    },
    from: 'flink-runbooks@example.com',
    to: ['oncall@example.com', 'lead@example.com'],
    ...overrides,
  };
}

describe('email through a real SMTP server with AUTH', () => {
  it('delivers a message with subject, text and HTML parts and the Temporal UI link', async () => {
    vi.stubEnv('ALERT_TEST_SMTP_PASSWORD', PASSWORD);
    vi.stubEnv('TEMPORAL_UI_URL', 'http://127.0.0.1:8233');
    const before = smtp.mails.length;
    const outcomes = await sendAlert({ alert: zombieAlert(), channels: [emailChannel()] });

    expect(outcomes).toEqual([
      expect.objectContaining({
        channel: 'email/oncall',
        type: 'email',
        outcome: 'sent',
        ok: true,
        attempts: 1,
        status: 250,
      }),
    ]);
    expect(smtp.mails).toHaveLength(before + 1);
    const mail = smtp.mails.at(-1);
    expect(mail?.user).toBe('flink-alerts');
    expect(mail?.from).toBe('flink-runbooks@example.com');
    expect(mail?.to).toEqual(['oncall@example.com', 'lead@example.com']);

    const message = parseMime(mail?.raw ?? '');
    expect(message.headers.from).toContain('flink-runbooks@example.com');
    expect(message.headers.to).toContain('oncall@example.com');
    expect(message.headers.subject).toContain('CRITICAL');
    expect(message.headers.subject).toContain('realtime-pipeline');
    expect(message.headers['x-flink-runbooks-incident']).toBe(
      'realtime-pipeline/realtime-data-pipeline/zombie',
    );
    expect(message.headers['content-type']).toMatch(/^multipart\/alternative/);

    const leaves = mimeLeaves(message);
    const text = leaves.find((p) => p.headers['content-type']?.startsWith('text/plain'));
    const html = leaves.find((p) => p.headers['content-type']?.startsWith('text/html'));
    expect(text).toBeDefined();
    expect(html).toBeDefined();
    const link = 'http://127.0.0.1:8233/namespaces/default/workflows/monitor-realtime-pipeline/run-1/history';
    expect(decodeBody(text as never)).toContain(`Open the workflow in Temporal UI: ${link}`);
    expect(decodeBody(text as never)).toContain('Verdict: zombie');
    expect(decodeBody(html as never)).toContain(`<a href="${link}"`);
    expect(decodeBody(html as never)).toContain('Restarting the job from the latest checkpoint');
    expect(mail?.raw).not.toContain(PASSWORD);
  });

  it('fails fast on a wrong password, without retrying and without saying it', async () => {
    const wrong = 'not-the-Pa55word-1234';
    const failures = smtp.authFailures;
    const outcomes = await deliverAlert(
      { alert: zombieAlert(), channels: [emailChannel()] },
      { env: { ALERT_TEST_SMTP_PASSWORD: wrong }, maxAttempts: 3, backoffMs: 10, timeoutMs: 2_000 },
    );
    expect(outcomes[0]).toMatchObject({ outcome: 'failed', ok: false, attempts: 1 });
    expect(outcomes[0]?.error).toMatch(/Invalid login|535/);
    expect(JSON.stringify(outcomes)).not.toContain(wrong);
    expect(smtp.authFailures).toBe(failures + 1);
  });

  it('reports an unset password reference by name, without trying', async () => {
    const outcomes = await deliverAlert({ alert: zombieAlert(), channels: [emailChannel()] }, { env: {} });
    expect(outcomes[0]).toMatchObject({
      outcome: 'failed',
      attempts: 0,
      error: 'secret environment variable ALERT_TEST_SMTP_PASSWORD is not set',
    });
  });
});
