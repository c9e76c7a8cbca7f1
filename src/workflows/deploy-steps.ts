import { patched, workflowInfo } from '@temporalio/workflow';
import type { ContainerRole, PlannedContainer } from '../docker/container-plan';
import { specRetentionProblem } from '../policy/checkpoint-retention';
import {
  type EngineLook,
  engineNodes,
  enginesAsOne,
  enginesSummary,
  nodeImages,
} from '../policy/deploy-engines';
import { deployJobId, jobMatchesSpec } from '../policy/deploy-hash';
import {
  type DeployObservation,
  type DeployPlan,
  desiredDeployment,
  flinkJobNames,
  jobsOfThisJob,
  planDeploy,
  plannedNames,
  plannedPorts,
  precheckProblems,
  staleTaskManagersPossible,
} from '../policy/deploy-plan';
import { planSummary } from '../policy/deploy-report';
import {
  checkpointConfigFindings,
  clusterFindings,
  type Finding,
  findingLine,
} from '../policy/deploy-verify';
import { ENDED_JOB_STATES } from '../policy/job-states';
import { FAILURE } from '../temporal/failure-types';
import {
  checkDockerEngine,
  checkHaSettings,
  checkNodeEngines,
  checkPortsFree,
  checkSourceReadiness,
  createContainer,
  ensureMonitor,
  getJobState,
  inspectClusterContainers,
  inspectDirectories,
  inspectImages,
  inspectJar,
  jobFailureCause,
  listTaskManagers,
  measureFreeDisk,
  observeCheckpoints,
  observeClusterJobs,
  planJob,
  prepareDirectories,
  probeJobManagers,
  removeClusterContainer,
  startContainer,
  stopContainer,
  stopWithSavepoint,
  submitJob,
  waitForCheckpoint,
  waitForJobManagerReady,
  waitForJobState,
  waitForNewOutput,
  waitForSavepoint,
  waitForTaskManagersReady,
  waitForZooKeeperReady,
} from './activities';
import { type DeployRun, describeFailure, type StepDone, StepFailed, unlessJobEnds } from './deploy-run';
import { failureType } from './failures';
import { newFlinkJobId } from './flink-ids';
import { releaseLease, takeLease } from './lease';

/**
 * The steps of the deploy runbook, each the body of one line in deploy.ts. They observe through
 * activities, decide through src/policy/deploy-*.ts, and act on the plan the precheck made.
 */

/** Bounded waits, generous for a loaded machine. */
const WAIT = {
  zookeeper: 60_000,
  jobManager: 180_000,
  taskManagers: 180_000,
  jobRunning: 180_000,
  oldJobEnded: 120_000,
  /** A JobManager container that runs but was just (re)started needs a few seconds to answer. */
  restAnswer: 60_000,
} as const;

/** How long the monitor stands down while a deploy holds the job (kept after a failure, for inspection). */
export const LEASE_TTL_MS = 30 * 60_000;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * The monitor restarts every deployed job: checkpoints a cancel deletes fail the precheck (the
 * spec's settings) and the verify (the job's own), not a warning. Deploys recorded before keep
 * the warning on replay.
 */
const CHECKPOINTS_RETAINED = 'deploy-checkpoints-retained';

/**
 * The precheck asks every engine the nodes run on, and for each node's image on its own engine.
 * Deploys recorded before asked only the worker's engine, and replay that way.
 */
const EVERY_ENGINE = 'deploy-precheck-every-engine';

// ---- 1. precheck ----

