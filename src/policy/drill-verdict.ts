import type { SequenceReport } from '../output/sequence';
import { type DrillKind, type FaultPlan, isLeaderKind, seconds } from './drill-plan';
import { type Milestones, takeoverMetrics } from './drill-timeline';

/**
 * Pure: the drill's verdict on each item of the seeds' checklist (故障转移测试) and on the SLA
 * (故障转移时间 < 30秒), from what the drill observed. Each item says pass, fail, not-verified
 * (nothing to check it with, e.g. no probe configured) or not-applicable, with its evidence.
 */
export type ItemStatus = 'pass' | 'fail' | 'not-verified' | 'not-applicable';

export type ChecklistId =
  | 'primary-failure'
  | 'standby-takeover'
  | 'primary-recovery'
  | 'no-data-loss'
  | 'files-keep-coming'
  | 'sla';

export interface ChecklistItem {
  id: ChecklistId;
  /** The seeds' wording. */
  seed: string;
  label: string;
  status: ItemStatus;
  evidence: string;
}

export const CHECKLIST: Array<{ id: ChecklistId; seed: string; label: string }> = [
  { id: 'primary-failure', seed: '主节点故障测试', label: 'the fault was injected and Flink noticed it' },
  {
    id: 'standby-takeover',
    seed: '备用节点接管',
    label: 'another node took over and the job runs and checkpoints again',
  },
  {
    id: 'primary-recovery',
    seed: '主节点恢复',
    label: 'the node came back (as standby) and the job kept running',
  },
  {
    id: 'no-data-loss',
    seed: '数据不丢失',
    label: 'no rows lost: the sequence is unbroken and every probe arrived',
  },
  {
    id: 'files-keep-coming',
    seed: '文件持续生成',
    label: 'files keep being committed after the takeover and the restore',
  },
  { id: 'sla', seed: '故障转移时间 < 30秒', label: 'takeover (fault → job RUNNING again) within the SLA' },
];

export interface ProbeOutcome {
  ok: boolean;
  marker?: string;
  /** When the probe's change was made, and when committed output showed it. */
  madeAt?: number;
  landedAt?: number;
  file?: string;
  sequence?: number;
  arrivedAfterMs?: number;
  error?: string;
}

/** The seeds' step 3: restart the node, wait, and check that the job still runs on both JobManagers. */
export interface AfterRestoreWatch {
  durationMs: number;
  /** The REST leader changed while the node came back (for a JobManager: it did not return as standby). */
  leaderChanged: boolean;
  leaderAtEnd?: { url: string; sessionId: string };
  /** Every job state seen, through every JobManager that answered. */
  jobStates: Array<{ at: number; state: string; via: string }>;
  /** States other than RUNNING (CANCELED is the seeds' "作业取消"). */
  notRunning: Array<{ at: number; state: string; via: string }>;
  checkpointsCompleted: number;
  latestCheckpointId?: number;
  /** JobManagers that answered with the job RUNNING at the end. */
  runningVia: string[];
}

export interface Rejoin {
  ok: boolean;
  at?: number;
  detail: string;
}

export interface DrillEvidence {
  kind: DrillKind;
  plan: FaultPlan;
  milestones: Milestones;
  takeoverLimitMs: number;
  slaMs: number;
  aborted: boolean;
  newLeader?: { url: string; sessionId: string };
  jobEnded?: { at: number; state: string };
  rejoin?: Rejoin;
  afterRestore?: AfterRestoreWatch;
  probes: {
    configured: boolean;
    before?: ProbeOutcome;
    afterTakeover?: ProbeOutcome;
    afterRestore?: ProbeOutcome;
  };
  /** Committed rows checked after the drill; only rows after `fromSequence` are judged. */
  sequence?: { report: SequenceReport; fromSequence?: number } | { error: string };
  output: { configured: boolean; newestCommittedAt?: number };
}

const after = (ms: number | undefined) => (ms === undefined ? 'never' : `after ${seconds(ms)}`);

