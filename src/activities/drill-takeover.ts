import type { ClusterSpec, JobManagerSpec, JobSpec, RestAccess } from '../config/schema';
import type { CheckpointingStatistics } from '../flink/types';
import type { DrillKind } from '../policy/drill-plan';
import {
  type CheckpointLook,
  type JobLook,
  type LeaderLook,
  type Milestones,
  newProgress,
  noteCheckpointLook,
  noteJobLook,
  noteLeaderLook,
  noteOutputLook,
  type TakeoverGoal,
  type TakeoverProgress,
  takeoverReached,
} from '../policy/drill-timeline';
import { sleep } from '../util/poll';
import { REST_TIMEOUT_MS } from './adapters';
import { type DrillAdapters, errorText } from './drill-adapters';
import { currentContext } from './heartbeat';

export interface ObserveTakeoverInput {
  kind: DrillKind;
  zookeeper: ClusterSpec['zookeeper'];
  jobManagers: JobManagerSpec[];
  access?: RestAccess;
  jobId: string;
  output?: JobSpec['output'];
  faultAt: number;
  before: TakeoverGoal['before'];
  /** fault-detected: until the cluster noticed the fault; recovered: until the job is back. */
  until: 'fault-detected' | 'recovered';
  /** Give up at faultAt + limitMs. */
  limitMs: number;
  /** Once recovered, keep looking this long for the first new output (a quiet job writes none). */
  outputGraceMs?: number;
  /** Milestones already known (the fault; an earlier phase). */
  milestones?: Milestones;
  /** Between two looks at ZooKeeper and at the job (at most 500 ms). */
  intervalMs?: number;
}

export type PollSource = 'zookeeper' | 'job' | 'checkpoints' | 'output';

export interface TakeoverObservation {
  reached: boolean;
  timedOut: boolean;
  milestones: Milestones;
  newLeader?: TakeoverProgress['newLeader'];
  leaderChanges: TakeoverProgress['leaderChanges'];
  jobStates: TakeoverProgress['jobStates'];
  jobEnded?: TakeoverProgress['jobEnded'];
  lastError?: string;
  /** How often each source was looked at, and the longest gap between two answers. */
  polls: Record<PollSource, { count: number; maxGapMs: number }>;
}

/** Looks at one source: how many, and the longest gap between two answers once looking began. */
class PollStats {
  count = 0;
  maxGapMs = 0;
  private last?: number;
  answered(at: number) {
    this.count++;
    if (this.last !== undefined) this.maxGapMs = Math.max(this.maxGapMs, at - this.last);
    this.last = at;
  }
  summary() {
    return { count: this.count, maxGapMs: this.maxGapMs };
  }
}

/**
 * Watches the cluster after the fault, looking at ZooKeeper and the job every `intervalMs`
 * (≤ 500 ms) and at checkpoints and the output every 500 ms, each in its own loop so a slow
 * answer from one does not blind the others. Returns once `until` is reached or the limit
 * passes, with the time of each milestone: one activity, however many looks, so the workflow's
 * history holds a single result. The Temporal UI shows the milestones so far as the heartbeat.
 */
