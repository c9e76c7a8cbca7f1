import type { ClusterSpec, JobManagerSpec, RestAccess } from '../config/schema';
import { FlinkRestError } from '../flink/errors';
import { type FlinkLogEvent, parseFlinkLog, utcOffsetMinutes } from '../policy/drill-logs';
import type { NodeRole } from '../policy/drill-plan';
import type { AfterRestoreWatch, Rejoin } from '../policy/drill-verdict';
import { sleep, unlessFinal } from '../util/poll';
import { REST_TIMEOUT_MS } from './adapters';
import { type DrillAdapters, errorText } from './drill-adapters';
import { currentContext, waitUntil } from './heartbeat';

/**
 * The drill's hands on the node: the fault (`docker stop` or `docker kill`), the restore and the
 * watch after it, and what Flink itself logged meanwhile.
 */

/**
 * `docker stop` (SIGTERM, SIGKILL after the grace period) or `docker kill` (SIGKILL) of one
 * container. Returns the moment the signal was sent (`at`) and when the engine was done. A retry
 * finds the container already stopped and says so.
 */
export const injectFaultWith = (a: DrillAdapters) =>
  async function injectFault(input: {
    container: string;
    action: 'stop' | 'kill';
    stopTimeoutSeconds?: number;
  }): Promise<{ at: number; doneAt: number; result: string }> {
    const at = Date.now();
    const result =
      input.action === 'stop'
        ? await a.docker.stopContainer(input.container, input.stopTimeoutSeconds ?? 30)
        : await a.docker.killContainer(input.container, 'SIGKILL');
    return { at, doneAt: Date.now(), result };
  };

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
export const restoreNodeWith = (a: DrillAdapters) =>
  async function restoreNode(
    input: RestoreNodeInput,
  ): Promise<Rejoin & { startedAt: number; result: 'started' | 'already-running' }> {
    const startedAt = Date.now();
    const result = await a.docker.startContainer(input.container);
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
            await a.flink
              .jobManager(input.url as string, REST_TIMEOUT_MS.pollOneJobManager, input.access)
              .overview();
            return Date.now();
          }
          if (input.role === 'zookeeper') {
            const first = (input.zookeeperQuorum ?? '').split(',')[0] ?? '';
            return (await a.zookeeper.fourLetterWord(first, 'ruok', 1_000)) === 'imok'
              ? Date.now()
              : undefined;
          }
          for (const url of input.urls) {
            const client = a.flink.jobManager(url, REST_TIMEOUT_MS.pollOneJobManager, input.access);
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
  };

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
export const watchAfterRestoreWith = (a: DrillAdapters) =>
  async function watchAfterRestore(input: WatchAfterRestoreInput): Promise<AfterRestoreWatch> {
    const ctx = currentContext();
    const urls = input.jobManagers.map((jm) => jm.url);
    const rest = a.flink.cluster(urls, REST_TIMEOUT_MS.pollCluster, input.access);
    const latestId = async () =>
      (await rest.call((c) => c.checkpoints(input.jobId)).catch(() => undefined))?.latest.completed?.id;
    const firstId = await latestId();
    const start = Date.now();
    const jobStates: AfterRestoreWatch['jobStates'] = [];
    const lastState = new Map<string, string>();
    let firstLeader: { url: string; sessionId: string } | undefined;
    let leaderAtEnd: { url: string; sessionId: string } | undefined;
    let leaderChanged = false;
    const zookeeper = a.zookeeper.restLeader(input.zookeeper, 2_000);
    while (Date.now() - start < input.durationMs) {
      const t0 = Date.now();
      const [leader, states] = await Promise.all([
        zookeeper.read().catch(() => null),
        Promise.all(
          urls.map(async (url) => {
            try {
              const job = (
                await a.flink.jobManager(url, REST_TIMEOUT_MS.pollOneJobManager, input.access).jobsOverview()
              ).find((j) => j.jid === input.jobId);
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
  };

/**
 * The leadership grants and job state switches a JobManager logged since `sinceMs`, read with
 * `docker logs`; the log's local times are converted with the container's own UTC offset.
 */
export const readFlinkLogEventsWith = (a: DrillAdapters) =>
  async function readFlinkLogEvents(input: {
    container: string;
    sinceMs: number;
    jobId: string;
  }): Promise<{ events: FlinkLogEvent[]; utcOffset: string }> {
    const sinceSeconds = Math.max(0, Math.floor(input.sinceMs / 1000) - 5);
    const [text, offset] = await Promise.all([
      a.docker.containerLogs(input.container, 50_000, sinceSeconds),
      a.docker
        .execInContainer(input.container, ['date', '+%z'])
        .then((r) => (r.exitCode === 0 ? r.stdout.trim() : '+0000'))
        .catch(() => '+0000'),
    ]);
    const events = parseFlinkLog(text, utcOffsetMinutes(offset)).filter(
      (e) => e.at >= input.sinceMs - 5_000 && (e.kind === 'rest-leadership' || e.jobId === input.jobId),
    );
    return { events: events.slice(0, 40), utcOffset: offset };
  };
