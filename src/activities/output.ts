import type { JobSpec } from '../config/schema';
import { execInContainer } from '../docker/engine';
import {
  classifyOutput,
  listOutput,
  type OutputListing,
  parseFindListing,
  readCommittedRows,
} from '../output/files';
import { checkSequence, type SequenceReport } from '../output/sequence';
import { type OutputObservation, observeListing } from '../policy/output-health';
import { waitUntil } from './heartbeat';

type Output = NonNullable<JobSpec['output']>;

export class OutputUnreadableError extends Error {
  override name = 'OutputUnreadable';
}

/** Lists the output from the worker's file system, or through `find` in the named container. */
async function listing(output: Output): Promise<OutputListing> {
  if (!output.container) return listOutput(output.path, output.pattern);
  const result = await execInContainer(output.container, [
    'find',
    output.path,
    '-type',
    'f',
    '-printf',
    '%T@ %s %p\\n',
  ]);
  if (result.exitCode !== 0) {
    throw new OutputUnreadableError(
      `find ${output.path} in ${output.container} failed: ${result.stderr.trim().slice(0, 300)}`,
    );
  }
  return classifyOutput(parseFindListing(result.stdout), output.pattern);
}

/** Output freshness: newest committed file, files committed in the window, stuck in-progress files. */
export async function observeOutput(input: {
  output: Output;
  windowMs?: number;
}): Promise<OutputObservation> {
  const now = Date.now();
  return observeListing(
    await listing(input.output),
    now,
    input.windowMs ?? input.output.freshness,
    input.output.inProgressLimit,
  );
}

/** Waits until a file is committed after `after` (epoch ms); returns when it was written. */
export async function waitForNewOutput(input: { output: Output; after: number; timeoutMs: number }) {
  return waitUntil(
    async () => {
      const found = (await listing(input.output)).committed.find((f) => f.mtimeMs > input.after);
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
export async function checkOutputSequence(input: { output: Output }): Promise<SequenceReport> {
  const { output } = input;
  if (output.sequenceColumn === undefined)
    throw new OutputUnreadableError('the job has no sequenceColumn to check');
  if (output.container)
    throw new OutputUnreadableError("sequence checks read output from the worker's file system only");
  const column = output.sequenceColumn;
  return checkSequence(
    (await readCommittedRows(output.path, output.pattern)).map((row) => Number(row[column])),
  );
}
