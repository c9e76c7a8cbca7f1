import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sandboxDown, sandboxUp } from '../../scripts/lib/sandbox';
import { loadClustersFile } from '../../src/config/load';
import type { JobSpec, NamedCluster } from '../../src/config/schema';
import { planContainers } from '../../src/docker/container-plan';
import { inspectContainer } from '../../src/docker/engine';
import { FlinkClusterClient } from '../../src/flink/cluster-client';
import type { JobState } from '../../src/flink/types';
import { readCommittedRows } from '../../src/output/files';
import { pollUntil } from '../../src/util/poll';

/**
 * The benchmarks' own sandbox: a real Flink HA cluster in Docker described by
 * bench/fixtures/bench-sandbox.yaml (ports 2581/8481/8482, containers named `bench-…`, data under
 * .data/bench-sandbox), so that it never touches the default sandbox or the others. `--clusters`
 * and `--cluster` point the benchmarks at another file; its containers must carry the `bench-`
 * prefix too, unless `--any-containers` says the cluster is the caller's to break.
 */
export const BENCH_SANDBOX_FILE = fileURLToPath(new URL('../fixtures/bench-sandbox.yaml', import.meta.url));
export const BENCH_SANDBOX_CLUSTER = 'bench-sandbox';
const repo = fileURLToPath(new URL('../..', import.meta.url));

export interface SandboxOptions {
  file?: string;
  cluster?: string;
  anyContainers?: boolean;
  log?: (line: string) => void;
}

export interface BenchSandbox {
  file: string;
  cluster: NamedCluster;
  job: JobSpec;
  rest: FlinkClusterClient;
  urls: string[];
  outputDir: string;
  controlDir: string;
  /** The sample job's two versions, built next to the job's jar. */
  jars: { v1: string; v2: string };
}

export async function loadBenchSandbox(options: SandboxOptions = {}): Promise<BenchSandbox> {
  const file = options.file ?? BENCH_SANDBOX_FILE;
  const name = options.cluster ?? BENCH_SANDBOX_CLUSTER;
  const { clusters } = await loadClustersFile(file);
  const spec = clusters[name];
  if (!spec) throw new Error(`${file} has no cluster ${name}`);
  const cluster: NamedCluster = { name, ...spec };
  const foreign = planContainers(cluster)
    .map((c) => c.name)
    .filter((c) => !c.startsWith('bench-'));
  if (foreign.length > 0 && !options.anyContainers) {
    throw new Error(
      `the benchmarks stop, cancel and restart what they run on; ${name} has containers without the bench- prefix (${foreign.join(', ')}). Pass --any-containers if that cluster is yours to break.`,
    );
  }
  const job = cluster.jobs[0] as JobSpec;
  if (!job.output || job.probe?.type !== 'marker')
    throw new Error(`${name}: the benchmarks need the sample job with output and a marker probe`);
  const jarDir = dirname(job.jar);
  return {
    file,
    cluster,
    job,
    urls: cluster.jobManagers.map((jm) => jm.url),
    rest: new FlinkClusterClient(cluster.jobManagers.map((jm) => jm.url)),
    outputDir: job.output.path,
    controlDir: job.probe.controlDir,
    jars: { v1: join(jarDir, 'sample-pipeline-1.jar'), v2: join(jarDir, 'sample-pipeline-2.jar') },
  };
}

