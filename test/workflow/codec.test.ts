import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { EncryptionCodec } from '../../src/temporal/codec';
import { createWorker } from '../../src/worker';
import { clusterStatus } from '../../src/workflows';
import { historyText } from '../helpers/history-scan';

beforeAll(() => {
  process.env.FLINK_RUNBOOKS_CLUSTERS = fileURLToPath(
    new URL('../../examples/clusters.yaml', import.meta.url),
  );
});

/** Runs clusterStatus on a worker and client with `codec` (none: plain), returning the workflow id. */
async function runClusterStatus(codec: EncryptionCodec | undefined) {
  const address = inject('temporalAddress');
  const taskQueue = `codec-${randomUUID()}`;
  const native = await NativeConnection.connect({ address });
  const connection = await Connection.connect({ address });
  const dataConverter = codec ? { payloadCodecs: [codec] } : undefined;
  const client = new Client({ connection, ...(dataConverter ? { dataConverter } : {}) });
  const worker = await createWorker({
    connection: native,
    taskQueue,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    ...(dataConverter ? { dataConverter } : {}),
  });
  const workflowId = `codec-${randomUUID()}`;
  try {
    const summary = await worker.runUntil(
      client.workflow.execute(clusterStatus, {
        taskQueue,
        workflowId,
        args: [{ cluster: 'realtime-pipeline' }],
      }),
    );
    expect(summary.cluster).toBe('realtime-pipeline');
    return {
      workflowId,
      client,
      plainClient: new Client({ connection }),
      close: () => closeAll(connection, native),
    };
  } catch (error) {
    await closeAll(connection, native);
    throw error;
  }
}

async function closeAll(connection: Connection, native: NativeConnection) {
  await connection.close();
  await native.close();
}

describe('the encryption codec on a real Temporal server', () => {
  it('keeps inputs, activity arguments and results out of history in clear; the client still reads them', async () => {
    const codec = new EncryptionCodec(new Map([['k1', randomBytes(32)]]), 'k1');
    const run = await runClusterStatus(codec);
    try {
      // Every payload is ciphertext: a scan that cannot decrypt meets one and stops.
      await expect(historyText(run.plainClient, run.workflowId)).rejects.toThrow(/encrypted payloads/);
      // Decrypted, the same history holds the input's cluster and the resolved JobManager URLs.
      const decoded = await historyText(run.plainClient, run.workflowId, { codec });
      expect(decoded).toContain('realtime-pipeline');
      expect(decoded).toContain('http://127.0.0.1:8081');
      // A client without the key cannot read the result.
      await expect(run.plainClient.workflow.getHandle(run.workflowId).result()).rejects.toThrow();
    } finally {
      await run.close();
    }
  });

  it('without the codec the same scan reads the history in clear, so the check above can fail', async () => {
    const run = await runClusterStatus(undefined);
    try {
      expect(await historyText(run.client, run.workflowId)).toContain('http://127.0.0.1:8081');
    } finally {
      await run.close();
    }
  });

  it('rotates: payloads written under an old key stay readable; a flipped bit is refused', async () => {
    const oldKey = randomBytes(32);
    const before = new EncryptionCodec(new Map([['old', oldKey]]), 'old');
    const after = new EncryptionCodec(
      new Map([
        ['new', randomBytes(32)],
        ['old', oldKey],
      ]),
      'new',
    );
    const [encrypted] = await before.encode([
      { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('{"a":1}') },
    ]);
    const [decrypted] = await after.decode([encrypted as never]);
    expect(Buffer.from(decrypted?.data ?? []).toString()).toBe('{"a":1}');
    const [tampered] = await before.encode([{ metadata: {}, data: Buffer.from('x') }]);
    const bytes = tampered?.data as Uint8Array;
    bytes[20] = (bytes[20] ?? 0) ^ 1; // one flipped bit: the GCM tag must refuse it
    await expect(before.decode([tampered as never])).rejects.toThrow();
  });
});
