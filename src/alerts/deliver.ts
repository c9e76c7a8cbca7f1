import type { AlertChannel } from '../config/schema';
import { describeSecretRef, resolveSecret } from '../config/secrets';
import { formatDingTalk, formatEmail, formatLark, formatSlack, formatWebhook, formatWeCom } from './format';
import { temporalUiBaseUrl, workflowUrl } from './link';
import { errorText, redact } from './redact';
import { parseAlert } from './schema';
import { larkSignature, signDingTalkUrl } from './sign';
import { type HttpReply, postJson, sendMail } from './transports';
import {
  type Alert,
  type ChannelOutcome,
  type DeliverySettings,
  type SendAlertInput,
  severityRank,
} from './types';

/**
 * Sends one alert to every channel at once. Each channel gets its own bounded retries and
 * per-attempt timeout; a channel that fails or hangs never holds up or fails the others. Secrets
 * are resolved here, used, and scrubbed from every error and log line; outcomes never carry them.
 */

export interface AlertLogger {
  info(message: string): void;
  warn(message: string): void;
}

export interface DeliveryOptions extends DeliverySettings {
  /** Where secret references of the `fromEnv` kind are read. */
  env?: NodeJS.ProcessEnv;
  /** Temporal Web UI base URL; default TEMPORAL_UI_URL, else http://127.0.0.1:8233. */
  uiBaseUrl?: string;
  /** Wall clock in ms (stamps the alert when it has no time; signs DingTalk and Lark requests). */
  now?: () => number;
  /** Receives redacted lines only. */
  log?: AlertLogger;
  /** Called after every attempt with details free of secrets (the activity heartbeats here). */
  heartbeat?: (details: { channel: string; attempt: number }) => void;
  /** Aborting stops every channel: no further attempt, no further wait. */
  signal?: AbortSignal;
}

export const DELIVERY_DEFAULTS = { timeoutMs: 10_000, maxAttempts: 3, backoffMs: 1_000 } as const;
/** Caps that keep one call bounded whatever the input asks: 5 × 60 s + 10 + 20 + 40 + 80 s. */
export const DELIVERY_LIMITS = { timeoutMs: 60_000, maxAttempts: 5, backoffMs: 10_000 } as const;

/** The settings a call uses: input first, then options, then defaults, each within its cap. */
export function deliverySettings(...layers: Array<DeliverySettings | undefined>): Required<DeliverySettings> {
  const pick = (key: keyof DeliverySettings) => {
    for (const layer of layers) {
      const value = layer?.[key];
      if (typeof value === 'number' && Number.isFinite(value)) return value;
    }
    return DELIVERY_DEFAULTS[key];
  };
  return {
    timeoutMs: Math.min(DELIVERY_LIMITS.timeoutMs, Math.max(1, pick('timeoutMs'))),
    maxAttempts: Math.min(DELIVERY_LIMITS.maxAttempts, Math.max(1, Math.floor(pick('maxAttempts')))),
    backoffMs: Math.min(DELIVERY_LIMITS.backoffMs, Math.max(0, pick('backoffMs'))),
  };
}

/** Longest a call can take with the given settings (every channel runs in parallel). */
export function worstCaseMs(settings: DeliverySettings = {}) {
  const { timeoutMs, maxAttempts, backoffMs } = deliverySettings(settings);
  let waits = 0;
  for (let i = 1; i < maxAttempts; i++) waits += backoffMs * 2 ** (i - 1);
  return maxAttempts * timeoutMs + waits;
}

/** `slack/oncall` for a named channel, `slack[2]` (its index in the spec's alerts list) otherwise. */
export function channelLabel(channel: Pick<AlertChannel, 'type' | 'name'>, index: number): string {
  return channel.name ? `${channel.type}/${channel.name}` : `${channel.type}[${index}]`;
}

export async function deliverAlert(
  input: SendAlertInput,
  options: DeliveryOptions = {},
): Promise<ChannelOutcome[]> {
  const parsed = parseAlert(input.alert);
  const now = options.now ?? Date.now;
  const alert: Alert = { ...parsed, at: parsed.at ?? now() };
  const env = options.env ?? process.env;
  const link = workflowUrl(options.uiBaseUrl ?? temporalUiBaseUrl(env), alert);
  const settings: Settings = {
    env,
    now,
    link,
    ...deliverySettings(input.delivery, options),
    log: options.log,
    heartbeat: options.heartbeat,
    signal: options.signal,
  };
  return Promise.all(
    (input.channels ?? []).map((channel, index) => deliverOne(alert, channel, index, settings)),
  );
}

interface Settings {
  env: NodeJS.ProcessEnv;
  now: () => number;
  link: string | undefined;
  timeoutMs: number;
  maxAttempts: number;
  backoffMs: number;
  log?: AlertLogger;
  heartbeat?: DeliveryOptions['heartbeat'];
  signal?: AbortSignal;
}

