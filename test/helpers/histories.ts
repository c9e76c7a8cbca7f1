import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkflowHandle } from '@temporalio/client';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';

/**
 * Recorded workflow histories, replayed against the current workflow code on every test run
 * (test/fast-workflow/replay.test.ts). `npm run record-histories` runs the fast workflow tests
 * with RECORD_HISTORIES=1, and the tests that drive a runbook through a case worth keeping save
 * its history here under a name that says what it shows.
 */
export const HISTORIES_DIR = fileURLToPath(new URL('../fixtures/histories/', import.meta.url));

export function recordingHistories(): boolean {
  return process.env.RECORD_HISTORIES === '1';
}

/** Saves the workflow's history so far as `<name>.json` (only when recording). */
export async function recordHistory(name: string, handle: WorkflowHandle): Promise<void> {
  if (!recordingHistories()) return;
  const history = await handle.fetchHistory();
  mkdirSync(HISTORIES_DIR, { recursive: true });
  writeFileSync(join(HISTORIES_DIR, `${name}.json`), `${historyToJSON(history)}\n`);
}

export interface StoredHistory {
  name: string;
  history: ReturnType<typeof historyFromJSON>;
}

export function storedHistories(dir = HISTORIES_DIR): StoredHistory[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({
      name: file.replace(/\.json$/, ''),
      history: historyFromJSON(JSON.parse(readFileSync(join(dir, file), 'utf8'))),
    }));
}
