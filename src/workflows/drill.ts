import {
  ApplicationFailure,
  CancellationScope,
  log,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  uuid4,
} from '@temporalio/workflow';
import type { TakeoverObservation } from '../activities/drill';
import type { JobSpec, NamedCluster } from '../config/schema';
import { type LogCheck, matchLogEvidence } from '../policy/drill-logs';
import {
  AFTER_RESTORE_WATCH_MS,
  DEFAULT_TAKEOVER_LIMIT_MS,
  type DrillBaseline,
  type DrillKind,
  drillId,
  drillLeaseTtlMs,
  drillReadiness,
  type FaultPlan,
  SLA_TAKEOVER_MS,
} from '../policy/drill-plan';
import { type DrillReport, renderDrillMarkdown } from '../policy/drill-report';
import { buildTimeline, type Milestones, takeoverMetrics } from '../policy/drill-timeline';
import {
  type AfterRestoreWatch,
  type DrillEvidence,
  drillHeadline,
  drillOutcome,
  judgeDrill,
  type ProbeOutcome,
  type Rejoin,
} from '../policy/drill-verdict';
import { SA } from '../shared';
import { FAILURE } from '../temporal/failure-types';
import {
  checkOutputSequence,
  injectFault,
  observeDrillBaseline,
  observeOutput,
  observing,
  probeWait,
  readFlinkLogEvents,
  resolveClusterJob,
  restoreNode,
  runSourceProbe,
  watchAfterRestore,
  writeDrillReport,
} from './activities';
import { tell } from './alerting';
import {
  type DrillInput,
  type DrillPhase,
  type DrillResult,
  drillInputSchema,
  drillStatusQuery,
} from './drill-api';
import { failureText, failureType } from './failures';
import { rejectBadInput } from './input';
import { underLease } from './lease';

/**
 * The seeds' failover test (故障转移测试) as a repeatable drill that leaves evidence:
 *
 *   baseline → guardrails → maintenance lease → probe → FAULT → observe the takeover (≤ 1 s) →
 *   probe → restore the node → watch the job keep running → probe → data check → report
 *
 * and, should the takeover exceed its limit, abort: restore the node at once and report.
 * Start it from the UI with {"cluster": "realtime-pipeline", "kind": "stop-leader"}.
 */
export async function failoverDrill(raw: DrillInput): Promise<DrillResult> {
  rejectBadInput(drillInputSchema, raw);
  const input = drillInputSchema.parse(raw);
  upsertSearchAttributes([
    { key: SA.cluster, value: input.cluster },
    { key: SA.runbook, value: 'drill' },
  ]);
  const { cluster, job } = await resolveClusterJob(input);
  upsertSearchAttributes([{ key: SA.job, value: job.name }]);
  const drill = new Drill(
    cluster,
    job,
    input.kind,
    input.takeoverLimitMs ?? DEFAULT_TAKEOVER_LIMIT_MS,
    input.reportDir,
  );

  const baseline = await drill.takeBaseline(); // leader, job, last checkpoint, rate, sequence
  drill.refuseUnlessReady(baseline); // healthy and HA configured, or nothing is touched

  await drill.underLease(async () => {
    await drill.probe('before'); // the pipeline works before the fault, or nothing is touched
    try {
      // 主节点故障测试: docker stop / kill, watched from just before the signal at ≤ 500 ms.
      let takeover = await drill.injectFaultAndObserve(
        drill.kind === 'stop-zookeeper' ? 'fault-detected' : 'recovered',
      );
      if (drill.kind === 'stop-zookeeper') {
        await drill.restoreNode(); // ZooKeeper back once the JobManagers have lost leadership
        takeover = await drill.observe('recovered');
      }
      // 备用节点接管: a leader again, the job RUNNING under it, a checkpoint completed, within the limit.
      if (takeover.reached) {
        await drill.probe('after-takeover'); // 测试数据捕获: lands in new output
        await drill.restoreNode(); // 恢复主节点: it rejoins as standby
        await drill.watchJobKeepsRunning(); // 等待20秒, 验证作业继续运行 (not cancelled)
        await drill.probe('after-restore'); // 再次测试数据捕获
      } else {
        await drill.abort(takeover); // past the limit: restore the node now, let the cluster settle
      }
    } finally {
      await CancellationScope.nonCancellable(() => drill.restoreNode()); // never leave a node down
    }
    await drill.checkData(); // 数据不丢失, 文件持续生成
  });
  return drill.report(); // Markdown + timeline chart, written to the reports directory
}

