import type { Client } from '@temporalio/client';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { expect } from 'vitest';

/**
 * The one scan for secrets in what Temporal keeps of a workflow. Payloads are base64 inside
 * protobuf fields and may be encrypted, so searching the history's JSON finds nothing: every
 * payload is decoded first (through the codec when one is given) and every string in it is read,
 * wherever it sits: workflow and activity inputs and results, failures and their details,
 * signals, updates, memos, search attributes; and the results of the queries named.
 */

export interface ScanOptions {
  /** The codec the workflow's client and worker used; without it an encrypted payload fails the scan. */
  codec?: PayloadCodec;
  /** Queries to ask the workflow; their results are scanned too. */
  queries?: string[];
}

const isPayload = (value: unknown): value is Payload =>
  value !== null &&
  typeof value === 'object' &&
  'metadata' in value &&
  ('data' in value || Object.keys(value as object).length === 1);

const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');

/** Every string a value holds, with JSON inside strings unpacked, so escaped text reads as written. */
function strings(value: unknown, out: string[]): void {
  if (value === null || value === undefined) return;
  if (typeof value === 'string') {
    out.push(value);
    const trimmed = value.trim();
    if (/^[[{"]/.test(trimmed)) {
      try {
        strings(JSON.parse(trimmed), out);
      } catch {
        // Not JSON: the text itself was kept.
      }
    }
    return;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    out.push(String(value));
    return;
  }
  if (value instanceof Uint8Array) {
    out.push(text(value));
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) strings(item, out);
    return;
  }
  if (typeof value === 'object') for (const item of Object.values(value)) strings(item, out);
}

async function decodePayload(payload: Payload, codec: PayloadCodec | undefined): Promise<string[]> {
  let plain = payload;
  const encoding = text(payload.metadata?.encoding);
  if (encoding === 'binary/encrypted') {
    if (!codec) throw new Error('the history holds encrypted payloads: scan it with the codec');
    [plain] = (await codec.decode([payload])) as [Payload];
  }
  const out: string[] = [];
  strings(plain.metadata, out);
  strings(text(plain.data), out);
  return out;
}

/** Collects every string of `value`, decoding each payload on the way. */
async function collect(value: unknown, codec: PayloadCodec | undefined, out: string[]): Promise<void> {
  if (value === null || value === undefined) return;
  if (isPayload(value)) {
    out.push(...(await decodePayload(value, codec)));
    return;
  }
  if (value instanceof Uint8Array || typeof value !== 'object') {
    strings(value, out);
    return;
  }
  for (const item of Array.isArray(value) ? value : Object.values(value)) await collect(item, codec, out);
}

/** All text of a workflow's history and of the named queries' results, decoded. */
export async function historyText(
  client: Client,
  workflowId: string,
  options: ScanOptions = {},
): Promise<string> {
  const handle = client.workflow.getHandle(workflowId);
  const out: string[] = [];
  await collect(await handle.fetchHistory(), options.codec, out);
  for (const query of options.queries ?? []) strings(await handle.query(query), out);
  return out.join('\n');
}

/** The forms a secret takes when it leaks: as written, base64, URL-encoded, JSON-escaped. */
export function leakedForms(secret: string): string[] {
  return [
    ...new Set([
      secret,
      Buffer.from(secret).toString('base64'),
      encodeURIComponent(secret),
      JSON.stringify(secret).slice(1, -1),
    ]),
  ];
}

/** Fails, naming where and in which form, when any secret shows up in `text`. */
export function expectNoSecrets(text: string, secrets: string[], where: string): void {
  for (const secret of secrets)
    for (const form of leakedForms(secret))
      expect(
        text.includes(form),
        `a secret (as ${form === secret ? 'written' : 'an encoding'}) is in ${where}`,
      ).toBe(false);
}

/** The history scan and the check in one: every payload decoded, every query asked. */
export async function expectHistoryFreeOf(
  client: Client,
  workflowId: string,
  secrets: string[],
  options: ScanOptions = {},
): Promise<void> {
  expectNoSecrets(await historyText(client, workflowId, options), secrets, `the history of ${workflowId}`);
}

/** The activity types a workflow scheduled, in order: what it asked the worker to do. */
export async function scheduledActivities(client: Client, workflowId: string): Promise<string[]> {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  return events.flatMap((e) => {
    const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
    return name ? [name] : [];
  });
}
