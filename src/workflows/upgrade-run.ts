import { log, setHandler } from '@temporalio/workflow';
import type { RestorePoint } from '../policy/upgrade-plan';
import type { ReadinessVerdict } from '../policy/upgrade-readiness';
import {
  approveSignal,
  cancelSignal,
  type ParsedUpgradeInput,
  type UpgradeResult,
  type UpgradeStatus,
  upgradeStatusQuery,
} from './upgrade-api';

/** What the workflow tells the status query, and the signals it listens to. */
export class UpgradeRun {
  status: UpgradeStatus;
  approval?: UpgradeResult['approval'];
  cancellation?: UpgradeResult['cancellation'];
  /** Set once the old job is touched: a cancel request after that is ignored. */
  committed = false;
  warnings: string[] = [];

  constructor(readonly input: ParsedUpgradeInput) {
    this.status = { phase: 'prechecking', mode: input.mode ?? 'savepoint', steps: [] };
    setHandler(upgradeStatusQuery, () => this.status);
    setHandler(approveSignal, (by) => {
      this.approval ??= { ...by, at: Date.now() };
      this.step('approved', by?.by ? `by ${by.by}` : undefined);
    });
    setHandler(cancelSignal, (by) => {
      if (this.committed) {
        this.warnings.push('a cancel request came after the old job was stopped; the upgrade ran to its end');
        return;
      }
      this.cancel({ by: by?.by, reason: by?.reason ?? 'cancelled by request' });
    });
  }

  cancel(c: { by?: string; reason: string }) {
    this.cancellation ??= { ...c, at: Date.now() };
  }

  phase(phase: UpgradeStatus['phase']) {
    this.status.phase = phase;
  }

  step(step: string, detail?: string) {
    this.status.steps.push({ at: Date.now(), step, detail });
    log.info(detail ? `${step}: ${detail}` : step);
  }
}

export type Snapshot = NonNullable<UpgradeResult['snapshot']>;

/**
 * A stop whose savepoint the REST view lost (a leader change) goes on from the job's newest
 * state on disk, and no job is submitted beside a live one of the same name. Upgrades recorded
 * before replay as they ran.
 */
export const UPGRADE_KEEPS_STATE = 'upgrade-keeps-state-one-live-job';

/** Flink's REST answers checkpoint statistics from a cache refreshed every web.refresh-interval (3 s). */
export const REST_CACHE_MS = 4_000;

/** Marks the new job as not healthy; caught to roll back. */
export class NotHealthy extends Error {
  constructor(readonly readiness: ReadinessVerdict) {
    super(readiness.reasons.join('; '));
  }
}

export function snapshotOf(point: RestorePoint): Snapshot {
  return { kind: point.isSavepoint ? 'savepoint' : 'checkpoint', path: point.path };
}
