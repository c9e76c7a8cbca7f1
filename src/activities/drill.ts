import { mkdir, rename, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Context } from '@temporalio/activity';
import zookeeper from 'node-zookeeper-client';
import { fourLetterWord } from '../cluster/readiness';
import type { ClusterSpec, JobManagerSpec, JobSpec, RestAccess } from '../config/schema';
import * as engine from '../docker/engine';
import { FlinkRestClient } from '../flink/client';
import { FlinkClusterClient } from '../flink/cluster-client';
import { FlinkRestError } from '../flink/errors';
import type { CheckpointingStatistics } from '../flink/types';
import { type FlinkLogEvent, parseFlinkLog, utcOffsetMinutes } from '../policy/drill-logs';
import type { DrillBaseline, DrillKind, NodeRole } from '../policy/drill-plan';
import { timelineChartSpec } from '../policy/drill-report';
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
  type TimelineEntry,
  takeoverReached,
} from '../policy/drill-timeline';
import type { AfterRestoreWatch, Rejoin } from '../policy/drill-verdict';
import { haAgreementReport } from '../policy/ha-agreement';
import { pickRunningJob } from '../policy/upgrade-plan';
import { resolveReportDir } from '../trust/report-dir';
import { sleep, unlessFinal } from '../util/poll';
import { getData, ZooKeeperUnavailableError } from '../zookeeper/client';
import { decodeConnectionInfo } from '../zookeeper/connection-info';
import { leaderPath } from '../zookeeper/leader';
import { probeJobManagers } from './cluster';
import { observeCheckpoints, recordsOut } from './flink';
import { waitUntil } from './heartbeat';
import { readLeader } from './leader';
import { checkOutputSequence, observeOutput } from './output';

