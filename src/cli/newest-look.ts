import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { formatDuration } from '../config/duration';
import type { MonitorStatus, Verdict } from '../policy/monitor-state';

/**
 * The monitor's newest look at its job. The `status` query answers with the last verdict the
 * watch *reported*, which a healthy watch does only every 30 minutes; the look it took a few
 * seconds ago is in the pending `watchJob` activity's heartbeat details (src/activities/watch.ts),
 * which describe() returns without adding anything to the history.
 */
export interface Look {
  /** When the look was taken (its figures, e.g. "completed 2s ago", are as of then). */
  at: number;
  verdict?: Verdict;
  reasons: string[];
  jobState?: string;
  /** `watch`: the running watch's heartbeat; `report`: the last observation the watch returned. */
  source: 'watch' | 'report';
  /**
   * A beat from the middle of a look (e.g. `source` while the source database is asked): the
   * watch is alive, and the look's figures come with the next beat.
   */
  looking?: string;
}

/** A look may take this long after its interval (REST and ZooKeeper time-outs) before it is late. */
export const LOOK_ALLOWANCE_MS = 15_000;

interface WatchHeartbeat {
  at?: unknown;
  verdict?: Verdict;
  reasons?: unknown;
  jobState?: string;
  looking?: unknown;
}

/** The look in a watch's heartbeat details; undefined when they carry none. */
export function lookFromHeartbeat(details: WatchHeartbeat | undefined): Look | undefined {
  if (typeof details?.at !== 'number') return undefined;
  const look: Look = {
    at: details.at,
    verdict: details.verdict,
    reasons: Array.isArray(details.reasons) ? details.reasons.map(String) : [],
    jobState: details.jobState,
    source: 'watch',
  };
  if (!details.verdict && typeof details.looking === 'string') look.looking = details.looking;
  return look;
}

/** The running watch's latest heartbeat, decoded as the client decodes everything (payload codec included). */
export async function watchHeartbeat(client: Client, workflowId: string): Promise<Look | undefined> {
  const description = await client.workflow.getHandle(workflowId).describe();
  const pending = description.raw.pendingActivities?.find((a) => a.activityType?.name === 'watchJob');
  const payloads = pending?.heartbeatDetails?.payloads;
  if (!payloads?.length) return undefined;
  const { payloadCodecs, payloadConverter } = client.options.loadedDataConverter;
  let decoded = payloads as Payload[];
  for (const codec of [...payloadCodecs].reverse()) decoded = await codec.decode(decoded);
  return lookFromHeartbeat(decoded[0] && payloadConverter.fromPayload<WatchHeartbeat>(decoded[0]));
}

/** The heartbeat when a watch runs, else the observation the last watch reported. */
export function newestLook(heartbeat: Look | undefined, status: MonitorStatus): Look | undefined {
  const reported = status.lastObservation;
  if (heartbeat && (!reported || heartbeat.at >= reported.at)) return heartbeat;
  if (!reported) return undefined;
  return { at: reported.at, jobState: reported.jobState, reasons: status.reasons, source: 'report' };
}

export interface LookAge {
  ageMs: number;
  /** Older than one monitor interval (plus the allowance for the look itself). */
  late: boolean;
}

export function lookAge(look: Look, intervalMs: number, now: number): LookAge {
  const ageMs = Math.max(0, now - look.at);
  return { ageMs, late: ageMs > intervalMs + LOOK_ALLOWANCE_MS };
}

/** The lines `monitor status` prints about the newest look. */
export function describeLook(
  look: Look | undefined,
  /** Absent when the monitor did not answer its status query. */
  status: Pick<MonitorStatus, 'verdict'> | undefined,
  intervalMs: number,
  now: number,
): string[] {
  if (!look) {
    return status
      ? ['  newest look: none yet (the monitor has not looked at the job)']
      : ['  newest look: not known (no watch is running, and only a worker answers the status query)'];
  }
  const { ageMs, late } = lookAge(look, intervalMs, now);
  if (look.looking) {
    return [
      `  newest look: under way, the watch is looking at the ${look.looking} (beat ${formatDuration(ageMs)} ago); its figures come when the look ends`,
      ...(late
        ? [
            `  that beat is older than one monitor interval (${formatDuration(intervalMs)}): the monitor is not looking; is its worker running?`,
          ]
        : []),
    ];
  }
  const what = [look.verdict, look.jobState && `job ${look.jobState}`].filter(Boolean).join(', ');
  const lines = [
    `  newest look ${formatDuration(ageMs)} ago${what ? `: ${what}` : ''}${
      look.source === 'report' ? ' (the last one the watch reported; none running now)' : ''
    }`,
  ];
  if (status && look.verdict && look.verdict !== status.verdict) {
    lines.push(`    (${look.verdict} seen, not confirmed yet: a verdict counts when seen twice in a row)`);
  }
  lines.push(...look.reasons.map((r) => `    - ${r}`));
  if (late) {
    lines.push(
      `  these figures are older than one monitor interval (${formatDuration(intervalMs)}): the monitor is not looking; is its worker running?`,
    );
  }
  return lines;
}

/** When the status query goes unanswered (no worker polls): the watch's last heartbeat, and its age. */
export function describeUnanswered(
  workflowId: string,
  message: string,
  look: Look | undefined,
  intervalMs: number,
  now: number,
): string {
  const lines = [`${workflowId}: the monitor does not answer: ${message}`];
  return [...lines, ...describeLook(look, undefined, intervalMs, now)].join('\n');
}
