import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverAlert, worstCaseMs } from '../../../src/alerts/deliver';
import type { AlertChannel } from '../../../src/config/schema';
import { zombieAlert } from './fixtures';
import { type HookReceiver, startHookServer } from './servers';

let hooks: HookReceiver;
/** An SMTP port that accepts connections and never says a word. */
let silent: Server;
const sockets: Socket[] = [];

beforeAll(async () => {
  hooks = await startHookServer({
    dingtalkSecret: 's',
    larkSecret: 's',
    webhookHeader: { name: 'x-a', value: 'b' },
  });
  silent = createServer((socket) => {
    sockets.push(socket);
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
  await hooks.close();
});

function env(): NodeJS.ProcessEnv {
  const port = (silent.address() as { port: number }).port;
  return {
    OK_SLACK: `${hooks.base}/slack/services/T1/B1/okToken00000001`,
    OK_WECOM: `${hooks.base}/wecom/send?key=wecom-ok-key-000001`,
    HANG_URL: `${hooks.base}/hang/never-answers-token-0001`,
    FAIL_URL: `${hooks.base}/fail/answers-500-token-0001`,
    BAD_SLACK: `${hooks.base}/nowhere/404-token-000001`,
    SMTP_PORT: String(port),
  };
}

function channels(): AlertChannel[] {
  const port = Number(env().SMTP_PORT);
  return [
    { type: 'slack', name: 'ok', minSeverity: 'info', webhook: { fromEnv: 'OK_SLACK' } },
    { type: 'webhook', name: 'hang', minSeverity: 'info', url: { fromEnv: 'HANG_URL' }, headers: {} },
    { type: 'webhook', name: 'fail', minSeverity: 'info', url: { fromEnv: 'FAIL_URL' }, headers: {} },
    { type: 'wecom', name: 'ok', minSeverity: 'info', webhook: { fromEnv: 'OK_WECOM' } },
    {
      type: 'email',
      name: 'silent',
      minSeverity: 'info',
      smtp: { host: '127.0.0.1', port, secure: false },
      from: 'a@example.com',
      to: ['b@example.com'],
    },
    { type: 'slack', name: 'notfound', minSeverity: 'info', webhook: { fromEnv: 'BAD_SLACK' } },
  ];
}

const FAST = { timeoutMs: 400, maxAttempts: 2, backoffMs: 50 };

describe('a failing channel never blocks the others', () => {
  it('delivers the healthy channels while one hangs and one answers 500, within a bounded time', async () => {
    const since = hooks.requests.length;
    const started = Date.now();
    const outcomes = await deliverAlert(
      { alert: zombieAlert(), channels: channels() },
      { env: env(), ...FAST },
    );
    const elapsed = Date.now() - started;

    const by = Object.fromEntries(outcomes.map((o) => [o.channel, o]));
    expect(by['slack/ok']).toMatchObject({ outcome: 'sent', ok: true, attempts: 1, status: 200 });
    expect(by['wecom/ok']).toMatchObject({ outcome: 'sent', ok: true, attempts: 1, status: 200 });
    expect(by['slack/ok']?.durationMs).toBeLessThan(FAST.timeoutMs);
    expect(by['webhook/hang']).toMatchObject({
      outcome: 'failed',
      ok: false,
      attempts: 2,
      error: 'no answer within 400 ms',
    });
    expect(by['webhook/fail']).toMatchObject({ outcome: 'failed', ok: false, attempts: 2, status: 500 });
    // The server echoed the URL; its token is scrubbed.
    expect(by['webhook/fail']?.error).toBe('HTTP 500: internal error while handling POST [redacted]');
    expect(by['email/silent']).toMatchObject({ outcome: 'failed', ok: false, attempts: 2 });
    expect(by['email/silent']?.error).toBe('no answer within 400 ms');
    // A 404 will not get better: one attempt only.
    expect(by['slack/notfound']).toMatchObject({ outcome: 'failed', attempts: 1, status: 404 });

    expect(elapsed).toBeLessThan(worstCaseMs(FAST) + 1_000);
    const requests = hooks.requests.slice(since);
    expect(requests.filter((r) => r.route === 'hang')).toHaveLength(2);
    expect(requests.filter((r) => r.route === 'fail')).toHaveLength(2);
  });

  it('stops every channel at once when cancelled', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const outcomes = await deliverAlert(
      { alert: zombieAlert(), channels: channels().slice(0, 2) },
      { env: env(), timeoutMs: 5_000, maxAttempts: 3, backoffMs: 1_000, signal: controller.signal },
    );
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(outcomes.map((o) => [o.channel, o.outcome, o.error])).toEqual([
      ['slack/ok', 'sent', undefined],
      ['webhook/hang', 'failed', 'cancelled'],
    ]);
  });

  it('reports a channel whose secret is missing and still sends the rest', async () => {
    const mixed = await deliverAlert(
      {
        alert: zombieAlert(),
        channels: [
          { type: 'slack', minSeverity: 'info', webhook: { fromEnv: 'MISSING_SLACK' } },
          { type: 'slack', minSeverity: 'info', webhook: { fromEnv: 'OK_SLACK' } },
        ],
      },
      { env: env(), ...FAST },
    );
    expect(mixed.map((o) => [o.outcome, o.attempts, o.error])).toEqual([
      ['failed', 0, 'secret environment variable MISSING_SLACK is not set'],
      ['sent', 1, undefined],
    ]);
  });

  it('rejects an alert it cannot render, naming the field', async () => {
    await expect(
      deliverAlert(
        { alert: { ...zombieAlert(), severity: 'fatal' as never }, channels: channels() },
        { env: env() },
      ),
    ).rejects.toMatchObject({ name: 'InvalidAlert', message: expect.stringContaining('severity') });
  });

  it('sends nothing and says so when there are no channels', async () => {
    expect(await deliverAlert({ alert: zombieAlert(), channels: [] })).toEqual([]);
  });

  it('knows its own worst case', () => {
    expect(worstCaseMs()).toBe(3 * 10_000 + 1_000 + 2_000);
    expect(worstCaseMs(FAST)).toBe(2 * 400 + 50);
  });
});
