import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errorText } from '../alerts/redact';
import { ProbeFailedError } from './errors';
import type { MarkerProbeRun, MarkerProbeSpec } from './types';

/**
 * The sandbox job's probe: it copies the content of `<controlDir>/marker` into a column of every
 * row it writes (re-read every 100 ms). Writing a fresh marker and finding it in a committed row
 * proves the pipeline end to end, as the seeds' UPDATE does for a CDC source.
 */

/** The job drops commas, quotes and control characters and cuts at 64: a marker must survive that. */
export const MARKER_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/** `probe-1732170000123-9f3a1c2b`: the time it was made and 32 random bits. */
export function newMarker(now: number = Date.now(), random: string = randomBytes(4).toString('hex')): string {
  return `probe-${now}-${random}`;
}

export function isValidMarker(marker: string): boolean {
  return MARKER_PATTERN.test(marker);
}

/**
 * Writes `marker` (a new one unless given: pass the same one on a retry) to `<controlDir>/marker`
 * atomically, through a temporary file in the same directory and a rename, so the job never
 * reads half a marker. Throws `ProbeFailed` when the marker is not one the job would copy as is,
 * or when the file cannot be written.
 */
export async function runMarkerProbe(
  probe: MarkerProbeSpec,
  marker: string = newMarker(),
): Promise<MarkerProbeRun> {
  if (!isValidMarker(marker)) {
    throw new ProbeFailedError(
      `marker "${marker}" would not reach the output unchanged: use 1-64 letters, digits, ".", "_", ":" or "-"`,
    );
  }
  const target = join(probe.controlDir, 'marker');
  const temp = join(probe.controlDir, `.marker.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await mkdir(probe.controlDir, { recursive: true });
    await writeFile(temp, `${marker}\n`, { mode: 0o644 });
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw new ProbeFailedError(`cannot write the probe marker to ${target}: ${errorText(error)}`);
  }
  return { type: 'marker', marker, writtenAt: Date.now(), timeoutMs: probe.timeout };
}

export interface MarkerMatch {
  /** Index of the row in the rows given. */
  index: number;
  sequence: number | undefined;
}

/**
 * The first row whose `markerColumn` is exactly `marker`: the one with the lowest sequence number
 * when the rows have a sequence column (parallel sink files interleave), else the first in order.
 */
export function findMarker(
  rows: ReadonlyArray<readonly string[]>,
  marker: string,
  columns: { markerColumn: number; sequenceColumn?: number },
): MarkerMatch | undefined {
  let best: MarkerMatch | undefined;
  rows.forEach((row, index) => {
    if (row[columns.markerColumn]?.trim() !== marker) return;
    const raw = columns.sequenceColumn === undefined ? undefined : row[columns.sequenceColumn]?.trim();
    const sequence = raw !== undefined && /^-?\d+$/.test(raw) ? Number(raw) : undefined;
    if (!best) best = { index, sequence };
    else if (sequence !== undefined && (best.sequence === undefined || sequence < best.sequence)) {
      best = { index, sequence };
    }
  });
  return best;
}
