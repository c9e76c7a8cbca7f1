import type { JarInspection } from '../activities/savepoints';
import type { JobSpec, NamedCluster } from '../config/schema';
import { type ContainerRole, type PlannedContainer, planContainers } from '../docker/container-plan';
import { type EngineLook, engineProblems } from './deploy-engines';
import { containerSpecHash, jobKey, jobMatchesSpec, jobSpecHash, SPEC_HASH_LABEL } from './deploy-hash';
import { isWithin, type SpecProblem, specProblems } from './deploy-spec';
import type { HaAgreement } from './ha-agreement';
import { hostPathFor, sameLocation } from './retention';

/**
 * Pure: what the deploy runbook observed, what it wants, and the plan between the two. The
 * workflow observes (activities), calls `precheckProblems` and `planDeploy`, and acts on the
 * plan; a dry run returns the plan. No I/O, no clock.
 */

// ---- steps, in the order of the seeds' production-deploy.sh ----

export const DEPLOY_STEPS = [
  'precheck',
  'stop-old-services',
  'clean-and-prepare',
  'start-zookeeper',
  'start-jobmanagers',
  'start-taskmanagers',
  'deploy-job',
  'verify',
  'hand-over-to-monitor',
] as const;
export type DeployStep = (typeof DEPLOY_STEPS)[number];

/** The seeds' name for each step (production-deploy.sh and its checklists). */
export const SEED_STEP: Record<DeployStep, string> = {
  precheck: '预检查环境',
  'stop-old-services': '停止旧服务',
  'clean-and-prepare': '清理和准备',
  'start-zookeeper': '启动 HA 集群: ZooKeeper',
  'start-jobmanagers': '启动 HA 集群: JobManager',
  'start-taskmanagers': '启动 HA 集群: TaskManager',
  'deploy-job': '部署作业',
  verify: '验证部署',
  'hand-over-to-monitor': '启动健康监控',
};

// ---- what the activities observe ----

export interface ObservedContainer {
  name: string;
  exists: boolean;
  running: boolean;
  /** The `io.flink-runbooks.cluster` label: which cluster the container belongs to. */
  cluster?: string;
  role?: string;
  /** The `io.flink-runbooks.spec-hash` label: what it was created from. */
  specHash?: string;
  id?: string;
  startedAt?: string;
}

export interface DeployObservation {
  /** Reachable when every engine the nodes run on answers. */
  engine: { reachable: boolean; version?: string; error?: string };
  /** Each image's id; with `container`, its id on that node's own engine. */
  images: Array<{ image: string; id?: string; container?: string }>;
  /** Every engine the nodes run on (deploys started before it asked only the worker's own). */
  engines?: EngineLook[];
  /** Free space at each storage path, measured at its nearest existing folder. */
  disk: Array<{ path: string; measuredAt?: string; freeBytes?: number; error?: string }>;
  ports: Array<{ port: number; free: boolean; error?: string }>;
  /** Every planned container, and any other container labelled with this cluster. */
  containers: ObservedContainer[];
  directories: Array<{ path: string; exists: boolean; entries: number }>;
  /** The jar on the worker's machine: readable, a jar, holding the entry class, its SHA-256. */
  jar: JarInspection;
  /** Asked only when a JobManager container runs. */
  rest?: { answering: boolean; jobs: LiveJob[]; error?: string };
  /** The JobManager's verdict on the jar, args and parallelism (a plan, nothing submitted). */
  jarValidation?: JarValidation;
  /** HA settings as the running JobManagers report them. */
  liveHa?: HaAgreement;
  /** Where the running job of this spec was restored from, when a savepoint was asked for. */
  currentRestoredFrom?: string;
}

export interface LiveJob {
  jobId: string;
  name: string;
  state: string;
  startTime: number;
}

