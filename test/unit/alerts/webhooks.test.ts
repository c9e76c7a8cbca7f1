import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { sendAlert } from '../../../src/activities/alerts';
import type { AlertChannel } from '../../../src/config/schema';
import { zombieAlert } from './fixtures';
import { type HookReceiver, type RecordedRequest, startHookServer } from './servers';

const SECRETS = {
  dingtalkToken: 'dt0123456789abcdef0123456789abcdef',
  dingtalkSecret: 'SECdingtalk9f8e7d6c5b4a39281706',
  slackToken: 'T0001/B0002/slackTokenXyz0123456789',
  wecomKey: '693a91f6-7a1b-4c2d-9e8f-wecomkey0001',
  larkToken: '5a1f0c2e-lark-hook-token-000000000001',
  larkSecret: 'larkSigningSecret0123456789',
  webhookToken: 'generic-path-token-8c7b6a5f4e',
  webhookHeader: 'Bearer header-secret-value-42',
};

let hooks: HookReceiver;
const LINK = 'http://temporal.test:8233/namespaces/default/workflows/monitor-realtime-pipeline/run-1/history';

beforeAll(async () => {
  hooks = await startHookServer({
    dingtalkSecret: SECRETS.dingtalkSecret,
    larkSecret: SECRETS.larkSecret,
    webhookHeader: { name: 'Authorization', value: SECRETS.webhookHeader },
  });
});
afterAll(() => hooks.close());
afterEach(() => {
  vi.unstubAllEnvs();
});

function stubSecrets(): void {
  vi.stubEnv('TEMPORAL_UI_URL', 'http://temporal.test:8233');
  vi.stubEnv('T_DINGTALK_URL', `${hooks.base}/dingtalk/robot/send?access_token=${SECRETS.dingtalkToken}`);
  vi.stubEnv('T_DINGTALK_SECRET', SECRETS.dingtalkSecret);
  vi.stubEnv('T_SLACK_URL', `${hooks.base}/slack/services/${SECRETS.slackToken}`);
  vi.stubEnv('T_WECOM_URL', `${hooks.base}/wecom/cgi-bin/webhook/send?key=${SECRETS.wecomKey}`);
  vi.stubEnv('T_LARK_URL', `${hooks.base}/lark/open-apis/bot/v2/hook/${SECRETS.larkToken}`);
  vi.stubEnv('T_LARK_SECRET', SECRETS.larkSecret);
  vi.stubEnv('T_WEBHOOK_URL', `${hooks.base}/generic/${SECRETS.webhookToken}`);
  vi.stubEnv('T_WEBHOOK_AUTH', SECRETS.webhookHeader);
}

const channels: AlertChannel[] = [
  {
    type: 'dingtalk',
    minSeverity: 'warning',
    webhook: { fromEnv: 'T_DINGTALK_URL' },
    secret: { fromEnv: 'T_DINGTALK_SECRET' },
  },
  { type: 'slack', name: 'oncall', minSeverity: 'warning', webhook: { fromEnv: 'T_SLACK_URL' } },
  { type: 'wecom', minSeverity: 'warning', webhook: { fromEnv: 'T_WECOM_URL' } },
  {
    type: 'lark',
    minSeverity: 'warning',
    webhook: { fromEnv: 'T_LARK_URL' },
    secret: { fromEnv: 'T_LARK_SECRET' },
  },
  {
    type: 'webhook',
    minSeverity: 'warning',
    url: { fromEnv: 'T_WEBHOOK_URL' },
    headers: { Authorization: { fromEnv: 'T_WEBHOOK_AUTH' } },
  },
  { type: 'slack', name: 'chatter', minSeverity: 'critical', webhook: { fromEnv: 'T_SLACK_URL' } },
];

function only(route: string, since: number): RecordedRequest {
  const found = hooks.requests.slice(since).filter((r) => r.route === route);
  expect(found).toHaveLength(1);
  return found[0] as RecordedRequest;
}

