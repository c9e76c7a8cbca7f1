import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { codecFromEnv, EncryptionCodec, parseCodecKey } from '../../src/temporal/codec';

const key = () => randomBytes(32).toString('base64');

describe('codec keys are parsed strictly, every one at start', () => {
  it('takes the base64 of exactly 32 bytes', () => {
    const text = key();
    expect(parseCodecKey(text, 'K')).toEqual(Buffer.from(text, 'base64'));
    expect(codecFromEnv({})).toBeUndefined();
    expect(
      codecFromEnv({ FLINK_RUNBOOKS_CODEC_KEY: text, FLINK_RUNBOOKS_CODEC_OLD_KEYS: `old=${key()}` }),
    ).toBeInstanceOf(EncryptionCodec);
  });

  it.each([
    ['31 bytes', randomBytes(31).toString('base64')],
    ['33 bytes', randomBytes(33).toString('base64')],
    ['hex instead of base64', randomBytes(32).toString('hex')],
    ['base64url', `${randomBytes(32).toString('base64url')}=`.replace(/^./, '-')],
    ['a stray character Node would skip', `${key().slice(0, 20)}*${key().slice(20)}`],
    ['no padding', key().replace(/=$/, '')],
    ['a passphrase', 'correct horse battery staple'],
  ])('refuses %s', (_what, text) => {
    expect(() => codecFromEnv({ FLINK_RUNBOOKS_CODEC_KEY: text })).toThrow(
      /must be the base64 of exactly 32 bytes/,
    );
  });

  it.each([
    [
      'an old key of 16 bytes',
      `old=${randomBytes(16).toString('base64')}`,
      /OLD_KEYS key "old" must be the base64/,
    ],
    ['an old key without an id', key(), /FLINK_RUNBOOKS_CODEC_OLD_KEYS/],
    ['an old key id with spaces', `my key=${key()}`, /id=base64 pairs/],
    ['the current key id again', `default=${key()}`, /given twice/],
  ])('refuses %s at start', (_what, oldKeys, message) => {
    expect(() =>
      codecFromEnv({ FLINK_RUNBOOKS_CODEC_KEY: key(), FLINK_RUNBOOKS_CODEC_OLD_KEYS: oldKeys }),
    ).toThrow(message);
  });

  it('refuses old keys or a key id without a current key', () => {
    expect(() => codecFromEnv({ FLINK_RUNBOOKS_CODEC_OLD_KEYS: `old=${key()}` })).toThrow(
      /without FLINK_RUNBOOKS_CODEC_KEY/,
    );
  });
});

describe('the key id is bound to the ciphertext', () => {
  it('a payload relabelled with another key id that holds the same key does not decrypt', async () => {
    const shared = randomBytes(32);
    const codec = new EncryptionCodec(
      new Map([
        ['a', shared],
        ['b', shared],
      ]),
      'a',
    );
    const [encrypted] = await codec.encode([
      { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('"x"') },
    ]);
    const [decrypted] = await codec.decode([encrypted as never]);
    expect(Buffer.from(decrypted?.data ?? []).toString()).toBe('"x"');
    const relabelled = {
      ...encrypted,
      metadata: { ...encrypted?.metadata, 'encryption-key-id': Buffer.from('b') },
    };
    await expect(codec.decode([relabelled as never])).rejects.toThrow(/authenticate/);
  });
});
