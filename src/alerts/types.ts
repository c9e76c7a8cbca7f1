import type { AlertChannel } from '../config/schema';
import { FAILURE } from '../temporal/failure-types';

/**
 * What a runbook tells people. Plain and serialisable: a workflow builds it and passes it to the
 * `sendAlert` activity, so it must never hold a secret. Imports only the failure names at run
 * time, so workflow code may import it.
 */
export type Severity = 'info' | 'warning' | 'critical';

export const SEVERITIES: readonly Severity[] = ['info', 'warning', 'critical'];

/** Failure types of `sendAlert` no retry can fix (for `nonRetryableErrorTypes`). */
export const ALERT_ERROR_TYPES = [FAILURE.InvalidAlert] as const;

/** 0 for info, 1 for warning, 2 for critical. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/** One labelled fact shown with the alert, e.g. {label: 'Last committed file', value: '7m ago'}. */
export interface AlertDetail {
  label: string;
  value: string;
}

/** The workflow that raised the alert; the activity turns it into a Temporal UI link. */
export interface WorkflowRef {
  namespace: string;
  /** Without it the link lists the cluster's runbooks instead of one workflow. */
  workflowId?: string;
  runId?: string;
}

export interface Alert {
  severity: Severity;
  cluster: string;
  job?: string;
  /** The evaluator's verdict, e.g. 'zombie', 'checkpoint-failing', 'healthy'. */
  verdict: string;
  /** One line; becomes the subject or header. */
  title: string;
  /** A few sentences: what was observed. */
  summary: string;
  details?: AlertDetail[];
  /** What the runbook did or will do, e.g. "Restarting from the latest checkpoint (attempt 2 of 3)". */
  action?: string;
  /** Same key for every alert about the same incident; the dedup policy keys on it. */
  incidentKey: string;
  /** True when this message says the incident is over. */
  resolved?: boolean;
  /** When the verdict was reached, in ms since the epoch (workflow time). The activity fills it in when absent. */
  at?: number;
  workflow?: WorkflowRef;
  /** Alerts held back by the rate limit since the last message that went out (from the alert policy). */
  suppressed?: number;
}

export interface SendAlertInput {
  alert: Alert;
  /** The cluster spec's channels: secret references only, resolved inside the activity. */
  channels: AlertChannel[];
  /** Per-channel limits; defaults 10 s per attempt, 3 attempts, 1 s before the first retry. */
  delivery?: DeliverySettings;
}

export interface DeliverySettings {
  /** Longest one attempt on one channel may take (at most 60 s). */
  timeoutMs?: number;
  /** Attempts per channel, the first included (at most 5). */
  maxAttempts?: number;
  /** Pause before the first retry, doubled for each later one (at most 10 s). */
  backoffMs?: number;
}

/**
 * What happened on one channel. `ok` means delivered; `outcome` tells a skip from a failure.
 * Never contains a secret: errors are redacted before they are put here.
 */
export interface ChannelOutcome {
  /** `type/name` for a named channel, else `type[index]` (its position in the spec's alerts list). */
  channel: string;
  type: AlertChannel['type'];
  outcome: 'sent' | 'failed' | 'skipped';
  ok: boolean;
  attempts: number;
  /** Last HTTP status, or SMTP reply code. */
  status?: number;
  error?: string;
  /** Why a channel was skipped. */
  note?: string;
  durationMs: number;
}
