import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findMarker, isValidMarker, newMarker, runMarkerProbe } from '../../../src/probes/marker';

describe('newMarker', () => {
  it('is probe-<ms>-<8 hex> and survives the job sanitising it', () => {
    expect(newMarker(1_732_170_000_123, '9f3a1c2b')).toBe('probe-1732170000123-9f3a1c2b');
    const marker = newMarker();
    expect(marker).toMatch(/^probe-\d{13}-[0-9a-f]{8}$/);
    expect(isValidMarker(marker)).toBe(true);
  });

  it('is fresh every time', () => {
    const markers = new Set(Array.from({ length: 1000 }, () => newMarker(42)));
    expect(markers.size).toBe(1000);
  });
});

describe('isValidMarker: only what the job copies unchanged', () => {
  it.each([
    ['probe-7', true],
    ['probe-1732170000123-9f3a1c2b', true],
    ['wf:drill.2024_11_21', true],
    ['x'.repeat(64), true],
    ['x'.repeat(65), false],
    ['', false],
    ['with,comma', false],
    ['with"quote', false],
    ['with space', false],
    ['line\nbreak', false],
    [' leading', false],
    ['-leading-dash', false],
  ])('%j -> %s', (marker, valid) => {
    expect(isValidMarker(marker)).toBe(valid);
  });
});

describe('findMarker: the row that proves the marker arrived', () => {
  const columns = { markerColumn: 2, sequenceColumn: 0 };
  const rows = [
    ['40', '1732170000100', ''],
    ['41', '1732170000150', 'probe-old'],
    ['43', '1732170000250', 'probe-new'],
    ['42', '1732170000200', 'probe-new'],
    ['44', '1732170000300', 'probe-new', 'v2'],
  ];

  it('picks the lowest sequence number among the matching rows (parallel files interleave)', () => {
    expect(findMarker(rows, 'probe-new', columns)).toEqual({ index: 3, sequence: 42 });
  });

  it('matches the whole column, not a prefix or substring', () => {
    expect(findMarker(rows, 'probe', columns)).toBeUndefined();
    expect(findMarker(rows, 'probe-ne', columns)).toBeUndefined();
    expect(findMarker([['1', '2', 'xprobe-new']], 'probe-new', columns)).toBeUndefined();
  });

  it('reads the marker from the column it is told, and tolerates a trailing \\r', () => {
    expect(findMarker([['probe-new\r', '9']], 'probe-new', { markerColumn: 0, sequenceColumn: 1 })).toEqual({
      index: 0,
      sequence: 9,
    });
  });

  it('takes the first match when there is no sequence column', () => {
    expect(findMarker(rows, 'probe-new', { markerColumn: 2 })).toEqual({ index: 2, sequence: undefined });
  });

  it('ignores short rows and an unparsable sequence', () => {
    expect(findMarker([['1'], ['x', '0', 'm']], 'm', columns)).toEqual({ index: 1, sequence: undefined });
    expect(findMarker([], 'm', columns)).toBeUndefined();
  });
});

describe('runMarkerProbe: writes the marker atomically', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'marker-probe-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('replaces <controlDir>/marker and leaves no temporary file behind', async () => {
    const controlDir = join(dir, 'control');
    const first = await runMarkerProbe({ type: 'marker', controlDir, timeout: 60_000 });
    expect(first).toMatchObject({ type: 'marker', timeoutMs: 60_000 });
    expect(await readFile(join(controlDir, 'marker'), 'utf8')).toBe(`${first.marker}\n`);

    const before = Date.now();
    const second = await runMarkerProbe({ type: 'marker', controlDir, timeout: 60_000 }, 'probe-retry-1');
    expect(second.marker).toBe('probe-retry-1');
    expect(second.writtenAt).toBeGreaterThanOrEqual(before);
    expect(await readFile(join(controlDir, 'marker'), 'utf8')).toBe('probe-retry-1\n');
    expect(await readdir(controlDir)).toEqual(['marker']);
  });

  it('refuses a marker the job would alter, and an unwritable directory, as ProbeFailed', async () => {
    const probe = { type: 'marker' as const, controlDir: dir, timeout: 1_000 };
    await expect(runMarkerProbe(probe, 'a,b')).rejects.toMatchObject({ name: 'ProbeFailed' });
    await writeFile(join(dir, 'a-file'), '');
    const blocked = { ...probe, controlDir: join(dir, 'a-file', 'control') }; // ENOTDIR, even as root
    await expect(runMarkerProbe(blocked)).rejects.toMatchObject({
      name: 'ProbeFailed',
      message: expect.stringContaining('cannot write the probe marker'),
    });
  });
});
