import type { z } from 'zod';
import { FAILURE } from '../temporal/failure-types';

/** One problem in a spec, located by its field path, e.g. `clusters.rp.jobManagers[1].url`. */
export interface SpecIssue {
  path: string;
  message: string;
}

/** Names the failure types workflows match on; they are non-retryable: no retry fixes a bad spec. */
export const CONFIG_ERROR_TYPES = [
  FAILURE.InvalidClusterSpec,
  FAILURE.UnknownCluster,
  FAILURE.UnknownJob,
  FAILURE.ClustersFileUnreadable,
  FAILURE.InlineSpecRefused,
  FAILURE.UntrustedSpec,
  FAILURE.ReportDirRefused,
] as const;

export class InvalidClusterSpecError extends Error {
  override name = FAILURE.InvalidClusterSpec;
  /** No retry fixes a bad spec (src/temporal/error-types.ts makes the failure non-retryable). */
  readonly nonRetryable = true;
  constructor(
    readonly source: string,
    readonly issues: SpecIssue[],
  ) {
    super(
      `invalid cluster spec in ${source}:\n${issues.map((i) => `  - ${i.path || '(root)'}: ${i.message}`).join('\n')}`,
    );
  }
}

export class UnknownClusterError extends Error {
  override name = FAILURE.UnknownCluster;
  readonly nonRetryable = true;
  constructor(cluster: string, known: string[], source: string) {
    super(`unknown cluster "${cluster}" in ${source}; known clusters: ${known.join(', ') || '(none)'}`);
  }
}

export class UnknownJobError extends Error {
  override name = FAILURE.UnknownJob;
  readonly nonRetryable = true;
  constructor(job: string, cluster: string, known: string[]) {
    super(`unknown job "${job}" in cluster "${cluster}"; known jobs: ${known.join(', ')}`);
  }
}

export class ClustersFileUnreadableError extends Error {
  override name = FAILURE.ClustersFileUnreadable;
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path
    .map((part, index) =>
      typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`,
    )
    .join('');
}

export function issuesFromZod(error: z.ZodError, prefix: ReadonlyArray<PropertyKey> = []): SpecIssue[] {
  return error.issues.map((issue) => ({
    path: formatPath([...prefix, ...issue.path]),
    message:
      issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message,
  }));
}
