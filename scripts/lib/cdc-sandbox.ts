import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadClustersFile } from '../../src/config/load';
import type { JobSpec, NamedCluster } from '../../src/config/schema';
import { FlinkClusterClient } from '../../src/flink/cluster-client';
import type { JobState } from '../../src/flink/types';
import { type CdcCheckResult, checkCdcOutput, parseCdcLines } from '../../src/output/cdc-check';
import { listOutput } from '../../src/output/files';
import { pollUntil } from '../../src/util/poll';
import { CDC_DB, databaseUp, withAdmin } from './cdc-database';
import { proxyFault, slotState } from './cdc-faults';
import { databaseVersions } from './cdc-workload';
import { SANDBOX_FILE, sandboxUp } from './sandbox';

/** The CDC sandbox for tests and benchmarks: the cdc-pipeline cluster of sandbox/clusters.yaml, its job and database. */
export interface CdcSandbox {
  file: string;
  cluster: NamedCluster;
  job: JobSpec;
  rest: FlinkClusterClient;
  outputDir: string;
}

export const CDC_CLUSTER = 'cdc-pipeline';

export async function cdcSandbox(): Promise<CdcSandbox> {
  const file = SANDBOX_FILE;
  const spec = (await loadClustersFile(file)).clusters[CDC_CLUSTER];
  if (!spec) throw new Error(`${file} has no cluster ${CDC_CLUSTER}`);
  const cluster = { name: CDC_CLUSTER, ...spec };
  const job = cluster.jobs[0] as JobSpec;
  if (!job.output) throw new Error('the CDC job needs output');
  return {
    file,
    cluster,
    job,
    rest: new FlinkClusterClient(cluster.jobManagers.map((jm) => jm.url)),
    outputDir: job.output.path,
  };
}

/** The database and the CDC cluster, each a no-op when already up. */
export async function cdcUp(sb: CdcSandbox): Promise<void> {
  await databaseUp(() => undefined);
  await sandboxUp(sb.cluster, () => undefined);
}

/**
 * Test set-up only: no job left running, the path healed, the slot dropped and the output empty,
 * so the next job starts with a snapshot of its own.
 */
export async function resetCdc(sb: CdcSandbox): Promise<void> {
  await proxyFault('heal');
  const jobs = await sb.rest.call((c) => c.jobsOverview());
  const live = jobs.filter((j) => !['FINISHED', 'CANCELED', 'FAILED'].includes(j.state));
  for (const j of live) await sb.rest.call((c) => c.cancel(j.jid));
  for (const j of live) await waitForState(sb, j.jid, ['CANCELED', 'FAILED', 'FINISHED'], 60_000);
  await pollUntil(async () => !(await slotState()).active || undefined, {
    timeoutMs: 30_000,
    what: 'the replication slot released',
  });
  await withAdmin((client) =>
    client.query(
      'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1',
      [CDC_DB.slot],
    ),
  );
  mkdirSync(sb.outputDir, { recursive: true });
  for (const entry of readdirSync(sb.outputDir))
    rmSync(join(sb.outputDir, entry), { recursive: true, force: true });
}

/** `extraArgs` are added to the job's arguments (e.g. `--fixed-restart-delay 1000`). */
export async function submitCdc(
  sb: CdcSandbox,
  options: { jar?: string; savepointPath?: string; extraArgs?: string[] } = {},
) {
  const jarId = await sb.rest.call((c) => c.uploadJar(options.jar ?? sb.job.jar));
  return sb.rest.call((c) =>
    c.runJar(jarId, {
      entryClass: sb.job.entryClass,
      parallelism: sb.job.parallelism,
      programArgsList: [...sb.job.args, ...(options.extraArgs ?? [])],
      savepointPath: options.savepointPath,
    }),
  );
}

export async function waitForState(sb: CdcSandbox, jobId: string, states: JobState[], timeoutMs = 90_000) {
  return pollUntil(
    async () => {
      const job = await sb.rest.call((c) => c.job(jobId));
      return states.includes(job.state) ? job.state : undefined;
    },
    { timeoutMs, what: `job ${jobId} in ${states.join('|')}` },
  );
}

