import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  formatDingTalk,
  formatEmail,
  formatLark,
  formatPlainText,
  formatSlack,
  formatWebhook,
  formatWeCom,
  headline,
  WECOM_MAX_BYTES,
} from '../../../src/alerts/format';
import { temporalUiBaseUrl, workflowUrl } from '../../../src/alerts/link';
import { dingTalkSignature, larkSignature, signDingTalkUrl } from '../../../src/alerts/sign';
import { LINK, zombieAlert } from './fixtures';

const alert = zombieAlert({ suppressed: 2 });

const FOOTER = [
  'Incident: realtime-pipeline/realtime-data-pipeline/zombie',
  'At: 2025-06-01T03:00:00Z',
  '2 more alerts were held back by the rate limit since the last message.',
  'Sent by flink-runbooks',
];

describe('plain text and email', () => {
  it('renders the plain text every channel falls back to', () => {
    expect(formatPlainText(alert, LINK)).toBe(
      [
        '[CRITICAL] realtime-pipeline/realtime-data-pipeline: Job is RUNNING but has written nothing for 7 minutes',
        '',
        'No committed file in /data/output since 02:53 and the last 3 checkpoints failed.',
        '',
        'Severity: critical',
        'Cluster: realtime-pipeline',
        'Job: realtime-data-pipeline',
        'Verdict: zombie',
        'Last committed file: 7m ago',
        'Failed checkpoints: 3',
        '',
        'Action: Restarting the job from the latest checkpoint (restart 1 of 3).',
        '',
        ...FOOTER,
        '',
        `Open the workflow in Temporal UI: ${LINK}`,
        '',
      ].join('\n'),
    );
  });

  it('gives email a subject, the plain text, and escaped HTML with the link', () => {
    const mail = formatEmail(
      zombieAlert({ summary: 'Output <script>alert(1)</script> & more', job: undefined }),
      LINK,
    );
    expect(mail.subject).toBe(
      '[CRITICAL] realtime-pipeline: Job is RUNNING but has written nothing for 7 minutes',
    );
    expect(mail.text).toContain('Output <script>alert(1)</script> & more');
    expect(mail.html).toContain('Output &lt;script&gt;alert(1)&lt;/script&gt; &amp; more');
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain(`<a href="${LINK}"`);
    expect(mail.html).toContain('border-left:6px solid #c62828');
    expect(mail.html).toContain(
      '<b>Verdict</b></td><td style="padding:4px 12px 4px 0;vertical-align:top">zombie</td>',
    );
  });

  it('says RESOLVED, in green, for a resolution, and leaves out what is absent', () => {
    const resolved = zombieAlert({ resolved: true, action: undefined, workflow: undefined, details: [] });
    expect(headline(resolved)).toBe(
      '[RESOLVED] realtime-pipeline/realtime-data-pipeline: Job is RUNNING but has written nothing for 7 minutes',
    );
    const mail = formatEmail(resolved, undefined);
    expect(mail.html).toContain('#2e7d32');
    expect(mail.html).not.toContain('<a href');
    expect(mail.text).toContain('Severity: critical (resolved)');
    expect(mail.text).not.toContain('Action:');
    expect(mail.text).not.toContain('Temporal UI');
  });

  it('ends every channel’s message with the keyword robots can be told to require', () => {
    for (const message of [
      formatPlainText(alert, undefined),
      formatEmail(alert, undefined).html,
      formatDingTalk(alert, undefined).markdown.text,
      JSON.stringify(formatSlack(alert, undefined)),
      formatWeCom(alert, undefined).markdown.content,
      JSON.stringify(formatLark(alert, undefined)),
    ]) {
      expect(message).toContain('flink-runbooks');
    }
  });

  it('keeps a multi-line title on one line in the subject', () => {
    expect(headline(zombieAlert({ title: 'line one\nline two' }))).toBe(
      '[CRITICAL] realtime-pipeline/realtime-data-pipeline: line one line two',
    );
  });
});

