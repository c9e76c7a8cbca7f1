import { z } from 'zod';
import { formatPath, type SpecIssue } from './errors';
import type { ClusterRef } from './load';

/**
 * The first check every runbook makes on its input, before any activity runs: small JSON that a
 * person typed into the Temporal UI. The cluster spec itself is validated by resolveCluster.
 */
export const clusterRefSchema = z.strictObject({
  cluster: z
    .string({ error: 'cluster must be a cluster name such as "realtime-pipeline"' })
    .regex(/^[a-z0-9][a-z0-9._-]*$/, 'cluster must be lower-case letters, digits, ".", "_" or "-"')
    .max(63, 'cluster must be at most 63 characters'),
  spec: z.record(z.string(), z.unknown()).optional(),
});

export const jobRefSchema = clusterRefSchema.extend({
  job: z.string().min(1).max(63).optional(),
});

export type JobRef = ClusterRef & { job?: string };

/** Returns the issues with an input, or an empty list. Pure: safe inside workflows. */
export function inputIssues(schema: z.ZodType, input: unknown): SpecIssue[] {
  const parsed = schema.safeParse(input);
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => ({
    path: formatPath(issue.path),
    message:
      issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message,
  }));
}
