import type { LogCheck } from './drill-logs';
import type { DrillBaseline, DrillKind, FaultPlan } from './drill-plan';
import { KIND_TEXT, seconds } from './drill-plan';
import type { MilestoneName, TakeoverMetrics, TimelineEntry } from './drill-timeline';
import type { AfterRestoreWatch, ChecklistItem, DrillEvidence, DrillOutcome, Rejoin } from './drill-verdict';

/**
 * Pure: the drill's report as a person reads it — Markdown with the checklist, the timeline and
 * the evidence — and the Vega-Lite specification of its timeline chart (rendered to SVG by an
 * activity, outside the workflow sandbox).
 */
export interface DrillReport {
  drillId: string;
  cluster: string;
  job: string;
  jobId?: string;
  kind: DrillKind;
  outcome: DrillOutcome;
  headline: string;
  startedAt: number;
  finishedAt: number;
  plan: FaultPlan;
  baseline: DrillBaseline;
  takeoverLimitMs: number;
  slaMs: number;
  metrics: TakeoverMetrics;
  timeline: TimelineEntry[];
  checklist: ChecklistItem[];
  /** How closely the drill looked: polls per source and the longest gap between two. */
  observation?: {
    polls: Record<string, { count: number; maxGapMs: number }>;
    leaderChanges: Array<{ at: number; url?: string; sessionId?: string; error?: string }>;
    jobStates: Array<{ at: number; state: string; via?: string }>;
  };
  newLeader?: { url: string; sessionId: string };
  probes: DrillEvidence['probes'];
  rejoin?: Rejoin;
  afterRestore?: AfterRestoreWatch;
  sequence?: DrillEvidence['sequence'];
  /** The drill's times set against the JobManager's own log. */
  logEvidence: LogCheck[];
  lease: { monitor?: 'running' | 'no-monitor'; released?: boolean; error?: string };
  warnings: string[];
  steps: Array<{ at: number; step: string; detail?: string }>;
}

const ICON: Record<ChecklistItem['status'], string> = {
  pass: '✅ pass',
  fail: '❌ fail',
  'not-verified': '➖ not verified',
  'not-applicable': '➖ n/a',
};

