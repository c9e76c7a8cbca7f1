import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';

const { temporal } = proto; // a CommonJS module: no named exports under Node's ESM loader

/**
 * Encrypts every payload (workflow inputs, results, signals, activity arguments) with AES-256-GCM
 * before it reaches Temporal, so history shows ciphertext; the Temporal UI decodes it through the
 * codec endpoint (scripts/codec-server.ts). The key id travels with each payload so keys rotate,
 * and is bound to the ciphertext as additional authenticated data: a payload whose key id was
 * changed does not decrypt.
 */
const ENCODING = 'binary/encrypted';
/** Marks payloads whose key id is authenticated; older payloads without it still decrypt. */
const SCHEME = 'aes-256-gcm/key-id-aad';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

export class CodecKeyError extends Error {
  override name = 'CodecKeyError';
}

const aad = (keyId: string) => Buffer.from(`flink-runbooks:${keyId}`);

export class EncryptionCodec implements PayloadCodec {
  constructor(
    private readonly keys: Map<string, Buffer>,
    private readonly currentKeyId: string,
  ) {
    for (const [id, key] of keys) {
      if (!KEY_ID.test(id))
        throw new CodecKeyError(`codec key id "${id}" must be 1-64 letters, digits, ".", "_" or "-"`);
      if (key.length !== 32) throw new CodecKeyError(`codec key "${id}" must be 32 bytes, got ${key.length}`);
    }
    if (!keys.has(currentKeyId)) throw new CodecKeyError(`no codec key "${currentKeyId}" to encrypt with`);
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const key = this.keys.get(this.currentKeyId) as Buffer;
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(aad(this.currentKeyId));
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: {
          encoding: Buffer.from(ENCODING),
          'encryption-key-id': Buffer.from(this.currentKeyId),
          'encryption-scheme': Buffer.from(SCHEME),
        },
        data,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (Buffer.from(payload.metadata?.encoding ?? []).toString() !== ENCODING) return payload;
      const keyId = Buffer.from(payload.metadata?.['encryption-key-id'] ?? []).toString();
      const key = this.keys.get(keyId);
      if (!key) throw new CodecKeyError(`no codec key "${keyId}" to decrypt this payload`);
      const data = Buffer.from(payload.data ?? []);
      if (data.length < IV_BYTES + TAG_BYTES) throw new CodecKeyError('encrypted payload is too short');
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      if (Buffer.from(payload.metadata?.['encryption-scheme'] ?? []).toString() === SCHEME)
        decipher.setAAD(aad(keyId));
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
 * A key as FLINK_RUNBOOKS_CODEC_KEY takes it: standard base64 of exactly 32 bytes
 * (`openssl rand -base64 32`). Node's decoder skips what is not base64; this refuses it instead.
 */
export function parseCodecKey(text: string, name: string): Buffer {
  const trimmed = text.trim();
  const key = Buffer.from(trimmed, 'base64');
  if (!/^[A-Za-z0-9+/]{43}=$/.test(trimmed) || key.length !== 32 || key.toString('base64') !== trimmed)
    throw new CodecKeyError(`${name} must be the base64 of exactly 32 bytes (openssl rand -base64 32)`);
  return key;
}

/**
 * FLINK_RUNBOOKS_CODEC_KEY: base64 of a 32-byte key turns encryption on; FLINK_RUNBOOKS_CODEC_KEY_ID
 * names it (default `default`). Older keys stay readable through FLINK_RUNBOOKS_CODEC_OLD_KEYS
 * (`id=base64,id=base64`). Every key is checked here, at start: a malformed old key would otherwise
 * surface only when a workflow written under it is read.
 */
export function codecFromEnv(env: NodeJS.ProcessEnv = process.env): EncryptionCodec | undefined {
  const current = env.FLINK_RUNBOOKS_CODEC_KEY;
  if (!current) {
    if (env.FLINK_RUNBOOKS_CODEC_OLD_KEYS || env.FLINK_RUNBOOKS_CODEC_KEY_ID)
      throw new CodecKeyError(
        'FLINK_RUNBOOKS_CODEC_OLD_KEYS or _KEY_ID is set without FLINK_RUNBOOKS_CODEC_KEY',
      );
    return undefined;
  }
  const id = env.FLINK_RUNBOOKS_CODEC_KEY_ID || 'default';
  const keys = new Map<string, Buffer>([[id, parseCodecKey(current, 'FLINK_RUNBOOKS_CODEC_KEY')]]);
  for (const entry of (env.FLINK_RUNBOOKS_CODEC_OLD_KEYS ?? '').split(',')) {
    if (entry.trim() === '') continue;
    const at = entry.indexOf('=');
    const oldId = at > 0 ? entry.slice(0, at).trim() : '';
    if (!KEY_ID.test(oldId))
      throw new CodecKeyError('FLINK_RUNBOOKS_CODEC_OLD_KEYS must be id=base64 pairs separated by commas');
    if (keys.has(oldId)) throw new CodecKeyError(`codec key id "${oldId}" is given twice`);
    keys.set(oldId, parseCodecKey(entry.slice(at + 1), `FLINK_RUNBOOKS_CODEC_OLD_KEYS key "${oldId}"`));
  }
  return new EncryptionCodec(keys, id);
}

/** The data converter option for a Client or a Worker: encrypted when a key is configured. */
export function dataConverterFromEnv(env: NodeJS.ProcessEnv = process.env) {
  const codec = codecFromEnv(env);
  return codec ? { payloadCodecs: [codec] } : undefined;
}
