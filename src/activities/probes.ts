import type { z } from 'zod';
import { InvalidClusterSpecError, issuesFromZod } from '../config/errors';
import { outputSchema, probeSchema } from '../config/schema';
import { runProbe } from '../probes/run';
import type { OutputSpecInput, ProbeCapture, ProbeRun, ProbeSpecInput } from '../probes/types';
import { waitForProbeOutput as waitForOutput } from '../probes/verify';
import { currentContext } from './heartbeat';

/**
 * The seeds' end-to-end capture check as two activities: make the change at the source, then
 * wait until committed output shows it. Inputs are the job's `probe` and `output` from the
 * cluster spec (secret references only); results are small plain objects without secrets.
 */

export interface RunSourceProbeInput {
  probe: ProbeSpecInput;
  /** Marker probe only: the marker to write. A workflow that passes its own (e.g. from uuid4())
   * gets the same marker on a retry; without it every attempt writes a new one. */
  marker?: string;
}

/**
 * Runs the probe's SQL in one committed transaction (postgres, oracle), or writes a new marker
 * for the sandbox job. Failure types: `ProbeUnavailable` (retry), `ProbeFailed`,
 * `SecretUnavailable`, `InvalidClusterSpec` (do not). A retry of a SQL probe runs the statement
 * again, which for an `UPDATE ... SET AMOUNT = AMOUNT + 1` is one more harmless change.
 */
export async function runSourceProbe(input: RunSourceProbeInput): Promise<ProbeRun> {
  const probe = parse(probeSchema, input.probe, 'probe');
  return runProbe(probe, { marker: input.marker });
}

export interface WaitForProbeOutputInput {
  /** What `runSourceProbe` returned. */
  run: ProbeRun;
  output: OutputSpecInput;
  /** Default: the probe spec's `timeout`, carried in `run`. */
  timeoutMs?: number;
  /** Marker probe: the column that carries the marker (default 2, the sandbox job's third). */
  markerColumn?: number;
  /** SQL probe: rows the new files must hold between them (default 1). */
  minRows?: number;
}

/**
 * Polls the output directory until the probe's change shows up in committed output, heartbeating
 * after every look and stopping at once when the activity is cancelled. Throws `ProbeNotCaptured`
 * when it does not show up in time: the verdict the check exists for, not worth retrying.
 */
export async function waitForProbeOutput(input: WaitForProbeOutputInput): Promise<ProbeCapture> {
  const output = parse(outputSchema, input.output, 'output');
  const context = currentContext();
  return waitForOutput(input.run, output, {
    timeoutMs: input.timeoutMs,
    markerColumn: input.markerColumn,
    minRows: input.minRows,
    heartbeat: context && ((progress) => context.heartbeat(progress)),
    signal: context?.cancellationSignal,
  });
}

/** The spec's parts are validated again here: an activity may be called with any JSON. */
function parse<S extends z.ZodType>(schema: S, value: unknown, field: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new InvalidClusterSpecError(`${field} input`, issuesFromZod(parsed.error, [field]));
  return parsed.data;
}
