import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MarkerProbeRun, SqlProbeRun } from '../../../src/probes/types';
import { type WaitProgress, waitForProbeOutput } from '../../../src/probes/verify';

/**
 * The wait against a real directory. Flink is stood in for by this test writing part files the
 * way the sandbox job's FileSink leaves them (hidden in-progress files, then visible part files).
 */
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'probe-output-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const output = (extra: Record<string, unknown> = {}) => ({
  path: dir,
  pattern: '*.csv',
  sequenceColumn: 0,
  ...extra,
});

async function part(name: string, rows: string[], mtimeMs?: number): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, rows.map((r) => `${r}\n`).join(''));
  if (mtimeMs !== undefined) await utimes(path, mtimeMs / 1000, mtimeMs / 1000);
  return path;
}

describe('waitForProbeOutput: the marker probe', () => {
  const run = (): MarkerProbeRun => ({
    type: 'marker',
    marker: 'probe-new',
    writtenAt: Date.now(),
    timeoutMs: 5_000,
  });

  it('finds the committed row with the marker, the lowest sequence number across part files', async () => {
    const probe = run();
    await part('part-old-0.csv', ['1,1,probe-new'], probe.writtenAt - 60_000); // older than the marker: never read
    await part('.part-a-1.csv.inprogress.x', ['5,5,probe-new']); // not committed
    await part('part-b-1.csv', ['9,9,probe-new', '10,10,probe-new']);
    await part('part-a-1.csv', ['7,7,', '8,8,probe-new']);
    const found = await waitForProbeOutput(probe, output(), { intervalMs: 20 });
    expect(found).toMatchObject({
      type: 'marker',
      marker: 'probe-new',
      sequence: 8,
      file: join(dir, 'part-a-1.csv'),
    });
    expect(found.waitedMs).toBeLessThan(1_000);
  });

  it('waits for a file committed later, heartbeating meanwhile', async () => {
    const probe = run();
    const beats: WaitProgress[] = [];
    setTimeout(() => void part('part-c-0.csv', ['3,3,probe-old', '4,4,probe-new']), 300);
    const found = await waitForProbeOutput(probe, output(), {
      intervalMs: 50,
      heartbeat: (p) => beats.push(p),
    });
    expect(found).toMatchObject({ sequence: 4 });
    expect(found.arrivedAfterMs).toBeGreaterThanOrEqual(250);
    expect(beats.length).toBeGreaterThanOrEqual(3);
    expect(beats.map((b) => b.attempt)).toEqual(beats.map((_, i) => i + 1));
  });

  it('uses the marker column it is told', async () => {
    const probe = run();
    await part('part-d-0.csv', ['probe-new,11']);
    const found = await waitForProbeOutput(probe, output({ sequenceColumn: 1 }), {
      markerColumn: 0,
      intervalMs: 20,
    });
    expect(found).toMatchObject({ sequence: 11 });
  });

  it('gives up with ProbeNotCaptured after the timeout, naming what it searched', async () => {
    const probe = { ...run(), timeoutMs: 300 };
    await part('part-e-0.csv', ['1,1,probe-other']);
    const started = Date.now();
    await expect(waitForProbeOutput(probe, output(), { intervalMs: 50 })).rejects.toMatchObject({
      name: 'ProbeNotCaptured',
      message: expect.stringMatching(
        /marker probe-new in no committed row .* \(1 new file\(s\) searched\) within 300 ms/,
      ),
    });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('stops at once when cancelled', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('activity cancelled')), 100);
    const started = Date.now();
    await expect(
      waitForProbeOutput({ ...run(), timeoutMs: 60_000 }, output(), {
        signal: controller.signal,
        intervalMs: 1_000,
      }),
    ).rejects.toThrow('activity cancelled');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('refuses output that lives inside a container', async () => {
    await expect(waitForProbeOutput(run(), output({ container: 'flink-tm' }))).rejects.toMatchObject({
      name: 'ProbeFailed',
    });
  });
});

describe('waitForProbeOutput: SQL probes', () => {
  const run = (committedAt: number): SqlProbeRun => ({
    type: 'postgres',
    rowsAffected: 18,
    startedAt: committedAt - 50,
    committedAt,
    timeoutMs: 2_000,
  });

  it('counts the rows of committed files written after the commit, and only those', async () => {
    const committedAt = Date.now();
    await part('part-0-0.csv', ['old', 'old'], committedAt - 1_000);
    await part('.part-0-1.csv.inprogress.y', ['pending']);
    await mkdir(join(dir, '2024-11-21--10'));
    await part('2024-11-21--10/part-0-1.csv', ['u1', 'u2', 'u3'], committedAt + 500);
    await part('part-1-1.csv', ['u4'], committedAt + 600);
    const found = await waitForProbeOutput(run(committedAt), output(), { intervalMs: 20, minRows: 4 });
    expect(found).toMatchObject({ type: 'postgres', rows: 4 });
    expect(found.type === 'postgres' && [...found.files].sort()).toEqual(
      [join(dir, '2024-11-21--10/part-0-1.csv'), join(dir, 'part-1-1.csv')].sort(),
    );
  });

  it('waits until the new files hold minRows rows', async () => {
    const committedAt = Date.now() - 10;
    await part('part-0-0.csv', ['a']);
    setTimeout(() => void part('part-0-1.csv', ['b', 'c']), 200);
    const found = await waitForProbeOutput(run(committedAt), output(), { intervalMs: 25, minRows: 3 });
    expect(found).toMatchObject({ rows: 3 });
    expect(found.waitedMs).toBeGreaterThanOrEqual(150);
  });

  it('ProbeNotCaptured when nothing new was committed', async () => {
    const committedAt = Date.now();
    await part('part-0-0.csv', ['old'], committedAt - 5_000);
    await expect(
      waitForProbeOutput({ ...run(committedAt), timeoutMs: 200 }, output(), { intervalMs: 50 }),
    ).rejects.toMatchObject({
      name: 'ProbeNotCaptured',
      message: expect.stringContaining('no new committed output in'),
    });
  });
});
