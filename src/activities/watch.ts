import { stat } from 'node:fs/promises';
import { Context } from '@temporalio/activity';
import type { ClusterSpec, JobManagerSpec, JobSpec } from '../config/schema';
import type { SourceSpec } from '../config/source-schema';
import type { FlinkClusterClient } from '../flink/cluster-client';
import { FlinkNoLeaderError, FlinkRestError } from '../flink/errors';
import { checkpointsOf, exceptionsOf, jobStateOf, recordsOutOf } from '../flink/observe';
import type { OnCluster } from '../flink/target';
import { outputFreshness } from '../output/observe';
import { withDiskVerdict } from '../policy/disk';
import { checkpointWindowMs, evaluateHealth } from '../policy/health';
import { isTerminalJobState } from '../policy/job-states';
import type { Evaluation, JobObservation, Verdict } from '../policy/monitor-state';
import { stuckSinceStart } from '../policy/output-health';
import { type Confirmation, confirmVerdict } from '../policy/recovery';
import { type Adapters, REST_TIMEOUT_MS, standardAdapters } from './adapters';
import { DiskWatch, type DiskWatchTarget } from './disk';
import { METRIC_FETCH_INTERVAL_MS, refreshVertexMetrics, sourceIdleMs } from './source-metrics';
import { SourceWatch, type WatchMemory } from './source-watch';

/**
 * The monitor's eyes. `observeJob` takes one look at everything the seeds' health monitor checks;
 * `watchJob` keeps looking every interval inside one long activity, heartbeating, and returns
 * only when a different verdict is confirmed (or after `maxDurationMs`), so a healthy hour costs
 * the workflow a handful of history events instead of one activity per minute.
 */
export interface WatchTarget extends OnCluster {
  zookeeper: ClusterSpec['zookeeper'];
  jobManagers: JobManagerSpec[];
  expectedTaskManagers: number;
  output?: JobSpec['output'];
  jobName: string;
  jobId?: string;
  fileWindowMs: number;
  /** The job's CDC source (secret references only): asked on every look while the job runs. */
  source?: SourceSpec;
  /** The cluster's volume folders: free space and inodes read on every look (src/policy/disk.ts). */
  disk?: DiskWatchTarget;
}

function restProblem(error: unknown): Pick<JobObservation, 'restError' | 'restNoLeader'> {
  if (error instanceof FlinkRestError)
    return { restError: error.message, restNoLeader: error instanceof FlinkNoLeaderError };
  throw error;
}

/** The newest job of this name that is not finished, else the newest of any state. */
async function newestJobId(rest: FlinkClusterClient, jobName: string): Promise<string | undefined> {
  const jobs = (await rest.call((c) => c.jobsOverview()))
    .filter((j) => j.name === jobName)
    .sort((a, b) => b['start-time'] - a['start-time']);
  const live = jobs.find((j) => !isTerminalJobState(j.state));
  return (live ?? jobs[0])?.jid;
}

