import { ApplicationFailure, upsertSearchAttributes } from '@temporalio/workflow';
import { clusterRefSchema, inputIssues } from '../config/input';
import type { ClusterRef } from '../config/load';
import { type ClusterStatusSummary, summarizeCluster } from '../policy/cluster-summary';
import { SA } from '../shared';
import { probeJobManagers, resolveCluster } from './activities';

/**
 * The on-call engineer's first look: which cluster is this, do both JobManagers answer,
 * how many TaskManagers and slots are there. Start it from the UI with {"cluster": "realtime-pipeline"}.
 */
export async function clusterStatus(input: ClusterRef): Promise<ClusterStatusSummary> {
  rejectBadInput(clusterRefSchema, input);
  upsertSearchAttributes([
    { key: SA.cluster, value: input.cluster },
    { key: SA.runbook, value: 'cluster-status' },
  ]);

  const cluster = await resolveCluster(input);
  const jobManagers = await probeJobManagers(cluster.jobManagers);
  return summarizeCluster(cluster, jobManagers);
}

export function rejectBadInput(schema: Parameters<typeof inputIssues>[0], input: unknown): void {
  const issues = inputIssues(schema, input);
  if (issues.length > 0) {
    throw ApplicationFailure.nonRetryable(
      `invalid input: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`,
      'InvalidInput',
      issues,
    );
  }
}