/** Every line of the committed part files (never the in-progress ones). */
export async function committedLines(sb: CdcSandbox): Promise<string[]> {
  const { committed } = await listOutput(sb.outputDir, '*.csv');
  const lines: string[] = [];
  for (const file of committed) {
    const text = await readFile(file.path, 'utf8').catch(() => '');
    lines.push(...text.split('\n').filter((line) => line.trim() !== ''));
  }
  return lines;
}

export async function cdcCheck(sb: CdcSandbox): Promise<CdcCheckResult> {
  return checkCdcOutput(parseCdcLines(await committedLines(sb)), await databaseVersions());
}

/**
 * Waits until every change the database held when the wait began is in committed output, then
 * checks the output against those versions. A workload may go on committing meanwhile: later
 * changes are checked for gaps and repeats like the others, and left for the next check to find
 * delivered.
 */
export async function waitForCatchUp(sb: CdcSandbox, timeoutMs = 60_000): Promise<CdcCheckResult> {
  const target = await databaseVersions();
  let last: CdcCheckResult | undefined;
  try {
    await pollUntil(
      async () => {
        last = checkCdcOutput(parseCdcLines(await committedLines(sb)), target);
        return last.behind.length === 0 && last.missingKeys.length === 0 ? true : undefined;
      },
      { timeoutMs, intervalMs: 500, what: 'the committed CSV caught up with the database' },
    );
  } catch (error) {
    if (!last) throw error;
  }
  return last ?? checkCdcOutput(parseCdcLines(await committedLines(sb)), target);
}

/** What one look at the job and its source shows: the columns of "How a CDC job fails". */
export interface CdcLook {
  at: number;
  state: string;
  restarts: number;
  checkpointsCompleted: number;
  checkpointsFailed: number;
  committedRows: number;
  slotActive: boolean | undefined;
  confirmedFlushLsn: string | null | undefined;
}

/** `database: false` leaves the slot out: a frozen server would hold each look for seconds. */
export async function look(
  sb: CdcSandbox,
  jobId: string,
  options: { database?: boolean } = {},
): Promise<CdcLook> {
  const at = Date.now();
  const [job, checkpoints, metrics, exceptions, lines, slot] = await Promise.all([
    sb.rest.call((c) => c.job(jobId)),
    sb.rest.call((c) => c.checkpoints(jobId)).catch(() => undefined),
    sb.rest.call((c) => c.jobMetrics(jobId, ['numRestarts'])).catch(() => []),
    sb.rest.call((c) => c.exceptions(jobId, 100)).catch(() => undefined),
    committedLines(sb),
    options.database === false ? undefined : slotState().catch(() => undefined),
  ]);
  // The numRestarts metric is cached for about 10 s; every restart also leaves an entry in the
  // job's exception history at once (which keeps the newest 16).
  const restartMetric = Number(metrics.find((m) => m.id === 'numRestarts')?.value ?? 0);
  const failures = exceptions?.exceptionHistory?.entries.length ?? 0;
  return {
    at,
    state: job.state,
    restarts: Math.max(restartMetric, failures),
    checkpointsCompleted: checkpoints?.counts.completed ?? 0,
    checkpointsFailed: checkpoints?.counts.failed ?? 0,
    committedRows: parseCdcLines(lines).rows.length,
    slotActive: slot?.active,
    confirmedFlushLsn: slot?.confirmedFlushLsn,
  };
}

/** Looks every `everyMs` until stopped; the timeline a fault test asserts on. */
export function watch(sb: CdcSandbox, jobId: string, everyMs = 1000, options: { database?: boolean } = {}) {
  const looks: CdcLook[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const t0 = Date.now();
      looks.push(await look(sb, jobId, options).catch((error) => ({ ...errorLook(), error: String(error) })));
      await new Promise((r) => setTimeout(r, Math.max(0, everyMs - (Date.now() - t0))));
    }
  })();
  return {
    looks,
    stop: async () => {
      stopped = true;
      await loop;
      return looks;
    },
  };
}

function errorLook(): CdcLook {
  return {
    at: Date.now(),
    state: 'UNOBSERVED',
    restarts: Number.NaN,
    checkpointsCompleted: Number.NaN,
    checkpointsFailed: Number.NaN,
    committedRows: Number.NaN,
    slotActive: undefined,
    confirmedFlushLsn: undefined,
  };
}
