import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type RunSourceProbeInput,
  runSourceProbe,
  type WaitForProbeOutputInput,
  waitForProbeOutput,
} from '../../../src/activities/probes';
import type { ProbeRun } from '../../../src/probes/types';

/** The activities in Temporal's mock activity context: heartbeats, cancellation, input checks. */
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'probe-activity-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('probe activities', () => {
  it('runSourceProbe writes a marker; waitForProbeOutput heartbeats until a committed row carries it', async () => {
    const env = new MockActivityEnvironment();
    const beats: unknown[] = [];
    env.on('heartbeat', (details) => beats.push(details));
    const controlDir = join(dir, 'control');
    const input: RunSourceProbeInput = { probe: { type: 'marker', controlDir, timeout: 5_000 } };
    const run = (await env.run(runSourceProbe, input)) as ProbeRun;
    expect(run).toMatchObject({ type: 'marker', timeoutMs: 5_000 });
    if (run.type !== 'marker') throw new Error('marker run expected');
    setTimeout(() => void writeFile(join(dir, 'part-0-0.csv'), `0,1,${run.marker}\n`), 1_200);
    const wait: WaitForProbeOutputInput = { run, output: { path: dir, sequenceColumn: 0 } };
    const found = await env.run(waitForProbeOutput, wait);
    expect(found).toMatchObject({ type: 'marker', sequence: 0, file: join(dir, 'part-0-0.csv') });
    expect(beats.length).toBeGreaterThanOrEqual(2);
    expect(beats[0]).toMatchObject({ attempt: 1, files: 0, rows: 0 });
    expect(JSON.parse(JSON.stringify(found))).toEqual(found); // plain data
  });

  it('waitForProbeOutput ends promptly with CancelledFailure when the activity is cancelled', async () => {
    const env = new MockActivityEnvironment();
    const wait: WaitForProbeOutputInput = {
      run: { type: 'marker', marker: 'probe-never', writtenAt: Date.now(), timeoutMs: 60_000 },
      output: { path: dir },
    };
    setTimeout(() => env.cancel(), 300);
    const started = Date.now();
    await expect(env.run(waitForProbeOutput, wait)).rejects.toBeInstanceOf(CancelledFailure);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('rejects a malformed probe or output as InvalidClusterSpec, naming the field', async () => {
    const env = new MockActivityEnvironment();
    const inline = {
      probe: { type: 'postgres', host: 'db', database: 'x', user: 'u', password: 'inline', sql: 'x' },
    } as unknown as RunSourceProbeInput;
    await expect(env.run(runSourceProbe, inline)).rejects.toMatchObject({
      name: 'InvalidClusterSpec',
      message: expect.stringContaining('probe.password'),
    });
    const noPath = {
      run: { type: 'marker', marker: 'm', writtenAt: 0, timeoutMs: 1 },
      output: {},
    } as unknown as WaitForProbeOutputInput;
    await expect(env.run(waitForProbeOutput, noPath)).rejects.toMatchObject({
      name: 'InvalidClusterSpec',
      message: expect.stringContaining('output.path'),
    });
  });
});
