import { describe, expect, it } from 'vitest';
import type { Severity } from '../../../src/alerts/types';
import {
  type AlertDecision,
  type AlertPolicyConfig,
  type AlertPolicyState,
  decideAlert,
  initialAlertState,
  type VerdictEvent,
} from '../../../src/policy/alert-policy';

const MIN = 60_000;

/** Short event notation: [minute, incident, severity] or [minute, incident, 'resolved']. */
type Step = [number, string, Severity | 'resolved'];

function event([minute, incidentKey, what]: Step): VerdictEvent {
  return what === 'resolved'
    ? { incidentKey, severity: 'info', resolved: true, at: minute * MIN }
    : { incidentKey, severity: what, at: minute * MIN };
}

/** Runs steps from an empty state; returns every decision. */
function run(steps: Step[], config: Partial<AlertPolicyConfig> = {}): AlertDecision[] {
  let state: AlertPolicyState = initialAlertState();
  return steps.map((step) => {
    const decision = decideAlert(state, event(step), config);
    state = decision.state;
    return decision;
  });
}

interface Case {
  name: string;
  steps: Step[];
  config?: Partial<AlertPolicyConfig>;
  /** What the last step decides. */
  send: boolean;
  reason: AlertDecision['reason'];
  /** Suppressed count carried by the last decision (when it sends). */
  suppressed?: number;
}

const table: Case[] = [
  { name: 'first incident sends', steps: [[0, 'a', 'warning']], send: true, reason: 'new-incident' },
  {
    name: 'a repeat of an open incident is suppressed',
    steps: [
      [0, 'a', 'warning'],
      [1, 'a', 'warning'],
    ],
    send: false,
    reason: 'repeat',
  },
  {
    name: 'many repeats stay suppressed',
    steps: [
      [0, 'a', 'critical'],
      [1, 'a', 'critical'],
      [2, 'a', 'critical'],
      [30, 'a', 'critical'],
    ],
    send: false,
    reason: 'repeat',
  },
  {
    name: 'resolution sends',
    steps: [
      [0, 'a', 'critical'],
      [5, 'a', 'resolved'],
    ],
    send: true,
    reason: 'resolved',
  },
  {
    name: 'resolution sends only once',
    steps: [
      [0, 'a', 'critical'],
      [5, 'a', 'resolved'],
      [6, 'a', 'resolved'],
    ],
    send: false,
    reason: 'unknown-incident',
  },
  {
    name: 'resolution of an unknown incident does not send',
    steps: [[0, 'x', 'resolved']],
    send: false,
    reason: 'unknown-incident',
  },
  {
    name: 're-open after resolution sends',
    steps: [
      [0, 'a', 'warning'],
      [5, 'a', 'resolved'],
      [6, 'a', 'warning'],
    ],
    send: true,
    reason: 'new-incident',
  },
  {
    name: 'escalation warning → critical sends',
    steps: [
      [0, 'a', 'warning'],
      [1, 'a', 'warning'],
      [2, 'a', 'critical'],
    ],
    send: true,
    reason: 'escalated',
  },
  {
    name: 'de-escalation critical → warning is a repeat',
    steps: [
      [0, 'a', 'critical'],
      [1, 'a', 'warning'],
    ],
    send: false,
    reason: 'repeat',
  },
  {
    name: 'back up to a severity already told about is a repeat',
    steps: [
      [0, 'a', 'critical'],
      [1, 'a', 'warning'],
      [2, 'a', 'critical'],
    ],
    send: false,
    reason: 'repeat',
  },
  {
    name: 'distinct incidents each send',
    steps: [
      [0, 'a', 'warning'],
      [0, 'b', 'warning'],
    ],
    send: true,
    reason: 'new-incident',
  },
  {
    name: 'rate limit holds back the message past the limit',
    config: { maxMessages: 2, windowMs: 10 * MIN },
    steps: [
      [0, 'a', 'warning'],
      [1, 'b', 'warning'],
      [2, 'c', 'warning'],
    ],
    send: false,
    reason: 'rate-limited',
  },
  {
    name: 'window rollover allows again and reports what was held back',
    config: { maxMessages: 2, windowMs: 10 * MIN },
    steps: [
      [0, 'a', 'warning'],
      [1, 'b', 'warning'],
      [2, 'c', 'warning'],
      [3, 'd', 'warning'],
      [11, 'e', 'warning'],
    ],
    send: true,
    reason: 'new-incident',
    suppressed: 2,
  },
  {
    name: 'the window slides: only messages older than the window free a slot',
    config: { maxMessages: 2, windowMs: 10 * MIN },
    steps: [
      [0, 'a', 'warning'],
      [9, 'b', 'warning'],
      [10, 'c', 'warning'],
      [18, 'd', 'warning'],
    ],
    send: false,
    reason: 'rate-limited',
  },
  {
    name: 'a held-back incident is retried on its next event',
    config: { maxMessages: 1, windowMs: 10 * MIN },
    steps: [
      [0, 'a', 'warning'],
      [1, 'b', 'critical'],
      [11, 'b', 'critical'],
    ],
    send: true,
    reason: 'new-incident',
    suppressed: 1,
  },
  {
    name: 'a held-back escalation is retried on the next event',
    config: { maxMessages: 2, windowMs: 10 * MIN },
    steps: [
      [0, 'a', 'warning'],
      [1, 'b', 'warning'],
      [2, 'a', 'critical'],
      [12, 'a', 'critical'],
    ],
    send: true,
    reason: 'escalated',
    suppressed: 1,
  },
  {
    name: 'resolution of an incident nobody was told about stays quiet',
    config: { maxMessages: 1, windowMs: 10 * MIN },
    steps: [
      [0, 'a', 'warning'],
      [1, 'b', 'warning'],
      [2, 'b', 'resolved'],
    ],
    send: false,
    reason: 'resolved-unnotified',
  },
  {
    name: 'a held-back resolution goes out on a later resolved event',
    config: { maxMessages: 2, windowMs: 10 * MIN },
    steps: [
      [0, 'a', 'warning'],
      [1, 'b', 'warning'],
      [2, 'a', 'resolved'],
      [11, 'a', 'resolved'],
    ],
    send: true,
    reason: 'resolved',
    suppressed: 1,
  },
  {
    name: 'repeats are not counted as held back',
    config: { maxMessages: 1, windowMs: 10 * MIN },
    steps: [
      [0, 'a', 'warning'],
      [1, 'a', 'warning'],
      [2, 'a', 'warning'],
      [20, 'b', 'warning'],
    ],
    send: true,
    reason: 'new-incident',
    suppressed: 0,
  },
];

