import { type ActivityOptions, proxyActivities } from '@temporalio/workflow';
import type * as activities from '../activities';

/**
 * How soon a worker that died in the middle of an activity is noticed, for every activity: the
 * worker's keep-alive (temporal/keep-alive.ts) heartbeats while any activity runs, so the attempt
 * is retried on another worker after this, not after its start-to-close timeout.
 */
export const WORKER_LOSS_NOTICED_WITHIN = '10s';

/** The runbooks' activities with the given timeouts and retry policy, and the heartbeat timeout above. */
export function runbookActivities(options: Omit<ActivityOptions, 'heartbeatTimeout'>) {
  return proxyActivities<typeof activities>({ ...options, heartbeatTimeout: WORKER_LOSS_NOTICED_WITHIN });
}
