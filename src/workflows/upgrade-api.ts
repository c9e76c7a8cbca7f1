import { defineQuery, defineSignal } from '@temporalio/workflow';
import { z } from 'zod';
import { parseDuration } from '../config/duration';
import { jobRefSchema } from '../config/input';
import type { SequenceReport } from '../output/sequence';
import type { RetentionDecision } from '../policy/retention';
import type { JobConfig, PrecheckVerdict, UpgradeMode } from '../policy/upgrade-plan';
import type { ReadinessVerdict } from '../policy/upgrade-readiness';

/**
 * How people, scripts and tests talk to the upgrade and savepoint runbooks: their inputs (small
 * JSON for the Temporal UI), signals, query and results. Imports no workflow code.
 */
export const UPGRADE_WORKFLOW = 'upgrade';
export const SAVEPOINT_WORKFLOW = 'takeSavepoint';

const duration = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const ms = typeof value === 'number' ? value : parseDuration(value);
  if (ms === undefined || !Number.isFinite(ms) || ms <= 0) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a positive duration (use e.g. 30s, 5m, 1h)` });
    return z.NEVER;
  }
  return ms;
});

const jobId = z.string().regex(/^[0-9a-f]{32}$/, 'must be a Flink job id (32 hex characters)');
const jar = z.string().regex(/^\//, "must be an absolute path on the worker's machine");
const entryClass = z.string().regex(/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/, 'must be a Java class name');
const jobConfigChanges = {
  jar: jar.optional(),
  entryClass: entryClass.optional(),
  parallelism: z.number().int().min(1).max(32_768).optional(),
  args: z.array(z.string()).optional(),
};

export const upgradeInputSchema = jobRefSchema.extend({
  /** The job to upgrade; default: the one live job with the job's name. */
  jobId: jobId.optional(),
  ...jobConfigChanges,
  mode: z.enum(['savepoint', 'last-state', 'stateless']).optional(),
  /** The job as it runs now, where it differs from the clusters file: what a rollback resubmits. */
  previous: z.strictObject(jobConfigChanges).optional(),
  allowNonRestoredState: z.boolean().optional(),
  /** Stop with drain (flush event-time windows) instead of a plain stop. */
  drain: z.boolean().optional(),
  /** Wait for the `approve` signal before stopping the job (change windows). */
  requireApproval: z.boolean().optional(),
  approvalTimeout: duration.optional(),
  savepointTimeout: duration.optional(),
  readinessTimeout: duration.optional(),
  readinessInterval: duration.optional(),
});
export type UpgradeInput = z.input<typeof upgradeInputSchema>;
export type ParsedUpgradeInput = z.output<typeof upgradeInputSchema>;

export const retentionSchema = z.strictObject({
  keepLast: z.number().int().min(1).optional(),
  maxAge: duration.optional(),
});

export const savepointInputSchema = jobRefSchema.extend({
  jobId: jobId.optional(),
  timeout: duration.optional(),
  /** After the savepoint: delete older ones outside these rules. */
  retention: retentionSchema.optional(),
});
export type SavepointInput = z.input<typeof savepointInputSchema>;

/** Go ahead with the change (only waited for when `requireApproval` is set). */
export const approveSignal = defineSignal<[{ by?: string; comment?: string }?]>('approve');
/** Give up before the job is stopped; once it is stopped, the upgrade runs to its end. */
export const cancelSignal = defineSignal<[{ by?: string; reason?: string }?]>('cancel');

export type UpgradePhase =
  | 'prechecking'
  | 'awaiting-approval'
  | 'stopping'
  | 'submitting'
  | 'verifying'
  | 'rolling-back'
  | 'done';

export interface UpgradeStep {
  at: number;
  step: string;
  detail?: string;
}

export interface UpgradeStatus {
  phase: UpgradePhase;
  mode: UpgradeMode;
  oldJobId?: string;
  newJobId?: string;
  snapshot?: string;
  readiness?: ReadinessVerdict;
  steps: UpgradeStep[];
}
export const upgradeStatusQuery = defineQuery<UpgradeStatus>('status');

export interface UpgradeResult {
  /** upgraded: the new job runs; rolled-back: the previous job runs again; cancelled: nothing changed. */
  outcome: 'upgraded' | 'rolled-back' | 'cancelled';
  headline: string;
  cluster: string;
  job: string;
  mode: UpgradeMode;
  changes: string[];
  from: { jobId?: string; config: JobConfig };
  to: { jobId?: string; config: JobConfig };
  /** The job running when the runbook ended. */
  runningJobId?: string;
  /** Where the old job's state was taken: the savepoint of the stop, or its latest checkpoint. */
  snapshot?: { kind: 'savepoint' | 'checkpoint'; path: string };
  precheck?: PrecheckVerdict;
  readiness?: ReadinessVerdict;
  rollback?: { reason: string; jobId: string; readiness: ReadinessVerdict; note?: string };
  /** For a job with a sequence column: the committed output checked for gaps and duplicates. */
  sequence?: SequenceReport;
  approval?: { by?: string; comment?: string; at: number };
  cancellation?: { by?: string; reason: string; at: number };
  /** Workflow times of the milestones, and the control-plane downtime (stop requested → new job RUNNING). */
  timings: {
    stopRequestedAt?: number;
    oldJobStoppedAt?: number;
    submittedAt?: number;
    runningAt?: number;
    readyAt?: number;
    downtimeMs?: number;
  };
  lease: { monitor?: 'running' | 'no-monitor'; released?: boolean; error?: string };
  warnings: string[];
  steps: UpgradeStep[];
}

export interface SavepointResult {
  cluster: string;
  job: string;
  jobId: string;
  triggerId: string;
  location: string;
  tookMs: number;
  retention?: {
    rules: { keepLast?: number; maxAgeMs?: number };
    kept: RetentionDecision[];
    deleted: RetentionDecision[];
    missing: string[];
  };
}