/** Flink's plan of the job (POST /jars/:id/plan): main() ran with the args, nothing submitted. */
export interface JarValidation {
  ok: boolean;
  error?: string;
  /** The name the program gives its job. */
  jobName?: string;
}

// ---- what the spec asks for ----

export interface DeployOptions {
  savepointPath?: string;
  freeDiskGb?: number;
}

export interface DesiredDeployment {
  cluster: string;
  job: string;
  /** In start order (ZooKeeper, primary JobManager, standbys, TaskManagers), spec-hash labelled. */
  containers: PlannedContainer[];
  jobKey: string;
  /** Undefined while the jar could not be read. */
  jobSpecHash?: string;
  jarSha256?: string;
  keepState: boolean;
  savepointDir: string;
  savepointPath?: string;
  minFreeGb: number;
  storagePaths: string[];
  /** Host folders of the volumes, created when missing. */
  directories: string[];
  /** Host folder of ha.storageDir, when it is a mounted file:// location. */
  haHostDir?: string;
  /** Host folders never emptied: checkpoints, savepoints, output. */
  protectedDirs: string[];
  zookeeperOwned: boolean;
  specProblems: SpecProblem[];
}

const LIVE_STATES = new Set([
  'INITIALIZING',
  'CREATED',
  'RUNNING',
  'FAILING',
  'CANCELLING',
  'RESTARTING',
  'RECONCILING',
  'SUSPENDED',
]);
export const isLive = (state: string) => LIVE_STATES.has(state);

/** Primary JobManager first, so that it wins the first election as in the seeds' deployment. */
function startOrder(cluster: NamedCluster, planned: PlannedContainer[]): PlannedContainer[] {
  const primary = cluster.jobManagers.find((jm) => jm.role === 'primary')?.container;
  const rank = (c: PlannedContainer) =>
    c.role === 'zookeeper' ? 0 : c.role === 'jobmanager' ? (c.name === primary ? 1 : 2) : 3;
  return planned
    .map((c, i) => ({ c, i }))
    .sort((a, b) => rank(a.c) - rank(b.c) || a.i - b.i)
    .map(({ c }) => c);
}

export function desiredDeployment(
  cluster: NamedCluster,
  job: JobSpec,
  images: DeployObservation['images'],
  jarSha256: string | undefined,
  options: DeployOptions = {},
): DesiredDeployment {
  const imageId = (c: PlannedContainer) =>
    images.find((i) => i.image === c.image && (i.container === undefined || i.container === c.name))?.id;
  const planned = planContainers(cluster);
  const containers = startOrder(cluster, planned).map((c) => ({
    ...c,
    labels: { ...c.labels, [SPEC_HASH_LABEL]: containerSpecHash(c, imageId(c)) },
  }));
  const host = (location: string) => hostPathFor(location, cluster.volumes);
  const protectedDirs = [
    host(job.checkpointDir),
    host(job.savepointDir),
    job.output && !job.output.container ? job.output.path : undefined,
  ].filter((p): p is string => p !== undefined);
  return {
    cluster: cluster.name,
    job: job.name,
    containers,
    jobKey: jobKey(cluster.name, job.name),
    jobSpecHash:
      jarSha256 === undefined
        ? undefined
        : jobSpecHash({
            jarSha256,
            entryClass: job.entryClass,
            parallelism: job.parallelism,
            args: job.args,
          }),
    jarSha256,
    keepState: job.keepState,
    savepointDir: job.savepointDir,
    savepointPath: options.savepointPath,
    minFreeGb: options.freeDiskGb ?? cluster.storage.minFreeGb,
    storagePaths:
      cluster.storage.paths.length > 0 ? cluster.storage.paths : cluster.volumes.map((v) => v.host),
    directories: cluster.volumes.map((v) => v.host),
    haHostDir: host(cluster.ha.storageDir),
    protectedDirs,
    zookeeperOwned: cluster.zookeeper.container !== undefined,
    specProblems: specProblems(cluster, job, planned),
  };
}

