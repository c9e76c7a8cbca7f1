import { UnknownClusterError } from '../config/errors';
import { clustersFilePath, loadClustersFile, selectJob } from '../config/load';

/**
 * What every command does before it contacts Temporal: the clusters file must load (a malformed
 * one is reported here, not noticed later by the worker), and the cluster and job named must be in it.
 */
export async function validateBeforeContact(
  options: Record<string, string | boolean | undefined>,
): Promise<void> {
  const file = clustersFilePath();
  const { clusters } = await loadClustersFile(file);
  if (typeof options.cluster !== 'string') return;
  const spec = clusters[options.cluster];
  if (!spec) throw new UnknownClusterError(options.cluster, Object.keys(clusters), file);
  if (typeof options.job === 'string') selectJob({ name: options.cluster, ...spec }, options.job);
}
