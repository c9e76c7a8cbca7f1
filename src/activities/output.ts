import { type JobOutput, listJobOutput, outputFreshness, outputSequence } from '../output/observe';
import type { SequenceReport } from '../output/sequence';
import type { OutputObservation } from '../policy/output-health';
import { type Adapters, standardAdapters } from './adapters';
import { waitUntil } from './heartbeat';

export { OutputUnreadableError } from '../output/observe';

/** The sample job's continuity check over every committed row: gaps and duplicates with their ranges. */
export async function checkOutputSequence(input: { output: JobOutput }): Promise<SequenceReport> {
  return outputSequence(input.output);
}

/** The output activities that may look through Docker (`find` in the container that writes the output). */
export function outputActivities({ docker }: Pick<Adapters, 'docker'>) {
  /** Output freshness: newest committed file, files committed in the window, stuck in-progress files. */
  async function observeOutput(input: { output: JobOutput; windowMs?: number }): Promise<OutputObservation> {
    return outputFreshness(input.output, input.windowMs, docker.execInContainer);
  }

  /** Waits until a file is committed after `after` (epoch ms); returns when it was written. */
  async function waitForNewOutput(input: { output: JobOutput; after: number; timeoutMs: number }) {
    return waitUntil(
      async () => {
        const found = (await listJobOutput(input.output, docker.execInContainer)).committed.find(
          (f) => f.mtimeMs > input.after,
        );
        return found ? { path: found.path, committedAt: found.mtimeMs } : undefined;
      },
      {
        timeoutMs: input.timeoutMs,
        intervalMs: 500,
        what: `output committed after ${new Date(input.after).toISOString()}`,
      },
    );
  }
  return { observeOutput, waitForNewOutput };
}

export const { observeOutput, waitForNewOutput } = outputActivities(standardAdapters);
