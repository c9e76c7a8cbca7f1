import { z } from 'zod';
import { jobRefSchema } from '../config/input';

/** {"cluster": "realtime-pipeline"} is enough; `job` when the cluster runs several, `jobId` to pin one. */
export const monitorInputSchema = jobRefSchema.extend({
  jobId: z
    .string()
    .regex(/^[0-9a-f]{32}$/, 'jobId must be a Flink job id (32 hex digits)')
    .optional(),
  /** What a previous run carried over through continue-as-new. */
  memory: z.record(z.string(), z.unknown()).optional(),
});