describe('alert policy', () => {
  it('has at least 15 table cases', () => {
    expect(table.length).toBeGreaterThanOrEqual(15);
  });

  it.each(table)('$name', ({ steps, config, send, reason, suppressed }) => {
    const last = run(steps, config).at(-1);
    expect(last?.send).toBe(send);
    expect(last?.reason).toBe(reason);
    if (suppressed !== undefined) expect(last?.suppressed).toBe(suppressed);
  });

  it('turns a flood of 100 verdicts in a minute into at most the limit, then tells how many were held back', () => {
    const severities: Severity[] = ['warning', 'critical', 'info'];
    const steps: Step[] = Array.from({ length: 100 }, (_, i) => [
      i * 0.01, // 600 ms apart: 100 verdicts within one minute
      `incident-${i % 37}`,
      severities[i % 3] as Severity,
    ]);
    const decisions = run(steps);
    const sent = decisions.filter((d) => d.send);
    expect(sent.length).toBeLessThanOrEqual(5);
    expect(sent.length).toBe(5);
    const state = decisions.at(-1)?.state as AlertPolicyState;
    expect(state.sentAt.length).toBeLessThanOrEqual(5);
    expect(state.suppressed).toBeGreaterThan(0);
    const next = decideAlert(state, { incidentKey: 'later', severity: 'critical', at: 20 * MIN });
    expect(next.send).toBe(true);
    expect(next.suppressed).toBe(state.suppressed);
    expect(next.state.suppressed).toBe(0);
  });

  it('never mutates the state it is given and keeps it plain JSON', () => {
    const state = run([[0, 'a', 'warning']])[0]?.state as AlertPolicyState;
    const frozen = JSON.parse(JSON.stringify(state));
    decideAlert(state, { incidentKey: 'a', severity: 'critical', at: MIN });
    decideAlert(state, { incidentKey: 'a', severity: 'info', resolved: true, at: MIN });
    expect(state).toEqual(frozen);
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
  });

  it('stays small: forgets the incidents seen longest ago beyond maxOpenIncidents', () => {
    const steps: Step[] = Array.from({ length: 50 }, (_, i) => [i, `k${i}`, 'warning']);
    const state = run(steps, { maxOpenIncidents: 10 }).at(-1)?.state as AlertPolicyState;
    expect(Object.keys(state.open)).toHaveLength(10);
    expect(state.open.k49).toBeDefined();
    expect(state.open.k0).toBeUndefined();
  });

  it('starts from nothing when given no state', () => {
    expect(decideAlert(undefined, { incidentKey: 'a', severity: 'info', at: 0 }).send).toBe(true);
  });
});
