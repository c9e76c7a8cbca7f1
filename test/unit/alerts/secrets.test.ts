import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { sendAlert } from '../../../src/activities/alerts';
import type { ChannelOutcome } from '../../../src/alerts/types';
import type { AlertChannel } from '../../../src/config/schema';
import { zombieAlert } from './fixtures';
import { type HookReceiver, type SmtpReceiver, startHookServer, startSmtp } from './servers';

/**
 * Every secret the channels use, run through success and every kind of failure; then a scan of
 * everything that came out (outcomes, thrown errors, activity log lines, heartbeats, console).
 */
const SECRET = {
  dingtalkToken: 'dingtalkTOKEN0a1b2c3d4e5f6a7b8c9d',
  dingtalkSigning: 'SECdingtalkSIGNING+/=0a1b2c3d4e',
  slackToken: 'slackTOKENxoxb0a1b2c3d4e5f6g7h',
  wecomKey: 'wecomKEY-0a1b2c3d-4e5f-6a7b',
  larkToken: 'larkTOKEN-0a1b2c3d-4e5f-6a7b',
  larkSigning: 'larkSIGNING0a1b2c3d4e5f',
  webhookToken: 'webhookTOKEN0a1b2c3d4e5f',
  webhookHeader: 'Bearer headerSECRET0a1b2c3d',
  smtpPassword: 'smtpPASSWORD-0a1b2c3d!',
};

function forms(secret: string): string[] {
  return [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64')];
}

function expectClean(text: string, where: string): void {
  for (const [name, secret] of Object.entries(SECRET)) {
    for (const form of forms(secret)) {
      if (text.includes(form)) throw new Error(`${where} contains ${name} (${form})`);
    }
  }
}

let hooks: HookReceiver;
let smtp: SmtpReceiver;
const consoleLines: string[] = [];

beforeAll(async () => {
  hooks = await startHookServer({
    dingtalkSecret: SECRET.dingtalkSigning,
    larkSecret: SECRET.larkSigning,
    webhookHeader: { name: 'Authorization', value: SECRET.webhookHeader },
  });
  smtp = await startSmtp({ user: 'alerts', password: SECRET.smtpPassword });
});
afterAll(async () => {
  await hooks.close();
  await smtp.close();
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

function captureConsole(): void {
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      consoleLines.push(
        args.map((a) => (a instanceof Error ? `${a.message}\n${a.stack}` : String(a))).join(' '),
      );
    });
  }
}

/** The same channels pointed at `route`: a working platform, or /fail (500 echoing the URL). */
function stub(route: (platform: string) => string, smtpPassword = SECRET.smtpPassword): void {
  vi.stubEnv(
    'S_DINGTALK',
    `${hooks.base}/${route('dingtalk')}/robot/send?access_token=${SECRET.dingtalkToken}`,
  );
  vi.stubEnv('S_DINGTALK_SIGN', SECRET.dingtalkSigning);
  vi.stubEnv('S_SLACK', `${hooks.base}/${route('slack')}/services/T9/B9/${SECRET.slackToken}`);
  vi.stubEnv('S_WECOM', `${hooks.base}/${route('wecom')}/cgi-bin/webhook/send?key=${SECRET.wecomKey}`);
  vi.stubEnv('S_LARK', `${hooks.base}/${route('lark')}/open-apis/bot/v2/hook/${SECRET.larkToken}`);
  vi.stubEnv('S_LARK_SIGN', SECRET.larkSigning);
  vi.stubEnv('S_WEBHOOK', `${hooks.base}/${route('generic')}/${SECRET.webhookToken}`);
  vi.stubEnv('S_WEBHOOK_AUTH', SECRET.webhookHeader);
  vi.stubEnv('S_SMTP_PASSWORD', smtpPassword);
}

function channels(): AlertChannel[] {
  return [
    {
      type: 'dingtalk',
      minSeverity: 'info',
      webhook: { fromEnv: 'S_DINGTALK' },
      secret: { fromEnv: 'S_DINGTALK_SIGN' },
    },
    { type: 'slack', minSeverity: 'info', webhook: { fromEnv: 'S_SLACK' } },
    { type: 'wecom', minSeverity: 'info', webhook: { fromEnv: 'S_WECOM' } },
    { type: 'lark', minSeverity: 'info', webhook: { fromEnv: 'S_LARK' }, secret: { fromEnv: 'S_LARK_SIGN' } },
    {
      type: 'webhook',
      minSeverity: 'info',
      url: { fromEnv: 'S_WEBHOOK' },
      headers: { Authorization: { fromEnv: 'S_WEBHOOK_AUTH' } },
    },
    {
      type: 'email',
      minSeverity: 'info',
      smtp: {
        host: '127.0.0.1',
        port: smtp.port,
        secure: false,
        user: 'alerts',
        password: { fromEnv: 'S_SMTP_PASSWORD' },
      },
      from: 'a@example.com',
      to: ['b@example.com'],
    },
  ];
}

