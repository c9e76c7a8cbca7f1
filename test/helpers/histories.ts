import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkflowHandle } from '@temporalio/client';
import proto from '@temporalio/proto';

const { History } = proto.temporal.api.history.v1;
type HistoryMessage = proto.temporal.api.history.v1.History;

/**
 * JSON through the same protobuf classes the client uses (the SDK's historyToJSON goes through
 * another copy of protobufjs in this install and refuses these messages): event types and enums
 * by name, 64-bit numbers as strings, payload bytes in base64.
 */
export function historyToJson(history: proto.temporal.api.history.v1.IHistory): string {
  return JSON.stringify(
    History.toObject(History.fromObject(history), { longs: String, enums: String, bytes: String }),
  );
}

export function historyFromJson(json: unknown): HistoryMessage {
  return History.fromObject(json as Record<string, unknown>);
}

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

/**
 * Saves the workflow's history so far as `<name>.json` (only when recording), with its workflow
 * id: the monitor checks its own id, so a replay must run under the id it ran under.
 */
export async function recordHistory(name: string, handle: WorkflowHandle): Promise<void> {
  if (!recordingHistories()) return;
  const history = await handle.fetchHistory();
  mkdirSync(HISTORIES_DIR, { recursive: true });
  const file = `{"workflowId":${JSON.stringify(handle.workflowId)},"history":${historyToJson(history)}}\n`;
  writeFileSync(join(HISTORIES_DIR, `${name}.json`), file);
}

export interface StoredHistory {
  name: string;
  workflowId: string;
  history: HistoryMessage;
}

export function storedHistories(dir = HISTORIES_DIR): StoredHistory[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => {
      const stored = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
        workflowId: string;
        history: unknown;
      };
      return {
        name: file.replace(/\.json$/, ''),
        workflowId: stored.workflowId,
        history: historyFromJson(stored.history),
      };
    });
}