describe('DingTalk', () => {
  it('sends markdown with a title and blank lines between blocks', () => {
    expect(formatDingTalk(alert, LINK)).toEqual({
      msgtype: 'markdown',
      markdown: {
        title:
          '[CRITICAL] realtime-pipeline/realtime-data-pipeline: Job is RUNNING but has written nothing for 7 m…',
        text: [
          '### 🔴 CRITICAL · realtime-pipeline/realtime-data-pipeline',
          '**Job is RUNNING but has written nothing for 7 minutes**',
          'No committed file in /data/output since 02:53 and the last 3 checkpoints failed.',
          [
            '- **Severity:** critical',
            '- **Cluster:** realtime-pipeline',
            '- **Job:** realtime-data-pipeline',
            '- **Verdict:** zombie',
            '- **Last committed file:** 7m ago',
            '- **Failed checkpoints:** 3',
          ].join('\n'),
          '**Action:** Restarting the job from the latest checkpoint (restart 1 of 3).',
          FOOTER.join('  \n'),
          `[Open the workflow in Temporal UI](${LINK})`,
        ].join('\n\n'),
      },
    });
  });

  it('signs as DingTalk documents: HMAC-SHA256(secret, "ts\\nsecret"), base64, url-encoded', () => {
    const secret = 'SEC0123456789abcdef';
    const ts = 1_717_210_800_000;
    const expected = createHmac('sha256', secret).update(`${ts}\n${secret}`).digest('base64');
    expect(dingTalkSignature(secret, ts)).toBe(expected);
    expect(signDingTalkUrl('https://oapi.dingtalk.com/robot/send?access_token=abc', secret, ts)).toBe(
      `https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp=${ts}&sign=${encodeURIComponent(expected)}`,
    );
    expect(signDingTalkUrl('http://127.0.0.1:1/robot', secret, ts)).toMatch(/\/robot\?timestamp=\d+&sign=/);
  });
});

describe('Slack', () => {
  it('sends blocks with mrkdwn fields, a link and a fallback text', () => {
    expect(formatSlack(alert, LINK)).toEqual({
      text: '[CRITICAL] realtime-pipeline/realtime-data-pipeline: Job is RUNNING but has written nothing for 7 minutes',
      blocks: [
        {
          type: 'header',
          text: {
            type: 'plain_text',
            text: '🔴 CRITICAL · realtime-pipeline/realtime-data-pipeline',
            emoji: true,
          },
        },
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: '*Job is RUNNING but has written nothing for 7 minutes*\nNo committed file in /data/output since 02:53 and the last 3 checkpoints failed.',
          },
        },
        {
          type: 'section',
          fields: [
            { type: 'mrkdwn', text: '*Severity*\ncritical' },
            { type: 'mrkdwn', text: '*Cluster*\nrealtime-pipeline' },
            { type: 'mrkdwn', text: '*Job*\nrealtime-data-pipeline' },
            { type: 'mrkdwn', text: '*Verdict*\nzombie' },
            { type: 'mrkdwn', text: '*Last committed file*\n7m ago' },
            { type: 'mrkdwn', text: '*Failed checkpoints*\n3' },
          ],
        },
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: '*Action*\nRestarting the job from the latest checkpoint (restart 1 of 3).',
          },
        },
        {
          type: 'section',
          text: { type: 'mrkdwn', text: `:mag: <${LINK}|Open the workflow in Temporal UI>` },
        },
        { type: 'context', elements: [{ type: 'mrkdwn', text: FOOTER.join(' · ') }] },
      ],
    });
  });

  it('escapes &, < and > so text cannot forge links or mentions', () => {
    const message = formatSlack(zombieAlert({ summary: 'a <!channel> & <http://x|y>' }), undefined);
    expect(JSON.stringify(message)).toContain('a &lt;!channel&gt; &amp; &lt;http://x|y&gt;');
  });

  it('keeps the header within Slack’s 150 characters', () => {
    const message = formatSlack(zombieAlert({ job: 'j'.repeat(300) }), undefined);
    const header = message.blocks[0];
    expect(header?.type === 'header' && [...header.text.text].length).toBe(150);
  });
});

describe('WeCom', () => {
  it('sends markdown with <font> colours', () => {
    expect(formatWeCom(alert, LINK)).toEqual({
      msgtype: 'markdown',
      markdown: {
        content: [
          '### <font color="warning">🔴 CRITICAL</font> · realtime-pipeline/realtime-data-pipeline',
          '**Job is RUNNING but has written nothing for 7 minutes**',
          'No committed file in /data/output since 02:53 and the last 3 checkpoints failed.',
          '',
          '> Severity: <font color="comment">critical</font>',
          '> Cluster: <font color="comment">realtime-pipeline</font>',
          '> Job: <font color="comment">realtime-data-pipeline</font>',
          '> Verdict: <font color="comment">zombie</font>',
          '> Last committed file: <font color="comment">7m ago</font>',
          '> Failed checkpoints: <font color="comment">3</font>',
          '',
          '**Action:** Restarting the job from the latest checkpoint (restart 1 of 3).',
          '',
          ...FOOTER.map((line) => `<font color="comment">${line}</font>`),
          '',
          `[Open the workflow in Temporal UI](${LINK})`,
        ].join('\n'),
      },
    });
  });

  it('shortens a long summary to fit 4096 bytes and keeps the link', () => {
    const content = formatWeCom(zombieAlert({ summary: '检查点失败。'.repeat(2_000) }), LINK).markdown
      .content;
    expect(Buffer.byteLength(content, 'utf8')).toBeLessThanOrEqual(WECOM_MAX_BYTES);
    expect(content.endsWith(`[Open the workflow in Temporal UI](${LINK})`)).toBe(true);
    expect(content).toContain('…');
  });

  it('colours a resolution green (info)', () => {
    expect(formatWeCom(zombieAlert({ resolved: true }), LINK).markdown.content).toMatch(
      /^### <font color="info">✅ RESOLVED<\/font>/,
    );
  });
});