export const observeTakeoverWith = (a: DrillAdapters) =>
  async function observeTakeover(input: ObserveTakeoverInput): Promise<TakeoverObservation> {
    const ctx = currentContext();
    const goal: TakeoverGoal = { kind: input.kind, faultAt: input.faultAt, before: input.before };
    const resumed = ctx?.info.heartbeatDetails as
      | { milestones?: Milestones; newLeader?: TakeoverProgress['newLeader'] }
      | undefined;
    let progress: TakeoverProgress = {
      ...newProgress({ ...input.milestones, ...resumed?.milestones }),
      newLeader: resumed?.newLeader,
    };
    const interval = Math.min(500, Math.max(50, input.intervalMs ?? 250));
    const deadline = input.faultAt + input.limitMs;
    const urls = input.jobManagers.map((jm) => jm.url);
    const stats: Record<PollSource, PollStats> = {
      zookeeper: new PollStats(),
      job: new PollStats(),
      checkpoints: new PollStats(),
      output: new PollStats(),
    };
    let stopped = false;

    // A healthy ZooKeeper answers a read in milliseconds; one that is down never does, and the look
    // must give up soon enough to keep the resolution under a second.
    const zookeeper = a.zookeeper.restLeader(input.zookeeper, 700);
    const lookAtLeader = async () => {
      let look: LeaderLook;
      try {
        const leader = await zookeeper.read();
        look = { at: Date.now(), leader };
      } catch (error) {
        look = { at: Date.now(), error: errorText(error) };
      }
      stats.zookeeper.answered(look.at);
      progress = noteLeaderLook(progress, goal, look);
    };

    const lookAtJob = async () => {
      const via = jobUrl();
      if (!via) return;
      const startedAt = Date.now();
      // Short timeouts keep the looks under a second apart even when a JobManager is slow.
      const client = a.flink.jobManager(via, REST_TIMEOUT_MS.takeoverOneJobManager, input.access);
      let look: JobLook;
      try {
        // /jobs/overview is answered fresh; the job details (with Flink's status timestamps) come
        // from a cache refreshed every few seconds, so they are read only for the timestamps.
        const job = (await client.jobsOverview()).find((j) => j.jid === input.jobId);
        look = { startedAt, at: Date.now(), via, state: job?.state ?? 'MISSING' };
        const wantTimestamps =
          (job?.state === 'RUNNING' && !progress.milestones['job-restored']) ||
          (job !== undefined && job.state !== 'RUNNING' && input.kind === 'kill-taskmanager');
        if (wantTimestamps)
          look.statusTimestamps = (
            await a.flink
              .jobManager(via, REST_TIMEOUT_MS.takeoverJobDetails, input.access)
              .job(input.jobId)
              .catch(() => undefined)
          )?.timestamps;
      } catch (error) {
        look = { startedAt, at: Date.now(), via, error: errorText(error) };
      }
      stats.job.answered(look.at);
      progress = noteJobLook(progress, goal, look);
    };

    /** Leader kinds ask the new leader only; the others whoever ZooKeeper names, else any JobManager. */
    const jobUrl = (): string | undefined => {
      if (input.kind === 'stop-leader' || input.kind === 'kill-leader') return progress.newLeader?.url;
      if (input.kind === 'stop-zookeeper') return progress.leader?.url ?? urls[0];
      return progress.leader?.url ?? urls[0];
    };

    const lookAtCheckpoints = async () => {
      if (!progress.milestones['job-restored'] || progress.milestones['first-checkpoint']) return;
      const order = [jobUrl(), ...urls].filter((u, i, all): u is string => !!u && all.indexOf(u) === i);
      let look: CheckpointLook;
      try {
        const client = a.flink.cluster(order, REST_TIMEOUT_MS.takeoverCluster, input.access);
        const stats = await client.call((c) => c.checkpoints(input.jobId));
        look = { at: Date.now(), completed: completedCheckpoints(stats) };
      } catch (error) {
        look = { at: Date.now(), completed: [], error: errorText(error) };
      }
      stats.checkpoints.answered(look.at);
      progress = noteCheckpointLook(progress, goal, look);
    };

    const lookAtOutput = async () => {
      const output = input.output;
      if (!output || !progress.milestones['job-restored'] || progress.milestones['first-new-output']) return;
      const seen = await a.output.freshness(output).catch(() => undefined);
      const at = Date.now();
      stats.output.answered(at);
      progress = noteOutputLook(progress, goal, { at, newestCommittedAt: seen?.newestCommittedAt });
    };

    const loop = async (every: number, look: () => Promise<void>) => {
      while (!stopped) {
        const t0 = Date.now();
        await look().catch((error) => {
          progress = { ...progress, lastError: errorText(error) };
        });
        if (!stopped) await sleep(Math.max(10, every - (Date.now() - t0)));
      }
    };
    const loops = [
      loop(interval, lookAtLeader),
      loop(interval, lookAtJob),
      loop(500, lookAtCheckpoints),
      loop(500, lookAtOutput),
    ];

    let reachedAt: number | undefined;
    let timedOut = false;
    try {
      for (;;) {
        const now = Date.now();
        if (progress.jobEnded) break;
        if (reachedAt === undefined && takeoverReached(progress, goal, input.until)) reachedAt = now;
        if (reachedAt !== undefined) {
          const waitingForOutput =
            input.until === 'recovered' && input.output && !progress.milestones['first-new-output'];
          const graceEnd = Math.min(deadline, reachedAt + (input.outputGraceMs ?? 0));
          if (!waitingForOutput || now >= graceEnd) break;
        } else if (now >= deadline) {
          timedOut = true;
          break;
        }
        ctx?.heartbeat({ milestones: progress.milestones, newLeader: progress.newLeader });
        await (ctx ? ctx.sleep(250) : sleep(250));
      }
    } finally {
      stopped = true;
      await Promise.all(loops);
      zookeeper.close();
    }
    return {
      reached: reachedAt !== undefined,
      timedOut,
      milestones: progress.milestones,
      newLeader: progress.newLeader,
      leaderChanges: progress.leaderChanges,
      jobStates: progress.jobStates,
      jobEnded: progress.jobEnded,
      lastError: progress.lastError,
      polls: {
        zookeeper: stats.zookeeper.summary(),
        job: stats.job.summary(),
        checkpoints: stats.checkpoints.summary(),
        output: stats.output.summary(),
      },
    };
  };

/** Completed checkpoints in the statistics: the history (REST keeps the recent ones) and the latest. */
function completedCheckpoints(stats: CheckpointingStatistics): CheckpointLook['completed'] {
  const all = [...stats.history, ...(stats.latest.completed ? [stats.latest.completed] : [])]
    .filter((c) => c.status === 'COMPLETED' || c === stats.latest.completed)
    .filter((c) => !c.is_savepoint)
    .map((c) => ({ id: c.id, completedAt: c.latest_ack_timestamp ?? c.trigger_timestamp }));
  return [...new Map(all.map((c) => [c.id, c])).values()];
}