/** The drill's state, the status query, and one method per step of the runbook. */
class Drill {
  readonly urls: string[];
  readonly startedAt = Date.now();
  readonly id: string;
  phase: DrillPhase = 'baseline';
  steps: DrillReport['steps'] = [];
  warnings: string[] = [];
  milestones: Milestones = {};
  baseline?: DrillBaseline;
  plan?: FaultPlan;
  jobId?: string;
  observation?: TakeoverObservation;
  aborted = false;
  /** Set before the fault is injected: from then on the node is restored whatever happens. */
  faultAttempted = false;
  probes: DrillEvidence['probes'];
  rejoin?: Rejoin & { startedAt: number };
  afterRestore?: AfterRestoreWatch;
  sequence?: DrillEvidence['sequence'];
  newestOutputAt?: number;
  logEvidence: LogCheck[] = [];
  lease: DrillReport['lease'] = {};

  constructor(
    readonly cluster: NamedCluster,
    readonly job: JobSpec,
    readonly kind: DrillKind,
    readonly takeoverLimitMs: number,
    readonly reportDir: string | undefined,
  ) {
    this.urls = cluster.jobManagers.map((jm) => jm.url);
    this.id = drillId(cluster.name, kind, this.startedAt);
    this.probes = { configured: job.probe !== undefined && job.output !== undefined };
    setHandler(drillStatusQuery, () => ({
      phase: this.phase,
      kind: this.kind,
      plan: this.plan,
      milestones: this.milestones,
      steps: this.steps,
    }));
  }

  step(step: string, detail?: string) {
    this.steps.push({ at: Date.now(), step, detail });
    log.info(detail ? `${step}: ${detail}` : step);
  }

  async takeBaseline(): Promise<DrillBaseline> {
    this.phase = 'baseline';
    const baseline = await observeDrillBaseline({
      kind: this.kind,
      zookeeper: this.cluster.zookeeper,
      jobManagers: this.cluster.jobManagers,
      access: this.cluster.rest,
      taskManagerContainers: this.cluster.taskManagers.containers.map((tm) => tm.container),
      job: { name: this.job.name, output: this.job.output },
    });
    this.baseline = baseline;
    this.jobId = baseline.job?.jobId;
    this.step(
      'baseline taken',
      `leader ${baseline.leader?.url ?? 'none'}, job ${baseline.job?.jobId ?? 'none'} ${baseline.job?.state ?? ''}, checkpoint #${baseline.checkpoint?.id ?? '-'}, sequence at #${baseline.sequence?.last ?? '-'}`,
    );
    return baseline;
  }

  /** The guardrails: refuse, naming every problem, before anything is changed. */
  refuseUnlessReady(baseline: DrillBaseline): void {
    const readiness = drillReadiness(baseline, {
      kind: this.kind,
      expectedTaskManagers: this.cluster.taskManagers.containers.length,
      slotsPerTaskManager: this.cluster.taskManagers.slots,
      parallelism: this.job.parallelism,
      zookeeperContainer: this.cluster.zookeeper.container,
    });
    this.warnings.push(...readiness.notes);
    if (!readiness.ok || !readiness.plan) {
      this.step('refused', readiness.problems.join('; '));
      throw ApplicationFailure.nonRetryable(
        `failover drill refused, nothing was changed: ${readiness.problems.join('; ')}`,
        FAILURE.DrillRefused,
        { problems: readiness.problems, baseline },
      );
    }
    this.plan = readiness.plan;
    this.step('guardrails passed', readiness.plan.summary);
  }