export async function precheck(run: DeployRun): Promise<StepDone<DeployPlan>> {
  const { cluster, job, input } = run;
  const options = { savepointPath: input.savepointPath, freeDiskGb: input.freeDiskGb };
  const draft = desiredDeployment(cluster, job, [], undefined, options);

  let engine: DeployObservation['engine'];
  let engines: EngineLook[] | undefined;
  let askImages: () => Promise<DeployObservation['images']>;
  if (patched(EVERY_ENGINE)) {
    run.doing("asking every Docker engine the nodes run on, and for each node's image on its own");
    engines = await checkNodeEngines({ nodes: engineNodes(draft.containers) });
    engine = enginesAsOne(engines);
    const seen = nodeImages(engines);
    askImages = async () => seen;
  } else {
    run.doing('asking the Docker engine');
    engine = await checkDockerEngine();
    askImages = () => inspectImages({ images: [...new Set(draft.containers.map((c) => c.image))] });
  }
  run.doing('looking at images, disk, ports, containers, directories and the jar');
  const [images, disk, ports, containers, directories, jar] = engine.reachable
    ? await Promise.all([
        askImages(),
        measureFreeDisk({ paths: draft.storagePaths }),
        checkPortsFree({ ports: plannedPorts(draft) }),
        inspectClusterContainers({ cluster: cluster.name, names: plannedNames(draft) }),
        inspectDirectories({
          paths: [...new Set([...draft.directories, ...(draft.haHostDir ? [draft.haHostDir] : [])])],
        }),
        inspectJar({ jar: job.jar, entryClass: job.entryClass }),
      ])
    : [
        [],
        [],
        [],
        [],
        [],
        { path: job.jar, entryClass: job.entryClass, readable: false, isJar: false, hasEntryClass: false },
      ];
  const observed: DeployObservation = {
    engine,
    images,
    ...(engines ? { engines } : {}),
    disk,
    ports,
    containers,
    directories,
    jar,
  };

  const jobManagerNames = cluster.jobManagers.map((jm) => jm.container);
  if (containers.some((c) => c.running && jobManagerNames.includes(c.name))) {
    run.doing('asking the running JobManagers for jobs, HA settings and a plan of the jar');
    observed.rest = await observeClusterJobs({ ...run.flink, waitMs: WAIT.restAnswer });
    if (observed.rest.answering) {
      const [validation, ha] = await Promise.all([
        jar.isJar && jar.hasEntryClass
          ? planJob({
              ...run.flink,
              jar: job.jar,
              entryClass: job.entryClass,
              args: job.args,
              parallelism: job.parallelism,
            })
          : Promise.resolve(undefined),
        checkHaSettings({ jobManagers: cluster.jobManagers, access: cluster.rest }),
      ]);
      observed.jarValidation = validation;
      observed.liveHa = ha;
    }
  }

  const desired = desiredDeployment(cluster, job, images, jar.sha256, options);
  const current = jobsOfThisJob(desired, observed.rest?.jobs ?? [], flinkJobNames(desired, observed))[0];
  if (
    input.savepointPath &&
    current &&
    desired.jobSpecHash &&
    jobMatchesSpec(current.jobId, desired.jobKey, desired.jobSpecHash)
  )
    observed.currentRestoredFrom = (
      await observeCheckpoints({ ...run.flink, jobId: current.jobId })
    ).restoredFrom?.path;

  const plan = planDeploy(desired, observed);
  const problems = precheckProblems(desired, observed, plan);
  if (patched(CHECKPOINTS_RETAINED)) {
    const retention = specRetentionProblem([
      cluster.flinkConfig,
      ...cluster.jobManagers.map((jm) => jm.config),
    ]);
    if (retention) problems.push({ check: 'spec', message: retention });
  }
  if (job.source) {
    run.doing('asking the source database whether the job can read it');
    const source = await checkSourceReadiness({ source: job.source, jobLive: current !== undefined });
    problems.push(...source.problems.map((message) => ({ check: 'source' as const, message })));
  }
  Object.assign(run, { desired, observed, plan, problems });
  run.progress.plan = plan;
  if (plan.job.action === 'keep' && plan.job.current) run.jobId = plan.job.current.jobId;

  const evidence = problems.map((p) => `${p.check}: ${p.message}`);
  if (problems.length > 0 && !input.dryRun)
    throw new StepFailed(`${problems.length} check${problems.length === 1 ? '' : 's'} failed`, evidence);
  const freeGb = disk.length > 0 ? Math.min(...disk.map((d) => (d.freeBytes ?? 0) / 1024 ** 3)) : undefined;
  const free =
    freeGb === undefined ? 'no storage path' : `${freeGb.toFixed(0)} GB free (≥ ${desired.minFreeGb})`;
  const summary =
    problems.length > 0
      ? `${problems.length} check(s) would fail`
      : `${engines ? enginesSummary(engines) : `Docker ${engine.version}`}, images present, ${free}, ${ports.length} ports free or ours, spec consistent, jar ${jar.sha256?.slice(0, 12)}; plan: ${plan.noop ? 'nothing to change' : planSummary(plan)}`;
  return { value: plan, summary, failedWith: problems.length > 0 ? evidence : undefined };
}

// ---- 2. stop old services ----

