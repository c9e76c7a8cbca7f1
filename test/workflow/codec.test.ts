import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { EncryptionCodec } from '../../src/temporal/codec';
import { createWorker } from '../../src/worker';
import { clusterStatus } from '../../src/workflows';

beforeAll(() => {
  process.env.FLINK_RUNBOOKS_CLUSTERS = fileURLToPath(
    new URL('../../examples/clusters.yaml', import.meta.url),
  );
});

describe('the encryption codec on a real Temporal server', () => {
  it('keeps inputs and results out of history in clear, and the client still reads them', async () => {
    const codec = new EncryptionCodec(new Map([['k1', randomBytes(32)]]), 'k1');
    const address = inject('temporalAddress');
    const taskQueue = `codec-${Date.now()}`;
    const native = await NativeConnection.connect({ address });
    const connection = await Connection.connect({ address });
    const client = new Client({ connection, dataConverter: { payloadCodecs: [codec] } });
    const plainClient = new Client({ connection });
    const worker = await createWorker({
      connection: native,
      taskQueue,
      workflowBundle: { codePath: inject('workflowBundlePath') },
      dataConverter: { payloadCodecs: [codec] },
    });
    try {
      const workflowId = `codec-${Date.now()}`;
      const summary = await worker.runUntil(
        client.workflow.execute(clusterStatus, {
          taskQueue,
          workflowId,
          args: [{ cluster: 'realtime-pipeline' }],
        }),
      );
      expect(summary.cluster).toBe('realtime-pipeline');
      const history = JSON.stringify(await client.workflow.getHandle(workflowId).fetchHistory());
      // The history holds ciphertext: neither the input's cluster name nor the result's JobManager URL.
      expect(history).not.toContain(Buffer.from('realtime-pipeline').toString('base64'));
      expect(history).not.toContain(Buffer.from('"cluster"').toString('base64'));
      expect(history).toContain(Buffer.from('binary/encrypted').toString('base64'));
      // A client without the key cannot read the result.
      await expect(plainClient.workflow.getHandle(workflowId).result()).rejects.toThrow();
    } finally {
      await connection.close();
      await native.close();
    }
  });

  it('rotates: payloads written under an old key stay readable', async () => {
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
