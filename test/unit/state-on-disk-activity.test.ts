import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findStateOnDisk } from '../../src/activities/state-on-disk';

/**
 * findStateOnDisk reads real directories laid out as Flink writes them, on the worker's machine
 * through the cluster's volumes: savepoint-<6 digits>-<12 digits>/_metadata and
 * <job id>/chk-N/_metadata.
 */
const JOB = '0e3af3aaaaaaaaaaaaaaaaaa00000001';
const SUCCESSOR = '0e3af3aaaaaaaaaaaaaaaaaa77777777';
const OTHER = 'bbbbbbbbbbbbbbbbbbbbbbbb00000002';
let root: string;
let volumes: Array<{ host: string; container: string }>;

/** A state directory written at `minute` (its _metadata, when complete). */
async function state(path: string, minute: number, complete = true): Promise<void> {
  await mkdir(path, { recursive: true });
  const at = new Date(Date.UTC(2026, 0, 1, 0, minute));
  if (complete) {
    await writeFile(join(path, '_metadata'), 'meta');
    await utimes(join(path, '_metadata'), at, at);
  }
  await utimes(path, at, at);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'state-on-disk-'));
  volumes = [
    { host: join(root, 'sp'), container: '/opt/flink/savepoints' },
    { host: join(root, 'cp'), container: '/opt/flink/checkpoints' },
  ];
  await state(join(root, 'sp', 'savepoint-0e3af3-111111111111'), 10);
  await state(join(root, 'sp', 'savepoint-0e3af3-222222222222'), 40, false); // being written when the leader went
  await state(join(root, 'sp', 'savepoint-bbbbbb-333333333333'), 50); // another job's
  await state(join(root, 'cp', JOB, 'chk-4'), 20);
  await state(join(root, 'cp', SUCCESSOR, 'chk-1'), 30);
  await state(join(root, 'cp', SUCCESSOR, 'chk-2'), 45, false);
  await state(join(root, 'cp', OTHER, 'chk-9'), 55);
  await mkdir(join(root, 'cp', JOB, 'shared'), { recursive: true });
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const dirs = { savepointDir: 'file:///opt/flink/savepoints', checkpointDir: 'file:///opt/flink/checkpoints' };

describe('findStateOnDisk', () => {
  it("finds the lineage's newest complete checkpoint, passing over newer incomplete directories", async () => {
    const found = await findStateOnDisk({ jobId: JOB, ...dirs, volumes });
    expect(found.state).toMatchObject({
      kind: 'checkpoint',
      uri: `file:/opt/flink/checkpoints/${SUCCESSOR}/chk-1`,
      createdAt: Date.UTC(2026, 0, 1, 0, 30),
    });
    expect(found.skipped.sort()).toEqual(
      [
        'file:/opt/flink/savepoints/savepoint-0e3af3-222222222222',
        `file:/opt/flink/checkpoints/${SUCCESSOR}/chk-2`,
      ].sort(),
    );
    expect(found.looked).toEqual([join(root, 'sp'), join(root, 'cp')]);
    expect(found.unmapped).toEqual([]);
  });

  it("takes the runbook's own savepoint when it is the newest complete state", async () => {
    await state(join(root, 'sp', 'savepoint-cccccc-444444444444'), 58);
    const found = await findStateOnDisk({
      jobId: JOB,
      ...dirs,
      volumes,
      ownSavepoint: 'file:/opt/flink/savepoints/savepoint-cccccc-444444444444',
    });
    expect(found.state).toMatchObject({
      kind: 'savepoint',
      uri: 'file:/opt/flink/savepoints/savepoint-cccccc-444444444444',
    });
    expect(found.state?.why).toMatch(/runbook's own trigger/);
  });

  it('says which directories it could not look at, and finds nothing in an empty one', async () => {
    const found = await findStateOnDisk({
      jobId: 'dddddddddddddddddddddddd00000004',
      savepointDir: 's3://bucket/savepoints',
      checkpointDir: 'file:///opt/flink/checkpoints',
      volumes,
    });
    expect(found.state).toBeUndefined();
    expect(found.unmapped).toEqual(['s3://bucket/savepoints']);
  });
});
