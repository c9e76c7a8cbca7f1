import { z } from 'zod';
import { inputIssues } from '../config/input';

/**
 * Signal payloads come from people (the Temporal UI's Send a Signal box) and from other runbooks.
 * A signal cannot answer with an error, so a malformed one is refused here: it changes nothing,
 * and the refusal is logged and shown in the monitor's status.
 */
const reason = z.string().max(500, 'reason must be at most 500 characters');

export const signalSchemas = {
  forceRestart: z.object({ reason: reason.optional() }).strict(),
  pause: z.object({ reason: reason.optional() }).strict(),
  watchJob: z
    .object({
      jobId: z.string().regex(/^[0-9a-f]{32}$/, 'jobId must be a Flink job id (32 hex digits)'),
      reason: reason.optional(),
      submission: z
        .object({
          jar: z.string().min(1),
          entryClass: z.string().min(1),
          parallelism: z.number().int().min(1),
          args: z.array(z.string()),
        })
        .strict()
        .optional(),
    })
    .strict(),
} as const;

export type SignalName = keyof typeof signalSchemas;

/** The problem with a signal's payload, or undefined when it is well formed. A missing payload reads as {}. */
export function signalProblem(name: SignalName, payload: unknown): string | undefined {
  const issues = inputIssues(signalSchemas[name], payload ?? {});
  if (issues.length === 0) return undefined;
  return issues.map((i) => `${i.path || '(payload)'}: ${i.message}`).join('; ');
}
