import { WorkflowNotFoundError } from '@temporalio/client';
import type { MonitorStatus } from '../policy/monitor-state';
import { temporalClient } from '../temporal/client-holder';
import { monitorWorkflowId, statusQuery } from '../temporal/monitor-contract';

/**
 * The daily check asks each job's monitor for its `status` (recent verdict, restarts, budget):
 * workflows cannot query other workflows, so the question goes through here.
 */
export async function monitorStatusOf(input: {
  cluster: string;
  job: string;
}): Promise<{ monitor: 'running'; status: MonitorStatus } | { monitor: 'none' }> {
  const handle = (await temporalClient()).workflow.getHandle(monitorWorkflowId(input.cluster, input.job));
  try {
    const description = await handle.describe();
    if (description.status.name !== 'RUNNING') return { monitor: 'none' };
    const status = await handle.query(statusQuery);
    // The last look carries exceptions and more: the report needs the verdict and the restarts.
    const { lastObservation: _last, ...rest } = status;
    return { monitor: 'running', status: rest };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return { monitor: 'none' };
    throw error;
  }
}