export function judgeDrill(e: DrillEvidence): ChecklistItem[] {
  const m = e.milestones;
  const t = takeoverMetrics(e.kind, m);
  const item = (id: ChecklistId, status: ItemStatus, evidence: string): ChecklistItem => {
    const def = CHECKLIST.find((c) => c.id === id) as (typeof CHECKLIST)[number];
    return { ...def, status, evidence };
  };
  return [primaryFailure(), standbyTakeover(), primaryRecovery(), noDataLoss(), filesKeepComing(), sla()];

  function sla(): ChecklistItem {
    const within = `(SLA ${seconds(e.slaMs)})`;
    if (e.aborted)
      return item(
        'sla',
        'fail',
        `aborted after ${seconds(e.takeoverLimitMs)} without a takeover${t.takeoverMs !== undefined ? `; the job ran again ${seconds(t.takeoverMs)} after the fault, only once the node was restored` : ''} ${within}`,
      );
    if (t.takeoverMs === undefined)
      return item(
        'sla',
        'fail',
        `the job was not RUNNING again within the ${seconds(e.takeoverLimitMs)} limit ${within}`,
      );
    return item(
      'sla',
      t.takeoverMs < e.slaMs ? 'pass' : 'fail',
      `fault → job RUNNING again in ${seconds(t.takeoverMs)} ${within}`,
    );
  }

  function primaryFailure(): ChecklistItem {
    if (!m['fault-injected']) return item('primary-failure', 'fail', 'the fault was not injected');
    const noticed =
      e.kind === 'kill-taskmanager' ? (m['failure-detected'] ?? m['job-restored']) : m['leader-lost'];
    if (!noticed)
      return item(
        'primary-failure',
        'fail',
        `${e.plan.summary}; Flink did not notice within ${seconds(e.takeoverLimitMs)}`,
      );
    return item(
      'primary-failure',
      'pass',
      `${e.plan.summary}; ${e.kind === 'kill-taskmanager' ? 'the job left RUNNING' : 'leadership lost'} ${after(t.detectionMs)}${noticed.detail ? ` (${noticed.detail})` : ''}`,
    );
  }

  function standbyTakeover(): ChecklistItem {
    const parts: string[] = [];
    const missing: string[] = [];
    if (e.kind !== 'kill-taskmanager') {
      const leader = e.newLeader;
      if (!m['new-leader-elected'] || !leader) missing.push('no new leader elected');
      else if (isLeaderKind(e.kind) && leader.url === e.plan.target.url)
        missing.push(`the stopped leader ${leader.url} was elected again`);
      else parts.push(`${leader.url} elected ${after(t.electionMs)}`);
    }
    if (!m['job-restored']) missing.push('the job did not run again');
    else parts.push(`job RUNNING ${after(t.takeoverMs)}`);
    if (!m['first-checkpoint']) missing.push('no checkpoint completed after the fault');
    else
      parts.push(`${m['first-checkpoint'].detail ?? 'a checkpoint'} completed ${after(t.firstCheckpointMs)}`);
    if (e.jobEnded) missing.push(`the job ended ${e.jobEnded.state}`);
    if (e.aborted) missing.push(`not within the ${seconds(e.takeoverLimitMs)} limit: aborted`);
    return missing.length > 0
      ? item('standby-takeover', 'fail', [...missing, ...parts].join('; '))
      : item('standby-takeover', 'pass', parts.join('; '));
  }

  function primaryRecovery(): ChecklistItem {
    if (!e.rejoin) return item('primary-recovery', 'fail', `${e.plan.target.container} was not restored`);
    if (!e.rejoin.ok) return item('primary-recovery', 'fail', e.rejoin.detail);
    const w = e.afterRestore;
    if (!w)
      return item(
        'primary-recovery',
        'not-verified',
        `${e.rejoin.detail}; the job was not watched afterwards`,
      );
    const problems: string[] = [];
    const cancelled = w.notRunning.find((s) => s.state === 'CANCELED' || s.state === 'CANCELLING');
    if (cancelled)
      problems.push(
        `主节点恢复后作业取消: the job was ${cancelled.state} (via ${cancelled.via}) after the node came back`,
      );
    else if (w.notRunning.length > 0)
      problems.push(
        `the job left RUNNING after the node came back: ${[...new Set(w.notRunning.map((s) => s.state))].join(', ')}`,
      );
    if (isLeaderKind(e.kind) && w.leaderChanged)
      problems.push(
        `leadership moved when ${e.plan.target.container} came back: it did not rejoin as standby`,
      );
    if (w.checkpointsCompleted === 0)
      problems.push(`no checkpoint completed in the ${seconds(w.durationMs)} after`);
    const fine = `${e.rejoin.detail}; for ${seconds(w.durationMs)} the job stayed RUNNING (seen via ${w.runningVia.join(', ') || 'none'}), ${w.checkpointsCompleted} checkpoint(s) completed${isLeaderKind(e.kind) && !w.leaderChanged ? ', the leader stayed' : ''}`;
    return problems.length > 0
      ? item('primary-recovery', 'fail', problems.join('; '))
      : item('primary-recovery', 'pass', fine);
  }

  function noDataLoss(): ChecklistItem {
    const problems: string[] = [];
    const facts: string[] = [];
    const seq = e.sequence;
    if (seq && 'error' in seq) problems.push(`the sequence could not be read: ${seq.error}`);
    else if (seq) {
      const from = seq.fromSequence ?? Number.NEGATIVE_INFINITY;
      const gaps = seq.report.gaps.filter(([, to]) => to >= from);
      const dups = seq.report.duplicates.filter(([, to]) => to >= from);
      if (gaps.length > 0) problems.push(`sequence gaps ${gaps.map(range).join(', ')}`);
      else
        facts.push(
          `sequence unbroken${seq.fromSequence !== undefined ? ` from #${seq.fromSequence}` : ''} to #${seq.report.last} (${seq.report.rows} rows)`,
        );
      if (dups.length > 0) facts.push(`duplicates ${dups.map(range).join(', ')} (replayed, not lost)`);
    }
    const probes = (
      [
        ['after the takeover', e.probes.afterTakeover],
        ['after the restore', e.probes.afterRestore],
      ] as const
    ).filter(([, p]) => p !== undefined);
    for (const [when, p] of probes) {
      if (p?.ok)
        facts.push(`probe ${when} arrived${p.sequence !== undefined ? ` in row #${p.sequence}` : ''}`);
      else problems.push(`probe ${when} did not arrive: ${p?.error ?? 'unknown'}`);
    }
    if (problems.length > 0) return item('no-data-loss', 'fail', [...problems, ...facts].join('; '));
    if (facts.length === 0)
      return item('no-data-loss', 'not-verified', 'no sequence column and no probe configured for this job');
    return item('no-data-loss', 'pass', facts.join('; '));
  }

  function filesKeepComing(): ChecklistItem {
    if (!e.output.configured)
      return item('files-keep-coming', 'not-verified', 'the job has no output configured');
    const first = m['first-new-output'];
    const restored = m['node-restored'];
    const problems: string[] = [];
    const facts: string[] = [];
    if (!first) problems.push('no file committed after the takeover');
    else facts.push(`first file after the takeover committed ${after(t.firstOutputMs)}`);
    if (!restored) problems.push('the node was not restored');
    else if (e.output.newestCommittedAt === undefined || e.output.newestCommittedAt <= restored.at)
      problems.push('no file committed after the node was restored');
    else
      facts.push(
        `files still committed after the restore (newest ${seconds(e.output.newestCommittedAt - restored.at)} after it)`,
      );
    return problems.length > 0
      ? item('files-keep-coming', 'fail', [...problems, ...facts].join('; '))
      : item('files-keep-coming', 'pass', facts.join('; '));
  }
}

const range = ([from, to]: [number, number]) => (from === to ? `#${from}` : `#${from}–#${to}`);

export type DrillOutcome = 'passed' | 'failed' | 'aborted';

export function drillOutcome(items: ChecklistItem[], aborted: boolean): DrillOutcome {
  if (aborted) return 'aborted';
  return items.some((i) => i.status === 'fail') ? 'failed' : 'passed';
}

/** The line a person reads first. */
export function drillHeadline(input: {
  kind: DrillKind;
  cluster: string;
  job: string;
  outcome: DrillOutcome;
  items: ChecklistItem[];
  milestones: Milestones;
  slaMs: number;
}): string {
  const t = takeoverMetrics(input.kind, input.milestones);
  const failed = input.items.filter((i) => i.status === 'fail').map((i) => i.seed);
  const takeover =
    input.outcome === 'aborted'
      ? `no takeover within the limit${t.takeoverMs !== undefined ? `; the job ran again ${seconds(t.takeoverMs)} after the fault, once the node was back` : ''}`
      : t.takeoverMs === undefined
        ? 'the job did not run again in time'
        : `takeover ${seconds(t.takeoverMs)} (SLA ${seconds(input.slaMs)})${t.electionMs !== undefined ? `, leader elected after ${seconds(t.electionMs)}` : ''}`;
  const verdict =
    input.outcome === 'passed'
      ? 'passed'
      : input.outcome === 'aborted'
        ? `ABORTED, node restored; failed: ${failed.join(', ')}`
        : `FAILED: ${failed.join(', ')}`;
  return `failover drill ${input.kind} on ${input.cluster}/${input.job}: ${verdict}; ${takeover}`;
}