describe('robot webhooks against a local server that checks them like the platforms do', () => {
  it('delivers to every channel in its own format, signed where configured', async () => {
    stubSecrets();
    const since = hooks.requests.length;
    const t0 = Date.now();
    const outcomes = await sendAlert({ alert: zombieAlert({ severity: 'warning' }), channels });

    expect(outcomes.map((o) => [o.channel, o.outcome, o.status])).toEqual([
      ['dingtalk[0]', 'sent', 200],
      ['slack/oncall', 'sent', 200],
      ['wecom[2]', 'sent', 200],
      ['lark[3]', 'sent', 200],
      ['webhook[4]', 'sent', 202],
      ['slack/chatter', 'skipped', undefined],
    ]);
    expect(outcomes[5]?.note).toBe("severity warning is below the channel's minSeverity critical");
    expect(outcomes.every((o) => o.outcome === 'skipped' || o.attempts === 1)).toBe(true);

    // DingTalk: markdown, and a signature this test checks on its own.
    const dingtalk = only('dingtalk', since);
    const url = new URL(dingtalk.url, 'http://x');
    expect(url.searchParams.get('access_token')).toBe(SECRETS.dingtalkToken);
    const timestamp = Number(url.searchParams.get('timestamp'));
    expect(timestamp).toBeGreaterThanOrEqual(t0);
    expect(timestamp).toBeLessThanOrEqual(Date.now());
    expect(dingtalk.url).toMatch(/&timestamp=\d+&sign=[A-Za-z0-9%]+$/);
    const expectedSign = createHmac('sha256', SECRETS.dingtalkSecret)
      .update(`${timestamp}\n${SECRETS.dingtalkSecret}`)
      .digest('base64');
    expect(url.searchParams.get('sign')).toBe(expectedSign);
    expect(dingtalk.body.msgtype).toBe('markdown');
    expect(dingtalk.body.markdown.title).toContain('[WARNING] realtime-pipeline');
    expect(dingtalk.body.markdown.text).toContain('- **Verdict:** zombie');
    expect(dingtalk.body.markdown.text).toContain(`[Open the workflow in Temporal UI](${LINK})`);
    expect(dingtalk.headers['content-type']).toContain('application/json');

    // Slack: blocks with mrkdwn and a fallback text.
    const slack = only('slack', since);
    expect(slack.url).toBe(`/slack/services/${SECRETS.slackToken}`);
    expect(slack.body.text).toContain('[WARNING] realtime-pipeline/realtime-data-pipeline');
    expect(slack.body.blocks[0]).toEqual({
      type: 'header',
      text: {
        type: 'plain_text',
        text: '🟠 WARNING · realtime-pipeline/realtime-data-pipeline',
        emoji: true,
      },
    });
    expect(
      slack.body.blocks.some((b: any) => b.fields?.some((f: any) => f.text === '*Verdict*\nzombie')),
    ).toBe(true);
    expect(JSON.stringify(slack.body.blocks)).toContain(`<${LINK}|Open the workflow in Temporal UI>`);

    // WeCom: markdown content.
    const wecom = only('wecom', since);
    expect(new URL(wecom.url, 'http://x').searchParams.get('key')).toBe(SECRETS.wecomKey);
    expect(wecom.body.msgtype).toBe('markdown');
    expect(wecom.body.markdown.content).toMatch(/^### <font color="warning">🟠 WARNING<\/font>/);
    expect(wecom.body.markdown.content).toContain(`[Open the workflow in Temporal UI](${LINK})`);

    // Lark: interactive card, timestamp (seconds) and sign in the body.
    const lark = only('lark', since);
    expect(lark.body.msg_type).toBe('interactive');
    expect(lark.body.card.header.template).toBe('orange');
    expect(lark.body.timestamp).toMatch(/^\d{10}$/);
    expect(lark.body.sign).toBe(
      createHmac('sha256', `${lark.body.timestamp}\n${SECRETS.larkSecret}`).update('').digest('base64'),
    );
    expect(JSON.stringify(lark.body.card)).toContain(`"url":"${LINK}"`);

    // Generic: JSON with the alert's fields, and the header resolved from its reference.
    const generic = only('generic', since);
    expect(generic.headers.authorization).toBe(SECRETS.webhookHeader);
    expect(generic.body).toMatchObject({
      source: 'flink-runbooks',
      status: 'firing',
      severity: 'warning',
      cluster: 'realtime-pipeline',
      job: 'realtime-data-pipeline',
      verdict: 'zombie',
      incidentKey: 'realtime-pipeline/realtime-data-pipeline/zombie',
      link: LINK,
    });
  });

  it('treats a robot’s 200 with an error code as a failure and does not retry it', async () => {
    stubSecrets();
    vi.stubEnv('T_DINGTALK_SECRET', 'the-wrong-signing-secret');
    vi.stubEnv('T_LARK_SECRET', 'another-wrong-secret');
    const outcomes = await sendAlert({
      alert: zombieAlert(),
      channels: [channels[0] as AlertChannel, channels[3] as AlertChannel],
    });
    expect(outcomes).toEqual([
      expect.objectContaining({
        channel: 'dingtalk[0]',
        outcome: 'failed',
        attempts: 1,
        status: 200,
        error: 'errcode 310000: sign not match',
      }),
      expect.objectContaining({
        channel: 'lark[1]',
        outcome: 'failed',
        attempts: 1,
        status: 200,
        error: 'code 19021: sign match fail or timestamp is not within one hour',
      }),
    ]);
  });
});
