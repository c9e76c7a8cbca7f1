import { defineQuery } from '@temporalio/workflow';
import { z } from 'zod';
import { jobRefSchema } from '../config/input';
import { DRILL_KINDS, type DrillKind, type FaultPlan } from '../policy/drill-plan';
import type { DrillReport } from '../policy/drill-report';
import type { Milestones } from '../policy/drill-timeline';

/**
 * How people, scripts, schedules and tests talk to the failover drill: its input (small JSON for
 * the Temporal UI), its status query and its result. Imports no workflow code.
 */
export const DRILL_WORKFLOW = 'failoverDrill';

export const drillInputSchema = jobRefSchema.extend({
  kind: z.enum(DRILL_KINDS, { error: `kind must be one of ${DRILL_KINDS.join(', ')}` }),
  /** Abort, restore the node and fail the takeover when it takes longer than this (default 120 s). */
  takeoverLimitMs: z
    .number({ error: 'takeoverLimitMs must be a number of milliseconds' })
    .int()
    .min(1_000, 'takeoverLimitMs must be at least 1000')
    .max(3_600_000, 'takeoverLimitMs must be at most 3600000 (one hour)')
    .optional(),
  /** Where the Markdown and SVG report go (default `reports/` in the repository). */
  reportDir: z.string().min(1).max(500).optional(),
});
export type DrillInput = z.input<typeof drillInputSchema>;

export type DrillPhase =
  | 'baseline'
  | 'probing'
  | 'fault'
  | 'observing'
  | 'restoring'
  | 'watching'
  | 'aborting'
  | 'checking'
  | 'reporting'
  | 'done';

export interface DrillStatus {
  phase: DrillPhase;
  kind: DrillKind;
  plan?: FaultPlan;
  milestones: Milestones;
  steps: Array<{ at: number; step: string; detail?: string }>;
}
export const drillStatusQuery = defineQuery<DrillStatus>('status');

/** The report, its Markdown and chart, and where they were written. */
export interface DrillResult extends DrillReport {
  markdown: string;
  svg?: string;
  files?: { markdown: string; svg: string };
}