/** A mock activity context whose logger keeps every line. */
function activityEnvironment(logLines: string[]): MockActivityEnvironment {
  const record = (level: string) => (message: string, meta?: Record<string, unknown>) =>
    logLines.push(
      `${level} ${message} ${JSON.stringify(meta ?? {}, (_k, v) => (v instanceof Error ? `${v.message}\n${v.stack}` : v))}`,
    );
  return new MockActivityEnvironment(undefined, {
    logger: {
      log: (level, message, meta) => record(level)(message, meta),
      trace: record('TRACE'),
      debug: record('DEBUG'),
      info: record('INFO'),
      warn: record('WARN'),
      error: record('ERROR'),
    },
  });
}

/** Runs the activity in a (mock) activity context, collecting its log lines and heartbeats. */
async function runActivity(channelList: AlertChannel[]) {
  const logLines: string[] = [];
  const heartbeats: unknown[] = [];
  const env = activityEnvironment(logLines);
  env.on('heartbeat', (details) => heartbeats.push(details));
  let outcomes: ChannelOutcome[] = [];
  let thrown: unknown;
  try {
    outcomes = await env.run(sendAlert, {
      alert: zombieAlert(),
      channels: channelList,
      delivery: { timeoutMs: 1_000, maxAttempts: 2, backoffMs: 20 },
    });
  } catch (error) {
    thrown = error;
  }
  return { outcomes, thrown, logLines, heartbeats };
}

describe('no secret leaves the alert code', () => {
  it('when every channel works', async () => {
    captureConsole();
    stub((platform) => platform);
    const run = await runActivity(channels());
    expect(run.outcomes.map((o) => o.outcome)).toEqual(['sent', 'sent', 'sent', 'sent', 'sent', 'sent']);
    expect(run.heartbeats).toHaveLength(6);
    expect(run.logLines.filter((l) => l.startsWith('INFO'))).toHaveLength(6);
    expectClean(JSON.stringify(run), 'result');
    expectClean(consoleLines.join('\n'), 'console');
  });

  it('when every channel fails and the server echoes the URL, the token and the signature', async () => {
    captureConsole();
    stub(() => 'fail', 'a-wrong-password-but-still-secret');
    // The wrong password is what was resolved, so it is the secret to hide here.
    const wrong = 'a-wrong-password-but-still-secret';
    const run = await runActivity(channels());
    expect(run.outcomes.map((o) => o.outcome)).toEqual([
      'failed',
      'failed',
      'failed',
      'failed',
      'failed',
      'failed',
    ]);
    expect(run.outcomes[0]?.error).toMatch(/^HTTP 500: internal error while handling POST \[redacted\]/);
    expect(run.outcomes[5]?.error).toMatch(/Invalid login|535/);
    expect(run.logLines.some((l) => l.startsWith('WARN') && l.includes('[redacted]'))).toBe(true);
    const all = JSON.stringify(run) + consoleLines.join('\n');
    expectClean(all, 'failure output');
    expect(all).not.toContain(wrong);
  });

  it('when a secret is not a URL at all, or points nowhere', async () => {
    captureConsole();
    stub((platform) => platform);
    vi.stubEnv('S_SLACK', `not a url ${SECRET.slackToken}`);
    vi.stubEnv('S_WECOM', `http://127.0.0.1:9/cgi-bin/webhook/send?key=${SECRET.wecomKey}`);
    vi.stubEnv('S_WEBHOOK', `${SECRET.webhookToken}://x`);
    const run = await runActivity(channels().slice(1, 5));
    expect(run.outcomes.map((o) => o.outcome)).toEqual(['failed', 'failed', 'sent', 'failed']);
    for (const outcome of run.outcomes.filter((o) => o.outcome === 'failed'))
      expect(outcome.error).toBeTruthy();
    expect(run.outcomes.map((o) => [o.attempts, o.error])).toEqual([
      [0, 'secret environment variable S_SLACK does not hold an http(s) URL'],
      [2, 'connect ECONNREFUSED 127.0.0.1:9'],
      [1, undefined],
      [0, 'secret environment variable S_WEBHOOK does not hold an http(s) URL'],
    ]);
    expectClean(JSON.stringify(run) + consoleLines.join('\n'), 'bad-URL output');
  });

  it('when the activity throws', async () => {
    captureConsole();
    stub((platform) => platform);
    const logLines: string[] = [];
    const env = activityEnvironment(logLines);
    const error = await env
      .run(sendAlert, { alert: { ...zombieAlert(), incidentKey: '' }, channels: channels() })
      .catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('InvalidAlert');
    expectClean(`${(error as Error).message}\n${(error as Error).stack}`, 'thrown error');
    expect(logLines.join('\n')).toContain('InvalidAlert');
    expectClean(logLines.join('\n'), 'activity log');
    expectClean(consoleLines.join('\n'), 'console');
  });
});