  /** The monitor stands down while the drill holds the job; the lease is released whatever happens. */
  async underLease(drill: () => Promise<void>): Promise<void> {
    const probeTimeout = this.job.probe?.timeout ?? 60_000;
    const terms = {
      cluster: this.cluster.name,
      job: this.job.name,
      purpose: 'drill' as const,
      ttlMs: drillLeaseTtlMs(this.takeoverLimitMs, probeTimeout),
    };
    await underLease(
      terms,
      async ({ monitor }) => {
        this.lease.monitor = monitor;
        this.step(
          'maintenance lease taken',
          monitor === 'running' ? 'the monitor stands down' : 'no monitor runs',
        );
        await drill();
      },
      {
        refused: (error) =>
          ApplicationFailure.nonRetryable(
            `failover drill refused, nothing was changed: ${failureText(error)}`,
            failureType(error) === FAILURE.LeaseHeld ? FAILURE.DrillRefused : FAILURE.LeaseFailed,
          ),
        handOver: () => ({ jobId: this.jobId }),
        released: ({ released, error }) => {
          this.lease.released = released;
          if (error !== undefined) this.lease.error = error;
        },
      },
    );
  }

  /** The seeds' 测试数据捕获: make a change at the source and find it in committed output. */
  async probe(when: 'before' | 'after-takeover' | 'after-restore'): Promise<void> {
    const probe = this.job.probe;
    const output = this.job.output;
    if (!probe || !output) return;
    this.phase = 'probing';
    const marker = `drill-${when}-${uuid4().slice(0, 8)}`;
    let outcome: ProbeOutcome;
    try {
      const run = await runSourceProbe({ probe, marker: probe.type === 'marker' ? marker : undefined });
      const madeAt = run.type === 'marker' ? run.writtenAt : run.committedAt;
      const capture = await probeWait(run.timeoutMs).waitForProbeOutput({ run, output });
      outcome = {
        ok: true,
        marker: run.type === 'marker' ? run.marker : undefined,
        madeAt,
        landedAt: madeAt + capture.arrivedAfterMs,
        file: capture.type === 'marker' ? capture.file : capture.files[0],
        sequence: capture.type === 'marker' ? capture.sequence : undefined,
        arrivedAfterMs: capture.arrivedAfterMs,
      };
    } catch (error) {
      outcome = { ok: false, marker, error: failureText(error) };
    }
    this.step(
      `probe ${when === 'before' ? 'before the fault' : when.replace('-', ' the ')}`,
      outcome.ok
        ? `${outcome.marker ?? 'change'} arrived after ${sec(outcome.arrivedAfterMs)}`
        : `did not arrive: ${outcome.error}`,
    );
    if (when === 'before') {
      this.probes.before = outcome;
      if (!outcome.ok)
        throw ApplicationFailure.nonRetryable(
          `failover drill refused, nothing was changed: the probe before the fault did not reach the output (${outcome.error})`,
          FAILURE.DrillRefused,
        );
      return;
    }
    if (when === 'after-takeover') this.probes.afterTakeover = outcome;
    else this.probes.afterRestore = outcome;
    if (outcome.ok && outcome.landedAt !== undefined)
      this.milestones[`probe-${when}`] = { at: outcome.landedAt, seenAt: outcome.landedAt, source: 'probe' };
  }

  /**
   * The observer is started first and the fault second, so the observer sees the fault's first
   * second (a graceful stop returns only once the container has exited). Should the fault fail,
   * the observer is cancelled.
   */
  async injectFaultAndObserve(until: 'fault-detected' | 'recovered'): Promise<TakeoverObservation> {
    const scope = new CancellationScope();
    const watching = scope.run(() => this.observe(until));
    watching.catch(() => undefined); // awaited below; a failed fault cancels it
    try {
      await this.injectFault();
    } catch (error) {
      scope.cancel();
      throw error;
    }
    return watching;
  }