// ---- the plan ----

export type ContainerAction = 'keep' | 'start' | 'create' | 'recreate' | 'remove' | 'blocked';

export interface ContainerStep {
  name: string;
  role: ContainerRole | 'other';
  action: ContainerAction;
  reason: string;
}

export type JobAction = 'keep' | 'submit' | 'replace';

export interface JobPlan {
  action: JobAction;
  /** The live job of this name the deploy found. */
  current?: LiveJob;
  reason: string;
  /** Where the new job starts from: nothing, the savepoint given, or the savepoint the old job is stopped with. */
  restore: 'none' | 'given' | 'old-job-savepoint';
  savepointPath?: string;
}

export interface DeployPlan {
  noop: boolean;
  /** Start order; containers to remove come last. */
  containers: ContainerStep[];
  job: JobPlan;
  directories: { create: string[]; empty: string[] };
  /** What each step changes (in a dry run: would change). Read-only steps list nothing. */
  steps: Array<{ step: DeployStep; changes: string[] }>;
}

const FLINK_ROLES = new Set<string>(['jobmanager', 'taskmanager']);
const REPLACING = new Set<ContainerAction>(['create', 'recreate']);
const DISRUPTIVE = new Set<ContainerAction>(['recreate', 'remove']);

function decideContainer(
  desired: PlannedContainer,
  seen: ObservedContainer | undefined,
  cluster: string,
): Pick<ContainerStep, 'action' | 'reason'> {
  if (!seen?.exists) return { action: 'create', reason: 'absent' };
  if (seen.cluster !== cluster)
    return {
      action: 'blocked',
      reason: `exists but belongs to ${seen.cluster ? `cluster "${seen.cluster}"` : 'no flink-runbooks cluster'}; it is never removed`,
    };
  if (seen.specHash === undefined)
    return { action: 'recreate', reason: 'created without a spec hash (not by a deploy)' };
  if (seen.specHash !== desired.labels[SPEC_HASH_LABEL])
    return { action: 'recreate', reason: 'spec or image changed' };
  if (!seen.running) return { action: 'start', reason: 'stopped' };
  return { action: 'keep', reason: 'running, up to date' };
}

export function planContainerSteps(desired: DesiredDeployment, observed: DeployObservation): ContainerStep[] {
  const steps: ContainerStep[] = desired.containers.map((c) => ({
    name: c.name,
    role: c.role,
    ...decideContainer(
      c,
      observed.containers.find((o) => o.name === c.name),
      desired.cluster,
    ),
  }));
  const zookeeper = steps.find((s) => s.role === 'zookeeper');
  if (zookeeper && REPLACING.has(zookeeper.action)) {
    for (const s of steps)
      if (FLINK_ROLES.has(s.role) && (s.action === 'keep' || s.action === 'start'))
        Object.assign(s, {
          action: 'recreate',
          reason: 'ZooKeeper is new: the cluster starts with fresh HA state',
        });
  }
  const planned = new Set(desired.containers.map((c) => c.name));
  for (const extra of observed.containers)
    if (extra.exists && !planned.has(extra.name) && extra.cluster === desired.cluster)
      steps.push({
        name: extra.name,
        role: 'other',
        action: 'remove',
        reason: 'labelled with this cluster, not in the spec',
      });
  return steps;
}

/** The live jobs that are this job: made by a deploy of it (job id) or carrying its name. */
export function jobsOfThisJob(desired: DesiredDeployment, jobs: LiveJob[], names: string[]): LiveJob[] {
  return jobs.filter(
    (j) => isLive(j.state) && (j.jobId.startsWith(desired.jobKey) || names.includes(j.name)),
  );
}

export function flinkJobNames(desired: DesiredDeployment, observed: DeployObservation): string[] {
  const fromPlan = observed.jarValidation?.jobName ? [observed.jarValidation.jobName] : [];
  return [...new Set([desired.job, ...fromPlan])];
}