describe('Lark / Feishu', () => {
  it('sends an interactive card with a coloured header, fields, a note and a link button', () => {
    expect(formatLark(alert, LINK)).toEqual({
      msg_type: 'interactive',
      card: {
        config: { wide_screen_mode: true },
        header: {
          template: 'red',
          title: { tag: 'plain_text', content: '🔴 CRITICAL · realtime-pipeline/realtime-data-pipeline' },
        },
        elements: [
          {
            tag: 'div',
            text: {
              tag: 'lark_md',
              content:
                '**Job is RUNNING but has written nothing for 7 minutes**\nNo committed file in /data/output since 02:53 and the last 3 checkpoints failed.',
            },
          },
          {
            tag: 'div',
            fields: [
              ['Severity', 'critical'],
              ['Cluster', 'realtime-pipeline'],
              ['Job', 'realtime-data-pipeline'],
              ['Verdict', 'zombie'],
              ['Last committed file', '7m ago'],
              ['Failed checkpoints', '3'],
            ].map(([label, value]) => ({
              is_short: true,
              text: { tag: 'lark_md', content: `**${label}**\n${value}` },
            })),
          },
          {
            tag: 'div',
            text: {
              tag: 'lark_md',
              content: '**Action**\nRestarting the job from the latest checkpoint (restart 1 of 3).',
            },
          },
          { tag: 'hr' },
          { tag: 'note', elements: [{ tag: 'plain_text', content: FOOTER.join(' · ') }] },
          {
            tag: 'action',
            actions: [
              {
                tag: 'button',
                text: { tag: 'plain_text', content: 'Open the workflow in Temporal UI' },
                type: 'primary',
                url: LINK,
              },
            ],
          },
        ],
      },
    });
  });

  it('signs as Lark documents: HMAC-SHA256 keyed by "ts\\nsecret" over nothing, base64', () => {
    const secret = 'lark-signing-secret';
    const ts = 1_717_210_800;
    expect(larkSignature(secret, ts)).toBe(
      createHmac('sha256', `${ts}\n${secret}`).update('').digest('base64'),
    );
  });
});

describe('generic webhook', () => {
  it('posts the alert fields, a status, the link and the plain text', () => {
    expect(formatWebhook(alert, LINK)).toEqual({
      source: 'flink-runbooks',
      version: 1,
      status: 'firing',
      ...alert,
      link: LINK,
      text: formatPlainText(alert, LINK),
    });
    expect(formatWebhook(zombieAlert({ resolved: true }), undefined)).not.toHaveProperty('link');
    expect(formatWebhook(zombieAlert({ resolved: true }), undefined).status).toBe('resolved');
  });
});

describe('Temporal UI link', () => {
  it('points at the run’s history, the workflow’s runs, or the cluster’s runbooks', () => {
    const base = 'http://ui.example:8233/';
    expect(workflowUrl(base, alert)).toBe(
      'http://ui.example:8233/namespaces/default/workflows/monitor-realtime-pipeline/run-1/history',
    );
    expect(workflowUrl(base, zombieAlert({ workflow: { namespace: 'ops', workflowId: 'a b/c' } }))).toBe(
      `http://ui.example:8233/namespaces/ops/workflows?query=${encodeURIComponent('WorkflowId="a b/c"')}`,
    );
    expect(workflowUrl(base, zombieAlert({ workflow: { namespace: 'default' } }))).toBe(
      `http://ui.example:8233/namespaces/default/workflows?query=${encodeURIComponent('FlinkCluster="realtime-pipeline"')}`,
    );
    expect(workflowUrl(base, zombieAlert({ workflow: undefined }))).toBeUndefined();
  });

  it('takes its base from TEMPORAL_UI_URL, defaulting to the dev server', () => {
    expect(temporalUiBaseUrl({})).toBe('http://127.0.0.1:8233');
    expect(temporalUiBaseUrl({ TEMPORAL_UI_URL: 'https://temporal.internal/' })).toBe(
      'https://temporal.internal',
    );
  });
});