export async function stopOldServices(run: DeployRun): Promise<StepDone<void>> {
  const { plan, cluster, job } = run;
  const changes: string[] = [];

  run.doing('taking the maintenance lease: the monitor stands down');
  // Held past this step until the hand-over: a deploy that fails leaves the cluster as it is, the monitor standing down.
  const lease = await takeLease({
    cluster: cluster.name,
    job: job.name,
    purpose: 'deploy',
    ttlMs: LEASE_TTL_MS,
  });
  run.leaseUntil = Date.now() + LEASE_TTL_MS;
  if (lease.monitor === 'running') changes.push('took the maintenance lease: the monitor stands down');

  const old = plan.job.action === 'replace' ? plan.job.current : undefined;
  if (old) {
    run.doing(`stopping job ${old.jobId} with a savepoint`);
    const triggerId = newFlinkJobId();
    await stopWithSavepoint({
      ...run.flink,
      jobId: old.jobId,
      targetDirectory: job.savepointDir,
      triggerId,
    });
    const { location } = await waitForSavepoint({
      ...run.flink,
      jobId: old.jobId,
      triggerId,
      timeoutMs: job.checkpoints.timeout * 2 + 60_000,
    });
    Object.assign(run, { savepoint: location, previousJobId: old.jobId });
    await waitForJobState({
      ...run.flink,
      jobId: old.jobId,
      states: [...ENDED_JOB_STATES],
      timeoutMs: WAIT.oldJobEnded,
    });
    changes.push(`stopped job ${old.jobId} with savepoint ${location}`);
  }

  for (const container of [...plan.containers].reverse()) {
    if (container.action !== 'recreate' && container.action !== 'remove') continue;
    run.doing(`stopping ${container.name}`);
    await stopContainer({ container: container.name, timeoutSeconds: 30 }).catch((error: unknown) => {
      if (failureType(error) !== FAILURE.ContainerNotFound) throw error;
    });
    await removeClusterContainer({ container: container.name, cluster: cluster.name });
    changes.push(`stopped and removed ${container.name} (${container.reason})`);
  }
  return { value: undefined, summary: changes.length > 0 ? changes.join('; ') : 'nothing to stop', changes };
}

// ---- 3. clean and prepare ----

export async function cleanAndPrepare(run: DeployRun): Promise<StepDone<void>> {
  const { create, empty } = run.plan.directories;
  if (create.length === 0 && empty.length === 0)
    return { value: undefined, summary: 'every directory exists; nothing to clean', changes: [] };
  run.doing('creating and cleaning directories');
  const done = await prepareDirectories({ create, empty, protectedDirs: run.desired.protectedDirs });
  const changes = done
    .filter((d) => d.action !== 'existed')
    .map((d) => (d.action === 'emptied' ? `emptied ${d.path} (${d.removed} entries)` : `created ${d.path}`));
  return {
    value: undefined,
    summary: changes.length > 0 ? changes.join('; ') : 'directories in place',
    changes,
  };
}

// ---- 4. start ZooKeeper → JobManagers → TaskManagers, each waited on ----

/** Creates and starts a container as the plan says; returns what it changed. */
async function bringUp(run: DeployRun, container: PlannedContainer): Promise<string | undefined> {
  const step = run.plan.containers.find((c) => c.name === container.name);
  if (!step || step.action === 'keep') return undefined;
  run.doing(`starting ${container.name}`);
  if (step.action === 'create' || step.action === 'recreate') {
    const { created } = await createContainer({ plan: container });
    await startContainer({ container: container.name });
    return `${created ? 'created and started' : 'started'} ${container.name}`;
  }
  return `${(await startContainer({ container: container.name })) === 'started' ? 'started' : 'found running'} ${container.name}`;
}

const ofRole = (run: DeployRun, role: ContainerRole) => run.desired.containers.filter((c) => c.role === role);

export async function startZooKeeper(run: DeployRun): Promise<StepDone<void>> {
  const changes: string[] = [];
  for (const container of ofRole(run, 'zookeeper')) {
    const change = await bringUp(run, container);
    if (change) changes.push(change);
  }
  run.doing(`waiting for ZooKeeper ${run.cluster.zookeeper.quorum}`);
  const { waitedMs } = await waitForZooKeeperReady({
    quorum: run.cluster.zookeeper.quorum,
    timeoutMs: WAIT.zookeeper,
  });
  return {
    value: undefined,
    summary: `${[...changes, 'answers imok'].join('; ')} (waited ${seconds(waitedMs)})`,
    changes,
  };
}

export async function startJobManagers(run: DeployRun): Promise<StepDone<void>> {
  const changes: string[] = [];
  const waited: string[] = [];
  for (const container of ofRole(run, 'jobmanager')) {
    const change = await bringUp(run, container);
    if (change) changes.push(change);
    const url = run.cluster.jobManagers.find((jm) => jm.container === container.name)?.url ?? '';
    run.doing(`waiting for ${url} to answer`);
    const ready = await waitForJobManagerReady({ url, access: run.cluster.rest, timeoutMs: WAIT.jobManager });
    waited.push(`${container.name} answers (Flink ${ready.flinkVersion}, ${seconds(ready.waitedMs)})`);
  }
  return { value: undefined, summary: [...changes, ...waited].join('; '), changes };
}

