import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';

const { temporal } = proto; // a CommonJS module: no named exports under Node's ESM loader

/**
 * Encrypts every payload (workflow inputs, results, signals, activity arguments) with AES-256-GCM
 * before it reaches Temporal, so history shows ciphertext; the Temporal UI decodes it through the
 * codec endpoint (scripts/codec-server.ts). The key id travels with each payload so keys rotate.
 */
const ENCODING = 'binary/encrypted';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class EncryptionCodec implements PayloadCodec {
  constructor(
    private readonly keys: Map<string, Buffer>,
    private readonly currentKeyId: string,
  ) {
    const key = keys.get(currentKeyId);
    if (key?.length !== 32) throw new Error(`codec key "${currentKeyId}" must be 32 bytes`);
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const key = this.keys.get(this.currentKeyId) as Buffer;
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { encoding: Buffer.from(ENCODING), 'encryption-key-id': Buffer.from(this.currentKeyId) },
        data,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (Buffer.from(payload.metadata?.encoding ?? []).toString() !== ENCODING) return payload;
      const keyId = Buffer.from(payload.metadata?.['encryption-key-id'] ?? []).toString();
      const key = this.keys.get(keyId);
      if (!key) throw new Error(`no codec key "${keyId}" to decrypt this payload`);
      const data = Buffer.from(payload.data ?? []);
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return temporal.api.common.v1.Payload.decode(plain);
    });
  }
}

/**
 * FLINK_RUNBOOKS_CODEC_KEY: base64 of a 32-byte key (`openssl rand -base64 32`) turns encryption
 * on; FLINK_RUNBOOKS_CODEC_KEY_ID names it (default `default`). Older keys stay readable through
 * FLINK_RUNBOOKS_CODEC_OLD_KEYS (`id=base64,id=base64`).
 */
export function codecFromEnv(env: NodeJS.ProcessEnv = process.env): EncryptionCodec | undefined {
  const current = env.FLINK_RUNBOOKS_CODEC_KEY;
  if (!current) return undefined;
  const id = env.FLINK_RUNBOOKS_CODEC_KEY_ID || 'default';
  const keys = new Map<string, Buffer>([[id, Buffer.from(current, 'base64')]]);
  for (const entry of (env.FLINK_RUNBOOKS_CODEC_OLD_KEYS ?? '').split(',').filter(Boolean)) {
    const [oldId, value] = entry.split('=');
    if (oldId && value) keys.set(oldId, Buffer.from(value, 'base64'));
  }
  return new EncryptionCodec(keys, id);
}

/** The data converter option for a Client or a Worker: encrypted when a key is configured. */
export function dataConverterFromEnv(env: NodeJS.ProcessEnv = process.env) {
  const codec = codecFromEnv(env);
  return codec ? { payloadCodecs: [codec] } : undefined;
}