const utc = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', ' UTC');
const clock = (ms: number) => new Date(ms).toISOString().slice(11, 23);
const signed = (ms: number) => `${ms < 0 ? '−' : '+'}${(Math.abs(ms) / 1000).toFixed(2)} s`;
const cell = (text: string | undefined) => (text ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderDrillMarkdown(r: DrillReport, files: { svg?: string } = {}): string {
  const lines: string[] = [];
  const out = (...l: string[]) => lines.push(...l);
  const title = r.outcome === 'passed' ? 'PASSED' : r.outcome === 'aborted' ? 'ABORTED' : 'FAILED';
  out(`# Failover drill ${r.kind} on ${r.cluster}/${r.job}: ${title}`, '', `**${cell(r.headline)}**`, '');
  out(
    `- Drill: \`${r.drillId}\`, ${utc(r.startedAt)}, took ${seconds(r.finishedAt - r.startedAt)}`,
    `- Fault: ${KIND_TEXT[r.kind]}: ${r.plan.summary}`,
    `- Job: ${r.job}${r.jobId ? ` \`${r.jobId}\`` : ''}`,
    `- SLA (故障转移时间): ${seconds(r.slaMs)}; the drill aborts and restores the node after ${seconds(r.takeoverLimitMs)}`,
    `- Maintenance lease: ${leaseText(r.lease)}`,
    '',
  );

  out('## Checklist (故障转移测试)', '', '| item | result | evidence |', '| --- | --- | --- |');
  for (const item of r.checklist)
    out(`| ${item.seed}: ${cell(item.label)} | ${ICON[item.status]} | ${cell(item.evidence)} |`);
  out('');

  out('## Timeline', '');
  if (files.svg) out(`![timeline of the drill](${files.svg})`, '');
  out(
    '| t from fault | milestone | step | time (UTC) | source | detail |',
    '| ---: | --- | ---: | --- | --- | --- |',
  );
  for (const e of r.timeline) {
    const seen = e.seenAt !== e.at ? ` (seen ${clock(e.seenAt)})` : '';
    const flink = e.flinkAt !== undefined && e.flinkAt !== e.at ? `Flink's record ${clock(e.flinkAt)}` : '';
    const detail = [e.detail, flink].filter(Boolean).join('; ');
    out(
      `| ${signed(e.sinceFaultMs)} | ${e.label} | ${e.milestone === 'fault-injected' ? '' : `+${seconds(e.sincePreviousMs)}`} | ${clock(e.at)}${seen} | ${e.source} | ${cell(detail)} |`,
    );
  }
  out('');
  const metric = (label: string, ms: number | undefined) =>
    ms === undefined ? [] : [`- ${label}: ${seconds(ms)}`];
  out(
    ...metric('Fault → leadership lost / failure detected', r.metrics.detectionMs),
    ...metric('Fault → new leader elected', r.metrics.electionMs),
    ...metric('Fault → job RUNNING again (takeover, judged against the SLA)', r.metrics.takeoverMs),
    ...metric('Fault → first new checkpoint', r.metrics.firstCheckpointMs),
    ...metric('Fault → first new output', r.metrics.firstOutputMs),
    ...metric('Fault → node restored', r.metrics.nodeDownMs),
    '',
  );
  if (r.observation) {
    const polls = Object.entries(r.observation.polls)
      .map(([what, p]) => `${what} ${p.count} looks (longest gap ${p.maxGapMs} ms)`)
      .join(', ');
    out(
      `Times are what the drill saw, except checkpoints (Flink's acknowledgement time) and output (the file's commit time), which Flink's REST API and the file system record exactly. The drill looked at: ${polls}.`,
      '',
    );
    if (r.observation.leaderChanges.length > 2) {
      out('Leader records in ZooKeeper after the fault:', '');
      for (const c of r.observation.leaderChanges)
        out(
          `- ${clock(c.at)} ${c.error ? 'ZooKeeper unreachable' : (c.url ?? 'no leader')}${c.sessionId ? ` (session ${c.sessionId.slice(0, 8)})` : ''}`,
        );
      out('');
    }
  }

  if (r.logEvidence.length > 0) {
    out(
      "## Flink's own log",
      '',
      '| milestone | the drill saw | Flink logged | drill − log | line |',
      '| --- | --- | --- | ---: | --- |',
    );
    for (const c of r.logEvidence)
      out(
        `| ${c.milestone} | ${clock(c.seenAt)} | ${clock(c.loggedAt)} (${c.container}) | ${signed(c.deltaMs)} | \`${cell(c.line.replace(/^\S+ \S+ \w+\s+/, '')).slice(0, 160)}\` |`,
      );
    out('');
  }

  out('## Baseline (before the fault)', '');
  const b = r.baseline;
  out(
    `- Leader: ${b.leader ? `${b.leader.url} (${b.leader.container ?? '?'}), session ${b.leader.sessionId}` : 'none'}`,
    `- JobManagers: ${b.jobManagers.map((jm) => `${jm.container} ${jm.state}`).join(', ')}; HA ${Object.values(b.ha.types).join('/')}, settings ${b.ha.agree ? 'agree' : 'differ'}`,
    `- Job: ${b.job ? `${b.job.jobId} ${b.job.state}` : (b.jobProblem ?? 'none')}`,
    `- Last checkpoint: ${b.checkpoint ? `#${b.checkpoint.id}, ${seconds(b.at - b.checkpoint.completedAt)} before` : 'none'}`,
    `- Output rate: ${b.recordsPerSecond !== undefined ? `${b.recordsPerSecond.toFixed(1)} records/s out of the source` : 'unknown'}`,
    `- Sequence position: ${b.sequence ? `#${b.sequence.last} (${b.sequence.rows} committed rows, ${b.sequence.gaps} gap(s))` : (b.sequenceError ?? 'no sequence column')}`,
    `- Probe before the fault: ${probeText(r.probes.before, r.probes.configured)}`,
    '',
  );

  out('## After the fault', '');
  out(
    `- Probe after the takeover: ${probeText(r.probes.afterTakeover, r.probes.configured)}`,
    `- Node restored: ${r.rejoin?.detail ?? 'no'}`,
  );
  if (r.afterRestore) {
    const w = r.afterRestore;
    out(
      `- Watched ${seconds(w.durationMs)} after the restore: job states ${[...new Set(w.jobStates.map((s) => s.state))].join(', ') || 'none seen'}; ${w.checkpointsCompleted} checkpoint(s) completed; leader ${w.leaderChanged ? 'CHANGED' : 'unchanged'}${w.leaderAtEnd ? ` (${w.leaderAtEnd.url})` : ''}`,
    );
  }
  out(`- Probe after the restore: ${probeText(r.probes.afterRestore, r.probes.configured)}`);
  const seq = r.sequence;
  if (seq && 'error' in seq) out(`- Sequence: not readable (${seq.error})`);
  else if (seq)
    out(
      `- Sequence: ${seq.report.rows} committed rows, #${seq.report.first}–#${seq.report.last}, gaps ${seq.report.gaps.length}, duplicate ranges ${seq.report.duplicates.length}`,
    );
  out('');

  if (r.warnings.length > 0) out('## Warnings', '', ...r.warnings.map((w) => `- ${w}`), '');
  out(
    '## Steps',
    '',
    ...r.steps.map((s) => `- ${clock(s.at)} ${s.step}${s.detail ? `: ${cell(s.detail)}` : ''}`),
    '',
  );
  return lines.join('\n');
}

