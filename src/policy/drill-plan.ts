import { checkpointWindowMs } from './health';

/**
 * Pure decisions of the failover drill before anything is touched: which drills exist, what the
 * cluster must look like for one to start (the guardrails), which container gets the fault and
 * who is expected to take over. The seeds' 故障转移测试: stop the primary, see the standby take
 * over, restore the primary, check that no data was lost and files keep coming.
 */

export const DRILL_KINDS = ['stop-leader', 'kill-leader', 'kill-taskmanager', 'stop-zookeeper'] as const;
export type DrillKind = (typeof DRILL_KINDS)[number];

/** The seeds' SLA: 故障转移时间 < 30秒. */
export const SLA_TAKEOVER_MS = 30_000;
/** Past this the drill stops waiting, restores the node and reports the takeover as failed. */
export const DEFAULT_TAKEOVER_LIMIT_MS = 120_000;
/** The seeds wait 20 s after restarting the primary before checking that the job still runs. */
export const AFTER_RESTORE_WATCH_MS = 20_000;

export const KIND_TEXT: Record<DrillKind, string> = {
  'stop-leader': 'graceful stop (docker stop) of the leading JobManager',
  'kill-leader': 'SIGKILL of the leading JobManager',
  'kill-taskmanager': 'SIGKILL of the TaskManager running the job source',
  'stop-zookeeper': 'stop of ZooKeeper',
};

export const isLeaderKind = (kind: DrillKind) => kind === 'stop-leader' || kind === 'kill-leader';

export type NodeRole = 'jobmanager' | 'taskmanager' | 'zookeeper';

/** Everything the drill looks at before the fault: the guardrails' input and the report's baseline. */
export interface DrillBaseline {
  at: number;
  jobManagers: Array<{
    url: string;
    container: string;
    role: 'primary' | 'standby';
    state: 'up' | 'no-leader' | 'down' | 'error';
    error?: string;
    taskManagers?: number;
  }>;
  containers: Array<{ name: string; role: NodeRole; exists: boolean; running: boolean }>;
  /** The REST leader ZooKeeper names. */
  leader?: { url: string; sessionId: string; container?: string; consistent: boolean };
  leaderError?: string;
  ha: {
    agree: boolean;
    differences: Array<{ key: string; values: Record<string, string | null> }>;
    unread: Array<{ url: string; error: string }>;
    /** Each JobManager's high-availability.type (null when unset: no HA). */
    types: Record<string, string | null>;
  };
  job?: { jobId: string; name: string; state: string; startTime: number };
  jobProblem?: string;
  checkpoint?: { id: number; completedAt: number; path?: string };
  checkpointError?: string;
  /** The job's own checkpoint interval and timeout, as Flink reports them. */
  checkpointConfig?: { intervalMs: number; timeoutMs: number };
  recordsPerSecond?: number;
  output?: { newestCommittedAt?: number; committedFiles: number };
  /** The sequence position before the fault (jobs with a sequence column). */
  sequence?: { last?: number; rows: number; gaps: number; duplicates: number };
  sequenceError?: string;
  /** The TaskManager that runs the job's source: the one whose loss the job notices. */
  sourceTaskManager?: { resourceId: string; container?: string };
}

export interface DrillContext {
  kind: DrillKind;
  expectedTaskManagers: number;
  slotsPerTaskManager: number;
  parallelism: number;
  zookeeperContainer?: string;
}

export interface FaultPlan {
  kind: DrillKind;
  action: 'stop' | 'kill';
  target: { container: string; role: NodeRole; url?: string };
  /** The JobManager that should take over (leader kinds). */
  successor?: { url: string; container: string };
  /** One line for the report: "SIGKILL drill-flink-jobmanager (the leader, http://...)". */
  summary: string;
}

/** Which container the fault hits, or why no drill of this kind can run on this cluster. */
export function planFault(baseline: DrillBaseline, ctx: DrillContext): FaultPlan | { problem: string } {
  const { kind } = ctx;
  const action = kind === 'stop-leader' || kind === 'stop-zookeeper' ? 'stop' : 'kill';
  const verb = action === 'stop' ? 'docker stop' : 'SIGKILL';
  if (isLeaderKind(kind)) {
    const leader = baseline.jobManagers.find((jm) => jm.url === baseline.leader?.url);
    if (!leader) return { problem: 'the leading JobManager is not one of the configured JobManagers' };
    const successor = baseline.jobManagers.find((jm) => jm.url !== leader.url && jm.state === 'up');
    if (!successor) return { problem: 'no other JobManager is up to take over from the leader' };
    return {
      kind,
      action,
      target: { container: leader.container, role: 'jobmanager', url: leader.url },
      successor: { url: successor.url, container: successor.container },
      summary: `${verb} ${leader.container} (the leader, ${leader.url}); ${successor.container} should take over`,
    };
  }
  if (kind === 'kill-taskmanager') {
    const container = baseline.sourceTaskManager?.container;
    if (!container)
      return {
        problem: baseline.sourceTaskManager
          ? `TaskManager ${baseline.sourceTaskManager.resourceId} runs the job's source, but no configured container is that TaskManager`
          : "no TaskManager is known to run the job's source",
      };
    const left = (ctx.expectedTaskManagers - 1) * ctx.slotsPerTaskManager;
    if (left < ctx.parallelism)
      return {
        problem: `without ${container} the cluster has ${left} slot(s); the job needs ${ctx.parallelism} to restart`,
      };
    return {
      kind,
      action,
      target: { container, role: 'taskmanager' },
      summary: `${verb} ${container} (runs the job's source); the job should restart on the other TaskManagers`,
    };
  }
  if (!ctx.zookeeperContainer)
    return { problem: 'zookeeper.container is not set: the drill cannot stop ZooKeeper' };
  return {
    kind,
    action,
    target: { container: ctx.zookeeperContainer, role: 'zookeeper' },
    summary: `${verb} ${ctx.zookeeperContainer} (ZooKeeper); started again once the JobManagers lose leadership`,
  };
}

