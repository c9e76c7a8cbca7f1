import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Payload, PayloadCodec } from '@temporalio/common';

/**
 * The Temporal codec endpoint protocol: POST /encode or /decode with {"payloads": [...]} where
 * metadata values and data are base64; answers the same shape. Whoever may call /decode reads
 * every payload in clear, so each request must carry the configured token — as
 * `Authorization: Bearer <token>`, or as the first path segment (`/<token>/decode`) for the
 * Temporal UI, which appends /decode to the endpoint URL it is given — and a browser request must
 * come from the Temporal UI's origin.
 */
interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

export interface CodecEndpointOptions {
  /** The Temporal UI's origin, e.g. http://127.0.0.1:8233: the only one CORS allows. */
  allowedOrigin: string;
  /** The secret every request must carry. */
  token: string;
}

/** The largest request body read: a page of payloads, not a flood. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
  ),
  data: p.data === undefined ? undefined : Buffer.from(p.data, 'base64'),
});

const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  ),
  data: p.data ? Buffer.from(p.data).toString('base64') : undefined,
});

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The route without a path token, and whether the request proved it knows the token. */
function authorize(req: IncomingMessage, token: string): { route: string; authorized: boolean } {
  const path = req.url?.split('?')[0] ?? '';
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  const [, first = '', ...rest] = path.split('/');
  if (rest.length > 0 && sameSecret(decodeURIComponent(first), token))
    return { route: `/${rest.join('/')}`, authorized: true };
  return { route: path, authorized: bearer !== undefined && sameSecret(bearer, token) };
}

export async function handleCodecRequest(
  codec: PayloadCodec,
  options: CodecEndpointOptions,
  req: IncomingMessage,
  res: ServerResponse,
) {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== options.allowedOrigin) return void res.writeHead(403).end();
  res.setHeader('Access-Control-Allow-Origin', options.allowedOrigin);
  res.setHeader('Vary', 'Origin');
  res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
  res.setHeader('Access-Control-Allow-Headers', 'content-type, x-namespace, authorization');
  res.setHeader('Access-Control-Allow-Credentials', 'true');
  if (req.method === 'OPTIONS') return void res.writeHead(204).end();
  const { route, authorized } = authorize(req, options.token);
  if (!authorized) return void res.writeHead(401, { 'www-authenticate': 'Bearer' }).end();
  if (req.method !== 'POST' || (route !== '/encode' && route !== '/decode'))
    return void res.writeHead(404).end();
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > MAX_BODY_BYTES) return void res.writeHead(413).end();
  }
  try {
    const { payloads } = JSON.parse(body) as { payloads: JsonPayload[] };
    const input = payloads.map(fromJson);
    const output = route === '/encode' ? await codec.encode(input) : await codec.decode(input);
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ payloads: output.map(toJson) }));
  } catch (error) {
    res
      .writeHead(400, { 'content-type': 'application/json' })
      .end(JSON.stringify({ error: (error as Error).message }));
  }
}