/**
 * The failover drill's eyes and hands: the baseline before the fault, the fault itself (with the
 * moment it was injected), one long observation of the takeover at sub-second resolution that
 * returns only the milestones, the node's restore and the watch after it, Flink's own log, and
 * the report files. Decisions (is the cluster fit for a drill, what passed) are in src/policy.
 */
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export class ReportNotWrittenError extends Error {
  override name = 'ReportNotWritten';
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function currentContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Baseline

export interface BaselineInput {
  kind: DrillKind;
  zookeeper: ClusterSpec['zookeeper'];
  jobManagers: JobManagerSpec[];
  /** The cluster's `rest` (TLS, basic auth): references only. */
  access?: RestAccess;
  taskManagerContainers: string[];
  job: Pick<JobSpec, 'name' | 'output'>;
  /** Drill this job id; default the one live job of the job's name. */
  jobId?: string;
}

/**
 * One look at everything the seeds check by hand before a failover test: both JobManagers, the
 * leader in ZooKeeper, each JobManager's HA settings, the containers, the job, its latest
 * checkpoint, its output rate and sequence position. Never throws for a part that cannot be
 * read: that part is reported missing, and the guardrails refuse on it.
 */
export async function observeDrillBaseline(input: BaselineInput): Promise<DrillBaseline> {
  const urls = input.jobManagers.map((jm) => jm.url);
  const { access } = input;
  const rest = new FlinkClusterClient(urls, 4_000, access);
  const containerRoles: Array<[string, NodeRole]> = [
    ...input.jobManagers.map((jm): [string, NodeRole] => [jm.container, 'jobmanager']),
    ...input.taskManagerContainers.map((c): [string, NodeRole] => [c, 'taskmanager']),
    ...(input.zookeeper.container ? [[input.zookeeper.container, 'zookeeper'] as [string, NodeRole]] : []),
  ];
  const [jobManagers, leader, configs, containers, jobs] = await Promise.all([
    probeJobManagers(input.jobManagers, access),
    readLeader(input).catch((error: Error) => error),
    Promise.all(
      input.jobManagers.map(async (jm) => {
        try {
          const client = new FlinkRestClient(jm.url, 3_000, access);
          return { url: jm.url, config: await client.jobManagerConfig() };
        } catch (error) {
          return { url: jm.url, error: errorText(error) };
        }
      }),
    ),
    Promise.all(
      containerRoles.map(async ([name, role]) => {
        const state = await engine.inspectContainer(name);
        return { name, role, exists: state.exists, running: state.running };
      }),
    ),
    rest.call((c) => c.jobsOverview()).catch((error: Error) => error),
  ]);
  const ha = haAgreementReport(configs);
  const baseline: DrillBaseline = {
    at: Date.now(),
    jobManagers: jobManagers.map((jm) => ({
      url: jm.url,
      container: jm.container,
      role: jm.role,
      state: jm.state,
      error: jm.error,
      taskManagers: jm.taskManagers,
    })),
    containers,
    ha: {
      agree: ha.agree,
      differences: ha.differences,
      unread: ha.unread,
      types: Object.fromEntries(
        configs
          .filter((c) => c.config)
          .map((c) => [
            c.url,
            c.config?.['high-availability.type'] ?? c.config?.['high-availability'] ?? null,
          ]),
      ),
    },
  };
  if (leader instanceof Error) baseline.leaderError = leader.message;
  else if (leader.restLeader)
    baseline.leader = {
      url: leader.restLeader.url,
      sessionId: leader.restLeader.sessionId,
      container: leader.restLeader.container,
      consistent: leader.consistent,
    };

  if (jobs instanceof Error) {
    baseline.jobProblem = `cannot list jobs: ${jobs.message}`;
    return baseline;
  }
  const picked = pickRunningJob(
    jobs.map((j) => ({ jobId: j.jid, name: j.name, state: j.state, startTime: j['start-time'] })),
    input.job.name,
    input.jobId,
  );
  if (!picked.job) {
    baseline.jobProblem = picked.problem;
    return baseline;
  }
  const jobId = picked.job.jobId;
  baseline.job = { jobId, name: picked.job.name, state: picked.job.state, startTime: picked.job.startTime };
  const output = input.job.output;
  const [checkpoints, rate, listing, sequence, source] = await Promise.all([
    observeCheckpoints({ urls, access, jobId }).catch((error: Error) => error),
    recordsOut({ urls, access, jobId }).catch(() => undefined),
    output ? observeOutput({ output }).catch(() => undefined) : undefined,
    output?.sequenceColumn !== undefined && !output.container
      ? checkOutputSequence({ output }).catch((error: Error) => error)
      : undefined,
    input.kind === 'kill-taskmanager'
      ? sourceTaskManager(rest, jobId, input.taskManagerContainers).catch(() => undefined)
      : undefined,
  ]);
  if (checkpoints instanceof Error) baseline.checkpointError = checkpoints.message;
  else {
    const latest = checkpoints.latestCompleted;
    if (latest) baseline.checkpoint = { id: latest.id, completedAt: latest.completedAt, path: latest.path };
    baseline.checkpointConfig = {
      intervalMs: checkpoints.config.intervalMs,
      timeoutMs: checkpoints.config.timeoutMs,
    };
  }
  baseline.recordsPerSecond = rate?.perSecond;
  if (listing)
    baseline.output = {
      newestCommittedAt: listing.newestCommittedAt,
      committedFiles: listing.committedFiles,
    };
  if (sequence instanceof Error) baseline.sequenceError = sequence.message;
  else if (sequence)
    baseline.sequence = {
      last: sequence.last,
      rows: sequence.rows,
      gaps: sequence.gaps.length,
      duplicates: sequence.duplicates.length,
    };
  baseline.sourceTaskManager = source;
  return baseline;
}

/**
 * The TaskManager running the job's source (its first vertex), and its container: each
 * TaskManager logs "Starting TaskManager with ResourceID: <id>" when it starts.
 */
async function sourceTaskManager(
  rest: FlinkClusterClient,
  jobId: string,
  containers: string[],
): Promise<DrillBaseline['sourceTaskManager']> {
  const job = await rest.call((c) => c.job(jobId));
  const source = job.vertices[0];
  if (!source) return undefined;
  const placed = await rest.call((c) =>
    c.call<{ taskmanagers: Array<{ 'taskmanager-id'?: string }> }>(
      `/jobs/${jobId}/vertices/${source.id}/taskmanagers`,
    ),
  );
  const resourceId = placed.taskmanagers.find((t) => t['taskmanager-id'])?.['taskmanager-id'];
  if (!resourceId) return undefined;
  for (const container of containers) {
    const logs = await engine.containerLogs(container, 100_000).catch(() => '');
    const ids = [...logs.matchAll(/Starting TaskManager with ResourceID: (\S+)/g)].map((m) => m[1]);
    if (ids.at(-1) === resourceId) return { resourceId, container };
  }
  return { resourceId };
}

// ---------------------------------------------------------------------------------------------
// The fault

/**
 * `docker stop` (SIGTERM, SIGKILL after the grace period) or `docker kill` (SIGKILL) of one
 * container. Returns the moment the signal was sent (`at`) and when the engine was done. A retry
 * finds the container already stopped and says so.
 */
export async function injectFault(input: {
  container: string;
  action: 'stop' | 'kill';
  stopTimeoutSeconds?: number;
}): Promise<{ at: number; doneAt: number; result: string }> {
  const at = Date.now();
  const result =
    input.action === 'stop'
      ? await engine.stopContainer(input.container, input.stopTimeoutSeconds ?? 30)
      : await engine.killContainer(input.container, 'SIGKILL');
  return { at, doneAt: Date.now(), result };
}

// ---------------------------------------------------------------------------------------------
// Observing the takeover

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
export async function observeTakeover(input: ObserveTakeoverInput): Promise<TakeoverObservation> {
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
  const zookeeper = new RestLeaderReader(input.zookeeper, 700);
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
    const client = new FlinkRestClient(via, 800, input.access);
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
          await new FlinkRestClient(via, 600, input.access).job(input.jobId).catch(() => undefined)
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
      const client = new FlinkClusterClient(order, 1_500, input.access);
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
    const seen = await observeOutput({ output }).catch(() => undefined);
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
}

/**
 * The REST leader record, read through one ZooKeeper session kept for the whole observation: a
 * look is a single read, not a new session (which costs ZooKeeper a write, and the look its
 * latency). A failed read drops the session; the next look connects again.
 */
class RestLeaderReader {
  private client?: zookeeper.Client;

  constructor(
    private readonly zk: ClusterSpec['zookeeper'],
    private readonly timeoutMs: number,
  ) {}

  async read(): Promise<{ url: string; sessionId: string } | undefined> {
    const client = this.client ?? (await this.connect());
    try {
      const data = await within(
        getData(client, leaderPath(this.zk, 'rest_server')),
        this.timeoutMs,
        'a read',
      );
      const info = data && data.length > 0 ? decodeConnectionInfo(data) : undefined;
      return info && { url: info.address, sessionId: info.sessionId };
    } catch (error) {
      this.close();
      throw error;
    }
  }

  close(): void {
    this.client?.close();
    this.client = undefined;
  }

  private async connect(): Promise<zookeeper.Client> {
    const client = zookeeper.createClient(this.zk.quorum, {
      sessionTimeout: 10_000,
      retries: 0,
      spinDelay: 100,
    });
    const connected = new Promise<void>((resolve) => client.once('connected', () => resolve()));
    client.connect();
    try {
      await within(connected, this.timeoutMs, 'connecting');
    } catch (error) {
      client.close();
      throw error;
    }
    const drop = () => {
      if (this.client === client) this.close();
    };
    client.once('disconnected', drop);
    client.once('expired', drop);
    this.client = client;
    return client;
  }
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ZooKeeperUnavailableError(`ZooKeeper: no answer to ${what} within ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Completed checkpoints in the statistics: the history (REST keeps the recent ones) and the latest. */
function completedCheckpoints(stats: CheckpointingStatistics): CheckpointLook['completed'] {
  const all = [...stats.history, ...(stats.latest.completed ? [stats.latest.completed] : [])]
    .filter((c) => c.status === 'COMPLETED' || c === stats.latest.completed)
    .filter((c) => !c.is_savepoint)
    .map((c) => ({ id: c.id, completedAt: c.latest_ack_timestamp ?? c.trigger_timestamp }));
  return [...new Map(all.map((c) => [c.id, c])).values()];
}

// ---------------------------------------------------------------------------------------------
// Restoring the node and watching the job afterwards

export interface RestoreNodeInput {
  container: string;
  role: NodeRole;
  /** A JobManager's REST URL: it has rejoined once it answers /overview. */
  url?: string;
  zookeeperQuorum?: string;
  urls: string[];
  access?: RestAccess;
  expectedTaskManagers: number;
  timeoutMs: number;
}

/**
 * `docker start` of the node the drill stopped or killed, then waits until it is back: a
 * JobManager answers REST (a standby does once it knows the leader), ZooKeeper answers `ruok`,
 * the TaskManagers are all registered again. Starting a running container is a no-op.
 */
export async function restoreNode(
  input: RestoreNodeInput,
): Promise<Rejoin & { startedAt: number; result: 'started' | 'already-running' }> {
  const startedAt = Date.now();
  const result = await engine.startContainer(input.container);
  const what =
    input.role === 'jobmanager'
      ? `${input.url}/overview answering`
      : input.role === 'zookeeper'
        ? 'ZooKeeper answering imok'
        : `${input.expectedTaskManagers} TaskManagers registered`;
  try {
    const at = await waitUntil(
      async () => {
        if (input.role === 'jobmanager') {
          await new FlinkRestClient(input.url as string, 2_000, input.access).overview();
          return Date.now();
        }
        if (input.role === 'zookeeper') {
          const first = (input.zookeeperQuorum ?? '').split(',')[0] ?? '';
          return (await fourLetterWord(first, 'ruok', 1_000)) === 'imok' ? Date.now() : undefined;
        }
        for (const url of input.urls) {
          const client = new FlinkRestClient(url, 2_000, input.access);
          const overview = await client.overview().catch(unlessFinal);
          if (overview && overview.taskmanagers >= input.expectedTaskManagers) return Date.now();
        }
        return undefined;
      },
      { timeoutMs: input.timeoutMs, intervalMs: 250, what },
    );
    return {
      ok: true,
      at,
      startedAt,
      result,
      detail: `${input.container} ${result === 'started' ? 'started' : 'was already running'}; ${what} after ${((at - startedAt) / 1000).toFixed(1)} s`,
    };
  } catch (error) {
    return {
      ok: false,
      startedAt,
      result,
      detail: `${input.container} ${result === 'started' ? 'started' : 'was already running'}, but not back: ${errorText(error)}`,
    };
  }
}

export interface WatchAfterRestoreInput {
  zookeeper: ClusterSpec['zookeeper'];
  jobManagers: JobManagerSpec[];
  access?: RestAccess;
  jobId: string;
  durationMs: number;
  intervalMs?: number;
}

/**
 * The seeds' step 3 after `docker start flink-jobmanager; sleep 20`: for `durationMs` ask every
 * JobManager for the job and ZooKeeper for the leader, and report any state other than RUNNING
 * (the post-mortem's "主节点恢复后作业取消": the job cancelled when the old leader returned), any
 * change of leader, and how many checkpoints completed meanwhile.
 */
export async function watchAfterRestore(input: WatchAfterRestoreInput): Promise<AfterRestoreWatch> {
  const ctx = currentContext();
  const urls = input.jobManagers.map((jm) => jm.url);
  const rest = new FlinkClusterClient(urls, 3_000, input.access);
  const latestId = async () =>
    (await rest.call((c) => c.checkpoints(input.jobId)).catch(() => undefined))?.latest.completed?.id;
  const firstId = await latestId();
  const start = Date.now();
  const jobStates: AfterRestoreWatch['jobStates'] = [];
  const lastState = new Map<string, string>();
  let firstLeader: { url: string; sessionId: string } | undefined;
  let leaderAtEnd: { url: string; sessionId: string } | undefined;
  let leaderChanged = false;
  const zookeeper = new RestLeaderReader(input.zookeeper, 2_000);
  while (Date.now() - start < input.durationMs) {
    const t0 = Date.now();
    const [leader, states] = await Promise.all([
      zookeeper.read().catch(() => null),
      Promise.all(
        urls.map(async (url) => {
          try {
            const job = (await new FlinkRestClient(url, 2_000, input.access).jobsOverview()).find(
              (j) => j.jid === input.jobId,
            );
            return { url, state: job?.state ?? 'MISSING' };
          } catch (error) {
            return { url, state: error instanceof FlinkRestError ? error.name : 'ERROR' };
          }
        }),
      ),
    ]);
    const at = Date.now();
    if (leader) {
      firstLeader ??= leader;
      if (leader.sessionId !== firstLeader.sessionId) leaderChanged = true;
      leaderAtEnd = leader;
    }
    for (const { url, state } of states) {
      // Only the job's states count; a JobManager that does not answer is not the job's state.
      if (state.startsWith('Flink') || state === 'ERROR') continue;
      if (lastState.get(url) !== state) jobStates.push({ at, state, via: url });
      lastState.set(url, state);
    }
    ctx?.heartbeat({ at, states });
    const wait = Math.max(10, (input.intervalMs ?? 500) - (Date.now() - t0));
    await (ctx ? ctx.sleep(wait) : sleep(wait)).catch((error) => {
      zookeeper.close();
      throw error;
    });
  }
  zookeeper.close();
  const lastId = await latestId();
  return {
    durationMs: Date.now() - start,
    leaderChanged,
    leaderAtEnd,
    jobStates: jobStates.slice(-40),
    notRunning: jobStates.filter((s) => s.state !== 'RUNNING').slice(-20),
    checkpointsCompleted: firstId !== undefined && lastId !== undefined ? lastId - firstId : 0,
    latestCheckpointId: lastId,
    runningVia: [...lastState.entries()].filter(([, s]) => s === 'RUNNING').map(([url]) => url),
  };
}

// ---------------------------------------------------------------------------------------------
// Flink's own log

/**
 * The leadership grants and job state switches a JobManager logged since `sinceMs`, read with
 * `docker logs`; the log's local times are converted with the container's own UTC offset.
 */
export async function readFlinkLogEvents(input: {
  container: string;
  sinceMs: number;
  jobId: string;
}): Promise<{ events: FlinkLogEvent[]; utcOffset: string }> {
  const sinceSeconds = Math.max(0, Math.floor(input.sinceMs / 1000) - 5);
  const [text, offset] = await Promise.all([
    engine.containerLogs(input.container, 50_000, sinceSeconds),
    engine
      .execInContainer(input.container, ['date', '+%z'])
      .then((r) => (r.exitCode === 0 ? r.stdout.trim() : '+0000'))
      .catch(() => '+0000'),
  ]);
  const events = parseFlinkLog(text, utcOffsetMinutes(offset)).filter(
    (e) => e.at >= input.sinceMs - 5_000 && (e.kind === 'rest-leadership' || e.jobId === input.jobId),
  );
  return { events: events.slice(0, 40), utcOffset: offset };
}

// ---------------------------------------------------------------------------------------------
// The report

export interface WriteReportInput {
  drillId: string;
  /** Default `reports/` in the repository; a relative path is taken from the repository root. */
  reportDir?: string;
  markdown: string;
  chart: { title: string; subtitle?: string; timeline: TimelineEntry[]; slaMs: number };
}

/**
 * Renders the timeline chart to SVG with Vega-Lite (headless, no canvas) and writes
 * `<reportDir>/<drillId>.md` and `.svg`. Rewriting the same drill's files on a retry is harmless.
 */
export async function writeDrillReport(
  input: WriteReportInput,
): Promise<{ markdownPath: string; svgPath: string; svg: string }> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(input.drillId))
    throw new ReportNotWrittenError(`"${input.drillId}" is not a file name for a report`);
  const dir = resolveReportDir(input.reportDir);
  const svg = await renderChart(timelineChartSpec(input.chart));
  await mkdir(dir, { recursive: true });
  const markdownPath = join(dir, `${input.drillId}.md`);
  const svgPath = join(dir, `${input.drillId}.svg`);
  await writeAtomically(svgPath, svg);
  await writeAtomically(markdownPath, input.markdown);
  return { markdownPath, svgPath, svg };
}

async function renderChart(spec: Record<string, unknown>): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vegaLite.compile(spec as unknown as Parameters<typeof vegaLite.compile>[0]);
  const view = new vega.View(vega.parse(compiled.spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

async function writeAtomically(path: string, content: string): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, content, 'utf8');
  await rename(temp, path);
}
