import type { Alert, Severity, WorkflowRef } from '../alerts/types';
import { diskCritical } from './disk';
import type { Verdict } from './monitor-state';

/** Pure: the alerts a monitor sends, one incident per job's health and one for its restart budget. */
export function severityOf(verdict: Verdict): Severity {
  if (verdict === 'zombie' || verdict === 'failed' || verdict === 'no-leader') return 'critical';
  if (verdict === 'degraded' || verdict === 'unknown') return 'warning';
  return 'info';
}

export const healthIncident = (cluster: string, job: string) => `${cluster}/${job}/health`;
export const budgetIncident = (cluster: string, job: string) => `${cluster}/${job}/restart-budget`;

const TITLES: Record<Verdict, string> = {
  healthy: 'healthy again',
  idle: 'healthy again (source idle)',
  degraded: 'degraded',
  zombie: 'zombie: RUNNING but making no progress',
  failed: 'failed',
  'no-leader': 'no JobManager leader',
  unknown: 'cannot be observed',
};

export function healthAlert(input: {
  cluster: string;
  job: string;
  verdict: Verdict;
  reasons: string[];
  action?: string;
  at: number;
  workflow: WorkflowRef;
}): Alert {
  const resolved = input.verdict === 'healthy' || input.verdict === 'idle';
  return {
    // A critically full disk makes a degraded job's alert critical: checkpoints fail next.
    severity:
      input.verdict === 'degraded' && diskCritical(input.reasons) ? 'critical' : severityOf(input.verdict),
    cluster: input.cluster,
    job: input.job,
    verdict: input.verdict,
    title: `${input.cluster}/${input.job} ${TITLES[input.verdict]}`,
    summary: input.reasons.join('; ') || input.verdict,
    action: input.action,
    incidentKey: healthIncident(input.cluster, input.job),
    resolved,
    at: input.at,
    workflow: input.workflow,
  };
}

export function budgetAlert(input: {
  cluster: string;
  job: string;
  reason: string;
  resolved?: boolean;
  at: number;
  workflow: WorkflowRef;
}): Alert {
  return {
    severity: 'critical',
    cluster: input.cluster,
    job: input.job,
    verdict: input.resolved ? 'healthy' : 'restart-budget-exhausted',
    title: input.resolved
      ? `${input.cluster}/${input.job} recovered after escalation`
      : `${input.cluster}/${input.job}: automatic recovery gave up`,
    summary: input.reason,
    action: input.resolved
      ? 'The monitor acts on its own again.'
      : 'The monitor stopped restarting the job. A person must look.',
    incidentKey: budgetIncident(input.cluster, input.job),
    resolved: input.resolved,
    at: input.at,
    workflow: input.workflow,
  };
}
