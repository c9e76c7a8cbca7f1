import { type JobEnd, restartAfterEnd } from './job-end';
import type { Lease, RestartRecord, Verdict } from './monitor-state';
import { RESTARTABLE } from './monitor-state';

/**
 * Pure: may the monitor restart the job now? The seeds' budget: at most `maxRestarts` restarts
 * within `windowMs`, at least `cooldownMs` apart; past that, stop acting and escalate to people.
 * Forced restarts (the forceRestart signal) are people's decisions: they are not counted.
 */
export interface RestartBudget {
  maxRestarts: number;
  windowMs: number;
  cooldownMs: number;
}

export type RecoveryAction =
  | { action: 'none'; reason: string }
  | { action: 'stand-down'; reason: string }
  | { action: 'wait-cooldown'; reason: string; retryAt: number }
  | { action: 'escalate'; reason: string }
  /** Someone else ended the job on purpose, or it finished: tell people, do not restart. */
  | { action: 'hold'; reason: string; advice: string }
  /** Missing right after a leader change: the new leader may still be recovering it from HA storage. */
  | { action: 'wait-recovery'; reason: string; retryAt: number }
  | { action: 'restart'; reason: string; attempt: number };

export interface RecoveryContext {
  verdict: Verdict;
  now: number;
  restarts: RestartRecord[];
  budget: RestartBudget;
  paused: boolean;
  lease?: Lease;
  /** Already escalated for this incident: people have it; do not act again until it heals. */
  escalated: boolean;
  /** How the job ended, when it did (src/policy/job-end.ts). */
  ended?: JobEnd;
  /** The job's spec asks for a restart after a person's cancel too. */
  restartCancelled?: boolean;
  /** Since when the cluster has not known the job (MISSING). */
  missingSince?: number;
  /** How long HA job recovery may take after a leader change (src/policy/ha-recovery.ts). */
  recoveryWindowMs?: number;
}

export function policyRestartsInWindow(
  restarts: RestartRecord[],
  now: number,
  windowMs: number,
): RestartRecord[] {
  return restarts.filter((r) => r.trigger === 'policy' && r.at > now - windowMs);
}

export function leaseActive(lease: Lease | undefined, now: number): lease is Lease {
  return lease !== undefined && lease.expiresAt > now;
}

export function decideRecovery(ctx: RecoveryContext): RecoveryAction {
  if (!RESTARTABLE.has(ctx.verdict)) return { action: 'none', reason: `${ctx.verdict} needs no restart` };
  if (leaseActive(ctx.lease, ctx.now)) {
    return { action: 'stand-down', reason: `${ctx.lease.holder} holds the job for ${ctx.lease.purpose}` };
  }
  if (ctx.paused) return { action: 'none', reason: 'recovery is paused' };
  if (ctx.escalated) return { action: 'none', reason: 'escalated to people; waiting for the job to heal' };
  const end = restartAfterEnd(ctx.ended, { restartCancelled: ctx.restartCancelled === true });
  if (!end.restart) return { action: 'hold', reason: end.reason, advice: end.action };
  if (ctx.missingSince !== undefined && ctx.recoveryWindowMs !== undefined) {
    const retryAt = ctx.missingSince + ctx.recoveryWindowMs;
    if (ctx.now < retryAt)
      return {
        action: 'wait-recovery',
        reason: `the cluster does not know the job since ${new Date(ctx.missingSince).toISOString()}: waiting up to ${Math.round(ctx.recoveryWindowMs / 1000)} s for HA job recovery after a leader change`,
        retryAt,
      };
  }

  const used = policyRestartsInWindow(ctx.restarts, ctx.now, ctx.budget.windowMs);
  if (used.length >= ctx.budget.maxRestarts) {
    return {
      action: 'escalate',
      reason: `restart budget exhausted: ${used.length} of ${ctx.budget.maxRestarts} restarts used in the window`,
    };
  }
  const last = ctx.restarts.reduce<RestartRecord | undefined>(
    (latest, r) => (!latest || r.at > latest.at ? r : latest),
    undefined,
  );
  if (last && ctx.now - last.at < ctx.budget.cooldownMs) {
    const retryAt = last.at + ctx.budget.cooldownMs;
    return {
      action: 'wait-cooldown',
      reason: `cooling down after the restart at ${new Date(last.at).toISOString()}`,
      retryAt,
    };
  }
  return {
    action: 'restart',
    reason: `${ctx.verdict}: restart ${used.length + 1} of ${ctx.budget.maxRestarts}`,
    attempt: used.length + 1,
  };
}

/** Restart records worth keeping: those in the budget window, plus the latest few for people. */
export function pruneRestarts(
  restarts: RestartRecord[],
  now: number,
  windowMs: number,
  keep = 10,
): RestartRecord[] {
  const sorted = [...restarts].sort((a, b) => a.at - b.at);
  const recent = sorted.filter((r) => r.at > now - windowMs);
  const tail = sorted.slice(-keep);
  return sorted.filter((r) => recent.includes(r) || tail.includes(r));
}

/**
 * A verdict counts once it has been seen `needed` times in a row, so a single failed
 * observation (a REST blip, an election in progress) never triggers action.
 */
export interface Confirmation {
  candidate?: Verdict;
  seen: number;
}

export function confirmVerdict(
  previous: Confirmation,
  observed: Verdict,
  needed: number,
): Confirmation & { confirmed?: Verdict } {
  const seen = previous.candidate === observed ? previous.seen + 1 : 1;
  return { candidate: observed, seen, confirmed: seen >= needed ? observed : undefined };
}