export async function observeJob(
  target: WatchTarget,
  exceptionsSince: number,
  { flink, docker, zookeeper }: Pick<Adapters, 'flink' | 'docker' | 'zookeeper'> = standardAdapters,
  /** The previous look was longer ago than Flink's metric fetch interval: refresh them first. */
  refreshMetrics = false,
): Promise<JobObservation> {
  const at = Date.now();
  const rest = flink.cluster(target.urls, REST_TIMEOUT_MS.look, target.access);
  const leaderPromise = zookeeper
    .leaders(target)
    .then((l) => ({ url: l.restLeader?.url, consistent: l.consistent }))
    .catch((error: Error) => ({ url: undefined, consistent: false, error: error.message }));
  const outputPromise = target.output
    ? readableOutput(target.output)
        .then((output) => outputFreshness(output, target.fileWindowMs, docker.execInContainer))
        .catch((error: Error) => ({
          committedInWindow: 0,
          stuckInProgress: 0,
          stuckInProgressAt: [] as number[],
          newestAgeMs: undefined,
          error: error.message,
        }))
    : Promise.resolve(undefined);

  const silentPromise = rest.silentUrls();

  const observation: JobObservation = { at, jobId: target.jobId };
  try {
    const overview = await rest.call((c) => c.overview());
    observation.taskManagers = { registered: overview.taskmanagers, expected: target.expectedTaskManagers };
    const jobId = target.jobId ?? (await newestJobId(rest, target.jobName));
    observation.jobId = jobId;
    if (!jobId) observation.jobState = 'MISSING';
    else {
      const { state, details: job } = await jobStateOf(rest, jobId);
      observation.jobState = state;
      // Without details the job is known only from its result: its exception history is gone, and
      // an empty one would read as a person's cancel. Not asked, it counts as a failure.
      if (job?.state === 'CANCELED') {
        // A cancel through REST leaves no failure behind; a failure the cluster acted on does.
        // Failures before the job last became RUNNING were recovered from: they do not count.
        const since = job.timestamps.RUNNING ?? 0;
        observation.failuresInHistory = await exceptionsOf(rest, jobId, since, 10)
          .then((entries) => entries.length)
          .catch(() => undefined);
      }
      if (job?.state === 'RUNNING') {
        // Flink's times are measured on Flink's clock: the JobManager's `now` in this answer.
        const flinkNow = typeof job.now === 'number' && job.now > 0 ? job.now : at;
        observation.flinkNow = flinkNow;
        observation.runningForMs = flinkNow - (job.timestamps.RUNNING ?? job['start-time']);
        const sourceVertex = job.vertices[0]?.id;
        const on: OnCluster = { urls: target.urls, access: target.access };
        const jobManagers = target.urls.map((url) =>
          flink.jobManager(url, REST_TIMEOUT_MS.oneJobManager, target.access),
        );
        if (refreshMetrics && sourceVertex) {
          await refreshVertexMetrics({ ...on, jobId, vertexId: sourceVertex }, flink);
        }
        const [cp, exceptions, rate, idle] = await Promise.all([
          checkpointsOf(rest, jobId),
          exceptionsOf(rest, jobId, exceptionsSince, 5).catch(() => []),
          recordsOutOf(rest, jobManagers, jobId).catch(() => undefined),
          sourceVertex ? sourceIdleMs({ ...on, jobId, vertexId: sourceVertex }, flink) : undefined,
        ]);
        observation.checkpoints = {
          completed: cp.counts.completed,
          failed: cp.counts.failed,
          latestCompletedId: cp.latestCompleted?.id,
          latestCompletedAt: cp.latestCompleted?.completedAt,
          latestCompletedPath: cp.latestCompleted?.path,
          latestFailedAt: cp.latestFailed?.failedAt,
          inProgressAgeMs: cp.inProgress && Math.max(0, flinkNow - cp.inProgress.triggeredAt),
          inProgressId: cp.inProgress?.id,
          failedSinceCompleted: cp.failedSinceCompleted,
          recentDurationsMs: cp.recentDurationsMs,
          intervalMs: cp.config.intervalMs,
          timeoutMs: cp.config.timeoutMs,
        };
        observation.newExceptions = exceptions.map((e) => ({
          name: e.name,
          firstLine: e.firstLine,
          at: e.at,
        }));
        observation.recordsPerSecond = rate?.perSecond;
        observation.recordsOutTotal = rate?.total;
        observation.sourceIdleMs = idle;
      }
    }
  } catch (error) {
    Object.assign(observation, restProblem(error));
  }
  observation.leader = await leaderPromise;
  const silent = await silentPromise;
  observation.jobManagers = {
    expected: target.jobManagers.length,
    down: target.jobManagers.filter((jm) => silent.includes(jm.url)).map(({ url, role }) => ({ url, role })),
  };
  const output = await outputPromise;
  if (output) {
    observation.output = {
      newestAgeMs: output.newestAgeMs,
      committedInWindow: output.committedInWindow,
      stuckInProgress: stuckSinceStart(
        output.stuckInProgressAt,
        observation.runningForMs === undefined ? undefined : observation.at - observation.runningForMs,
      ),
      error: 'error' in output ? output.error : undefined,
    };
  }
  return observation;
}

/**
 * The output folder, when the worker can see that it exists. A missing folder would list as
 * "no file", which is no evidence of a stall: it is an observation error, reported as such.
 */
export async function readableOutput(
  output: NonNullable<JobSpec['output']>,
): Promise<NonNullable<JobSpec['output']>> {
  if (output.container) return output; // `find` in the container fails on a missing folder
  const info = await stat(output.path).catch((error: NodeJS.ErrnoException) => {
    throw new Error(
      error.code === 'ENOENT'
        ? `the output folder ${output.path} does not exist`
        : `the output folder ${output.path} cannot be read: ${error.code ?? error.message}`,
    );
  });
  if (!info.isDirectory()) throw new Error(`the output path ${output.path} is not a folder`);
  return output;
}

/** How soon a verdict seen once is looked at again. */
const CONFIRM_AFTER_MS = 5_000;

/**
 * How long until the next look. A new verdict seen once is looked at again soon rather than a
 * full interval later: it still needs a second look to count, but an outage is not confirmed a
 * minute late. Evidence that is building (a stuck checkpoint, a dead sign not yet past its
 * window) asks for the look when it will have crossed, never sooner than the confirmation look.
 */
export function nextPause(
  intervalMs: number,
  newCandidate: boolean,
  lookAgainInMs: number | undefined,
): number {
  return Math.min(
    intervalMs,
    newCandidate ? CONFIRM_AFTER_MS : Number.POSITIVE_INFINITY,
    lookAgainInMs === undefined ? Number.POSITIVE_INFINITY : Math.max(CONFIRM_AFTER_MS, lookAgainInMs),
  );
}

