/**
 * `tsx scripts/codec-server.ts`: the codec endpoint the Temporal Web UI calls to show encrypted
 * payloads in clear. It holds the same keys as the worker (FLINK_RUNBOOKS_CODEC_KEY...), listens
 * on loopback only, answers only the Temporal UI's origin (TEMPORAL_UI_URL), and only requests
 * carrying FLINK_RUNBOOKS_CODEC_ENDPOINT_TOKEN (a random one is made and printed when unset):
 * give the UI the printed endpoint URL (Settings → Codec Server).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { codecFromEnv } from '../src/temporal/codec';
import { handleCodecRequest } from '../src/temporal/codec-endpoint';

const codec = codecFromEnv();
if (!codec) {
  console.error('set FLINK_RUNBOOKS_CODEC_KEY (base64 of 32 bytes) first');
  process.exit(2);
}
const port = Number(process.env.FLINK_RUNBOOKS_CODEC_PORT ?? 8888);
const allowedOrigin = process.env.TEMPORAL_UI_URL ?? 'http://127.0.0.1:8233';
const token = process.env.FLINK_RUNBOOKS_CODEC_ENDPOINT_TOKEN || randomBytes(24).toString('base64url');
createServer(
  (req: IncomingMessage, res: ServerResponse) =>
    void handleCodecRequest(codec, { allowedOrigin, token }, req, res),
).listen(port, '127.0.0.1', () =>
  console.log(`codec endpoint for ${allowedOrigin}: http://127.0.0.1:${port}/${token}`),
);
