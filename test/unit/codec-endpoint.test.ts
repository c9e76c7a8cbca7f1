import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EncryptionCodec } from '../../src/temporal/codec';
import { handleCodecRequest } from '../../src/temporal/codec-endpoint';

const UI = 'http://127.0.0.1:8233';
const TOKEN = randomBytes(18).toString('base64url');
let server: Server;
let base: string;

beforeAll(async () => {
  const codec = new EncryptionCodec(new Map([['k', randomBytes(32)]]), 'k');
  server = createServer(
    (req, res) => void handleCodecRequest(codec, { allowedOrigin: UI, token: TOKEN }, req, res),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => server.close());

const post = (
  path: string,
  body: unknown,
  headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` },
) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

const plain = {
  metadata: { encoding: Buffer.from('json/plain').toString('base64') },
  data: Buffer.from('{"cluster":"rp"}').toString('base64'),
};

describe('the codec endpoint the Temporal UI calls', () => {
  it('encodes and decodes payloads in the JSON shape the UI sends', async () => {
    const encoded = (await (await post('/encode', { payloads: [plain] })).json()) as {
      payloads: (typeof plain)[];
    };
    expect(Buffer.from(encoded.payloads[0]?.metadata.encoding ?? '', 'base64').toString()).toBe(
      'binary/encrypted',
    );
    expect(encoded.payloads[0]?.data).not.toContain(plain.data);
    const decoded = (await (await post('/decode', encoded)).json()) as { payloads: (typeof plain)[] };
    expect(decoded.payloads).toEqual([plain]);
    // The UI's form: the token as the endpoint URL's path, the UI origin.
    const viaPath = await post(`/${TOKEN}/decode`, encoded, { origin: UI });
    expect(viaPath.status).toBe(200);
    expect(((await viaPath.json()) as { payloads: unknown[] }).payloads).toEqual([plain]);
  });

  it('refuses a request without the token, with a wrong one, or from another origin', async () => {
    const encoded = await (await post('/encode', { payloads: [plain] })).json();
    expect((await post('/decode', encoded, {})).status).toBe(401);
    expect((await post('/decode', encoded, { authorization: 'Bearer nope' })).status).toBe(401);
    expect((await post('/decode', encoded, { authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
    expect((await post('/nope/decode', encoded, {})).status).toBe(401);
    const elsewhere = await post('/decode', encoded, {
      authorization: `Bearer ${TOKEN}`,
      origin: 'http://evil.test',
    });
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.headers.get('access-control-allow-origin')).toBeNull();
    expect((await post(`/${TOKEN}/decode`, encoded, { origin: 'http://127.0.0.1:9999' })).status).toBe(403);
  });

  it('answers the browser preflight for the UI origin only, and refuses anything else', async () => {
    const preflight = await fetch(`${base}/decode`, { method: 'OPTIONS', headers: { origin: UI } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(UI);
    const foreign = await fetch(`${base}/decode`, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.test' },
    });
    expect(foreign.status).toBe(403);
    expect((await fetch(`${base}/decode`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(
      404,
    );
    expect((await post('/decode', { payloads: 'nope' })).status).toBe(400);
  });
});