export function decideJob(
  desired: DesiredDeployment,
  current: LiveJob | undefined,
  containers: ContainerStep[],
  currentRestoredFrom?: string,
): JobPlan {
  const given = desired.savepointPath;
  const restoreForNew = (): Pick<JobPlan, 'restore' | 'savepointPath'> =>
    given ? { restore: 'given', savepointPath: given } : { restore: 'none' };
  if (!current) return { action: 'submit', reason: 'no job of this name runs', ...restoreForNew() };
  const replace = (reason: string): JobPlan => ({
    action: 'replace',
    current,
    reason,
    ...(given
      ? { restore: 'given', savepointPath: given }
      : desired.keepState
        ? { restore: 'old-job-savepoint' }
        : { restore: 'none' }),
  });
  const disrupted = containers.filter((c) => DISRUPTIVE.has(c.action) && c.role !== 'zookeeper');
  if (disrupted.length > 0)
    return replace(`containers it runs on are replaced (${disrupted.map((c) => c.name).join(', ')})`);
  if (!desired.jobSpecHash || !jobMatchesSpec(current.jobId, desired.jobKey, desired.jobSpecHash))
    return replace('it was not deployed from this spec (jar, entry class, parallelism or args differ)');
  if (given && !(currentRestoredFrom && sameLocation(currentRestoredFrom, given)))
    return replace(`a deploy from ${given} was asked for`);
  return { action: 'keep', current, reason: 'deployed from this spec and live', restore: 'none' };
}

export function planDirectories(
  desired: DesiredDeployment,
  observed: DeployObservation,
  containers: ContainerStep[],
): DeployPlan['directories'] {
  const exists = (path: string) => observed.directories.find((d) => d.path === path);
  const create = desired.directories.filter((path) => !exists(path)?.exists);
  const zookeeper = containers.find((c) => c.role === 'zookeeper');
  const freshHa =
    desired.zookeeperOwned &&
    zookeeper !== undefined &&
    REPLACING.has(zookeeper.action) &&
    containers.filter((c) => c.role === 'jobmanager').every((c) => REPLACING.has(c.action));
  const ha = desired.haHostDir;
  const emptyHa =
    freshHa &&
    ha !== undefined &&
    (exists(ha)?.entries ?? 0) > 0 &&
    !desired.protectedDirs.some((p) => isWithin(p, ha) || isWithin(ha, p));
  return { create, empty: emptyHa && ha ? [ha] : [] };
}

export function planDeploy(desired: DesiredDeployment, observed: DeployObservation): DeployPlan {
  const containers = planContainerSteps(desired, observed);
  const mine = jobsOfThisJob(desired, observed.rest?.jobs ?? [], flinkJobNames(desired, observed));
  const job = decideJob(desired, mine[0], containers, observed.currentRestoredFrom);
  const directories = planDirectories(desired, observed, containers);
  const noop =
    job.action === 'keep' &&
    containers.every((c) => c.action === 'keep') &&
    directories.create.length === 0 &&
    directories.empty.length === 0;
  return { noop, containers, job, directories, steps: describeSteps(desired, containers, job, directories) };
}