  async injectFault(): Promise<void> {
    const plan = this.plan as FaultPlan;
    this.phase = 'fault';
    this.faultAttempted = true;
    const fault = await injectFault({ container: plan.target.container, action: plan.action });
    this.milestones['fault-injected'] = {
      at: fault.at,
      seenAt: fault.at,
      source: 'drill',
      detail: `${plan.action === 'stop' ? 'docker stop' : 'docker kill -s SIGKILL'} ${plan.target.container}: ${fault.result}`,
    };
    this.step('fault injected', this.milestones['fault-injected'].detail);
  }

  /**
   * One heartbeating activity polls ZooKeeper, REST, checkpoints and output; returns the milestones.
   * Started before the fault, it takes the workflow's time as the earliest the fault can be.
   */
  async observe(until: 'fault-detected' | 'recovered', extraMs = 0): Promise<TakeoverObservation> {
    this.phase = 'observing';
    const fault = this.milestones['fault-injected'];
    const baseline = this.baseline as DrillBaseline;
    const faultAt = fault?.at ?? Date.now();
    const limitMs = this.takeoverLimitMs + extraMs;
    const observation = await observing(limitMs).observeTakeover({
      kind: this.kind,
      zookeeper: this.cluster.zookeeper,
      jobManagers: this.cluster.jobManagers,
      access: this.cluster.rest,
      jobId: this.jobId as string,
      output: this.job.output,
      faultAt,
      before: {
        leaderUrl: baseline.leader?.url,
        sessionId: baseline.leader?.sessionId,
        checkpointId: baseline.checkpoint?.id ?? 0,
      },
      until,
      limitMs,
      outputGraceMs: 2 * this.job.checkpoints.interval + 5_000,
      milestones: this.milestones,
    });
    this.milestones = { ...this.milestones, ...observation.milestones };
    this.observation = mergeObservations(this.observation, observation);
    const t = takeoverMetrics(this.kind, this.milestones);
    this.step(
      until === 'fault-detected'
        ? 'fault noticed'
        : observation.reached
          ? 'takeover observed'
          : 'takeover NOT observed',
      until === 'fault-detected'
        ? `leadership lost after ${sec(t.detectionMs)}`
        : `leader ${sec(t.electionMs)}, job RUNNING ${sec(t.takeoverMs)}, checkpoint ${sec(t.firstCheckpointMs)}, output ${sec(t.firstOutputMs)}${observation.timedOut ? `; limit of ${this.takeoverLimitMs / 1000} s reached` : ''}${observation.jobEnded ? `; job ended ${observation.jobEnded.state}` : ''}`,
    );
    return observation;
  }

  /** Starts the node again (once) and waits until it answers. */
  async restoreNode(): Promise<void> {
    if (this.rejoin || !this.faultAttempted) return;
    const plan = this.plan as FaultPlan;
    this.phase = 'restoring';
    const rejoin = await restoreNode({
      container: plan.target.container,
      role: plan.target.role,
      url: plan.target.url,
      zookeeperQuorum: this.cluster.zookeeper.quorum,
      urls: this.urls,
      access: this.cluster.rest,
      expectedTaskManagers: this.cluster.taskManagers.containers.length,
      timeoutMs: 180_000,
    });
    this.rejoin = rejoin;
    if (rejoin.ok && rejoin.at !== undefined)
      this.milestones['node-restored'] = {
        at: rejoin.at,
        seenAt: rejoin.at,
        source: 'drill',
        detail: rejoin.detail,
      };
    this.step(rejoin.ok ? 'node restored' : 'node NOT back', rejoin.detail);
  }

