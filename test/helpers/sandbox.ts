import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { loadSandbox, SANDBOX_FILE, sandboxContainers, sandboxUp } from '../../scripts/lib/sandbox';
import type { JobSpec, NamedCluster } from '../../src/config/schema';
import { FlinkClusterClient } from '../../src/flink/cluster-client';
import type { JobState } from '../../src/flink/types';
import { readCommittedRows } from '../../src/output/files';
import { checkSequence } from '../../src/output/sequence';
import { pollUntil } from '../../src/util/poll';

/** The sandbox cluster and its sample job, with the knobs the tests turn. */
export interface Sandbox {
  /** The clusters file the sandbox comes from. */
  file: string;
  cluster: NamedCluster;
  job: JobSpec;
  rest: FlinkClusterClient;
  output: NonNullable<JobSpec['output']>;
  outputDir: string;
  controlDir: string;
}

export async function sandbox(): Promise<Sandbox> {
  const cluster = await loadSandbox();
  const job = cluster.jobs[0] as JobSpec;
  if (!job.output || job.probe?.type !== 'marker')
    throw new Error('the sandbox job needs output and a marker probe');
  return {
    file: process.env.FLINK_RUNBOOKS_CLUSTERS ?? SANDBOX_FILE,
    cluster,
    job,
    rest: new FlinkClusterClient(cluster.jobManagers.map((jm) => jm.url)),
    output: job.output,
    outputDir: job.output.path,
    controlDir: job.probe.controlDir,
  };
}

export function setFault(sb: Sandbox, fault: 'none' | 'stall' | 'fail' | 'slow'): void {
  mkdirSync(sb.controlDir, { recursive: true });
  writeFileSync(join(sb.controlDir, 'fault'), `${fault}\n`);
}

/**
 * Test set-up only: brings back any container an earlier test left stopped (a failed failover
 * test must not turn every later verdict into "no failover left"), cancels every job still
 * running and empties the output directory.
 */
export async function resetSandbox(sb: Sandbox): Promise<void> {
  setFault(sb, 'none');
  const down = (await sandboxContainers(sb.cluster)).filter((c) => !c.running).map((c) => c.name);
  if (down.length > 0) {
    console.warn(`resetSandbox: ${down.join(', ')} not running; starting the sandbox again`);
    await sandboxUp(sb.cluster, () => undefined);
  }
  const jobs = await sb.rest.call((c) => c.jobsOverview());
  const live = jobs.filter((j) => !['FINISHED', 'CANCELED', 'FAILED'].includes(j.state));
  for (const j of live) await sb.rest.call((c) => c.cancel(j.jid));
  for (const j of live) await waitForJobState(sb, j.jid, ['CANCELED', 'FAILED', 'FINISHED'], 60_000);
  // Empty the directory, never replace it: the containers' bind mounts hold the old inode.
  mkdirSync(sb.outputDir, { recursive: true });
  for (const entry of readdirSync(sb.outputDir))
    rmSync(join(sb.outputDir, entry), { recursive: true, force: true });
}

export async function submitSample(
  sb: Sandbox,
  options: { jar?: string; savepointPath?: string; args?: string[] } = {},
): Promise<string> {
  const jarId = await sb.rest.call((c) => c.uploadJar(options.jar ?? sb.job.jar));
  return sb.rest.call((c) =>
    c.runJar(jarId, {
      entryClass: sb.job.entryClass,
      parallelism: sb.job.parallelism,
      programArgsList: options.args ?? sb.job.args,
      savepointPath: options.savepointPath,
    }),
  );
}

export async function waitForJobState(sb: Sandbox, jobId: string, states: JobState[], timeoutMs = 90_000) {
  return pollUntil(
    async () => {
      const job = await sb.rest.call((c) => c.job(jobId));
      return states.includes(job.state) ? job.state : undefined;
    },
    { timeoutMs, what: `job ${jobId} in ${states.join('|')}` },
  );
}

/** Resolves with the id of a completed checkpoint newer than `after`. */
export async function waitForCheckpointAfter(sb: Sandbox, jobId: string, after: number, timeoutMs = 60_000) {
  return pollUntil(
    async () => {
      const stats = await sb.rest.call((c) => c.checkpoints(jobId));
      const id = stats.latest.completed?.id ?? 0;
      return id > after ? id : undefined;
    },
    { timeoutMs, what: `a checkpoint of ${jobId} completed after #${after}` },
  );
}

export async function committedSequence(sb: Sandbox): Promise<number[]> {
  return (await readCommittedRows(sb.outputDir)).map((row) => Number(row[0]));
}

/**
 * New committed rows after this call, and the whole sequence without a gap or a duplicate. The
 * sink's subtasks commit their files one after the other: a read between two commits sees the
 * newest rows of one subtask only, so the check waits for a read with nothing missing (a lost
 * row never comes back) and asserts on the last read.
 */
export async function expectSequenceWhole(sb: Sandbox): Promise<void> {
  const before = checkSequence(await committedSequence(sb)).last ?? -1;
  let report = checkSequence(await committedSequence(sb));
  await pollUntil(
    async () => {
      report = checkSequence(await committedSequence(sb));
      const whole = report.gaps.length === 0 && report.duplicates.length === 0;
      return (report.last ?? -1) > before && whole ? report : undefined;
    },
    { timeoutMs: 120_000, what: 'new committed rows, with nothing missing' },
  ).catch(() => undefined);
  expect(report.last ?? -1).toBeGreaterThan(before);
  expect(report.gaps).toEqual([]);
  expect(report.duplicates).toEqual([]);
}