export interface DrillReadiness {
  ok: boolean;
  /** What is wrong, one line each; empty when ok. */
  problems: string[];
  /** Worth knowing, not a reason to refuse. */
  notes: string[];
  plan?: FaultPlan;
}

/**
 * The guardrails: a drill starts only on a healthy HA cluster — every JobManager answers, ZooKeeper
 * names a leader and both leadership records agree, every JobManager runs ZooKeeper HA with the
 * same settings, the job is RUNNING with a recent completed checkpoint, every TaskManager is
 * registered and every container runs. Otherwise it refuses, naming each problem.
 */
export function drillReadiness(baseline: DrillBaseline, ctx: DrillContext): DrillReadiness {
  const problems: string[] = [];
  const notes: string[] = [];
  for (const jm of baseline.jobManagers) {
    if (jm.state !== 'up')
      problems.push(
        `JobManager ${jm.url} (${jm.container}) is ${jm.state}${jm.error ? `: ${jm.error}` : ''}`,
      );
  }
  for (const c of baseline.containers) {
    if (!c.exists) problems.push(`container ${c.name} (${c.role}) does not exist`);
    else if (!c.running) problems.push(`container ${c.name} (${c.role}) is not running`);
  }

  if (!baseline.leader)
    problems.push(
      `ZooKeeper names no REST leader${baseline.leaderError ? ` (${baseline.leaderError})` : ''}`,
    );
  else {
    if (!baseline.jobManagers.some((jm) => jm.url === baseline.leader?.url))
      problems.push(`the REST leader ${baseline.leader.url} is not one of the configured JobManagers`);
    if (!baseline.leader.consistent)
      problems.push(
        'REST and dispatcher leadership in ZooKeeper disagree (a split or an election under way)',
      );
  }

  const noHa = Object.entries(baseline.ha.types).filter(([, type]) => type?.toLowerCase() !== 'zookeeper');
  for (const [url, type] of noHa)
    problems.push(`HA is not configured on ${url}: high-availability.type is ${type ?? 'not set'}`);
  for (const d of baseline.ha.differences)
    problems.push(
      `JobManagers disagree on ${d.key}: ${Object.entries(d.values)
        .map(([url, v]) => `${url}=${v ?? '(unset)'}`)
        .join(', ')}`,
    );
  for (const u of baseline.ha.unread) problems.push(`cannot read the configuration of ${u.url}: ${u.error}`);

  if (!baseline.job) problems.push(baseline.jobProblem ?? 'no job to drill with');
  else if (baseline.job.state !== 'RUNNING')
    problems.push(`job ${baseline.job.jobId} is ${baseline.job.state}, not RUNNING`);
  else if (!baseline.checkpoint)
    problems.push(
      `job ${baseline.job.jobId} has no completed checkpoint${baseline.checkpointError ? ` (${baseline.checkpointError})` : ''}: a failover would lose its state`,
    );
  else if (baseline.checkpointConfig) {
    const window = checkpointWindowMs(baseline.checkpointConfig);
    const age = baseline.at - baseline.checkpoint.completedAt;
    if (age > window)
      problems.push(
        `the latest checkpoint (#${baseline.checkpoint.id}) completed ${seconds(age)} ago, longer than the job's window of ${seconds(window)}`,
      );
  }

  const registered = Math.max(-1, ...baseline.jobManagers.map((jm) => jm.taskManagers ?? -1));
  if (registered >= 0 && registered < ctx.expectedTaskManagers)
    problems.push(`${registered} of ${ctx.expectedTaskManagers} TaskManagers are registered`);

  if (baseline.sequence && baseline.sequence.gaps > 0)
    notes.push(
      `the output already has ${baseline.sequence.gaps} gap(s) before the drill; only rows after #${baseline.sequence.last} are judged`,
    );
  if (baseline.sequenceError) notes.push(`sequence not readable: ${baseline.sequenceError}`);

  const plan = planFault(baseline, ctx);
  if ('problem' in plan) problems.push(plan.problem);
  return { ok: problems.length === 0, problems, notes, plan: 'problem' in plan ? undefined : plan };
}

/** `drill-sandbox-kill-leader-20261121T063000Z`: the report's file name, from workflow time. */
export function drillId(cluster: string, kind: DrillKind, at: number): string {
  const stamp = new Date(at)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
  return `${cluster}-${kind}-${stamp}`;
}

/** How long the job's maintenance lease lasts: the takeover limit plus every wait after it. */
export function drillLeaseTtlMs(takeoverLimitMs: number, probeTimeoutMs: number): number {
  return 2 * takeoverLimitMs + 3 * probeTimeoutMs + AFTER_RESTORE_WATCH_MS + 10 * 60_000;
}

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
