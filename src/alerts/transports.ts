import nodemailer from 'nodemailer';
import { Agent, request } from 'undici';
import type { EmailMessage } from './format';

/**
 * The two ways an alert leaves the process: an HTTP POST of JSON (every robot webhook) and SMTP.
 * Each call makes one attempt bounded by `signal`; retries are the caller's business.
 */

const agent = new Agent({ connections: 16, keepAliveTimeout: 10_000, connect: { timeout: 10_000 } });

export interface HttpReply {
  status: number;
  text: string;
}

/** Longest response body kept (enough for an error message, not a flood). */
const MAX_REPLY_CHARS = 2_000;

export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string>,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<HttpReply> {
  const response = await request(url, {
    dispatcher: agent,
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    signal,
  });
  const text = await response.body.text();
  return { status: response.statusCode, text: text.slice(0, MAX_REPLY_CHARS) };
}

export interface SmtpSettings {
  host: string;
  port: number;
  secure: boolean;
  auth?: { user: string; pass: string };
}

export interface MailEnvelope {
  from: string;
  to: string[];
  headers: Record<string, string>;
  priority: 'high' | 'normal' | 'low';
}

/** Sends one email; resolves with the SMTP reply code of the accepted message. */
export async function sendMail(
  smtp: SmtpSettings,
  envelope: MailEnvelope,
  message: EmailMessage,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<number | undefined> {
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    auth: smtp.auth,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    dnsTimeout: timeoutMs,
    logger: false,
    debug: false,
  });
  try {
    const sending = transport.sendMail({
      from: envelope.from,
      to: envelope.to,
      subject: message.subject,
      text: message.text,
      html: message.html,
      headers: envelope.headers,
      priority: envelope.priority,
    });
    const info = await untilAborted(sending, signal);
    return replyCode(info.response);
  } finally {
    transport.close();
  }
}

function replyCode(response: unknown): number | undefined {
  const match = typeof response === 'string' ? /^(\d{3})/.exec(response) : null;
  return match ? Number(match[1]) : undefined;
}

/** Settles with `work`, or rejects with the signal's reason as soon as it aborts. */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  work.catch(() => {}); // a late rejection after an abort is expected; never unhandled
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
