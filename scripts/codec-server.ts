/**
 * `tsx scripts/codec-server.ts`: the codec endpoint the Temporal Web UI calls to show encrypted
 * payloads in clear (Settings → Codec Server → http://127.0.0.1:8888). It holds the same keys as
 * the worker (FLINK_RUNBOOKS_CODEC_KEY...) and listens on loopback only.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { codecFromEnv } from '../src/temporal/codec';
import { handleCodecRequest } from '../src/temporal/codec-endpoint';

const codec = codecFromEnv();
if (!codec) {
  console.error('set FLINK_RUNBOOKS_CODEC_KEY (base64 of 32 bytes) first');
  process.exit(2);
}
const port = Number(process.env.FLINK_RUNBOOKS_CODEC_PORT ?? 8888);
const origin = process.env.TEMPORAL_UI_URL ?? 'http://127.0.0.1:8233';
createServer(
  (req: IncomingMessage, res: ServerResponse) => void handleCodecRequest(codec, origin, req, res),
).listen(port, '127.0.0.1', () => console.log(`codec endpoint on http://127.0.0.1:${port} for ${origin}`));