function describeSteps(
  desired: DesiredDeployment,
  containers: ContainerStep[],
  job: JobPlan,
  directories: DeployPlan['directories'],
): DeployPlan['steps'] {
  const stopping = [...containers]
    .reverse()
    .filter((c) => DISRUPTIVE.has(c.action))
    .map((c) => `stop and remove ${c.name} (${c.reason})`);
  const starting = (role: ContainerRole) =>
    containers
      .filter((c) => c.role === role && c.action !== 'keep' && c.action !== 'blocked')
      .map((c) =>
        c.action === 'start' ? `start ${c.name} (${c.reason})` : `create and start ${c.name} (${c.reason})`,
      );
  const stopJob =
    job.action === 'replace' && job.current
      ? [`stop job ${job.current.jobId} with a savepoint into ${desired.savepointDir} (${job.reason})`]
      : [];
  const restore =
    job.restore === 'given'
      ? `, restored from ${job.savepointPath}`
      : job.restore === 'old-job-savepoint'
        ? ", restored from the old job's savepoint"
        : '';
  return [
    { step: 'precheck', changes: [] },
    { step: 'stop-old-services', changes: [...stopJob, ...stopping] },
    {
      step: 'clean-and-prepare',
      changes: [
        ...directories.create.map((d) => `create ${d}`),
        ...directories.empty.map(
          (d) => `empty ${d} (HA storage of the previous cluster; ZooKeeper starts fresh)`,
        ),
      ],
    },
    { step: 'start-zookeeper', changes: starting('zookeeper') },
    { step: 'start-jobmanagers', changes: starting('jobmanager') },
    { step: 'start-taskmanagers', changes: starting('taskmanager') },
    {
      step: 'deploy-job',
      changes: job.action === 'keep' ? [] : [`submit ${desired.job} as a new job${restore}`],
    },
    { step: 'verify', changes: [] },
    {
      step: 'hand-over-to-monitor',
      changes: [`start or signal the monitor of ${desired.job} to watch the job`],
    },
  ];
}

/**
 * A TaskManager is started anew while a JobManager keeps running: the JobManager may still list
 * the TaskManager's previous incarnation until its heartbeat times out, so the wait for the
 * TaskManagers must not count registrations it has not heard from since the start.
 */
export function staleTaskManagersPossible(plan: Pick<DeployPlan, 'containers'>): boolean {
  const of = (role: string) => plan.containers.filter((c) => c.role === role);
  return (
    of('taskmanager').some((c) => c.action !== 'keep') && of('jobmanager').some((c) => c.action === 'keep')
  );
}

// ---- the precheck ----

export type PrecheckCheck =
  | 'docker'
  | 'images'
  | 'disk'
  | 'ports'
  | 'spec'
  | 'containers'
  | 'jar'
  | 'job'
  | 'ha'
  /** The job's CDC source database (src/policy/source-readiness.ts). */
  | 'source';

export interface PrecheckProblem {
  check: PrecheckCheck;
  message: string;
}

const GB = 1024 ** 3;
const gb = (bytes: number) => `${(bytes / GB).toFixed(1)} GB`;

/** Everything that stops a deploy before it changes anything; empty when it may go ahead. */
export function precheckProblems(
  desired: DesiredDeployment,
  observed: DeployObservation,
  plan: DeployPlan,
): PrecheckProblem[] {
  if (observed.engines) {
    // An engine that does not answer left the other observations unmade: only the engines speak.
    const engines = engineProblems(desired.containers, observed.engines);
    if (engines.some((p) => p.check === 'docker')) return engines;
    return [...engines, ...otherProblems(desired, observed, plan)];
  }
  if (!observed.engine.reachable)
    return [
      {
        check: 'docker',
        message: `the Docker engine does not answer: ${observed.engine.error ?? 'no reason given'}`,
      },
    ];
  const problems: PrecheckProblem[] = [];
  for (const image of new Set(desired.containers.map((c) => c.image)))
    if (!observed.images.find((i) => i.image === image)?.id)
      problems.push({
        check: 'images',
        message: `image ${image} is not present on the Docker engine (build or pull it first)`,
      });
  return [...problems, ...otherProblems(desired, observed, plan)];
}

