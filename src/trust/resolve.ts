import { dirname } from 'node:path';
import { ClustersFileUnreadableError } from '../config/errors';
import {
  type ClusterRef,
  clustersFilePath,
  loadClustersFile,
  parseInlineSpec,
  resolveClusterRef,
} from '../config/load';
import type { NamedCluster } from '../config/schema';
import { workerPlacement } from '../docker/placement';
import { type Baseline, baselineOf, boundaryIssues, EMPTY_BASELINE } from './boundary';
import { InlineSpecRefusedError, UntrustedSpecError } from './errors';
import { trustPolicyFromEnv } from './policy';

/**
 * The cluster a workflow input names, as the worker's operator allows it: a cluster of the
 * worker's clusters file, or an inline spec when the operator enabled them and it stays inside
 * the boundary. Runs in the first activity of every runbook, before anything else is scheduled.
 */
export async function resolveTrustedCluster(
  ref: ClusterRef,
  env: NodeJS.ProcessEnv = process.env,
): Promise<NamedCluster> {
  const file = clustersFilePath(env);
  if (ref.spec === undefined) return resolveClusterRef(ref, file);
  const policy = trustPolicyFromEnv(env, dirname(file));
  if (!policy.allowInlineSpecs) throw new InlineSpecRefusedError(ref.cluster, file);
  const cluster = parseInlineSpec(ref.cluster, ref.spec, dirname(file));
  // An upgrade's new jar is uploaded to the inline spec's JobManagers like the spec's own.
  const jar = (ref as { jar?: unknown }).jar;
  const inputPaths = typeof jar === 'string' ? [{ path: 'jar', value: jar }] : [];
  const issues = boundaryIssues(cluster, await baselineFrom(file), policy, inputPaths);
  if (issues.length > 0) throw new UntrustedSpecError(ref.cluster, issues);
  // The Docker activities find a container's engine by its name.
  workerPlacement.remember(cluster);
  return cluster;
}

/** A worker without a readable clusters file allows inline specs only what its policy lists. */
async function baselineFrom(file: string): Promise<Baseline> {
  try {
    return baselineOf(Object.values((await loadClustersFile(file)).clusters));
  } catch (error) {
    if (error instanceof ClustersFileUnreadableError) return EMPTY_BASELINE;
    throw error;
  }
}
