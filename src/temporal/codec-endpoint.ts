import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Payload, PayloadCodec } from '@temporalio/common';

/**
 * The Temporal codec endpoint protocol: POST /encode or /decode with {"payloads": [...]} where
 * metadata values and data are base64; answers the same shape. CORS lets the Web UI call it.
 */
interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

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

export async function handleCodecRequest(
  codec: PayloadCodec,
  allowedOrigin: string,
  req: IncomingMessage,
  res: ServerResponse,
) {
  res.setHeader('Access-Control-Allow-Origin', allowedOrigin);
  res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
  res.setHeader('Access-Control-Allow-Headers', 'content-type, x-namespace, authorization');
  res.setHeader('Access-Control-Allow-Credentials', 'true');
  if (req.method === 'OPTIONS') return void res.writeHead(204).end();
  const route = req.url?.split('?')[0];
  if (req.method !== 'POST' || (route !== '/encode' && route !== '/decode'))
    return void res.writeHead(404).end();
  let body = '';
  for await (const chunk of req) body += chunk;
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
