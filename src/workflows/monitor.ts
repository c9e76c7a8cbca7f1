import {
  ApplicationFailure,
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  log,
  patched,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { WatchMemory } from '../activities/source-watch';
import type { WatchReport } from '../activities/watch';
import type { Alert } from '../alerts/types';
import type { JobSpec } from '../config/schema';
import { restTarget } from '../flink/target';
import { type AlertPolicyState, decideAlert, initialAlertState } from '../policy/alert-policy';
import { diskWatchTarget } from '../policy/disk';
import { haRecoveryWindowMs } from '../policy/ha-recovery';
import { howJobEnded, restartAfterEnd } from '../policy/job-end';
import { budgetAlert, healthAlert } from '../policy/monitor-alerts';
import {
  HEALTHY,
  type JobObservation,
  type Lease,
  type MonitorPhase,
  type MonitorStatus,
  RESTARTABLE,
  type RestartRecord,
  type Verdict,
} from '../policy/monitor-state';
import {
  decideRecovery,
  leaseActive,
  policyRestartsInWindow,
  pruneRestarts,
  type RecoveryContext,
} from '../policy/recovery';
import { SA } from '../shared';
import { FAILURE } from '../temporal/failure-types';
import {
  acquireLeaseUpdate,
  forceRestartSignal,
  type JobSubmission,
  type MonitorInput,
  monitorWorkflowId,
  pauseSignal,
  releaseLeaseUpdate,
  resumeSignal,
  statusQuery,
  watchJobSignal,
} from '../temporal/monitor-contract';
import { findJobId, resolveClusterJob, watchJob } from './activities';
import { tell } from './alerting';
import { failureType } from './failures';
import { rejectBadInput } from './input';
import { countRestart, countVerdict } from './metrics';
import { monitorInputSchema } from './monitor-input';
import { RESTART_KEEPS_STATE, restartJob } from './monitor-restart';
import { type SignalName, signalProblem } from './monitor-signals';

/** What the monitor carries through continue-as-new: its memory of the job and its budget. */
export interface MonitorMemory {
  jobId?: string;
  verdict: Verdict;
  reasons: string[];
  verdictSince: number;
  lastObservation?: JobObservation;
  restarts: RestartRecord[];
  escalated: boolean;
  paused?: { reason?: string; at: number };
  lease?: Lease;
  /** What the watched job runs, when an upgrade made it differ from the clusters file. */
  submission?: JobSubmission;
  alerts: AlertPolicyState;
}

/** A healthy watch returns at most every half hour: a few history events per monitored hour. */
const WATCH_MAX_MS = 30 * 60_000;
const CONFIRMATIONS = 2;

/** Restart failures no retry can fix: escalate at once. */
const FINAL_RESTART_FAILURES: ReadonlySet<string> = new Set([
  FAILURE.NoRestorePoint,
  FAILURE.UnsafeCancel,
  FAILURE.StrayJob,
]);

/**
 * A job a person cancelled or one that FINISHED is not restarted, and a job missing after a
 * leader change is waited for during HA job recovery. Monitors that recorded a verdict before
 * decide as they did.
 */
const ENDS_AND_HA_RECOVERY = 'monitor-job-ends-and-ha-recovery';

/**
 * The seeds' production-health-monitor.sh as a durable supervisor of one job: watch it, decide
 * with pure policy, restart a zombie or failed job within the budget, escalate past it, alert
 * once per incident, stand down while another runbook holds the job, obey forceRestart.
 * Start it with workflow id `monitor:<cluster>:<job>` and input {"cluster": "realtime-pipeline"}.
 */
export async function monitorJob(input: MonitorInput & { memory?: MonitorMemory }): Promise<MonitorStatus> {
  rejectBadInput(monitorInputSchema, input);
  const m: MonitorMemory = input.memory ?? {
    jobId: input.jobId,
    verdict: 'unknown',
    reasons: ['not observed yet'],
    verdictSince: Date.now(),
    restarts: [],
    escalated: false,
    alerts: initialAlertState(),
  };
  let phase: MonitorPhase = 'watching';
  let forced: { reason: string } | undefined;
  /** Set by a signal or an update that the running watch must stop for. */
  // What the last watch learned about the source; the next watch of the same job goes on from it.
  let watchMemory: WatchMemory | undefined;

  let interrupted = false;

  /** The job the lease is about, as named before the cluster file is read, then resolved. */
  let held = `${input.cluster}/${input.job ?? ''}`;
  // The lease handlers are set before the first activity: an Update that arrives while the monitor
  // resolves its cluster (a savepoint right after the deploy that started it) would otherwise be
  // rejected for want of a handler. They touch only the monitor's memory.
  setHandler(
    acquireLeaseUpdate,
    async (request) => {
      // Serialised with restarts: a lease is never granted in the middle of one.
      await condition(() => phase !== 'restarting');
      if (leaseActive(m.lease, Date.now()) && m.lease.holder !== request.holder) {
        throw ApplicationFailure.nonRetryable(
          `${held} is held by ${m.lease.holder} for ${m.lease.purpose} until ${new Date(m.lease.expiresAt).toISOString()}`,
          FAILURE.LeaseHeld,
        );
      }
      m.lease = { holder: request.holder, purpose: request.purpose, expiresAt: Date.now() + request.ttlMs };
      interrupted = true;
      return { holder: request.holder, purpose: request.purpose, expiresAt: m.lease.expiresAt };
    },
    {
      validator: (request) => {
        if (!request.holder || !(request.ttlMs > 0))
          throw new Error('a lease needs a holder and a positive ttlMs');
      },
    },
  );
  setHandler(releaseLeaseUpdate, ({ holder, jobId, submission }) => {
    if (m.lease?.holder !== holder) return { released: false };
    m.lease = undefined;
    if (jobId) m.jobId = jobId;
    if (submission) m.submission = submission;
    interrupted = true;
    return { released: true };
  });

  const { cluster, job } = await resolveClusterJob(input);
  held = `${cluster.name}/${job.name}`;
  const expectedId = monitorWorkflowId(cluster.name, job.name);
  if (workflowInfo().workflowId !== expectedId) {
    throw ApplicationFailure.nonRetryable(
      `start the monitor of ${cluster.name}/${job.name} with workflow id "${expectedId}": one monitor per job`,
      FAILURE.InvalidInput,
    );
  }
  const flink = restTarget(cluster);
  const budget = {
    maxRestarts: cluster.monitor.maxRestarts,
    windowMs: cluster.monitor.restartWindow,
    cooldownMs: cluster.monitor.cooldown,
  };
  setHandler(forceRestartSignal, (payload) => {
    if (refused('forceRestart', payload)) return;
    forced = { reason: payload?.reason || 'forceRestart signal' };
    interrupted = true;
  });
  setHandler(pauseSignal, (payload) => {
    if (refused('pause', payload)) return;
    m.paused = { reason: payload?.reason, at: Date.now() };
  });
  setHandler(resumeSignal, () => {
    m.paused = undefined;
    interrupted = true;
  });
  setHandler(watchJobSignal, (payload) => {
    if (refused('watchJob', payload)) return;
    const { jobId, submission } = payload;
    m.jobId = jobId;
    m.submission = submission;
    m.escalated = false;
    interrupted = true;
  });
  setHandler(statusQuery, () => status());
  const rejectedSignals: NonNullable<MonitorStatus['rejectedSignals']> = [];
  /** A malformed signal changes nothing; people see why in the status and the log. */
  function refused(name: SignalName, payload: unknown): boolean {
    const problem = signalProblem(name, payload);
    if (!problem) return false;
    rejectedSignals.push({ signal: name, at: Date.now(), problem });
    rejectedSignals.splice(0, rejectedSignals.length - 5);
    log.warn('signal refused', { signal: name, problem });
    return true;
  }
  const workflowRef = { namespace: workflowInfo().namespace, workflowId: workflowInfo().workflowId };
  upsertSearchAttributes([
    { key: SA.cluster, value: cluster.name },
    { key: SA.job, value: job.name },
    { key: SA.runbook, value: 'monitor' },
    { key: SA.health, value: m.verdict },
  ]);
  // A cluster that does not answer yet is no reason to stop supervising: the watch looks again.
  if (!m.jobId) m.jobId = await findJobId({ ...flink, jobName: job.name }).catch(() => undefined);

  // After an action the next watch reports the first confirmed verdict, whatever it is.
  let freshVerdictWanted = input.memory === undefined;
  for (let cycle = 0; ; cycle++) {
    if (workflowInfo().continueAsNewSuggested || cycle >= 200) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof monitorJob>({
        cluster: input.cluster,
        job: job.name,
        spec: input.spec,
        watchMaxMs: input.watchMaxMs,
        memory: m,
      });
    }
    if (leaseActive(m.lease, Date.now())) {
      await standDown();
      freshVerdictWanted = true;
      continue;
    }
    if (forced) {
      const { reason } = forced;
      forced = undefined;
      await restart('forced', reason);
      freshVerdictWanted = true;
      continue;
    }
    phase = m.paused ? 'paused' : m.escalated ? 'escalated' : 'watching';
    const report = await watchUntilInterrupted(freshVerdictWanted ? undefined : m.verdict);
    if (!report) {
      // A signal or an update changed the situation: look again before deciding anything.
      freshVerdictWanted = true;
      continue;
    }
    freshVerdictWanted = false;
    await takeVerdict(report);

    const decision = decideRecovery({
      verdict: m.verdict,
      now: Date.now(),
      restarts: m.restarts,
      budget,
      paused: m.paused !== undefined,
      lease: m.lease,
      escalated: m.escalated,
      ...(RESTARTABLE.has(m.verdict) && patched(ENDS_AND_HA_RECOVERY) ? howItEnded() : {}),
    });
    if (decision.action === 'restart') {
      await restart('policy', decision.reason);
      freshVerdictWanted = true;
    } else if (decision.action === 'escalate') {
      await escalate(decision.reason);
    } else if (decision.action === 'wait-cooldown' || decision.action === 'wait-recovery') {
      phase = 'watching';
      if (decision.action === 'wait-recovery') log.info(decision.reason);
      await condition(() => interrupted, Math.max(1, decision.retryAt - Date.now()));
      freshVerdictWanted = true;
    } else if (decision.action === 'hold') {
      log.info('not restarting', { reason: decision.reason });
    }
  }

  /** How the watched job ended, and how long HA recovery may take, from the latest look. */
  function howItEnded(): Partial<RecoveryContext> {
    const seen = m.lastObservation;
    const missing = seen?.jobState === 'MISSING';
    return {
      ended: howJobEnded({ state: seen?.jobState ?? '', failuresInHistory: seen?.failuresInHistory }),
      restartCancelled: job.restartCancelled === true,
      missingSince: missing ? m.verdictSince : undefined,
      recoveryWindowMs: missing ? recoveryWindowMs() : undefined,
    };
  }

  function recoveryWindowMs(): number {
    try {
      return haRecoveryWindowMs(cluster);
    } catch (error) {
      log.warn('the ZooKeeper session timeout cannot be read; using Flink default', { error: String(error) });
      return haRecoveryWindowMs({ flinkConfig: {}, jobManagers: [] });
    }
  }

  async function watchUntilInterrupted(knownVerdict: Verdict | undefined): Promise<WatchReport | undefined> {
    interrupted = false;
    let settled = false;
    const scope = new CancellationScope();
    const watching = scope.run(() =>
      watchJob({
        target: {
          ...flink,
          zookeeper: cluster.zookeeper,
          jobManagers: cluster.jobManagers,
          expectedTaskManagers: cluster.taskManagers.containers.length,
          output: job.output,
          jobName: job.name,
          jobId: m.jobId,
          fileWindowMs: cluster.monitor.fileWindow,
          source: job.source,
          disk: diskWatchTarget(cluster),
        },
        knownVerdict,
        confirmations: CONFIRMATIONS,
        intervalMs: cluster.monitor.interval,
        maxDurationMs: input.watchMaxMs ?? WATCH_MAX_MS,
        memory: watchMemory,
      }),
    );
    watching
      .finally(() => {
        settled = true;
      })
      .catch(() => undefined);
    await condition(() => settled || interrupted);
    if (!settled) {
      scope.cancel();
      await watching.catch((error) => {
        if (!isCancellation(error)) throw error;
      });
      return undefined;
    }
    return watching;
  }

  async function takeVerdict(report: WatchReport): Promise<void> {
    m.lastObservation = report.observation;
    watchMemory = report.memory;
    if (report.observation.jobId) m.jobId = report.observation.jobId;
    const changed = report.verdict !== m.verdict;
    m.reasons = report.evaluation.verdict === report.verdict ? report.evaluation.reasons : m.reasons;
    if (!changed) return;
    m.verdict = report.verdict;
    m.verdictSince = report.observation.at;
    countVerdict({ cluster: cluster.name, job: job.name, verdict: m.verdict });
    log.info('verdict changed', {
      cluster: cluster.name,
      job: job.name,
      verdict: m.verdict,
      reasons: m.reasons,
      jobId: m.jobId,
    });
    upsertSearchAttributes([{ key: SA.health, value: m.verdict }]);
    upsertMemo({ verdict: m.verdict, reason: m.reasons[0] ?? '', jobId: m.jobId ?? '' });
    if (HEALTHY.has(m.verdict) && m.escalated) {
      m.escalated = false;
      await alert(
        budgetAlert({
          cluster: cluster.name,
          job: job.name,
          reason: 'the job is healthy again',
          resolved: true,
          at: Date.now(),
          workflow: workflowRef,
        }),
      );
    }
    const action = actionFor(m.verdict);
    const message = healthAlert({
      cluster: cluster.name,
      job: job.name,
      verdict: m.verdict,
      reasons: m.reasons,
      action,
      at: Date.now(),
      workflow: workflowRef,
    });
    // Stopped on purpose (a person's cancel, a bounded job's end) is news, not an outage; a job
    // missing after a leader change is being recovered from HA storage, not lost (yet).
    const notAnOutage =
      m.verdict === 'failed' &&
      patched(ENDS_AND_HA_RECOVERY) &&
      (m.lastObservation?.jobState === 'MISSING' ||
        !restartAfterEnd(
          howJobEnded({
            state: m.lastObservation?.jobState ?? '',
            failuresInHistory: m.lastObservation?.failuresInHistory,
          }),
          { restartCancelled: job.restartCancelled === true },
        ).restart);
    await alert(notAnOutage ? { ...message, severity: 'warning' } : message);
  }

  function actionFor(verdict: Verdict): string | undefined {
    const used = policyRestartsInWindow(m.restarts, Date.now(), budget.windowMs).length;
    if (verdict === 'zombie' || verdict === 'failed') {
      if (m.paused) return 'Recovery is paused: no restart until resumed.';
      const ended = howJobEnded({
        state: m.lastObservation?.jobState ?? '',
        failuresInHistory: m.lastObservation?.failuresInHistory,
      });
      const end = restartAfterEnd(ended, { restartCancelled: job.restartCancelled === true });
      if (!end.restart) return `${end.reason}. ${end.action}`;
      if (m.lastObservation?.jobState === 'MISSING')
        return `Waiting up to ${Math.round(recoveryWindowMs() / 1000)} s for HA job recovery after a leader change, then restarting from the newest state on disk (restart ${used + 1} of ${budget.maxRestarts}).`;
      return `Restarting from the latest completed checkpoint (restart ${used + 1} of ${budget.maxRestarts}).`;
    }
    if (verdict === 'no-leader') return 'Waiting for ZooKeeper to elect a leader; restarting cannot help.';
    return undefined;
  }

  async function restart(trigger: RestartRecord['trigger'], reason: string): Promise<void> {
    phase = 'restarting';
    const at = Date.now();
    const record: RestartRecord = {
      at,
      trigger,
      reason,
      fromJobId: m.jobId,
      outcome: 'failed',
      durationMs: 0,
    };
    try {
      const result = await restartJob({
        flink,
        job: { ...job, ...m.submission },
        jobId: m.jobId,
        prefer: trigger === 'forced' || HEALTHY.has(m.verdict) ? 'savepoint' : 'checkpoint',
        savepointTimeoutMs: savepointTimeout(job),
        verifyTimeoutMs: Math.max(60_000, 3 * (job.checkpoints.interval + job.checkpoints.timeout)),
        volumes: cluster.volumes,
      });
      Object.assign(record, {
        outcome: 'restarted',
        toJobId: result.jobId,
        restoredFrom: result.restoredFrom,
      });
      m.jobId = result.jobId;
    } catch (error) {
      record.error = String((error as Error).cause ?? error);
      // A restart that found no state to restore, or could not cancel safely, is final. Earlier
      // code matched the error's text, which never names the type: it waited out the cooldown
      // and tried again. Runs that recorded that path replay it unpatched.
      const final = patched('restart-failure-by-type')
        ? FINAL_RESTART_FAILURES.has(failureType(error) ?? '')
        : /NoRestorePoint|UnsafeCancel/.test(record.error);
      // A restart that failed after its submit leaves the new job running: watch that one.
      if (patched(RESTART_KEEPS_STATE)) {
        const live = await findJobId({ ...flink, jobName: job.name }).catch(() => undefined);
        if (live && live !== m.jobId) {
          record.toJobId = live;
          m.jobId = live;
        }
      }
      if (final) m.escalated = true;
    }
    record.durationMs = Date.now() - at;
    countRestart(record.durationMs, {
      cluster: cluster.name,
      job: job.name,
      trigger,
      outcome: record.outcome,
    });
    m.restarts = pruneRestarts([...m.restarts, record], Date.now(), budget.windowMs);
    phase = 'watching';
    if (m.escalated) await escalate(`restart failed and cannot be retried safely: ${record.error}`);
  }

  async function escalate(reason: string): Promise<void> {
    m.escalated = true;
    phase = 'escalated';
    await alert(
      budgetAlert({ cluster: cluster.name, job: job.name, reason, at: Date.now(), workflow: workflowRef }),
    );
  }

  async function standDown(): Promise<void> {
    phase = 'standing-down';
    const lease = m.lease as Lease;
    await condition(() => !leaseActive(m.lease, Date.now()), Math.max(1, lease.expiresAt - Date.now()));
    if (m.lease && !leaseActive(m.lease, Date.now())) m.lease = undefined; // expired: its holder died
  }

  async function alert(message: Alert): Promise<void> {
    const decision = decideAlert(m.alerts, {
      incidentKey: message.incidentKey,
      severity: message.severity,
      resolved: message.resolved,
      at: Date.now(),
    });
    m.alerts = decision.state;
    if (!decision.send) return;
    // A channel that did not take it is logged: the monitor goes on watching.
    const problem = await tell(cluster, { ...message, suppressed: decision.suppressed });
    if (problem) log.warn(problem);
  }

  function status(): MonitorStatus {
    const now = Date.now();
    const used = policyRestartsInWindow(m.restarts, now, budget.windowMs).length;
    const last = m.restarts.at(-1);
    return {
      cluster: cluster.name,
      job: job.name,
      jobId: m.jobId,
      phase,
      verdict: m.verdict,
      reasons: m.reasons,
      verdictSince: m.verdictSince,
      lastObservation: m.lastObservation,
      paused: m.paused,
      lease: leaseActive(m.lease, now) ? m.lease : undefined,
      restarts: m.restarts,
      budget: {
        max: budget.maxRestarts,
        used,
        left: Math.max(0, budget.maxRestarts - used),
        windowMs: budget.windowMs,
        cooldownUntil: last && now - last.at < budget.cooldownMs ? last.at + budget.cooldownMs : undefined,
      },
      escalated: m.escalated,
      rejectedSignals,
    };
  }
}

/** A savepoint of a healthy job takes about one checkpoint; allow the job's own timeout. */
function savepointTimeout(job: JobSpec): number {
  return job.checkpoints.timeout + 10_000;
}
