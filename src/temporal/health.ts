import type { WorkerStatus } from '@temporalio/worker';

/**
 * Whether the worker is ready: created, running, both pollers polling, and Temporal answering.
 * Pure, so the rules are table-tested; the endpoint (temporal/endpoint.ts) gathers the inputs.
 */
export type WorkerView = Pick<WorkerStatus, 'runState' | 'workflowPollerState' | 'activityPollerState'>;

/** The outcome of the latest call to Temporal's frontend. */
export type TemporalCheck = { ok: true } | { ok: false; error: string };

export interface Readiness {
  ready: boolean;
  /** Why not, for the person reading the probe's answer; empty when ready. */
  reasons: string[];
}

export function readiness(worker: WorkerView | undefined, temporal: TemporalCheck | undefined): Readiness {
  const reasons: string[] = [];
  if (!temporal) reasons.push('not connected to Temporal yet');
  else if (!temporal.ok) reasons.push(`Temporal does not answer: ${temporal.error}`);
  if (!worker) reasons.push('the worker is not created yet');
  else {
    if (worker.runState !== 'RUNNING') reasons.push(`the worker is ${worker.runState.toLowerCase()}`);
    if (worker.workflowPollerState !== 'POLLING')
      reasons.push(`the workflow poller is ${worker.workflowPollerState.toLowerCase()}`);
    if (worker.activityPollerState !== 'POLLING')
      reasons.push(`the activity poller is ${worker.activityPollerState.toLowerCase()}`);
  }
  return { ready: reasons.length === 0, reasons };
}