interface AttemptResult {
  ok: boolean;
  status?: number;
  error?: string;
  retryable?: boolean;
}

/** One attempt at one channel, bounded by `signal`. */
type Sender = (signal: AbortSignal) => Promise<AttemptResult>;

async function deliverOne(
  alert: Alert,
  channel: AlertChannel,
  index: number,
  s: Settings,
): Promise<ChannelOutcome> {
  const label = channelLabel(channel, index);
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const secrets: string[] = [];
  const scrub = (text: string) => redact(text, secrets);
  const outcome = (rest: Omit<ChannelOutcome, 'channel' | 'type' | 'durationMs' | 'ok'>): ChannelOutcome => ({
    channel: label,
    type: channel.type,
    ok: rest.outcome === 'sent',
    ...rest,
    ...(rest.error === undefined ? {} : { error: scrub(rest.error) }),
    durationMs: elapsed(),
  });
  try {
    const minSeverity = channel.minSeverity ?? 'warning';
    if (severityRank(alert.severity) < severityRank(minSeverity)) {
      return outcome({
        outcome: 'skipped',
        attempts: 0,
        note: `severity ${alert.severity} is below the channel's minSeverity ${minSeverity}`,
      });
    }
    let send: Sender;
    try {
      send = await prepare(alert, channel, s, secrets);
    } catch (error) {
      const failed = outcome({ outcome: 'failed', attempts: 0, error: errorText(error) });
      s.log?.warn(`alert ${alert.incidentKey} -> ${label}: not sent: ${failed.error}`);
      return failed;
    }
    let last: AttemptResult = { ok: false, error: 'not attempted' };
    let attempts = 0;
    for (let attempt = 1; attempt <= s.maxAttempts; attempt++) {
      if (s.signal?.aborted) {
        last = { ok: false, error: 'cancelled', retryable: false };
        break;
      }
      attempts = attempt;
      last = await attemptOnce(send, s);
      s.heartbeat?.({ channel: label, attempt });
      if (last.ok) break;
      s.log?.warn(
        `alert ${alert.incidentKey} -> ${label}: attempt ${attempt} failed: ${scrub(last.error ?? '')}`,
      );
      if (!last.retryable || attempt === s.maxAttempts) break;
      await sleep(s.backoffMs * 2 ** (attempt - 1), s.signal);
    }
    if (last.ok) {
      const sent = outcome({ outcome: 'sent', attempts, status: last.status });
      s.log?.info(
        `alert ${alert.incidentKey} -> ${label}: sent (attempt ${attempts}, ${sent.durationMs} ms)`,
      );
      return sent;
    }
    return outcome({ outcome: 'failed', attempts, status: last.status, error: last.error ?? 'failed' });
  } catch (error) {
    // Nothing above should throw; if it does, the other channels still get their turn.
    return outcome({ outcome: 'failed', attempts: 0, error: `unexpected: ${errorText(error)}` });
  }
}

async function attemptOnce(send: Sender, s: Settings): Promise<AttemptResult> {
  const timeout = AbortSignal.timeout(s.timeoutMs);
  const signal = s.signal ? AbortSignal.any([timeout, s.signal]) : timeout;
  try {
    return await send(signal);
  } catch (error) {
    if (s.signal?.aborted) return { ok: false, error: 'cancelled', retryable: false };
    const code = (error as { code?: string }).code;
    if (
      timeout.aborted ||
      code === 'UND_ERR_HEADERS_TIMEOUT' ||
      code === 'UND_ERR_BODY_TIMEOUT' ||
      code === 'ETIMEDOUT'
    ) {
      return { ok: false, error: `no answer within ${s.timeoutMs} ms`, retryable: true };
    }
    return { ok: false, error: errorText(error), retryable: isRetryableError(error) };
  }
}

const NOT_RETRYABLE_CODES = new Set([
  'EAUTH',
  'EENVELOPE',
  'EMESSAGE',
  'ERR_INVALID_URL',
  'UND_ERR_INVALID_ARG',
]);

