import type { Alert, AlertDetail } from './types';

/**
 * Pure renderings of an alert, one per channel, each in the form that channel shows well.
 * `link` is the Temporal UI URL the activity built (see link.ts). No I/O, no clock: the same
 * alert always gives the same message, which is what the unit tests pin down.
 */

const ICON = { critical: '🔴', warning: '🟠', info: '🔵', resolved: '✅' } as const;
const HTML_COLOR = { critical: '#c62828', warning: '#ef6c00', info: '#1565c0', resolved: '#2e7d32' } as const;
const LARK_TEMPLATE = { critical: 'red', warning: 'orange', info: 'blue', resolved: 'green' } as const;
const WECOM_COLOR = { critical: 'warning', warning: 'warning', info: 'comment', resolved: 'info' } as const;

export const LINK_TEXT = 'Open the workflow in Temporal UI';

/** Limits that keep each platform from rejecting or cutting a message. */
const MAX_SUMMARY = 2_500;
const MAX_ACTION = 800;
const MAX_DETAILS = 10;
const MAX_DETAIL_VALUE = 300;
const SLACK_HEADER_MAX = 150;
/** WeCom rejects markdown content over 4096 bytes of UTF-8. */
export const WECOM_MAX_BYTES = 4_096;

type Tone = keyof typeof ICON;

function tone(alert: Alert): Tone {
  return alert.resolved ? 'resolved' : alert.severity;
}

/** `CRITICAL`, `WARNING`, `INFO` or `RESOLVED`. */
export function statusLabel(alert: Alert): string {
  return alert.resolved ? 'RESOLVED' : alert.severity.toUpperCase();
}

export function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/** `realtime-pipeline` or `realtime-pipeline/realtime-data-pipeline`. */
export function subjectOf(alert: Alert): string {
  return alert.job ? `${alert.cluster}/${alert.job}` : alert.cluster;
}

/** One line for a subject, a notification preview or a fallback: `[CRITICAL] cluster/job: title`. */
export function headline(alert: Alert): string {
  return oneLine(`[${statusLabel(alert)}] ${subjectOf(alert)}: ${alert.title}`);
}

