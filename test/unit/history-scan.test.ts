import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { EncryptionCodec } from '../../src/temporal/codec';
import { expectHistoryFreeOf, historyText } from '../helpers/history-scan';

/**
 * The history scan can fail: a secret placed in any one part of a history — activity input or
 * result, a failure's message or details, a signal, an update, a memo, a search attribute, a
 * query's result — is found, in clear or encrypted; the old scan of the history's JSON is not.
 */
const SECRET = `leak-${randomBytes(8).toString('hex')}`;
const codec = new EncryptionCodec(new Map([['k', randomBytes(32)]]), 'k');

const json = (value: unknown): Payload => ({
  metadata: { encoding: Buffer.from('json/plain') },
  data: Buffer.from(JSON.stringify(value)),
});
const payloads = (value: unknown) => ({ payloads: [json(value)] });

/** Where a secret can sit, as Temporal's history protos hold it. */
const PLACES: Array<[string, (leak: unknown) => Record<string, unknown>]> = [
  [
    'workflow input',
    (leak) => ({ workflowExecutionStartedEventAttributes: { input: payloads({ cluster: leak }) } }),
  ],
  [
    'activity input',
    (leak) => ({ activityTaskScheduledEventAttributes: { input: payloads([{ spec: { x: leak } }]) } }),
  ],
  [
    'activity result',
    (leak) => ({ activityTaskCompletedEventAttributes: { result: payloads({ url: `http://${leak}` }) } }),
  ],
  [
    'a failure message',
    (leak) => ({ activityTaskFailedEventAttributes: { failure: { message: `refused ${leak}` } } }),
  ],
  [
    "a failure's details",
    (leak) => ({
      workflowExecutionFailedEventAttributes: {
        failure: { applicationFailureInfo: { details: payloads([{ issues: [{ message: leak }] }]) } },
      },
    }),
  ],
  [
    "a failure's encoded attributes",
    (leak) => ({
      activityTaskFailedEventAttributes: { failure: { encodedAttributes: json({ message: leak }) } },
    }),
  ],
  [
    'a signal',
    (leak) => ({
      workflowExecutionSignaledEventAttributes: {
        signalName: 'forceRestart',
        input: payloads({ reason: leak }),
      },
    }),
  ],
  [
    'an update',
    (leak) => ({
      workflowExecutionUpdateAcceptedEventAttributes: {
        acceptedRequest: { input: { args: payloads({ holder: leak }) } },
      },
    }),
  ],
  [
    'a memo',
    (leak) => ({ workflowExecutionStartedEventAttributes: { memo: { fields: { note: json(leak) } } } }),
  ],
  [
    'a search attribute',
    (leak) => ({
      upsertWorkflowSearchAttributesEventAttributes: {
        searchAttributes: { indexedFields: { FlinkCluster: json(leak) } },
      },
    }),
  ],
];

async function encrypt(event: Record<string, unknown>): Promise<Record<string, unknown>> {
  const walk = async (value: unknown): Promise<unknown> => {
    if (value && typeof value === 'object' && 'metadata' in value && 'data' in value)
      return (await codec.encode([value as Payload]))[0];
    if (Array.isArray(value)) return Promise.all(value.map(walk));
    if (value && typeof value === 'object' && !(value instanceof Uint8Array))
      return Object.fromEntries(
        await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await walk(v)])),
      );
    return value;
  };
  return (await walk(event)) as Record<string, unknown>;
}

function clientWith(
  events: Array<Record<string, unknown>>,
  queryResult: unknown = { phase: 'watching' },
): Client {
  return {
    workflow: {
      getHandle: () => ({ fetchHistory: async () => ({ events }), query: async () => queryResult }),
    },
  } as unknown as Client;
}

describe('the history scan', () => {
  it.each(PLACES)('finds a secret in %s, in clear and encrypted', async (_where, place) => {
    const plain = place(SECRET);
    await expect(expectHistoryFreeOf(clientWith([plain]), 'w', [SECRET])).rejects.toThrow(/a secret/);
    const encrypted = await encrypt(plain);
    await expect(expectHistoryFreeOf(clientWith([encrypted]), 'w', [SECRET], { codec })).rejects.toThrow(
      /a secret/,
    );
    // Without the codec an encrypted history cannot be scanned, and says so instead of passing.
    if (JSON.stringify(encrypted) !== JSON.stringify(plain))
      await expect(historyText(clientWith([encrypted]), 'w')).rejects.toThrow(/encrypted payloads/);
  });

  it('the old check, a search of the history as JSON, found it only in a failure message', () => {
    const found = PLACES.filter(([, place]) => JSON.stringify({ events: [place(SECRET)] }).includes(SECRET));
    expect(found.map(([where]) => where)).toEqual(['a failure message']);
  });

  it("finds a secret in a query's result", async () => {
    await expect(
      expectHistoryFreeOf(clientWith([], { reasons: [`token ${SECRET}`] }), 'w', [SECRET], {
        queries: ['status'],
      }),
    ).rejects.toThrow(/a secret/);
  });

  it('finds the base64 and URL-encoded forms', async () => {
    const forms = [Buffer.from(SECRET).toString('base64'), encodeURIComponent(`${SECRET}/x`)];
    await expect(
      expectHistoryFreeOf(clientWith([PLACES[2]?.[1](forms[0]) ?? {}]), 'w', [SECRET]),
    ).rejects.toThrow(/as an encoding/);
    await expect(
      expectHistoryFreeOf(clientWith([PLACES[2]?.[1](forms[1]) ?? {}]), 'w', [`${SECRET}/x`]),
    ).rejects.toThrow(/as an encoding/);
  });

  it('passes a history without the secret', async () => {
    const events = await Promise.all(PLACES.map(([, place]) => encrypt(place('nothing-to-see'))));
    await expectHistoryFreeOf(clientWith(events), 'w', [SECRET], { codec, queries: ['status'] });
  });
});
