import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { CheckpointObservation } from '../../src/activities/flink';
import type { WatchInput, WatchReport } from '../../src/activities/watch';
import type { Alert } from '../../src/alerts/types';
import type { NamedCluster } from '../../src/config/schema';
import type { JobObservation, Verdict } from '../../src/policy/monitor-state';
import type { Fakes } from './fake-activities';
import { onlyJob } from './fast-cluster';

/**
 * The monitor's eyes, scripted: each `watchJob` call returns the next verdict of the script as a
 * confirmed change; with the script used up, the watch looks on quietly until the workflow
 * cancels it (a signal, an update) — as a real healthy watch would for up to half an hour.
 */
export class WatchScript {
  readonly inputs: WatchInput[] = [];
  /** What each scripted look saw besides its verdict (e.g. a MISSING or CANCELED job). */
  seen: (verdict: Verdict) => Partial<JobObservation> = () => ({});
  private readonly queue: Verdict[] = [];
  private waiters: Array<() => void> = [];
  private closed = false;

  constructor(...verdicts: Verdict[]) {
    this.queue.push(...verdicts);
  }

  /** Verdicts the next watches confirm, in order. */
  next(...verdicts: Verdict[]): void {
    this.queue.push(...verdicts);
    for (const wake of this.waiters.splice(0)) wake();
  }

  /**
   * Ends the test's monitor from the inside: the running watch and every later one fail for
   * good, so the workflow fails with no activity left running. (A workflow closed by terminate
   * or cancel under a running activity leaves the test server unable to skip time.)
   */
  close(): void {
    this.closed = true;
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** How many watches have started so far. */
  get started(): number {
    return this.inputs.length;
  }

  readonly watchJob = async (input: WatchInput): Promise<WatchReport> => {
    this.inputs.push(input);
    const mine = this.inputs.length;
    const ctx = Context.current();
    for (;;) {
      if (this.closed) throw ApplicationFailure.nonRetryable('the test is over', 'TestOver');
      // A watch the workflow gave up on (it started a newer one) only waits for its cancellation.
      const verdict = mine === this.inputs.length ? this.queue.shift() : undefined;
      if (verdict) {
        const scripted = report(verdict, input.target.jobId);
        Object.assign(scripted.observation, this.seen(verdict));
        return scripted;
      }
      // Look on until cancelled; heartbeats carry the cancellation to this attempt.
      const woken = new Promise<void>((resolve) => this.waiters.push(resolve));
      ctx.heartbeat();
      await Promise.race([woken, ctx.sleep(100)]);
    }
  };
}

export function report(verdict: Verdict, jobId: string | undefined): WatchReport {
  const reasons = [`scripted ${verdict}`];
  return {
    verdict,
    evaluation: { verdict, reasons },
    observation: { at: Date.now(), jobId, jobState: verdict === 'failed' ? 'FAILED' : 'RUNNING' },
    observations: 2,
    returned: 'verdict-changed',
  };
}

/** A Flink cluster that restarts jobs as asked: every activity of monitor-restart.ts, succeeding. */
export function restartingCluster(cluster: NamedCluster, overrides: Fakes = {}): Fakes {
  return {
    // Named as asked, so that each test's monitor has a workflow id of its own.
    resolveClusterJob: (ref) => ({ cluster: { ...cluster, name: ref.cluster }, job: onlyJob(cluster) }),
    findJobId: () => undefined,
    getJobState: () => 'RUNNING',
    cancelJob: () => ({ cancelled: true, state: 'CANCELED' }),
    stopWithSavepoint: (input) => ({ triggerId: input.triggerId ?? 'trigger' }),
    waitForSavepoint: (input) => ({
      location: `file:///data/savepoints/savepoint-${input.jobId.slice(0, 6)}`,
    }),
    waitForJobState: (input) => ({ state: input.states[0] ?? 'RUNNING', waitedMs: 1 }),
    observeCheckpoints: (input) => checkpointsOf(input.jobId),
    submitJob: (input) => ({ jobId: input.jobId, alreadySubmitted: false }),
    // The leader lists no other live job of the name: every submission is the only one.
    listJobs: () => [],
    waitForCheckpoint: () => ({ id: 1, completedAt: Date.now() }),
    sendAlert: new AlertInbox().sendAlert,
    ...overrides,
  };
}

/** A job with three completed checkpoints, the latest retained. */
export function checkpointsOf(jobId: string): CheckpointObservation {
  return {
    counts: { completed: 3, failed: 0, inProgress: 0, restored: 0 },
    latestCompleted: {
      id: 3,
      path: `file:///data/checkpoints/${jobId}/chk-3`,
      completedAt: Date.now(),
      isSavepoint: false,
    },
    config: { intervalMs: 10_000, timeoutMs: 60_000, minPauseMs: 0, retainedOnCancel: true },
    observedAt: Date.now(),
  };
}

/** Alerts the workflow sent, as the channels would have received them. */
export class AlertInbox {
  readonly alerts: Alert[] = [];
  readonly sendAlert: NonNullable<Fakes['sendAlert']> = ({ alert, channels }) => {
    this.alerts.push(alert);
    return channels.map((c) => ({
      channel: c.name ?? c.type,
      type: c.type,
      outcome: 'sent' as const,
      ok: true,
      attempts: 1,
      durationMs: 1,
    }));
  };

  titles(): string[] {
    return this.alerts.map((a) => a.title);
  }
}
