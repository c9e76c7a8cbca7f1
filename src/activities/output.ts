import { type JobOutput, listJobOutput, outputFreshness, outputSequence } from '../output/observe';
import type { SequenceReport } from '../output/sequence';
import type { OutputObservation } from '../policy/output-health';
import { waitUntil } from './heartbeat';

export { OutputUnreadableError } from '../output/observe';

/** Output freshness: newest committed file, files committed in the window, stuck in-progress files. */
export async function observeOutput(input: {
  output: JobOutput;
  windowMs?: number;
}): Promise<OutputObservation> {
  return outputFreshness(input.output, input.windowMs);
}

/** Waits until a file is committed after `after` (epoch ms); returns when it was written. */
export async function waitForNewOutput(input: { output: JobOutput; after: number; timeoutMs: number }) {
  return waitUntil(
    async () => {
      const found = (await listJobOutput(input.output)).committed.find((f) => f.mtimeMs > input.after);
      return found ? { path: found.path, committedAt: found.mtimeMs } : undefined;
    },
    {
      timeoutMs: input.timeoutMs,
      intervalMs: 500,
      what: `output committed after ${new Date(input.after).toISOString()}`,
    },
  );
}

/** The sample job's continuity check over every committed row: gaps and duplicates with their ranges. */
export async function checkOutputSequence(input: { output: JobOutput }): Promise<SequenceReport> {
  return outputSequence(input.output);
}
