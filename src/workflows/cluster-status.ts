import { upsertSearchAttributes } from '@temporalio/workflow';
import { clusterRefSchema } from '../config/input';
import type { ClusterRef } from '../config/load';
import { type ClusterStatusSummary, summarizeCluster } from '../policy/cluster-summary';
import { SA } from '../shared';
import { probeJobManagers, resolveCluster } from './activities';
import { rejectBadInput } from './input';

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
  const jobManagers = await probeJobManagers(cluster.jobManagers, cluster.rest);
  return summarizeCluster(cluster, jobManagers);
}
