import type { Alert } from '../../../src/alerts/types';

/** A zombie-job alert as the monitor would raise it. */
export function zombieAlert(overrides: Partial<Alert> = {}): Alert {
  return {
    severity: 'critical',
    cluster: 'realtime-pipeline',
    job: 'realtime-data-pipeline',
    verdict: 'zombie',
    title: 'Job is RUNNING but has written nothing for 7 minutes',
    summary: 'No committed file in /data/output since 02:53 and the last 3 checkpoints failed.',
    details: [
      { label: 'Last committed file', value: '7m ago' },
      { label: 'Failed checkpoints', value: '3' },
    ],
    action: 'Restarting the job from the latest checkpoint (restart 1 of 3).',
    incidentKey: 'realtime-pipeline/realtime-data-pipeline/zombie',
    at: Date.UTC(2025, 5, 1, 3, 0, 0),
    workflow: { namespace: 'default', workflowId: 'monitor-realtime-pipeline', runId: 'run-1' },
    ...overrides,
  };
}

export const LINK =
  'http://127.0.0.1:8233/namespaces/default/workflows/monitor-realtime-pipeline/run-1/history';