  /** The seeds wait 20 s after the primary returns, then check the job on both JobManagers. */
  async watchJobKeepsRunning(): Promise<void> {
    this.phase = 'watching';
    this.afterRestore = await watchAfterRestore({
      zookeeper: this.cluster.zookeeper,
      jobManagers: this.cluster.jobManagers,
      access: this.cluster.rest,
      jobId: this.jobId as string,
      durationMs: AFTER_RESTORE_WATCH_MS,
    });
    const w = this.afterRestore;
    this.step(
      'job watched after the restore',
      `${w.notRunning.length === 0 ? 'stayed RUNNING' : `left RUNNING: ${w.notRunning.map((s) => s.state).join(', ')}`}, ${w.checkpointsCompleted} checkpoint(s), leader ${w.leaderChanged ? 'changed' : 'unchanged'}`,
    );
  }

  /** Past the takeover limit: restore the node now and give the cluster one more limit to settle. */
  async abort(takeover: TakeoverObservation): Promise<void> {
    this.aborted = true;
    this.phase = 'aborting';
    const now = Date.now();
    this.milestones['takeover-aborted'] = {
      at: now,
      seenAt: now,
      source: 'drill',
      detail: takeover.jobEnded
        ? `the job ended ${takeover.jobEnded.state}`
        : `no takeover within ${this.takeoverLimitMs / 1000} s`,
    };
    this.step('aborted', this.milestones['takeover-aborted'].detail);
    await this.restoreNode();
    if (!takeover.jobEnded) {
      // A fresh window from now, at least the default limit: evidence of whether the cluster settles.
      const sinceFault = Date.now() - (this.milestones['fault-injected']?.at ?? now);
      const window = Math.max(DEFAULT_TAKEOVER_LIMIT_MS, this.takeoverLimitMs);
      const settled = await this.observe('recovered', sinceFault + window - this.takeoverLimitMs);
      if (settled.reached) await this.watchJobKeepsRunning();
    }
  }

  /** 数据不丢失 (sequence continuity after the baseline position) and 文件持续生成. */
  async checkData(): Promise<void> {
    this.phase = 'checking';
    const output = this.job.output;
    if (output) {
      const seen = await observeOutput({ output }).catch(() => undefined);
      this.newestOutputAt = seen?.newestCommittedAt;
    }
    if (output?.sequenceColumn !== undefined && !output.container) {
      try {
        this.sequence = {
          report: await checkOutputSequence({ output }),
          fromSequence: this.baseline?.sequence?.last,
        };
      } catch (error) {
        this.sequence = { error: failureText(error) };
      }
    }
    await this.readFlinkLog();
  }

  /** Flink's own record of the same moments, from the JobManager that leads now. */
  async readFlinkLog(): Promise<void> {
    const fault = this.milestones['fault-injected'];
    const newLeader = this.observation?.newLeader;
    const leaderUrl = newLeader?.url ?? this.baseline?.leader?.url;
    const container = this.cluster.jobManagers.find((jm) => jm.url === leaderUrl)?.container;
    if (!fault || !container || !this.jobId) return;
    try {
      const { events } = await readFlinkLogEvents({ container, sinceMs: fault.at, jobId: this.jobId });
      this.logEvidence = matchLogEvidence({
        milestones: this.milestones,
        jobId: this.jobId,
        newSessionId: newLeader?.sessionId,
        container,
        events,
      });
    } catch (error) {
      this.warnings.push(`Flink's log could not be read from ${container}: ${failureText(error)}`);
    }
  }