function leaseText(lease: DrillReport['lease']): string {
  if (lease.monitor !== 'running') return 'no monitor was running';
  if (lease.released) return 'the monitor stood down during the drill; released';
  return `the monitor stood down during the drill; not released${lease.error ? ` (${lease.error})` : ''}: it expires by itself`;
}

function probeText(p: DrillEvidence['probes']['before'], configured: boolean): string {
  if (!configured) return 'no probe configured';
  if (!p) return 'not run';
  if (!p.ok) return `did NOT arrive (${p.error ?? 'unknown'})`;
  return `\`${p.marker ?? 'change'}\` arrived${p.arrivedAfterMs !== undefined ? ` ${seconds(p.arrivedAfterMs)} after it was made` : ''}${p.sequence !== undefined ? ` in row #${p.sequence}` : ''}`;
}

const PHASE: Partial<Record<MilestoneName, string>> = {
  'leader-lost': 'failure',
  'failure-detected': 'failure',
  'new-leader-elected': 'takeover',
  'job-restored': 'takeover',
  'first-checkpoint': 'recovery',
  'first-new-output': 'recovery',
  'probe-after-takeover': 'recovery',
  'takeover-aborted': 'aborted',
  'node-restored': 'restore',
  'probe-after-restore': 'restore',
};

/**
 * The timeline as a waterfall: one row per milestone, its bar from the milestone before it to
 * this one, in seconds since the fault, with the SLA as a dashed rule.
 */
export function timelineChartSpec(input: {
  title: string;
  subtitle?: string;
  timeline: TimelineEntry[];
  slaMs: number;
}): Record<string, unknown> {
  const rows = input.timeline
    .filter((e) => e.milestone !== 'fault-injected' && e.sinceFaultMs >= 0)
    .map((e, order) => ({
      order,
      milestone: e.label,
      phase: PHASE[e.milestone] ?? 'other',
      start: round((e.sinceFaultMs - e.sincePreviousMs) / 1000),
      end: round(e.sinceFaultMs / 1000),
      text: `${(e.sinceFaultMs / 1000).toFixed(1)} s`,
    }));
  const sla = input.slaMs / 1000;
  const y = {
    field: 'milestone',
    type: 'nominal',
    sort: { field: 'order' },
    title: null,
    axis: { labelLimit: 260 },
  };
  const phases = Object.keys(PHASE_COLOR).filter((phase) => rows.some((r) => r.phase === phase));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: input.title, subtitle: input.subtitle ?? '', anchor: 'start' },
    width: 560,
    height: { step: 28 },
    background: 'white',
    padding: 12,
    config: { font: 'sans-serif', axis: { labelFontSize: 11, titleFontSize: 11 } },
    layer: [
      {
        data: { values: rows },
        mark: { type: 'bar', height: 14, cornerRadius: 2 },
        encoding: {
          y,
          x: {
            field: 'start',
            type: 'quantitative',
            title: 'seconds since the fault',
            scale: { domainMin: 0 },
          },
          x2: { field: 'end' },
          color: {
            field: 'phase',
            type: 'nominal',
            title: null,
            scale: { domain: phases, range: phases.map((phase) => PHASE_COLOR[phase]) },
            legend: { orient: 'bottom' },
          },
        },
      },
      {
        data: { values: rows },
        mark: { type: 'point', filled: true, size: 40, color: '#333' },
        encoding: { y, x: { field: 'end', type: 'quantitative' } },
      },
      {
        data: { values: rows },
        mark: { type: 'text', align: 'left', dx: 7, fontSize: 11 },
        encoding: { y, x: { field: 'end', type: 'quantitative' }, text: { field: 'text' } },
      },
      {
        data: { values: [{ sla, text: `SLA ${sla} s` }] },
        mark: { type: 'rule', strokeDash: [5, 4], color: '#c0392b', strokeWidth: 1.5 },
        encoding: { x: { field: 'sla', type: 'quantitative' } },
      },
      {
        data: { values: [{ sla, text: `SLA ${sla} s` }] },
        mark: {
          type: 'text',
          align: 'right',
          baseline: 'top',
          dx: -4,
          dy: 2,
          y: 0,
          color: '#c0392b',
          fontSize: 11,
        },
        encoding: { x: { field: 'sla', type: 'quantitative' }, text: { field: 'text' } },
      },
    ],
  };
}

const PHASE_COLOR: Record<string, string> = {
  failure: '#e67e22',
  takeover: '#c0392b',
  recovery: '#2e86c1',
  restore: '#27ae60',
  aborted: '#7f8c8d',
  other: '#95a5a6',
};

const round = (n: number) => Math.round(n * 100) / 100;
