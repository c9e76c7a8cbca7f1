import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EncryptionCodec } from '../../src/temporal/codec';
import { handleCodecRequest } from '../../src/temporal/codec-endpoint';

const UI = 'http://127.0.0.1:8233';
let server: Server;
let base: string;

beforeAll(async () => {
  const codec = new EncryptionCodec(new Map([['k', randomBytes(32)]]), 'k');
  server = createServer((req, res) => void handleCodecRequest(codec, UI, req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => server.close());

const post = (path: string, body: unknown) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('the codec endpoint the Temporal UI calls', () => {
  it('encodes and decodes payloads in the JSON shape the UI sends', async () => {
    const plain = {
      metadata: { encoding: Buffer.from('json/plain').toString('base64') },
      data: Buffer.from('{"cluster":"rp"}').toString('base64'),
    };
    const encoded = (await (await post('/encode', { payloads: [plain] })).json()) as {
      payloads: (typeof plain)[];
    };
    expect(Buffer.from(encoded.payloads[0]?.metadata.encoding ?? '', 'base64').toString()).toBe(
      'binary/encrypted',
    );
    expect(encoded.payloads[0]?.data).not.toContain(plain.data);
    const decoded = (await (await post('/decode', encoded)).json()) as { payloads: (typeof plain)[] };
    expect(decoded.payloads).toEqual([plain]);
  });

  it('answers the browser preflight for the UI origin only, and refuses anything else', async () => {
    const preflight = await fetch(`${base}/decode`, { method: 'OPTIONS' });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(UI);
    expect((await fetch(`${base}/decode`)).status).toBe(404);
    expect((await post('/decode', { payloads: 'nope' })).status).toBe(400);
  });
});
