import { type Severity, severityRank } from '../alerts/types';

/**
 * Whether a verdict becomes a message. Pure: no I/O, no clock (the event carries its time), the
 * input state is never mutated, and the state is small plain JSON so a workflow can carry it
 * through continue-as-new.
 *
 * - One message when an incident opens, none for its repeats, one more if it escalates
 *   (warning → critical), one when it resolves. A resolution for an incident nobody was told
 *   about sends nothing.
 * - A sliding-window rate limit over every message: at most `maxMessages` per `windowMs`.
 *   What it holds back is counted and reported in the next message that goes out.
 * - A held-back opening or escalation is not forgotten: the incident's next event tries again.
 *   A held-back resolution keeps the incident open, so the next resolved event tries again
 *   (the monitor reports `resolved` on every healthy check; extra ones are no-ops).
 */

export interface AlertPolicyConfig {
  /** Messages allowed per window, over all incidents. */
  maxMessages: number;
  windowMs: number;
  /** Open incidents remembered; beyond this the one seen longest ago is forgotten. */
  maxOpenIncidents: number;
}

export const ALERT_POLICY_DEFAULTS: AlertPolicyConfig = {
  maxMessages: 5,
  windowMs: 10 * 60_000,
  maxOpenIncidents: 100,
};

export interface OpenIncident {
  /** Latest severity seen. */
  severity: Severity;
  /** Severity people were last told about; absent while nobody has been told. */
  notified?: Severity;
  openedAt: number;
  lastSeenAt: number;
  /** Events of this incident that said nothing new. */
  repeats: number;
}

export interface AlertPolicyState {
  version: 1;
  open: Record<string, OpenIncident>;
  /** When the messages in the current window went out, oldest first; never more than maxMessages. */
  sentAt: number[];
  /** Messages held back by the rate limit since the last one that went out. */
  suppressed: number;
}

export interface VerdictEvent {
  incidentKey: string;
  severity: Severity;
  resolved?: boolean;
  /** Workflow time in ms. */
  at: number;
}

export type AlertReason =
  | 'new-incident'
  | 'escalated'
  | 'resolved'
  | 'repeat'
  | 'unknown-incident'
  | 'resolved-unnotified'
  | 'rate-limited';

export interface AlertDecision {
  send: boolean;
  reason: AlertReason;
  /** When rate-limited: what the message would have been. */
  heldBack?: 'new-incident' | 'escalated' | 'resolved';
  /** Messages held back before this one; put it in the alert (`suppressed`) when sending. */
  suppressed: number;
  state: AlertPolicyState;
}

export function initialAlertState(): AlertPolicyState {
  return { version: 1, open: {}, sentAt: [], suppressed: 0 };
}

export function decideAlert(
  state: AlertPolicyState | undefined,
  event: VerdictEvent,
  config: Partial<AlertPolicyConfig> = {},
): AlertDecision {
  const { maxMessages, windowMs, maxOpenIncidents } = normalise(config);
  const previous = state ?? initialAlertState();
  const open: Record<string, OpenIncident> = { ...previous.open };
  const sentAt = previous.sentAt.filter((t) => t > event.at - windowMs);
  const incident = open[event.incidentKey];

  const hold = (wanted: NonNullable<AlertDecision['heldBack']>): AlertDecision => ({
    send: false,
    reason: 'rate-limited',
    heldBack: wanted,
    suppressed: 0,
    state: { version: 1, open, sentAt, suppressed: previous.suppressed + 1 },
  });
  const quiet = (reason: AlertReason): AlertDecision => ({
    send: false,
    reason,
    suppressed: 0,
    state: { version: 1, open, sentAt, suppressed: previous.suppressed },
  });
  const send = (reason: 'new-incident' | 'escalated' | 'resolved'): AlertDecision => ({
    send: true,
    reason,
    suppressed: previous.suppressed,
    state: { version: 1, open, sentAt: [...sentAt, event.at].slice(-maxMessages), suppressed: 0 },
  });
  const budget = sentAt.length < maxMessages;

  if (event.resolved) {
    if (!incident) return quiet('unknown-incident');
    if (incident.notified === undefined) {
      delete open[event.incidentKey];
      return quiet('resolved-unnotified');
    }
    if (!budget) {
      open[event.incidentKey] = { ...incident, lastSeenAt: event.at };
      return hold('resolved');
    }
    delete open[event.incidentKey];
    return send('resolved');
  }

  if (!incident) {
    open[event.incidentKey] = {
      severity: event.severity,
      openedAt: event.at,
      lastSeenAt: event.at,
      repeats: 0,
      ...(budget ? { notified: event.severity } : {}),
    };
    evictOldest(open, maxOpenIncidents, event.incidentKey);
    return budget ? send('new-incident') : hold('new-incident');
  }

  const wanted =
    incident.notified === undefined
      ? 'new-incident'
      : severityRank(event.severity) > severityRank(incident.notified)
        ? 'escalated'
        : undefined;
  if (wanted === undefined) {
    open[event.incidentKey] = {
      ...incident,
      severity: event.severity,
      lastSeenAt: event.at,
      repeats: incident.repeats + 1,
    };
    return quiet('repeat');
  }
  open[event.incidentKey] = {
    ...incident,
    severity: event.severity,
    lastSeenAt: event.at,
    ...(budget ? { notified: event.severity } : {}),
  };
  return budget ? send(wanted) : hold(wanted);
}

function normalise(config: Partial<AlertPolicyConfig>): AlertPolicyConfig {
  const merged = { ...ALERT_POLICY_DEFAULTS, ...config };
  return {
    maxMessages: Math.max(1, Math.floor(merged.maxMessages)),
    windowMs: Math.max(1, merged.windowMs),
    maxOpenIncidents: Math.max(1, Math.floor(merged.maxOpenIncidents)),
  };
}

/** Keeps the state small: forgets the incidents seen longest ago, never the one just opened. */
function evictOldest(open: Record<string, OpenIncident>, max: number, keep: string): void {
  const keys = Object.keys(open);
  let excess = keys.length - max;
  if (excess <= 0) return;
  const byAge = keys
    .filter((k) => k !== keep)
    .sort((a, b) => (open[a]?.lastSeenAt ?? 0) - (open[b]?.lastSeenAt ?? 0));
  for (const key of byAge) {
    if (excess-- <= 0) break;
    delete open[key];
  }
}
