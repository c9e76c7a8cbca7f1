import type { WorkflowHandle } from '@temporalio/client';
import type { MonitorStatus } from '../../src/policy/monitor-state';
import { pollUntil, sleep } from '../../src/util/poll';
import { statusQuery } from '../../src/workflows/monitor-api';
import { round } from './report';

/**
 * What the benchmarks read from a running monitorJob: its status query, polled, and the changes
 * of verdict, phase and restarts over a trial (the trial's audit trail).
 */
export const monitorStatus = (handle: WorkflowHandle) => handle.query(statusQuery);

export interface TimelineEntry {
  at: number;
  verdict: string;
  phase: string;
  restarts: number;
  reason?: string;
}

/** Polls the status query every 250 ms and keeps each change of verdict, phase or restarts. */
export function recordTimeline(handle: WorkflowHandle): { entries: TimelineEntry[]; stop(): void } {
  const entries: TimelineEntry[] = [];
  let stopped = false;
  void (async () => {
    while (!stopped) {
      const s = await monitorStatus(handle).catch(() => undefined);
      const last = entries.at(-1);
      if (
        s &&
        (!last || last.verdict !== s.verdict || last.phase !== s.phase || last.restarts !== s.restarts.length)
      ) {
        entries.push({
          at: Date.now(),
          verdict: s.verdict,
          phase: s.phase,
          restarts: s.restarts.length,
          reason: s.reasons[0],
        });
      }
      await sleep(250);
    }
  })();
  return {
    entries,
    stop: () => {
      stopped = true;
    },
  };
}

export function waitStatus(
  handle: WorkflowHandle,
  test: (s: MonitorStatus) => boolean,
  what: string,
  timeoutMs: number,
) {
  return pollUntil(
    async () => {
      const s = await monitorStatus(handle);
      return test(s) ? s : undefined;
    },
    { timeoutMs, intervalMs: 250, what },
  );
}

/** The confirmed zombie verdict, or the restart it led to (whichever the poll sees first). */
export const confirmedZombie = (s: MonitorStatus) =>
  s.verdict === 'zombie' || s.phase === 'restarting' || s.restarts.length > 0;

/** Pure: how long each verdict held over [from, to], from the timeline's changes. */
export function verdictTimes(entries: TimelineEntry[], from: number, to: number): Record<string, number> {
  const out: Record<string, number> = {};
  const inWindow = entries.filter((e) => e.at <= to);
  inWindow.forEach((e, i) => {
    const start = Math.max(e.at, from);
    const end = Math.min(inWindow[i + 1]?.at ?? to, to);
    if (end > start) out[e.verdict] = round((out[e.verdict] ?? 0) + (end - start) / 1000, 1);
  });
  return out;
}
