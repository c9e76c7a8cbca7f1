import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { CDC_DB, withAdmin } from '../../scripts/lib/cdc-database';
import { slotState } from '../../scripts/lib/cdc-faults';
import {
  type CdcSandbox,
  cdcCheck,
  cdcSandbox,
  cdcUp,
  committedLines,
  resetCdc,
  submitCdc,
  waitForCatchUp,
  waitForState,
} from '../../scripts/lib/cdc-sandbox';
import { prepareSandbox } from '../../scripts/lib/sandbox';
import { parseCdcLines } from '../../src/output/cdc-check';
import { pollUntil } from '../../src/util/poll';
import { argValue, type Side, seedsSettingsJob } from './seeds-settings';

/**
 * The CDC job of the CDC sandbox (sandbox/clusters.yaml, cluster `cdc-pipeline`) on the seeds'
 * checkpoint settings, as one side of a comparison: `ours` on the cluster's slot, `seeds` on a
 * slot of its own (two jobs cannot share a replication slot), each writing into its own
 * subfolder of the cluster's output mount.
 */
export interface CdcSide extends CdcSandbox {
  side: Side;
  slot: string;
}

export const SEEDS_SLOT = `${CDC_DB.slot}_seeds`;

export function cdcSide(sb: CdcSandbox, side: Side): CdcSide {
  const slot = side === 'ours' ? (argValue(sb.job.args, 'slot') ?? CDC_DB.slot) : SEEDS_SLOT;
  const s = seedsSettingsJob(sb.cluster, sb.job, side, { output: 'file:///opt/flink/output' }, { slot });
  return { ...sb, cluster: s.cluster, job: s.job, outputDir: s.outputDir, side, slot };
}

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);

function addToList(name: string, values: string[]): void {
  process.env[name] = [...new Set([...list(process.env[name]), ...values])].join(',');
}

/**
 * The benchmark's worker reads bench/fixtures/bench-sandbox.yaml as its clusters file; an inline
 * spec of the CDC cluster uses that sandbox's folders, its database password file and its database
 * host besides. The operator's lists (src/trust/policy.ts) name them, for this process only.
 */
export function allowCdcInlineSpecs(sb: CdcSandbox): void {
  addToList('FLINK_RUNBOOKS_INLINE_PATHS', [dirname(CDC_DB.dir), dirname(sb.job.jar)]);
  process.env.FLINK_RUNBOOKS_INLINE_SECRET_DIR ??= CDC_DB.secrets;
  addToList('FLINK_RUNBOOKS_INLINE_CREDENTIAL_HOSTS', [`127.0.0.1:${CDC_DB.port}`]);
}

/** Images, jars (each a no-op when current), the database, its proxy and the CDC cluster. */
export async function cdcSandboxUp(log: (line: string) => void): Promise<CdcSandbox> {
  const sb = await cdcSandbox();
  log("preparing the sandbox's images and jars (no-ops when current)");
  prepareSandbox();
  log('bringing up the CDC sandbox (database, fault proxy, cdc-pipeline cluster)');
  await cdcUp(sb);
  allowCdcInlineSpecs(sb);
  return sb;
}

/** No job, the path healed, both slots dropped, the output empty but for the sides' folders. */
export async function resetCdcSides(sb: CdcSandbox): Promise<void> {
  await resetCdc(sb);
  await pollUntil(async () => !(await slotState(SEEDS_SLOT)).active || undefined, {
    timeoutMs: 30_000,
    what: `the replication slot ${SEEDS_SLOT} released`,
  });
  await withAdmin((client) =>
    client.query(
      'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1',
      [SEEDS_SLOT],
    ),
  );
  for (const side of ['ours', 'seeds'] as const) mkdirSync(cdcSide(sb, side).outputDir, { recursive: true });
}

/** Submits the side's job; returns once RUNNING with its snapshot (the 18 rows) in committed output. */
export async function startCdcSide(side: CdcSide): Promise<string> {
  const jobId = await submitCdc(side);
  await waitForState(side, jobId, ['RUNNING']);
  await pollUntil(
    async () => (parseCdcLines(await committedLines(side)).rows.length >= 18 ? true : undefined),
    // The first checkpoint comes 30 s after the start, at the seeds' interval.
    { timeoutMs: 180_000, intervalMs: 1000, what: `the snapshot of ${side.job.name} in committed output` },
  );
  return jobId;
}

/**
 * The CDC data check of one side's output. After a recovery it waits for the output to catch up
 * with the database first; a side that never recovered is checked as it stands, and its
 * undelivered changes show as `behind`.
 */
export async function cdcRowFigures(side: CdcSide, recovered: boolean) {
  const check = recovered ? await waitForCatchUp(side, 120_000) : await cdcCheck(side);
  return {
    rows: check.rows,
    lost: check.lost.length,
    duplicated: check.duplicated.length,
    behindKeys: check.behind.length,
    ok: check.ok,
  };
}
