import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/**
 * Real receivers on 127.0.0.1 for the alert tests: an SMTP server that requires AUTH, and an
 * HTTP server that behaves like each robot platform, checking payloads and signatures the way
 * the platform would, and recording every request for the tests to inspect.
 */

export interface ReceivedMail {
  from: string | undefined;
  to: string[];
  user: string | undefined;
  raw: string;
}

export interface SmtpReceiver {
  port: number;
  mails: ReceivedMail[];
  authFailures: number;
  close(): Promise<void>;
}

export async function startSmtp(credentials: { user: string; password: string }): Promise<SmtpReceiver> {
  const mails: ReceivedMail[] = [];
  const receiver = { authFailures: 0 };
  const server = new SMTPServer({
    authOptional: false,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === credentials.user && auth.password === credentials.password) {
        callback(null, { user: auth.username });
      } else {
        receiver.authFailures++;
        callback(new Error('535 Authentication failed'));
      }
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
          to: session.envelope.rcptTo.map((r) => r.address),
          user: typeof session.user === 'string' ? session.user : undefined,
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = ((server as unknown as { server: Server }).server.address() as AddressInfo).port;
  return {
    port,
    mails,
    get authFailures() {
      return receiver.authFailures;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// --- a small MIME reader, enough for what nodemailer writes ---------------------------------

export interface MimePart {
  headers: Record<string, string>;
  body: string;
}

function decodeWords(value: string): string {
  return value.replace(
    /=\?([^?]+)\?([BbQq])\?([^?]*)\?=\s*/g,
    (_all, _charset, kind: string, text: string) =>
      kind.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : decodeQuotedPrintable(text.replace(/_/g, ' ')),
  );
}

function decodeQuotedPrintable(text: string): string {
  const bytes = Buffer.from(
    text
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-Fa-f]{2})/g, (_all, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
    'latin1',
  );
  return bytes.toString('utf8');
}

export function parseMime(raw: string): MimePart {
  const split = raw.search(/\r?\n\r?\n/);
  const head = split < 0 ? raw : raw.slice(0, split);
  const body = split < 0 ? '' : raw.slice(split).replace(/^\r?\n\r?\n/, '');
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0)
      headers[line.slice(0, colon).trim().toLowerCase()] = decodeWords(line.slice(colon + 1).trim());
  }
  return { headers, body };
}

export function decodeBody(part: MimePart): string {
  const encoding = (part.headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  if (encoding === 'base64') return Buffer.from(part.body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(part.body);
  return part.body;
}

/** The leaf parts of a message, multipart containers opened recursively. */
export function mimeLeaves(part: MimePart): MimePart[] {
  const type = part.headers['content-type'] ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (!type.toLowerCase().startsWith('multipart/') || !boundary) return [part];
  const sections = part.body.split(`--${boundary}`).slice(1);
  return sections
    .filter((section) => !section.startsWith('--'))
    .flatMap((section) => mimeLeaves(parseMime(section.replace(/^\r?\n/, ''))));
}

// --- robot webhooks ------------------------------------------------------------------------

export interface RecordedRequest {
  route: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: any;
  answered: number | 'never';
}

export interface HookSecrets {
  dingtalkSecret: string;
  larkSecret: string;
  webhookHeader: { name: string; value: string };
}

export interface HookReceiver {
  base: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Routes by the first path segment: /dingtalk, /slack, /wecom, /lark, /generic answer like the
 * platform does (2xx with an error code in the body for robots); /hang never answers; /fail
 * answers 500 and echoes the request URL, as some proxies do, token included.
 */
export async function startHookServer(secrets: HookSecrets): Promise<HookReceiver> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const route = url.pathname.split('/')[1] ?? '';
      let body: any;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = undefined;
      }
      const record: RecordedRequest = {
        route,
        url: req.url ?? '',
        headers: req.headers,
        body,
        answered: 'never',
      };
      requests.push(record);
      const json = (status: number, payload: unknown) => {
        record.answered = status;
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
      };
      const text = (status: number, payload: string) => {
        record.answered = status;
        res.writeHead(status, { 'content-type': 'text/plain' }).end(payload);
      };
      switch (route) {
        case 'dingtalk': {
          const timestamp = url.searchParams.get('timestamp');
          const sign = url.searchParams.get('sign');
          if (!url.searchParams.get('access_token'))
            return json(200, { errcode: 300001, errmsg: 'token is not exist' });
          if (url.searchParams.has('sign')) {
            const expected = createHmac('sha256', secrets.dingtalkSecret)
              .update(`${timestamp}\n${secrets.dingtalkSecret}`)
              .digest('base64');
            const fresh = Math.abs(Date.now() - Number(timestamp)) < 3_600_000;
            if (!sign || !fresh || !sameText(sign, expected)) {
              return json(200, { errcode: 310000, errmsg: 'sign not match' });
            }
          }
          if (body?.msgtype !== 'markdown' || !body.markdown?.title || !body.markdown?.text) {
            return json(200, { errcode: 40035, errmsg: 'missing markdown' });
          }
          return json(200, { errcode: 0, errmsg: 'ok' });
        }
        case 'slack':
          if (!Array.isArray(body?.blocks) || typeof body.text !== 'string')
            return text(400, 'invalid_blocks');
          return text(200, 'ok');
        case 'wecom':
          if (!url.searchParams.get('key'))
            return json(200, { errcode: 93000, errmsg: 'invalid webhook url' });
          if (body?.msgtype !== 'markdown' || typeof body.markdown?.content !== 'string') {
            return json(200, { errcode: 40008, errmsg: 'invalid message type' });
          }
          return json(200, { errcode: 0, errmsg: 'ok' });
        case 'lark': {
          if (body?.sign !== undefined) {
            const expected = createHmac('sha256', `${body.timestamp}\n${secrets.larkSecret}`)
              .update('')
              .digest('base64');
            const fresh = Math.abs(Date.now() / 1000 - Number(body.timestamp)) < 3_600;
            if (!fresh || !sameText(String(body.sign), expected)) {
              return json(200, { code: 19021, msg: 'sign match fail or timestamp is not within one hour' });
            }
          }
          if (body?.msg_type !== 'interactive' || !body.card?.header)
            return json(200, { code: 9499, msg: 'Bad Request' });
          return json(200, { code: 0, msg: 'success', data: {} });
        }
        case 'generic':
          if (req.headers[secrets.webhookHeader.name.toLowerCase()] !== secrets.webhookHeader.value) {
            return text(401, 'unauthorized');
          }
          return json(202, { accepted: true });
        case 'hang':
          return; // never answers
        case 'fail':
          return text(500, `internal error while handling POST ${req.url}`);
        default:
          return text(404, 'no route');
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
