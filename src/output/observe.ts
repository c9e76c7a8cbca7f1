import type { JobSpec } from '../config/schema';
import { execInContainer } from '../docker/engine';
import { type OutputObservation, observeListing } from '../policy/output-health';
import { FAILURE } from '../temporal/failure-types';
import { classifyOutput, listOutput, type OutputListing, parseFindListing, readCommittedRows } from './files';
import { checkSequence, type SequenceReport } from './sequence';

/**
 * A job's output as the runbooks look at it: its files (on the worker's file system, or through
 * `find` in the container that writes them), how fresh they are, and the sample job's sequence.
 */
export type JobOutput = NonNullable<JobSpec['output']>;

export class OutputUnreadableError extends Error {
  override name = FAILURE.OutputUnreadable;
}

/** How a command runs in a container (docker/engine.ts's, or a test's fake). */
export type ContainerExec = typeof execInContainer;

/** Lists the output from the worker's file system, or through `find` in the named container. */
export async function listJobOutput(
  output: JobOutput,
  exec: ContainerExec = execInContainer,
): Promise<OutputListing> {
  if (!output.container) return listOutput(output.path, output.pattern);
  const result = await exec(output.container, ['find', output.path, '-type', 'f', '-printf', '%T@ %s %p\\n']);
  if (result.exitCode !== 0) {
    throw new OutputUnreadableError(
      `find ${output.path} in ${output.container} failed: ${result.stderr.trim().slice(0, 300)}`,
    );
  }
  return classifyOutput(parseFindListing(result.stdout), output.pattern);
}

/** Output freshness: newest committed file, files committed in the window, stuck in-progress files. */
export async function outputFreshness(
  output: JobOutput,
  windowMs?: number,
  exec: ContainerExec = execInContainer,
): Promise<OutputObservation> {
  const now = Date.now();
  return observeListing(
    await listJobOutput(output, exec),
    now,
    windowMs ?? output.freshness,
    output.inProgressLimit,
  );
}

/** The sample job's continuity check over every committed row: gaps and duplicates with their ranges. */
export async function outputSequence(output: JobOutput): Promise<SequenceReport> {
  if (output.sequenceColumn === undefined)
    throw new OutputUnreadableError('the job has no sequenceColumn to check');
  if (output.container)
    throw new OutputUnreadableError("sequence checks read output from the worker's file system only");
  const column = output.sequenceColumn;
  return checkSequence(
    (await readCommittedRows(output.path, output.pattern)).map((row) => Number(row[column])),
  );
}