  async report(): Promise<DrillResult> {
    this.phase = 'reporting';
    const plan = this.plan as FaultPlan;
    const evidence: DrillEvidence = {
      kind: this.kind,
      plan,
      milestones: this.milestones,
      takeoverLimitMs: this.takeoverLimitMs,
      slaMs: SLA_TAKEOVER_MS,
      aborted: this.aborted,
      newLeader: this.observation?.newLeader,
      jobEnded: this.observation?.jobEnded,
      rejoin: this.rejoin,
      afterRestore: this.afterRestore,
      probes: this.probes,
      sequence: this.sequence,
      output: { configured: this.job.output !== undefined, newestCommittedAt: this.newestOutputAt },
    };
    const checklist = judgeDrill(evidence);
    const outcome = drillOutcome(checklist, this.aborted);
    const headline = drillHeadline({
      kind: this.kind,
      cluster: this.cluster.name,
      job: this.job.name,
      outcome,
      items: checklist,
      milestones: this.milestones,
      slaMs: SLA_TAKEOVER_MS,
    });
    this.step('verdict', headline);
    const timeline = buildTimeline(this.milestones);
    const report: DrillReport = {
      drillId: this.id,
      cluster: this.cluster.name,
      job: this.job.name,
      jobId: this.jobId,
      kind: this.kind,
      outcome,
      headline,
      startedAt: this.startedAt,
      finishedAt: Date.now(),
      plan,
      baseline: this.baseline as DrillBaseline,
      takeoverLimitMs: this.takeoverLimitMs,
      slaMs: SLA_TAKEOVER_MS,
      metrics: takeoverMetrics(this.kind, this.milestones),
      timeline,
      checklist,
      observation: this.observation && {
        polls: this.observation.polls,
        leaderChanges: this.observation.leaderChanges,
        jobStates: this.observation.jobStates,
      },
      newLeader: this.observation?.newLeader,
      probes: this.probes,
      rejoin: this.rejoin,
      afterRestore: this.afterRestore,
      sequence: this.sequence,
      logEvidence: this.logEvidence,
      lease: this.lease,
      warnings: this.warnings,
      steps: this.steps,
    };
    const svgName = `${this.id}.svg`;
    const markdown = renderDrillMarkdown(report, { svg: svgName });
    const result: DrillResult = { ...report, markdown };
    try {
      const written = await writeDrillReport({
        drillId: this.id,
        reportDir: this.reportDir,
        markdown,
        chart: {
          title: `Failover drill ${this.kind}: ${outcome}`,
          subtitle: `${this.cluster.name}/${this.job.name}, ${new Date(this.startedAt).toISOString()}`,
          timeline,
          slaMs: SLA_TAKEOVER_MS,
        },
      });
      result.svg = written.svg;
      result.files = { markdown: written.markdownPath, svg: written.svgPath };
    } catch (error) {
      result.warnings = [...result.warnings, `the report files were not written: ${failureText(error)}`];
    }
    upsertMemo({ outcome, headline, report: result.files?.markdown ?? '' });
    if (outcome !== 'passed') {
      const warning = await tell(this.cluster, {
        severity: 'warning',
        job: this.job.name,
        verdict: `drill-${outcome}`,
        title: `${this.cluster.name}/${this.job.name}: failover drill ${this.kind} ${outcome}`,
        summary: headline,
        details: checklist
          .filter((i) => i.status === 'fail')
          .map((i) => ({ label: i.seed, value: i.evidence })),
        incidentKey: `drill:${this.cluster.name}:${this.job.name}`,
      });
      if (warning) result.warnings.push(warning);
    }
    this.phase = 'done';
    return result;
  }
}

function mergeObservations(a: TakeoverObservation | undefined, b: TakeoverObservation): TakeoverObservation {
  if (!a) return b;
  const polls = { ...b.polls };
  for (const key of Object.keys(polls) as Array<keyof typeof polls>)
    polls[key] = {
      count: a.polls[key].count + b.polls[key].count,
      maxGapMs: Math.max(a.polls[key].maxGapMs, b.polls[key].maxGapMs),
    };
  return {
    ...b,
    newLeader: b.newLeader ?? a.newLeader,
    leaderChanges: [...a.leaderChanges, ...b.leaderChanges].slice(-60),
    jobStates: [...a.jobStates, ...b.jobStates].slice(-60),
    polls,
  };
}

const sec = (ms: number | undefined) => (ms === undefined ? 'not seen' : `${(ms / 1000).toFixed(1)} s`);
