import { isTerminalJobState } from './job-states';
import { sameLineage } from './state-on-disk';

/**
 * Pure: one live job per name. Before a runbook submits a job it asks the leader which jobs of
 * that name are live. The one it submitted itself (its chosen id: a submit that timed out may
 * have gone through) is adopted; any other live job of the name is a stray, and the runbook
 * refuses rather than add a second writer to the same output.
 */
export interface LiveJob {
  jobId: string;
  name: string;
  state: string;
}

export type BeforeSubmit =
  | { action: 'submit' }
  | { action: 'adopt'; jobId: string; reason: string }
  | { action: 'refuse'; strays: LiveJob[]; reason: string };

export function liveJobsNamed(jobs: LiveJob[], name: string): LiveJob[] {
  return jobs.filter((j) => j.name === name && !isTerminalJobState(j.state));
}

export function beforeSubmit(input: {
  jobs: LiveJob[];
  name: string;
  /** The id this submission uses. */
  jobId: string;
  /** Ids being replaced, already stopped or ending: not strays. */
  replacing?: string[];
  /** Also adopt a live job of the same lineage (the monitor's successors keep the first 24 digits). */
  lineage?: boolean;
}): BeforeSubmit {
  const live = liveJobsNamed(input.jobs, input.name).filter((j) => !input.replacing?.includes(j.jobId));
  const ours =
    live.find((j) => j.jobId === input.jobId) ??
    (input.lineage ? live.find((j) => sameLineage(j.jobId, input.jobId)) : undefined);
  const strays = live.filter((j) => j !== ours);
  if (strays.length > 0)
    return {
      action: 'refuse',
      strays,
      reason: `${strays.length === 1 ? 'a live job' : `${strays.length} live jobs`} named "${input.name}" that this runbook did not submit (${strays.map((j) => `${j.jobId} ${j.state}`).join(', ')}): not adding a second; stop it with a savepoint or tell the runbook to adopt it`,
    };
  if (ours)
    return {
      action: 'adopt',
      jobId: ours.jobId,
      reason: `job ${ours.jobId} (${ours.state}) was already submitted by this runbook: adopted, not submitted again`,
    };
  return { action: 'submit' };
}
