import { describe, expect, it } from 'vitest';
import type { FaultPlan } from '../../src/policy/drill-plan';
import type { Milestones } from '../../src/policy/drill-timeline';
import {
  type AfterRestoreWatch,
  type DrillEvidence,
  drillHeadline,
  drillOutcome,
  judgeDrill,
} from '../../src/policy/drill-verdict';

const F = 1_000_000;
const P = 'http://127.0.0.1:8081';
const S = 'http://127.0.0.1:8082';

const plan: FaultPlan = {
  kind: 'kill-leader',
  action: 'kill',
  target: { container: 'flink-jobmanager', role: 'jobmanager', url: P },
  successor: { url: S, container: 'flink-jobmanager-standby' },
  summary:
    'SIGKILL flink-jobmanager (the leader, http://127.0.0.1:8081); flink-jobmanager-standby should take over',
};

const at = (ms: number, extra: Partial<Milestones[keyof Milestones]> = {}) => ({
  at: F + ms,
  seenAt: F + ms,
  source: 'drill' as const,
  ...extra,
});

const milestones: Milestones = {
  'fault-injected': at(0),
  'leader-lost': at(16_080, { detail: 'ZooKeeper names http://127.0.0.1:8082' }),
  'new-leader-elected': at(16_080),
  'job-restored': at(16_860),
  'first-checkpoint': at(18_300, { detail: 'checkpoint #42' }),
  'first-new-output': at(18_290),
  'node-restored': at(35_000),
};

const watch = (patch: Partial<AfterRestoreWatch> = {}): AfterRestoreWatch => ({
  durationMs: 20_000,
  leaderChanged: false,
  jobStates: [{ at: F + 35_100, state: 'RUNNING', via: S }],
  notRunning: [],
  checkpointsCompleted: 9,
  latestCheckpointId: 51,
  runningVia: [P, S],
  ...patch,
});

/** A passing SIGKILL drill on the sandbox, as the workflow gathers it. */
const evidence = (patch: Partial<DrillEvidence> = {}): DrillEvidence => ({
  kind: 'kill-leader',
  plan,
  milestones,
  takeoverLimitMs: 120_000,
  slaMs: 30_000,
  aborted: false,
  newLeader: { url: S, sessionId: 'new' },
  rejoin: {
    ok: true,
    at: F + 35_000,
    detail: 'flink-jobmanager started; http://127.0.0.1:8081/overview answering after 7.0 s',
  },
  afterRestore: watch(),
  probes: {
    configured: true,
    before: { ok: true, marker: 'm0', sequence: 100 },
    afterTakeover: { ok: true, marker: 'm1', sequence: 520 },
    afterRestore: { ok: true, marker: 'm2', sequence: 940 },
  },
  sequence: {
    report: { rows: 1000, distinct: 1000, first: 0, last: 999, gaps: [], duplicates: [], continuous: true },
    fromSequence: 180,
  },
  output: { configured: true, newestCommittedAt: F + 56_000 },
  ...patch,
});

const statuses = (e: DrillEvidence) => Object.fromEntries(judgeDrill(e).map((i) => [i.id, i.status]));
const evidenceOf = (e: DrillEvidence, id: string) => judgeDrill(e).find((i) => i.id === id)?.evidence;