/** The checks after the engines and images: disk, ports, spec, containers, jar, job, HA. */
function otherProblems(
  desired: DesiredDeployment,
  observed: DeployObservation,
  plan: DeployPlan,
): PrecheckProblem[] {
  const problems: PrecheckProblem[] = [];
  const add = (check: PrecheckCheck, message: string) => problems.push({ check, message });

  for (const disk of observed.disk) {
    if (disk.freeBytes === undefined)
      add('disk', `cannot measure free space at ${disk.path}: ${disk.error ?? 'unknown'}`);
    else if (disk.freeBytes < desired.minFreeGb * GB)
      add(
        'disk',
        `${gb(disk.freeBytes)} free at ${disk.path}${disk.measuredAt && disk.measuredAt !== disk.path ? ` (measured at ${disk.measuredAt})` : ''}, below the ${desired.minFreeGb} GB required (storage.minFreeGb, or freeDiskGb in the input)`,
      );
  }

  for (const port of observed.ports) {
    if (port.free) continue;
    const owner = desired.containers.find((c) => c.ports.includes(port.port));
    const seen = owner && observed.containers.find((c) => c.name === owner.name);
    const ours = seen?.exists && seen.running && seen.cluster === desired.cluster;
    if (!ours)
      add(
        'ports',
        `port ${port.port} on 127.0.0.1 is in use${owner ? `, and not by ${owner.name} (planned to listen there)` : ''}${port.error ? `: ${port.error}` : ''}`,
      );
  }

  for (const p of desired.specProblems) add('spec', `${p.path}: ${p.message}`);

  for (const c of plan.containers)
    if (c.action === 'blocked') add('containers', `container ${c.name} ${c.reason}`);

  const jar = observed.jar;
  if (!jar.readable) add('jar', `jar ${jar.path} cannot be read${jar.error ? ` (${jar.error})` : ''}`);
  else if (!jar.isJar) add('jar', `${jar.path} is not a jar${jar.error ? ` (${jar.error})` : ''}`);
  else if (!jar.hasEntryClass) add('jar', `${jar.path} does not contain the entry class ${jar.entryClass}`);
  if (observed.jarValidation && !observed.jarValidation.ok)
    add('jar', `the JobManager rejects the job (jar, entry class, args): ${observed.jarValidation.error}`);

  const jobManagersRun = observed.containers.some(
    (c) => c.running && desired.containers.find((d) => d.name === c.name)?.role === 'jobmanager',
  );
  if (jobManagersRun && observed.rest && !observed.rest.answering)
    add(
      'job',
      `JobManager containers run but no JobManager answers REST: ${observed.rest.error ?? 'no answer'}`,
    );

  const mine = jobsOfThisJob(desired, observed.rest?.jobs ?? [], flinkJobNames(desired, observed));
  if (mine.length > 1)
    add(
      'job',
      `${mine.length} live jobs of ${desired.job} (${mine.map((j) => `${j.jobId} ${j.state}`).join(', ')}): one writer per job; resolve this by hand`,
    );
  else if (plan.job.action === 'replace' && plan.job.current && plan.job.current.state !== 'RUNNING')
    add(
      'job',
      `job ${plan.job.current.jobId} is ${plan.job.current.state}; stopping it with a savepoint needs it RUNNING`,
    );

  const jobManagersKept = plan.containers
    .filter((c) => c.role === 'jobmanager')
    .every((c) => c.action === 'keep');
  if (jobManagersKept && observed.liveHa && observed.liveHa.read.length >= 2 && !observed.liveHa.agree)
    add(
      'ha',
      `the running JobManagers disagree on HA settings: ${observed.liveHa.differences
        .map(
          (d) =>
            `${d.key} (${Object.entries(d.values)
              .map(([url, v]) => `${url}=${v ?? '(unset)'}`)
              .join(', ')})`,
        )
        .join('; ')}`,
    );
  return problems;
}

/** The ports every planned container listens on, for the "ports free" check. */
export function plannedPorts(desired: DesiredDeployment): number[] {
  return [...new Set(desired.containers.flatMap((c) => c.ports))].sort((a, b) => a - b);
}

/** Names of containers to inspect: the planned ones (labels say which cluster owns them). */
export function plannedNames(desired: DesiredDeployment): string[] {
  return desired.containers.map((c) => c.name);
}
