import { z } from 'zod';
import { jobRefSchema } from '../config/input';

/** {"cluster": "realtime-pipeline"} is enough; `job` when the cluster runs several, `jobId` to pin one. */
export const monitorInputSchema = jobRefSchema.extend({
  jobId: z
    .string()
    .regex(/^[0-9a-f]{32}$/, 'jobId must be a Flink job id (32 hex digits)')
    .optional(),
  /** How long one healthy watch lasts before it reports (default 30 min); shorter costs more history. */
  watchMaxMs: z.number().int().min(10_000).max(3_600_000).optional(),
  /** What a previous run carried over through continue-as-new. */
  memory: z.record(z.string(), z.unknown()).optional(),
});