function run(script: string, args: string[] = []): void {
  execFileSync('bash', [join(repo, script), ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Docker engine, images and the sample job's jars (into the sandbox's own jar folder); each a no-op when done. */
export function prepareBenchSandbox(sb: BenchSandbox): void {
  run('scripts/ensure-docker.sh');
  run('sandbox/images/build.sh');
  run('sandbox/job/build.sh', [dirname(sb.jars.v1)]);
}

async function restAnswers(sb: BenchSandbox): Promise<boolean> {
  try {
    const overview = await sb.rest.call((c) => c.overview());
    return overview.taskmanagers >= sb.cluster.taskManagers.containers.length;
  } catch {
    return false;
  }
}

/**
 * Brings the sandbox up, or reuses it when all its containers run and the REST API answers with
 * every TaskManager. Returns whether this call started it (and so should remove it afterwards).
 */
export async function ensureBenchSandboxUp(sb: BenchSandbox, log: (line: string) => void): Promise<boolean> {
  const states = await Promise.all(planContainers(sb.cluster).map((c) => inspectContainer(c.name)));
  if (states.every((s) => s.running) && (await restAnswers(sb))) {
    log(`sandbox ${sb.cluster.name} is up already: reusing it`);
    return false;
  }
  if (states.some((s) => s.exists)) {
    log(`sandbox ${sb.cluster.name} is half up: removing it first`);
    await sandboxDown(sb.cluster);
  }
  log(`starting sandbox ${sb.cluster.name} (${sb.file})`);
  await sandboxUp(sb.cluster, (line) => log(line));
  return true;
}

export async function removeBenchSandbox(sb: BenchSandbox, log: (line: string) => void): Promise<void> {
  const removed = await sandboxDown(sb.cluster);
  log(`removed ${removed.join(', ') || 'nothing'}`);
}

export async function flinkVersion(sb: BenchSandbox): Promise<string | undefined> {
  try {
    const o = await sb.rest.call((c) => c.overview());
    return `${o['flink-version']} (commit ${o['flink-commit']})`;
  } catch {
    return undefined;
  }
}

export function setFault(sb: BenchSandbox, fault: 'none' | 'stall' | 'fail' | 'slow'): void {
  mkdirSync(sb.controlDir, { recursive: true });
  // Atomically, as sandbox/job/README.md asks: a temp file in the same folder, then a rename.
  const tmp = join(sb.controlDir, `.fault.${process.pid}`);
  writeFileSync(tmp, `${fault}\n`);
  renameSync(tmp, join(sb.controlDir, 'fault'));
}

const TERMINAL: JobState[] = ['FINISHED', 'CANCELED', 'FAILED'];

/** Between trials: the knob at none, no live job, an empty output folder (emptied, never replaced). */
export async function resetSandbox(sb: BenchSandbox): Promise<void> {
  setFault(sb, 'none');
  const live = (await sb.rest.call((c) => c.jobsOverview())).filter((j) => !TERMINAL.includes(j.state));
  for (const j of live) await sb.rest.call((c) => c.cancel(j.jid)).catch(() => undefined);
  for (const j of live) await waitForJobState(sb, j.jid, TERMINAL, 60_000);
  mkdirSync(sb.outputDir, { recursive: true });
  for (const entry of readdirSync(sb.outputDir))
    rmSync(join(sb.outputDir, entry), { recursive: true, force: true });
}

export async function submitSample(
  sb: BenchSandbox,
  options: { jar?: string; savepointPath?: string } = {},
): Promise<string> {
  const jarId = await sb.rest.call((c) => c.uploadJar(options.jar ?? sb.jars.v1));
  try {
    return await sb.rest.call((c) =>
      c.runJar(jarId, {
        entryClass: sb.job.entryClass,
        parallelism: sb.job.parallelism,
        programArgsList: sb.job.args,
        savepointPath: options.savepointPath,
      }),
    );
  } finally {
    await sb.rest.call((c) => c.deleteJar(jarId)).catch(() => undefined);
  }
}

export async function waitForJobState(
  sb: BenchSandbox,
  jobId: string,
  states: JobState[],
  timeoutMs = 90_000,
) {
  return pollUntil(
    async () => {
      const job = await sb.rest.call((c) => c.job(jobId));
      return states.includes(job.state) ? job.state : undefined;
    },
    { timeoutMs, intervalMs: 250, what: `job ${jobId} in ${states.join('|')}` },
  );
}

export const committedRows = (sb: BenchSandbox) => readCommittedRows(sb.outputDir);

/** A fresh v1 job, RUNNING, with a completed checkpoint and at least `rows` committed rows. */
export async function startSampleJob(sb: BenchSandbox, rows = 40): Promise<string> {
  const jobId = await submitSample(sb, { jar: sb.jars.v1 });
  await waitForJobState(sb, jobId, ['RUNNING']);
  await pollUntil(
    async () => ((await sb.rest.call((c) => c.checkpoints(jobId))).latest.completed ? true : undefined),
    { timeoutMs: 60_000, intervalMs: 250, what: `a first checkpoint of ${jobId}` },
  );
  await pollUntil(async () => ((await committedRows(sb)).length >= rows ? true : undefined), {
    timeoutMs: 60_000,
    intervalMs: 250,
    what: `${rows} committed rows`,
  });
  return jobId;
}

/** An inline cluster spec (what a workflow input carries) for the sandbox, with other monitor settings. */
export function inlineSpec(sb: BenchSandbox, monitor: Partial<NamedCluster['monitor']> = {}) {
  const { name: _name, ...spec } = sb.cluster;
  return { ...spec, monitor: { ...spec.monitor, ...monitor } };
}