export interface WatchInput {
  target: WatchTarget;
  /** The verdict the workflow already acts on; the watch returns when another one is confirmed. */
  knownVerdict?: Verdict;
  /** Observations in a row that make a verdict count (2: one blip never does). */
  confirmations: number;
  intervalMs: number;
  maxDurationMs: number;
  /** What the previous watch of this job learned (the report's `memory`). */
  memory?: WatchMemory;
}

export interface WatchReport {
  verdict: Verdict;
  evaluation: Evaluation;
  observation: JobObservation;
  observations: number;
  returned: 'verdict-changed' | 'max-duration';
  /** The window after which a RUNNING job without checkpoint progress is a zombie. */
  checkpointWindowMs?: number;
  /** For the next watch of the same job. */
  memory?: WatchMemory;
}

async function watch(
  input: WatchInput,
  adapters: Pick<Adapters, 'flink' | 'docker' | 'zookeeper' | 'sources'>,
): Promise<WatchReport> {
  const ctx = Context.current();
  // The first act, before any slow look: a watch taken over from a lost worker shows the server
  // at once that it runs again here, with the last look it had reported.
  ctx.heartbeat(ctx.info.heartbeatDetails);
  const started = Date.now();
  let confirmation: Confirmation = input.knownVerdict
    ? { candidate: input.knownVerdict, seen: input.confirmations }
    : { seen: 0 };
  let exceptionsSince = started - input.intervalMs;
  // Each source step may take its query timeout; a heartbeat between them keeps a frozen
  // database from outlasting the activity's heartbeat timeout.
  const sourceWatch = new SourceWatch(input.target.source, input.target.output, adapters.sources, () =>
    ctx.heartbeat({ at: Date.now(), looking: 'source' }),
  );
  const diskWatch = new DiskWatch(input.target.disk);
  let lastLookAt = 0;
  for (let observations = 1; ; observations++) {
    const refreshMetrics = Date.now() - lastLookAt > METRIC_FETCH_INTERVAL_MS;
    lastLookAt = Date.now();
    const observation = await observeJob(input.target, exceptionsSince, adapters, refreshMetrics);
    exceptionsSince = Math.max(exceptionsSince, ...(observation.newExceptions ?? []).map((e) => e.at));
    if (observations === 1) sourceWatch.recall(input.memory, observation.jobId);
    observation.recordsFlatForMs = sourceWatch.recordsFlatFor(observation.recordsOutTotal, observation.at);
    if (input.target.source) ctx.heartbeat({ at: Date.now(), looking: 'source' });
    await sourceWatch.look(observation);
    // A full or filling disk (the seeds' first cause of failing checkpoints): degraded, never a restart.
    const evaluation = withDiskVerdict(
      evaluateHealth(
        observation,
        sourceWatch.settings(input.target.fileWindowMs, observation.checkpoints?.intervalMs),
      ),
      await diskWatch.look(),
    );
    const next = confirmVerdict(confirmation, evaluation.verdict, input.confirmations);
    confirmation = next;
    const details = {
      at: observation.at,
      verdict: evaluation.verdict,
      reasons: evaluation.reasons,
      jobState: observation.jobState,
      ...(observation.source ? { source: observation.source.summary } : {}),
    };
    // People see the latest look in the Temporal UI's pending activity, without any history event.
    ctx.heartbeat(details);
    const report = (returned: WatchReport['returned']): WatchReport => ({
      verdict: next.confirmed ?? input.knownVerdict ?? evaluation.verdict,
      evaluation,
      observation,
      observations,
      returned,
      checkpointWindowMs: observation.checkpoints && checkpointWindowMs(observation.checkpoints),
      memory: sourceWatch.remember(observation.jobId),
    });
    if (next.confirmed && next.confirmed !== input.knownVerdict) return report('verdict-changed');
    if (Date.now() - started >= input.maxDurationMs) return report('max-duration');
    const pause = nextPause(
      input.intervalMs,
      next.candidate !== input.knownVerdict,
      evaluation.lookAgainInMs,
    );
    // Sleep in short steps with a heartbeat each, so a cancellation (a signal to the monitor)
    // reaches this activity within seconds even when the interval is a minute.
    for (let slept = 0; slept < pause; slept += 2_000) {
      await ctx.sleep(Math.min(2_000, pause - slept));
      ctx.heartbeat(details);
    }
  }
}

/** The monitor's activities: finding its job, and watching it through the adapters handed in. */
export function watchActivities(adapters: Pick<Adapters, 'flink' | 'docker' | 'zookeeper' | 'sources'>) {
  const { flink } = adapters;
  return {
    findJobId: (input: OnCluster & { jobName: string }): Promise<string | undefined> =>
      newestJobId(flink.cluster(input.urls, REST_TIMEOUT_MS.cluster, input.access), input.jobName),
    watchJob: (input: WatchInput): Promise<WatchReport> => watch(input, adapters),
  };
}

export const { findJobId, watchJob } = watchActivities(standardAdapters);
