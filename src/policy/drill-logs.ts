import type { MilestoneName, Milestones } from './drill-timeline';

/**
 * Pure: Flink's own account of a failover, read from the JobManager's log, set against what the
 * drill measured. The log's timestamps (`2026-11-21 06:29:06,893`, the container's local time)
 * are Flink's record of when leadership was granted and when the job switched state.
 */
export type FlinkLogEvent =
  | { kind: 'rest-leadership'; at: number; url: string; sessionId: string; line: string }
  | { kind: 'job-state'; at: number; jobId: string; from: string; to: string; line: string };

const STAMP = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})[,.](\d{3})\s/;
const REST_GRANTED = /\s-\s(\S+) was granted leadership with leaderSessionID=([0-9a-f-]{36})/;
const JOB_STATE = /\s-\s.*\(([0-9a-f]{32})\) switched from state (\w+) to (\w+)\./;

/** `+0800` → 480; anything unreadable is taken as UTC. */
export function utcOffsetMinutes(text: string): number {
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(text.trim());
  if (!m) return 0;
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  return m[1] === '-' ? -minutes : minutes;
}

/** The leadership grants and job state switches in a JobManager's log, with their times. */
export function parseFlinkLog(text: string, offsetMinutes = 0): FlinkLogEvent[] {
  const events: FlinkLogEvent[] = [];
  for (const line of text.split('\n')) {
    const stamp = STAMP.exec(line);
    if (!stamp) continue;
    const [, y, mo, d, h, mi, s, ms] = stamp.map(Number) as number[];
    const at = Date.UTC(y as number, (mo as number) - 1, d, h, mi, s, ms) - offsetMinutes * 60_000;
    const granted = REST_GRANTED.exec(line);
    if (granted) {
      events.push({
        kind: 'rest-leadership',
        at,
        url: granted[1] as string,
        sessionId: granted[2] as string,
        line,
      });
      continue;
    }
    const state = JOB_STATE.exec(line);
    if (state)
      events.push({
        kind: 'job-state',
        at,
        jobId: state[1] as string,
        from: state[2] as string,
        to: state[3] as string,
        line,
      });
  }
  return events;
}

export interface LogCheck {
  milestone: MilestoneName;
  /** When the drill saw it. */
  seenAt: number;
  /** When Flink logged it. */
  loggedAt: number;
  /** seenAt − loggedAt: how far behind Flink's own record the drill's observation was. */
  deltaMs: number;
  container: string;
  line: string;
}

/**
 * Pairs milestones with the log lines that record the same moment: the new leader's
 * "<url> was granted leadership with leaderSessionID=<session>", and the first
 * "Job … (<id>) switched from state … to RUNNING" (for a TaskManager, the switch away from
 * RUNNING, too) after the fault.
 */
export function matchLogEvidence(input: {
  milestones: Milestones;
  jobId: string;
  newSessionId?: string;
  container: string;
  events: FlinkLogEvent[];
}): LogCheck[] {
  const { milestones: m, events } = input;
  const fault = m['fault-injected']?.at;
  if (fault === undefined) return [];
  const checks: LogCheck[] = [];
  const check = (milestone: MilestoneName, event: FlinkLogEvent | undefined) => {
    const seen = m[milestone];
    if (!seen || !event) return;
    checks.push({
      milestone,
      seenAt: seen.seenAt,
      loggedAt: event.at,
      deltaMs: seen.seenAt - event.at,
      container: input.container,
      line: event.line.trim(),
    });
  };
  const after = events.filter((e) => e.at >= fault - 1_000);
  check(
    'new-leader-elected',
    after.find(
      (e) => e.kind === 'rest-leadership' && (!input.newSessionId || e.sessionId === input.newSessionId),
    ),
  );
  const jobEvents = after.filter(
    (e): e is Extract<FlinkLogEvent, { kind: 'job-state' }> =>
      e.kind === 'job-state' && e.jobId === input.jobId,
  );
  check(
    'failure-detected',
    jobEvents.find((e) => e.from === 'RUNNING' && e.to !== 'RUNNING'),
  );
  check(
    'job-restored',
    jobEvents.find((e) => e.to === 'RUNNING' && e.at >= fault),
  );
  return checks;
}
