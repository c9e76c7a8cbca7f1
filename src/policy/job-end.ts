/**
 * Pure: how a job that is no longer running ended, and whether the monitor restarts it. A job a
 * person cancelled through REST has no failure in its exception history; one that failed, or was
 * cancelled by the cluster after a failure, has. A person's cancel gets an alert and no restart
 * (unless the job's spec asks for one); a FINISHED bounded job is never restarted.
 */
export type JobEnd = 'finished' | 'cancelled-by-person' | 'cancelled-after-failure' | 'failed';

export function howJobEnded(input: { state: string; failuresInHistory?: number }): JobEnd | undefined {
  switch (input.state) {
    case 'FINISHED':
      return 'finished';
    case 'FAILED':
      return 'failed';
    case 'CANCELED':
      // Not asked (the history could not be read): treated as a failure, the old behaviour.
      if (input.failuresInHistory === undefined) return 'cancelled-after-failure';
      return input.failuresInHistory === 0 ? 'cancelled-by-person' : 'cancelled-after-failure';
    default:
      return undefined;
  }
}

export type EndDecision = { restart: true } | { restart: false; reason: string; action: string };

export function restartAfterEnd(end: JobEnd | undefined, spec: { restartCancelled: boolean }): EndDecision {
  if (end === 'finished')
    return {
      restart: false,
      reason: 'the job FINISHED: a bounded job that ran to its end is never restarted',
      action: 'Nothing to do unless it should not have finished; start it again with deploy.',
    };
  if (end === 'cancelled-by-person' && !spec.restartCancelled)
    return {
      restart: false,
      reason:
        'the job was CANCELED through REST with no failure in its exception history: a person stopped it',
      action:
        'Not restarted. Redeploy or signal watchJob when it is wanted again; set restartCancelled: true on the job to restart such jobs.',
    };
  return { restart: true };
}