describe("the seeds' checklist, judged from what the drill saw", () => {
  it("a clean SIGKILL drill passes every item, in the seeds' words", () => {
    const items = judgeDrill(evidence());
    expect(items.map((i) => [i.seed, i.status])).toEqual([
      ['主节点故障测试', 'pass'],
      ['备用节点接管', 'pass'],
      ['主节点恢复', 'pass'],
      ['数据不丢失', 'pass'],
      ['文件持续生成', 'pass'],
      ['故障转移时间 < 30秒', 'pass'],
    ]);
    expect(items.map((i) => i.evidence)).toEqual([
      'SIGKILL flink-jobmanager (the leader, http://127.0.0.1:8081); flink-jobmanager-standby should take over; leadership lost after 16.1 s (ZooKeeper names http://127.0.0.1:8082)',
      'http://127.0.0.1:8082 elected after 16.1 s; job RUNNING after 16.9 s; checkpoint #42 completed after 18.3 s',
      'flink-jobmanager started; http://127.0.0.1:8081/overview answering after 7.0 s; for 20.0 s the job stayed RUNNING (seen via http://127.0.0.1:8081, http://127.0.0.1:8082), 9 checkpoint(s) completed, the leader stayed',
      'sequence unbroken from #180 to #999 (1000 rows); probe after the takeover arrived in row #520; probe after the restore arrived in row #940',
      'first file after the takeover committed after 18.3 s; files still committed after the restore (newest 21.0 s after it)',
      'fault → job RUNNING again in 16.9 s (SLA 30.0 s)',
    ]);
    expect(drillOutcome(items, false)).toBe('passed');
  });

  it('主节点恢复后作业取消: the job cancelled when the old leader returned fails the recovery item', () => {
    const e = evidence({
      afterRestore: watch({
        notRunning: [{ at: F + 36_000, state: 'CANCELED', via: P }],
        checkpointsCompleted: 0,
        runningVia: [],
      }),
    });
    expect(statuses(e)['primary-recovery']).toBe('fail');
    expect(evidenceOf(e, 'primary-recovery')).toMatch(
      /^主节点恢复后作业取消: the job was CANCELED \(via http:\/\/127.0.0.1:8081\) after the node came back; no checkpoint completed/,
    );
  });

  it('the old leader taking leadership back when it returns is not a rejoin as standby', () => {
    const e = evidence({ afterRestore: watch({ leaderChanged: true }) });
    expect(statuses(e)['primary-recovery']).toBe('fail');
    expect(evidenceOf(e, 'primary-recovery')).toContain('it did not rejoin as standby');
  });

  it('the stopped leader elected again is no takeover by the standby', () => {
    const e = evidence({ newLeader: { url: P, sessionId: 'again' } });
    expect(evidenceOf(e, 'standby-takeover')).toMatch(
      /^the stopped leader http:\/\/127.0.0.1:8081 was elected again/,
    );
  });

  it.each<[string, Partial<DrillEvidence>, Record<string, string>]>([
    [
      'a takeover slower than the SLA',
      { milestones: { ...milestones, 'job-restored': at(31_000) } },
      { sla: 'fail', 'standby-takeover': 'pass' },
    ],
    [
      'a gap after the baseline position',
      {
        sequence: {
          report: {
            rows: 990,
            distinct: 990,
            first: 0,
            last: 999,
            gaps: [[400, 409]],
            duplicates: [],
            continuous: false,
          },
          fromSequence: 180,
        },
      },
      { 'no-data-loss': 'fail' },
    ],
    [
      'a gap before the baseline (an older incident)',
      {
        sequence: {
          report: {
            rows: 990,
            distinct: 990,
            first: 0,
            last: 999,
            gaps: [[50, 59]],
            duplicates: [],
            continuous: false,
          },
          fromSequence: 180,
        },
      },
      { 'no-data-loss': 'pass' },
    ],
    [
      'a probe that never arrived',
      { probes: { configured: true, afterTakeover: { ok: false, error: 'marker m1 in no committed row' } } },
      { 'no-data-loss': 'fail' },
    ],
    [
      'no sequence column and no probe',
      { sequence: undefined, probes: { configured: false } },
      { 'no-data-loss': 'not-verified' },
    ],
    [
      'no file after the restore',
      { output: { configured: true, newestCommittedAt: F + 34_000 } },
      { 'files-keep-coming': 'fail' },
    ],
    ['no output configured', { output: { configured: false } }, { 'files-keep-coming': 'not-verified' }],
    [
      'a node that did not come back',
      { rejoin: { ok: false, detail: 'flink-jobmanager started, but not back' }, afterRestore: undefined },
      { 'primary-recovery': 'fail' },
    ],
    [
      'Flink never noticing the fault',
      {
        milestones: { 'fault-injected': at(0) },
        newLeader: undefined,
      },
      { 'primary-failure': 'fail', 'standby-takeover': 'fail', sla: 'fail' },
    ],
  ])('%s', (_what, patch, expected) => {
    expect(statuses(evidence(patch))).toMatchObject(expected);
  });

  it('duplicates are reported, not counted as loss', () => {
    const e = evidence({
      sequence: {
        report: {
          rows: 1010,
          distinct: 1000,
          first: 0,
          last: 999,
          gaps: [],
          duplicates: [[500, 509]],
          continuous: false,
        },
        fromSequence: 180,
      },
    });
    expect(statuses(e)['no-data-loss']).toBe('pass');
    expect(evidenceOf(e, 'no-data-loss')).toContain('duplicates #500–#509 (replayed, not lost)');
  });

  it('a TaskManager drill: no leader change is needed, the job restarting is the takeover', () => {
    const e = evidence({
      kind: 'kill-taskmanager',
      plan: {
        ...plan,
        kind: 'kill-taskmanager',
        target: { container: 'tm-2', role: 'taskmanager' },
        successor: undefined,
      },
      newLeader: undefined,
      milestones: {
        'fault-injected': at(0),
        'failure-detected': at(13_800, { detail: 'job RESTARTING' }),
        'job-restored': at(15_300),
        'first-checkpoint': at(16_000, { detail: 'checkpoint #45' }),
        'first-new-output': at(16_000),
        'node-restored': at(30_000),
      },
    });
    expect(Object.values(statuses(e))).toEqual(['pass', 'pass', 'pass', 'pass', 'pass', 'pass']);
    expect(evidenceOf(e, 'primary-failure')).toContain('the job left RUNNING after 13.8 s (job RESTARTING)');
  });

  it('an aborted drill fails the takeover and the SLA even if the job ran again after the restore', () => {
    const e = evidence({
      aborted: true,
      takeoverLimitMs: 3_000,
      afterRestore: undefined,
      milestones: {
        'fault-injected': at(0),
        'takeover-aborted': at(3_500),
        'node-restored': at(15_870),
        'leader-lost': at(16_250),
        'new-leader-elected': at(16_250),
        'job-restored': at(17_000),
      },
    });
    expect(statuses(e)).toMatchObject({
      'standby-takeover': 'fail',
      sla: 'fail',
      'primary-recovery': 'not-verified',
    });
    expect(evidenceOf(e, 'sla')).toBe(
      'aborted after 3.0 s without a takeover; the job ran again 17.0 s after the fault, only once the node was restored (SLA 30.0 s)',
    );
    const items = judgeDrill(e);
    expect(drillOutcome(items, true)).toBe('aborted');
    expect(
      drillHeadline({
        kind: 'kill-leader',
        cluster: 'c',
        job: 'j',
        outcome: 'aborted',
        items,
        milestones: e.milestones,
        slaMs: 30_000,
      }),
    ).toBe(
      'failover drill kill-leader on c/j: ABORTED, node restored; failed: 备用节点接管, 文件持续生成, 故障转移时间 < 30秒; no takeover within the limit; the job ran again 17.0 s after the fault, once the node was back',
    );
  });

  it('headlines say the verdict and the takeover first', () => {
    const items = judgeDrill(evidence());
    expect(
      drillHeadline({
        kind: 'kill-leader',
        cluster: 'drill-sandbox',
        job: 'sample-pipeline',
        outcome: 'passed',
        items,
        milestones,
        slaMs: 30_000,
      }),
    ).toBe(
      'failover drill kill-leader on drill-sandbox/sample-pipeline: passed; takeover 16.9 s (SLA 30.0 s), leader elected after 16.1 s',
    );
  });
});