export async function startTaskManagers(run: DeployRun): Promise<StepDone<void>> {
  const since = Date.now();
  const changes: string[] = [];
  for (const container of ofRole(run, 'taskmanager')) {
    const change = await bringUp(run, container);
    if (change) changes.push(change);
  }
  const expected = run.cluster.taskManagers.containers.length;
  run.doing(`waiting for ${expected} TaskManagers to register`);
  const ready = await waitForTaskManagersReady({
    ...run.flink,
    expected,
    timeoutMs: WAIT.taskManagers,
    heardSince: staleTaskManagersPossible(run.plan) ? since : undefined,
  });
  const summary = `${ready.registered}/${expected} TaskManagers registered, ${ready.slots} slots (${seconds(ready.waitedMs)})`;
  return { value: undefined, summary: [...changes, summary].join('; '), changes };
}

// ---- 5. deploy the job ----

export async function deployJob(run: DeployRun): Promise<StepDone<void>> {
  const { plan, desired, job } = run;
  if (plan.job.action === 'keep')
    return { value: undefined, summary: `job ${run.jobId} keeps running (${plan.job.reason})`, changes: [] };

  const names = flinkJobNames(desired, run.observed);
  if (!run.observed.jarValidation) {
    run.doing('asking the JobManager to plan the jar');
    const validation = await planJob({
      ...run.flink,
      jar: job.jar,
      entryClass: job.entryClass,
      args: job.args,
      parallelism: job.parallelism,
    });
    if (!validation.ok)
      throw new StepFailed(`the JobManager rejects the job: ${validation.error}`, [
        `jar ${job.jar}, entry class ${job.entryClass}, args ${JSON.stringify(job.args)}: ${validation.error}`,
      ]);
    if (validation.jobName) names.push(validation.jobName);
  }

  // A JobManager that found HA state may have recovered a job since the precheck looked.
  run.doing('looking for jobs recovered from HA state');
  const seen = await observeClusterJobs({ ...run.flink, waitMs: WAIT.restAnswer });
  const live = jobsOfThisJob(desired, seen.jobs, names);
  if (live.length > 0) {
    const [only] = live;
    if (
      live.length === 1 &&
      only &&
      desired.jobSpecHash &&
      jobMatchesSpec(only.jobId, desired.jobKey, desired.jobSpecHash)
    ) {
      run.jobId = only.jobId;
      return {
        value: undefined,
        summary: `job ${only.jobId} of this spec was recovered from HA state: adopted, not submitted again`,
        changes: [],
      };
    }
    throw new StepFailed(
      'jobs the precheck did not see are running (recovered from HA state?); deploy again to replace them',
      live.map((j) => `job ${j.jobId} ${j.name} ${j.state}`),
    );
  }

  const savepointPath =
    plan.job.restore === 'given'
      ? plan.job.savepointPath
      : plan.job.restore === 'old-job-savepoint'
        ? run.savepoint
        : undefined;
  const jobId = deployJobId(desired.jobKey, desired.jobSpecHash ?? '', newFlinkJobId());
  Object.assign(run, { jobId, restoredFrom: savepointPath, submittedAt: Date.now() });
  run.progress.jobId = jobId;
  run.doing(`submitting ${job.name} as job ${jobId}`);
  const submitted = await submitJob({
    ...run.flink,
    jobId,
    jar: job.jar,
    entryClass: job.entryClass,
    parallelism: job.parallelism,
    args: job.args,
    savepointPath,
  });
  run.doing(`waiting for job ${jobId} to be RUNNING`);
  const { state, waitedMs } = await waitForJobState({
    ...run.flink,
    jobId,
    states: ['RUNNING', ...ENDED_JOB_STATES],
    timeoutMs: WAIT.jobRunning,
  });
  if (state !== 'RUNNING') {
    const cause = await jobFailureCause({ ...run.flink, jobId });
    throw new StepFailed(`job ${jobId} is ${state}`, [
      `job ${jobId} is ${state}`,
      ...(cause.rootCause ? [`root cause: ${cause.rootCause}`] : []),
    ]);
  }
  const from = savepointPath ? ` from ${savepointPath}` : '';
  const change = `submitted ${job.name} as job ${jobId}${from} (${submitted.alreadySubmitted ? 'found already submitted' : 'new'})`;
  return { value: undefined, summary: `${change}; RUNNING after ${seconds(waitedMs)}`, changes: [change] };
}

// ---- 6. verify ----

