import { readFile } from 'node:fs/promises';
import { errorText } from '../alerts/redact';
import { listOutput, type OutputFile } from '../output/files';
import { ProbeFailedError, ProbeNotCapturedError } from './errors';
import { findMarker } from './marker';
import type {
  MarkerCapture,
  MarkerProbeRun,
  OutputSpec,
  ProbeCapture,
  ProbeRun,
  SqlCapture,
  SqlProbeRun,
} from './types';

/**
 * After a probe, watch the output directory until committed output proves the change arrived:
 * - marker probe: a committed row whose marker column is the marker;
 * - SQL probe: committed files written after the commit, with at least `minRows` rows between
 *   them. CDC's rows cannot be recognised here (their content depends on the pipeline), so this
 *   says "new output after the change", not "this change's rows".
 * Bounded by the timeout (the probe spec's `timeout` unless given; at most 30 minutes) and by a
 * count of attempts. Throws `ProbeNotCaptured` when nothing arrived in time.
 */

export const WAIT_LIMITS = { maxTimeoutMs: 30 * 60_000, defaultIntervalMs: 500, minIntervalMs: 10 } as const;
/** The sandbox job writes `seq,emitted_at_ms,marker[,v2]`. */
export const DEFAULT_MARKER_COLUMN = 2;
/** Kernel file times run a little behind the wall clock; a file written after the probe is never older than this. */
const MTIME_SLACK_MS = 2_000;

export interface WaitProgress {
  attempt: number;
  waitedMs: number;
  /** Committed files written since the probe, and their rows (SQL), or files searched (marker). */
  files: number;
  rows: number;
}

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Marker probe: the column that carries the marker; default 2 (the sandbox job's third). */
  markerColumn?: number;
  /** SQL probe: rows the new files must hold between them; default 1. */
  minRows?: number;
  /** Called after every look, with details free of secrets (an activity heartbeats here). */
  heartbeat?: (progress: WaitProgress) => void;
  /** Aborting ends the wait at once with the signal's reason. */
  signal?: AbortSignal;
  /** How to wait between looks; default a timer that the signal cuts short. */
  sleep?: (ms: number) => Promise<void>;
}

interface Look {
  check(): Promise<ProbeCapture | undefined>;
  progress(): { files: number; rows: number };
}

export async function waitForProbeOutput(
  run: ProbeRun,
  output: Pick<OutputSpec, 'path' | 'pattern' | 'container' | 'sequenceColumn'>,
  options: WaitOptions = {},
): Promise<ProbeCapture> {
  if (output.container) {
    throw new ProbeFailedError(
      `the output is inside container ${output.container}; the probe reads it from the worker's file system only`,
    );
  }
  const timeoutMs = clamp(options.timeoutMs ?? run.timeoutMs, 1, WAIT_LIMITS.maxTimeoutMs);
  const intervalMs = clamp(
    options.intervalMs ?? WAIT_LIMITS.defaultIntervalMs,
    WAIT_LIMITS.minIntervalMs,
    timeoutMs,
  );
  const maxAttempts = Math.ceil(timeoutMs / intervalMs) + 2;
  const started = Date.now();
  const deadline = started + timeoutMs;
  const sleep = options.sleep ?? ((ms: number) => abortableSleep(ms, options.signal));
  const look =
    run.type === 'marker'
      ? lookForMarker(run, output, options.markerColumn ?? DEFAULT_MARKER_COLUMN, started)
      : lookForNewFiles(run, output, options.minRows ?? 1, started);

  let lastError: string | undefined;
  let attempt = 0;
  while (attempt < maxAttempts) {
    attempt++;
    throwIfAborted(options.signal);
    try {
      const found = await look.check();
      if (found) return found;
      lastError = undefined;
    } catch (error) {
      lastError = errorText(error);
    }
    options.heartbeat?.({ attempt, waitedMs: Date.now() - started, ...look.progress() });
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    await sleep(Math.min(intervalMs, remaining));
  }
  const seen = look.progress();
  const what =
    run.type === 'marker'
      ? `marker ${run.marker} in no committed row of ${output.path} (${seen.files} new file(s) searched)`
      : `no new committed output in ${output.path} after the ${run.type} probe's commit` +
        ` (${seen.files} file(s), ${seen.rows} row(s) seen)`;
  throw new ProbeNotCapturedError(
    `${what} within ${timeoutMs} ms, ${attempt} look(s)${lastError ? `; last error: ${lastError}` : ''}`,
  );
}