/** Network trouble and transient SMTP replies are worth another try; bad credentials are not. */
function isRetryableError(error: unknown): boolean {
  const { code, responseCode } = error as { code?: string; responseCode?: number };
  if (code && NOT_RETRYABLE_CODES.has(code)) return false;
  if (typeof responseCode === 'number') return responseCode >= 400 && responseCode < 500;
  return !(error instanceof TypeError);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Resolves the channel's secrets (recording them for redaction) and returns its sender. */
async function prepare(alert: Alert, channel: AlertChannel, s: Settings, secrets: string[]): Promise<Sender> {
  const secret = async (ref: Parameters<typeof resolveSecret>[0]) => {
    const value = await resolveSecret(ref, s.env);
    secrets.push(value);
    return value;
  };
  /** A webhook URL: checked here so a bad one is named by its reference, never shown. */
  const secretUrl = async (ref: Parameters<typeof resolveSecret>[0]) => {
    const value = await secret(ref);
    let protocol: string | undefined;
    try {
      protocol = new URL(value).protocol;
    } catch {
      protocol = undefined;
    }
    if (protocol !== 'http:' && protocol !== 'https:') {
      throw new Error(`secret ${describeSecretRef(ref)} does not hold an http(s) URL`);
    }
    return value;
  };
  const post = (url: string, body: unknown, headers: Record<string, string> = {}) => {
    secrets.push(url);
    return (signal: AbortSignal) => postJson(url, body, headers, s.timeoutMs, signal);
  };
  switch (channel.type) {
    case 'email': {
      const pass = channel.smtp.password ? await secret(channel.smtp.password) : undefined;
      const message = formatEmail(alert, s.link);
      return async (signal) => {
        const status = await sendMail(
          {
            host: channel.smtp.host,
            port: channel.smtp.port,
            secure: channel.smtp.secure,
            auth: pass === undefined ? undefined : { user: channel.smtp.user ?? channel.from, pass },
          },
          {
            from: channel.from,
            to: channel.to,
            priority: alert.severity === 'critical' && !alert.resolved ? 'high' : 'normal',
            headers: {
              'X-Flink-Runbooks-Incident': alert.incidentKey,
              'X-Flink-Runbooks-Severity': alert.resolved ? 'resolved' : alert.severity,
            },
          },
          message,
          s.timeoutMs,
          signal,
        );
        return { ok: true, status };
      };
    }
    case 'dingtalk': {
      const webhook = await secretUrl(channel.webhook);
      const signing = channel.secret ? await secret(channel.secret) : undefined;
      const body = formatDingTalk(alert, s.link);
      return async (signal) => {
        const url = signing ? signDingTalkUrl(webhook, signing, s.now()) : webhook;
        return checkReply('errcode', await post(url, body)(signal));
      };
    }
    case 'slack': {
      const send = post(await secretUrl(channel.webhook), formatSlack(alert, s.link));
      return async (signal) => checkReply('http', await send(signal));
    }
    case 'wecom': {
      const send = post(await secretUrl(channel.webhook), formatWeCom(alert, s.link));
      return async (signal) => checkReply('errcode', await send(signal));
    }
    case 'lark': {
      const webhook = await secretUrl(channel.webhook);
      const signing = channel.secret ? await secret(channel.secret) : undefined;
      const message = formatLark(alert, s.link);
      return async (signal) => {
        let body = message;
        if (signing) {
          const timestamp = Math.floor(s.now() / 1000);
          body = { timestamp: String(timestamp), sign: larkSignature(signing, timestamp), ...message };
        }
        return checkReply('code', await post(webhook, body)(signal));
      };
    }
    case 'webhook': {
      const url = await secretUrl(channel.url);
      const headers: Record<string, string> = {};
      for (const [name, ref] of Object.entries(channel.headers ?? {})) headers[name] = await secret(ref);
      const send = post(url, formatWebhook(alert, s.link), headers);
      return async (signal) => checkReply('http', await send(signal));
    }
    default: {
      const unknown: never = channel;
      throw new Error(`unknown channel type "${(unknown as { type?: string }).type}"`);
    }
  }
}

/**
 * Did the platform take the message? Robots answer 200 with an error code in the body
 * (DingTalk and WeCom `errcode`, Lark `code`), so a 200 alone proves nothing for them.
 */
export function checkReply(kind: 'http' | 'errcode' | 'code', reply: HttpReply): AttemptResult {
  const { status } = reply;
  const snippet = reply.text.trim().replace(/\s+/g, ' ').slice(0, 300);
  if (status < 200 || status >= 300) {
    return {
      ok: false,
      status,
      error: `HTTP ${status}${snippet ? `: ${snippet}` : ''}`,
      retryable: status === 429 || status >= 500,
    };
  }
  if (kind === 'http') return { ok: true, status };
  let body: Record<string, unknown> | undefined;
  try {
    body = JSON.parse(reply.text) as Record<string, unknown>;
  } catch {
    body = undefined;
  }
  const code = kind === 'errcode' ? body?.errcode : (body?.code ?? body?.StatusCode);
  if (code === 0) return { ok: true, status };
  if (body === undefined || code === undefined) {
    return { ok: false, status, error: `unexpected answer: ${snippet || '(empty)'}`, retryable: false };
  }
  const message = body.errmsg ?? body.msg ?? body.StatusMessage ?? '';
  return { ok: false, status, error: `${kind} ${String(code)}: ${String(message)}`, retryable: false };
}