export function formatTime(at: number): string {
  return new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The labelled facts every channel shows, in this order. */
export function facts(alert: Alert): AlertDetail[] {
  const list: AlertDetail[] = [
    { label: 'Severity', value: alert.resolved ? `${alert.severity} (resolved)` : alert.severity },
    { label: 'Cluster', value: alert.cluster },
  ];
  if (alert.job) list.push({ label: 'Job', value: alert.job });
  list.push({ label: 'Verdict', value: alert.verdict });
  for (const detail of (alert.details ?? []).slice(0, MAX_DETAILS)) {
    list.push({
      label: oneLine(clip(detail.label, 60)),
      value: oneLine(clip(detail.value, MAX_DETAIL_VALUE)),
    });
  }
  return list;
}

/**
 * Every message ends with this. DingTalk and Lark robots secured by "custom keywords" drop any
 * message without one: configure `flink-runbooks` as the keyword and every alert carries it
 * (a test alert passing is then proof that real alerts pass too).
 */
export const SIGNATURE = 'Sent by flink-runbooks';

/** The footer facts: incident key, time, what the rate limit held back, and the signature. */
function footer(alert: Alert): string[] {
  const lines = [`Incident: ${alert.incidentKey}`];
  if (alert.at !== undefined) lines.push(`At: ${formatTime(alert.at)}`);
  const note = suppressedNote(alert);
  if (note) lines.push(note);
  lines.push(SIGNATURE);
  return lines;
}

export function suppressedNote(alert: Alert): string | undefined {
  const n = alert.suppressed ?? 0;
  if (n <= 0) return undefined;
  return `${n} more alert${n === 1 ? ' was' : 's were'} held back by the rate limit since the last message.`;
}

function summaryOf(alert: Alert, max = MAX_SUMMARY): string {
  return clip(alert.summary.trim(), max);
}

function actionOf(alert: Alert): string | undefined {
  return alert.action ? clip(alert.action.trim(), MAX_ACTION) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Plain text (email text part, generic webhook, fallbacks)

export function formatPlainText(alert: Alert, link: string | undefined): string {
  const lines = [headline(alert), '', summaryOf(alert), ''];
  for (const fact of facts(alert)) lines.push(`${fact.label}: ${fact.value}`);
  const action = actionOf(alert);
  if (action) lines.push('', `Action: ${action}`);
  lines.push('', ...footer(alert));
  if (link) lines.push('', `${LINK_TEXT}: ${link}`);
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// Email

export interface EmailMessage {
  subject: string;
  text: string;
  html: string;
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export function formatEmail(alert: Alert, link: string | undefined): EmailMessage {
  const color = HTML_COLOR[tone(alert)];
  const cell = 'padding:4px 12px 4px 0;vertical-align:top';
  const rows = facts(alert)
    .map(
      (f) =>
        `<tr><td style="${cell};color:#555"><b>${escapeHtml(f.label)}</b></td><td style="${cell}">${escapeHtml(f.value)}</td></tr>`,
    )
    .join('\n');
  const action = actionOf(alert);
  const paragraphs = (text: string) =>
    text
      .split(/\n{2,}/)
      .map((p) => `<p style="margin:8px 0">${escapeHtml(p).replace(/\n/g, '<br>')}</p>`)
      .join('\n');
  const html = [
    '<!doctype html>',
    '<html><body style="font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;font-size:14px;color:#222">',
    `<div style="border-left:6px solid ${color};padding:8px 16px">`,
    `<div style="color:${color};font-weight:bold;letter-spacing:1px">${ICON[tone(alert)]} ${statusLabel(alert)} · ${escapeHtml(subjectOf(alert))}</div>`,
    `<h2 style="margin:6px 0 10px 0;font-size:18px">${escapeHtml(oneLine(alert.title))}</h2>`,
    paragraphs(summaryOf(alert)),
    `<table style="border-collapse:collapse;margin:8px 0">\n${rows}\n</table>`,
    action ? `<p style="margin:8px 0"><b>Action:</b> ${escapeHtml(action).replace(/\n/g, '<br>')}</p>` : '',
    link
      ? `<p style="margin:14px 0"><a href="${escapeHtml(link)}" style="background:${color};color:#fff;padding:8px 14px;border-radius:4px;text-decoration:none">${LINK_TEXT}</a></p>`
      : '',
    `<p style="margin:8px 0;color:#777;font-size:12px">${footer(alert).map(escapeHtml).join('<br>')}</p>`,
    '</div>',
    '</body></html>',
  ]
    .filter((part) => part !== '')
    .join('\n');
  return { subject: headline(alert), text: formatPlainText(alert, link), html };
}

// ---------------------------------------------------------------------------------------------
// DingTalk robot: msgtype markdown. Paragraphs need a blank line between them to render.

export interface DingTalkMessage {
  msgtype: 'markdown';
  markdown: { title: string; text: string };
}

function markdownBody(alert: Alert, link: string | undefined, heading: string): string {
  const blocks = [heading, `**${oneLine(alert.title)}**`, summaryOf(alert)];
  blocks.push(
    facts(alert)
      .map((f) => `- **${f.label}:** ${f.value}`)
      .join('\n'),
  );
  const action = actionOf(alert);
  if (action) blocks.push(`**Action:** ${action}`);
  blocks.push(footer(alert).join('  \n'));
  if (link) blocks.push(`[${LINK_TEXT}](${link})`);
  return blocks.join('\n\n');
}

export function formatDingTalk(alert: Alert, link: string | undefined): DingTalkMessage {
  const heading = `### ${ICON[tone(alert)]} ${statusLabel(alert)} · ${subjectOf(alert)}`;
  return {
    msgtype: 'markdown',
    markdown: { title: clip(headline(alert), 100), text: markdownBody(alert, link, heading) },
  };
}

// ---------------------------------------------------------------------------------------------
// Slack incoming webhook: Block Kit with mrkdwn, and `text` as the notification fallback.

export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

type SlackText = { type: 'mrkdwn'; text: string } | { type: 'plain_text'; text: string; emoji?: boolean };
export type SlackBlock =
  | { type: 'header'; text: SlackText }
  | { type: 'section'; text?: SlackText; fields?: SlackText[] }
  | { type: 'context'; elements: SlackText[] }
  | { type: 'divider' };

export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

export function formatSlack(alert: Alert, link: string | undefined): SlackMessage {
  const header = clip(`${ICON[tone(alert)]} ${statusLabel(alert)} · ${subjectOf(alert)}`, SLACK_HEADER_MAX);
  const lead = `*${escapeSlack(oneLine(alert.title))}*\n${escapeSlack(summaryOf(alert))}`;
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: header, emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: lead } },
    {
      type: 'section',
      fields: facts(alert)
        .slice(0, 10)
        .map((f) => ({
          type: 'mrkdwn' as const,
          text: `*${escapeSlack(f.label)}*\n${escapeSlack(f.value)}`,
        })),
    },
  ];
  const action = actionOf(alert);
  if (action)
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*Action*\n${escapeSlack(action)}` } });
  if (link) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `:mag: <${link}|${LINK_TEXT}>` } });
  }
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: footer(alert).map(escapeSlack).join(' · ') }],
  });
  return { text: headline(alert), blocks };
}

// ---------------------------------------------------------------------------------------------
// WeCom (企业微信) group robot: msgtype markdown, <font color> for emphasis, 4096 bytes at most.

export interface WeComMessage {
  msgtype: 'markdown';
  markdown: { content: string };
}

function wecomContent(alert: Alert, link: string | undefined, summary: string): string {
  const color = WECOM_COLOR[tone(alert)];
  const lines = [
    `### <font color="${color}">${ICON[tone(alert)]} ${statusLabel(alert)}</font> · ${subjectOf(alert)}`,
    `**${oneLine(alert.title)}**`,
    summary,
    '',
    ...facts(alert).map((f) => `> ${f.label}: <font color="comment">${f.value}</font>`),
  ];
  const action = actionOf(alert);
  if (action) lines.push('', `**Action:** ${action}`);
  lines.push('', ...footer(alert).map((line) => `<font color="comment">${line}</font>`));
  if (link) lines.push('', `[${LINK_TEXT}](${link})`);
  return lines.join('\n');
}

