import type { ClusterSpec, JobManagerSpec, JobSpec, RestAccess } from '../config/schema';
import type { FlinkClusterClient } from '../flink/cluster-client';
import { checkpointsOf, recordsOutOf } from '../flink/observe';
import type { DrillBaseline, DrillKind, NodeRole } from '../policy/drill-plan';
import { haAgreementReport } from '../policy/ha-agreement';
import { pickRunningJob } from '../policy/upgrade-plan';
import { REST_TIMEOUT_MS } from './adapters';
import { type DrillAdapters, errorText } from './drill-adapters';

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
export const observeDrillBaselineWith = (a: DrillAdapters) =>
  async function observeDrillBaseline(input: BaselineInput): Promise<DrillBaseline> {
    const urls = input.jobManagers.map((jm) => jm.url);
    const { access } = input;
    const rest = a.flink.cluster(urls, REST_TIMEOUT_MS.look, access);
    const containerRoles: Array<[string, NodeRole]> = [
      ...input.jobManagers.map((jm): [string, NodeRole] => [jm.container, 'jobmanager']),
      ...input.taskManagerContainers.map((c): [string, NodeRole] => [c, 'taskmanager']),
      ...(input.zookeeper.container ? [[input.zookeeper.container, 'zookeeper'] as [string, NodeRole]] : []),
    ];
    const [jobManagers, leader, configs, containers, jobs] = await Promise.all([
      a.flink.probeJobManagers(input.jobManagers, access),
      a.zookeeper.leaders(input).catch((error: Error) => error),
      Promise.all(
        input.jobManagers.map(async (jm) => {
          try {
            const client = a.flink.jobManager(jm.url, REST_TIMEOUT_MS.oneJobManager, access);
            return { url: jm.url, config: await client.jobManagerConfig() };
          } catch (error) {
            return { url: jm.url, error: errorText(error) };
          }
        }),
      ),
      Promise.all(
        containerRoles.map(async ([name, role]) => {
          const state = await a.docker.inspectContainer(name);
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
    const cluster = a.flink.cluster(urls, REST_TIMEOUT_MS.cluster, access);
    baseline.job = { jobId, name: picked.job.name, state: picked.job.state, startTime: picked.job.startTime };
    const output = input.job.output;
    const [checkpoints, rate, listing, sequence, source] = await Promise.all([
      checkpointsOf(cluster, jobId).catch((error: Error) => error),
      recordsOutOf(
        cluster,
        urls.map((url) => a.flink.jobManager(url, REST_TIMEOUT_MS.oneJobManager, access)),
        jobId,
      ).catch(() => undefined),
      output ? a.output.freshness(output).catch(() => undefined) : undefined,
      output?.sequenceColumn !== undefined && !output.container
        ? a.output.sequence(output).catch((error: Error) => error)
        : undefined,
      input.kind === 'kill-taskmanager'
        ? sourceTaskManager(a, rest, jobId, input.taskManagerContainers).catch(() => undefined)
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
  };

/**
 * The TaskManager running the job's source (its first vertex), and its container: each
 * TaskManager logs "Starting TaskManager with ResourceID: <id>" when it starts.
 */
async function sourceTaskManager(
  a: DrillAdapters,
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
    const logs = await a.docker.containerLogs(container, 100_000).catch(() => '');
    const ids = [...logs.matchAll(/Starting TaskManager with ResourceID: (\S+)/g)].map((m) => m[1]);
    if (ids.at(-1) === resourceId) return { resourceId, container };
  }
  return { resourceId };
}
