import { z } from 'zod';
import { FAILURE } from '../temporal/failure-types';
import type { Alert } from './types';

/** Validates an alert at the activity boundary (a workflow or a person may have typed it). */
export const alertSchema = z.strictObject({
  severity: z.enum(['info', 'warning', 'critical']),
  cluster: z.string().min(1),
  job: z.string().min(1).optional(),
  verdict: z.string().min(1),
  title: z.string().min(1),
  summary: z.string(),
  details: z.array(z.strictObject({ label: z.string().min(1), value: z.string() })).optional(),
  action: z.string().optional(),
  incidentKey: z.string().min(1),
  resolved: z.boolean().optional(),
  at: z.number().int().nonnegative().optional(),
  workflow: z
    .strictObject({
      namespace: z.string().min(1),
      workflowId: z.string().min(1).optional(),
      runId: z.string().min(1).optional(),
    })
    .optional(),
  suppressed: z.number().int().nonnegative().optional(),
}) satisfies z.ZodType<Alert>;

/** An alert that cannot be rendered; no retry fixes it, so workflows list it as non-retryable. */
export class InvalidAlertError extends Error {
  override name = FAILURE.InvalidAlert;
}

export function parseAlert(alert: unknown): Alert {
  const parsed = alertSchema.safeParse(alert);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new InvalidAlertError(`invalid alert: ${issues.join('; ')}`);
}