export function formatWeCom(alert: Alert, link: string | undefined): WeComMessage {
  let summary = summaryOf(alert);
  let content = wecomContent(alert, link, summary);
  // Shorten the summary, never the link, until the content fits.
  for (let i = 0; i < 8 && Buffer.byteLength(content, 'utf8') > WECOM_MAX_BYTES && summary.length > 0; i++) {
    const over = Buffer.byteLength(content, 'utf8') - WECOM_MAX_BYTES;
    summary = clip(summary, Math.max(0, [...summary].length - over - 1));
    content = wecomContent(alert, link, summary);
  }
  return { msgtype: 'markdown', markdown: { content } };
}

// ---------------------------------------------------------------------------------------------
// Lark / Feishu custom bot: an interactive card. Signing adds `timestamp` and `sign` (see sign.ts).

type LarkText = { tag: 'plain_text' | 'lark_md'; content: string };
export type LarkElement =
  | { tag: 'div'; text?: LarkText; fields?: Array<{ is_short: boolean; text: LarkText }> }
  | { tag: 'hr' }
  | { tag: 'note'; elements: LarkText[] }
  | {
      tag: 'action';
      actions: Array<{ tag: 'button'; text: LarkText; type: 'primary' | 'default' | 'danger'; url: string }>;
    };

export interface LarkMessage {
  timestamp?: string;
  sign?: string;
  msg_type: 'interactive';
  card: {
    config: { wide_screen_mode: boolean };
    header: { template: string; title: LarkText };
    elements: LarkElement[];
  };
}

export function formatLark(alert: Alert, link: string | undefined): LarkMessage {
  const elements: LarkElement[] = [
    { tag: 'div', text: { tag: 'lark_md', content: `**${oneLine(alert.title)}**\n${summaryOf(alert)}` } },
    {
      tag: 'div',
      fields: facts(alert).map((f) => ({
        is_short: true,
        text: { tag: 'lark_md', content: `**${f.label}**\n${f.value}` },
      })),
    },
  ];
  const action = actionOf(alert);
  if (action) elements.push({ tag: 'div', text: { tag: 'lark_md', content: `**Action**\n${action}` } });
  elements.push(
    { tag: 'hr' },
    { tag: 'note', elements: [{ tag: 'plain_text', content: footer(alert).join(' · ') }] },
  );
  if (link) {
    elements.push({
      tag: 'action',
      actions: [
        {
          tag: 'button',
          text: { tag: 'plain_text', content: LINK_TEXT },
          type: alert.resolved || alert.severity === 'info' ? 'default' : 'primary',
          url: link,
        },
      ],
    });
  }
  return {
    msg_type: 'interactive',
    card: {
      config: { wide_screen_mode: true },
      header: {
        template: LARK_TEMPLATE[tone(alert)],
        title: {
          tag: 'plain_text',
          content: `${ICON[tone(alert)]} ${statusLabel(alert)} · ${subjectOf(alert)}`,
        },
      },
      elements,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Generic JSON webhook: the alert's own fields, the link, and a plain-text rendering.

export interface WebhookMessage extends Alert {
  source: 'flink-runbooks';
  version: 1;
  status: 'firing' | 'resolved';
  link?: string;
  text: string;
}

export function formatWebhook(alert: Alert, link: string | undefined): WebhookMessage {
  return {
    source: 'flink-runbooks',
    version: 1,
    status: alert.resolved ? 'resolved' : 'firing',
    ...alert,
    ...(link ? { link } : {}),
    text: formatPlainText(alert, link),
  };
}