export async function verify(run: DeployRun): Promise<StepDone<void>> {
  const { cluster, job } = run;
  const jobId = run.jobId ?? '';
  const findings: Finding[] = [];
  const fail = (message: string, extra: string[] = []) =>
    new StepFailed(message, [...findings.map(findingLine), ...extra]);

  run.doing('asking every JobManager, the TaskManagers, the HA settings and the job state');
  const [jobManagers, taskManagers, ha, state] = await Promise.all([
    probeJobManagers(cluster.jobManagers, cluster.rest),
    listTaskManagers(run.flink),
    checkHaSettings({ jobManagers: cluster.jobManagers, access: cluster.rest }),
    getJobState({ ...run.flink, jobId }),
  ]);
  findings.push(
    ...clusterFindings({
      jobManagers,
      taskManagers: { registered: taskManagers.length, expected: cluster.taskManagers.containers.length },
      ha,
      job: { jobId, state },
    }),
  );
  const failed = findings.filter((f) => !f.ok);
  if (failed.length > 0) {
    const cause = state !== 'RUNNING' ? await jobFailureCause({ ...run.flink, jobId }) : undefined;
    throw fail(
      failed.map((f) => `${f.check}: ${f.detail}`).join('; '),
      cause?.rootCause ? [`root cause: ${cause.rootCause}`] : [],
    );
  }

  const checkpoints = await observeCheckpoints({ ...run.flink, jobId });
  const retentionRequired = patched(CHECKPOINTS_RETAINED);
  findings.push(...checkpointConfigFindings(job.checkpoints, checkpoints.config, { retentionRequired }));
  const unsafe = findings.filter((f) => !f.ok);
  if (unsafe.length > 0) throw fail(unsafe.map((f) => `${f.check}: ${f.detail}`).join('; '));
  const afterId = Math.max(checkpoints.latestCompleted?.id ?? 0, checkpoints.restoredFrom?.id ?? 0);
  const checkpointWait = job.checkpoints.interval + job.checkpoints.timeout + 60_000;
  run.doing(`waiting for a checkpoint of job ${jobId} after #${afterId}`);
  const checkpoint = await unlessJobEnds(run, jobId, checkpointWait, () =>
    waitForCheckpoint({ ...run.flink, jobId, afterId, timeoutMs: checkpointWait }),
  ).catch((error: unknown) => {
    throw error instanceof StepFailed
      ? fail(error.message, error.evidence)
      : fail(`no checkpoint completed within ${seconds(checkpointWait)}`, describeFailure(error).evidence);
  });
  findings.push({ check: 'checkpoint completed', ok: true, detail: `#${checkpoint.id}` });

  const output = job.output;
  if (output) {
    const after = run.submittedAt ?? Date.now() - output.freshness;
    run.doing(`waiting for an output file committed within ${seconds(output.freshness)}`);
    const file = await unlessJobEnds(run, jobId, output.freshness, () =>
      waitForNewOutput({ output, after, timeoutMs: output.freshness }),
    ).catch((error: unknown) => {
      throw error instanceof StepFailed
        ? fail(error.message, error.evidence)
        : fail(
            `no output file committed in ${output.path} within ${seconds(output.freshness)}`,
            describeFailure(error).evidence,
          );
    });
    findings.push({
      check: 'output committed',
      ok: true,
      detail: `${file.path.split('/').at(-1)} at ${new Date(file.committedAt).toISOString()}`,
    });
  } else {
    findings.push({
      check: 'output committed',
      ok: true,
      warning: true,
      detail: 'the spec names no output to check',
    });
  }
  return { value: undefined, summary: findings.map(findingLine).join('; '), changes: [] };
}

// ---- 7. hand over to the monitor ----

export async function handOverToMonitor(run: DeployRun): Promise<StepDone<void>> {
  const { cluster, job } = run;
  const jobId = run.jobId ?? '';
  const changes: string[] = [];
  if (run.leaseUntil !== undefined) {
    run.doing('releasing the maintenance lease');
    const { released } = await releaseLease({ cluster: cluster.name, job: job.name }, { jobId });
    if (released) changes.push('released the maintenance lease');
  }
  run.doing('starting or signalling the monitor');
  const monitor = await ensureMonitor({
    cluster: cluster.name,
    job: job.name,
    jobId,
    reason: run.plan.noop
      ? `deploy ${workflowInfo().workflowId} found job ${jobId} deployed`
      : `deploy ${workflowInfo().workflowId} submitted job ${jobId}`,
  });
  run.monitorWorkflowId = monitor.workflowId;
  changes.push(`monitor ${monitor.workflowId} watches job ${jobId}`);
  return { value: undefined, summary: changes.join('; '), changes };
}