/** Committed files last written after `since`, oldest first. */
async function committedSince(
  output: Pick<OutputSpec, 'path' | 'pattern'>,
  since: number,
): Promise<OutputFile[]> {
  const { committed } = await listOutput(output.path, output.pattern ?? '*.csv');
  return committed.filter((file) => file.mtimeMs > since);
}

/** Rows per file already read; committed part files do not change, so a file is read again only if its size did. */
class FileCache {
  private readonly files = new Map<string, { size: number; rows: number }>();

  /** The rows of `file` when it is new or changed since the last look, else undefined. */
  async read(file: OutputFile): Promise<string[][] | undefined> {
    if (this.files.get(file.path)?.size === file.size) return undefined;
    const rows = await readRows(file.path);
    this.files.set(file.path, { size: file.size, rows: rows.length });
    return rows;
  }

  paths(): string[] {
    return [...this.files.keys()];
  }

  progress(): { files: number; rows: number } {
    let rows = 0;
    for (const file of this.files.values()) rows += file.rows;
    return { files: this.files.size, rows };
  }
}

async function readRows(path: string): Promise<string[][]> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return ''; // cleaned up since the listing
    throw error;
  });
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => line.split(','));
}

function lookForMarker(
  run: MarkerProbeRun,
  output: Pick<OutputSpec, 'path' | 'pattern' | 'sequenceColumn'>,
  markerColumn: number,
  started: number,
): Look {
  const cache = new FileCache();
  return {
    progress: () => cache.progress(),
    async check() {
      let best: { file: string; sequence: number | undefined } | undefined;
      // A row carrying the marker is written after the marker: older files cannot hold one.
      for (const file of await committedSince(output, run.writtenAt - MTIME_SLACK_MS)) {
        const fileRows = await cache.read(file);
        if (!fileRows) continue;
        const match = findMarker(fileRows, run.marker, {
          markerColumn,
          sequenceColumn: output.sequenceColumn,
        });
        if (!match) continue;
        const earlier =
          !best ||
          (match.sequence !== undefined && (best.sequence === undefined || match.sequence < best.sequence));
        if (earlier) best = { file: file.path, sequence: match.sequence };
      }
      if (!best) return undefined;
      const now = Date.now();
      const capture: MarkerCapture = {
        type: 'marker',
        marker: run.marker,
        sequence: best.sequence,
        file: best.file,
        arrivedAfterMs: now - run.writtenAt,
        waitedMs: now - started,
      };
      return capture;
    },
  };
}

function lookForNewFiles(
  run: SqlProbeRun,
  output: Pick<OutputSpec, 'path' | 'pattern'>,
  minRows: number,
  started: number,
): Look {
  const cache = new FileCache();
  return {
    progress: () => cache.progress(),
    async check() {
      // Last written after the commit: CDC cannot have written the change before it was committed.
      for (const file of await committedSince(output, run.committedAt)) await cache.read(file);
      const { files, rows } = cache.progress();
      if (files === 0 || rows < Math.max(1, minRows)) return undefined;
      const now = Date.now();
      const capture: SqlCapture = {
        type: run.type,
        files: cache.paths(),
        rows,
        arrivedAfterMs: now - run.committedAt,
        waitedMs: now - started,
      };
      return capture;
    },
  };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Number.isFinite(value) ? value : min));
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('wait cancelled');
}

function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort() {
      clearTimeout(timer);
      reject(signal?.reason instanceof Error ? signal.reason : new Error('wait cancelled'));
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
