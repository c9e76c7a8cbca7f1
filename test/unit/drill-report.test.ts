import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeDrillReport } from '../../src/activities/drill';
import { matchLogEvidence, parseFlinkLog, utcOffsetMinutes } from '../../src/policy/drill-logs';
import type { DrillBaseline } from '../../src/policy/drill-plan';
import { type DrillReport, renderDrillMarkdown, timelineChartSpec } from '../../src/policy/drill-report';
import { buildTimeline, type Milestones } from '../../src/policy/drill-timeline';
import { judgeDrill } from '../../src/policy/drill-verdict';
import { resolveReportDir } from '../../src/trust/report-dir';

/** Lines as the sandbox's JobManagers log them (Flink 1.20.3, log4j's default pattern, UTC). */
const LOG = `2026-11-21 06:29:06,893 INFO  org.apache.flink.runtime.dispatcher.DispatcherRestEndpoint   [] - http://127.0.0.1:8382 was granted leadership with leaderSessionID=bae5e139-61a2-4fbb-bca1-73d55390ba0d
2026-11-21 06:29:06,894 INFO  org.apache.flink.runtime.resourcemanager.ResourceManagerServiceImpl [] - Resource manager service is granted leadership with session id bae5e139-61a2-4fbb-bca1-73d55390ba0d.
2026-11-21 06:29:07,860 INFO  org.apache.flink.runtime.executiongraph.ExecutionGraph       [] - Job sample-pipeline (84d59398e03ad84668d7ecde2a31a6e4) switched from state CREATED to RUNNING.
	at org.apache.flink.runtime.something(Some.java:1)
2026-11-21 06:33:07,085 INFO  org.apache.flink.runtime.executiongraph.ExecutionGraph       [] - Job sample-pipeline (84d59398e03ad84668d7ecde2a31a6e4) switched from state RUNNING to RESTARTING.
2026-11-21 06:33:09,096 INFO  org.apache.flink.runtime.executiongraph.ExecutionGraph       [] - Job sample-pipeline (84d59398e03ad84668d7ecde2a31a6e4) switched from state RESTARTING to RUNNING.
`;
const JOB = '84d59398e03ad84668d7ecde2a31a6e4';
const utc = (hms: string) => Date.parse(`2026-11-21T${hms}Z`);

describe("Flink's own log", () => {
  it('reads leadership grants and job state switches with their times', () => {
    expect(parseFlinkLog(LOG).map((e) => [e.kind, e.at, 'to' in e ? e.to : e.sessionId])).toEqual([
      ['rest-leadership', utc('06:29:06.893'), 'bae5e139-61a2-4fbb-bca1-73d55390ba0d'],
      ['job-state', utc('06:29:07.860'), 'RUNNING'],
      ['job-state', utc('06:33:07.085'), 'RESTARTING'],
      ['job-state', utc('06:33:09.096'), 'RUNNING'],
    ]);
  });

  it.each([
    ['+0000', 0],
    ['+0800', 480],
    ['-0530', -330],
    ['+05:45', 345],
    ['garbage', 0],
  ])('a container at UTC offset %s is %i minutes ahead', (text, minutes) => {
    expect(utcOffsetMinutes(text)).toBe(minutes);
  });

  it("converts a container's local time with its offset", () => {
    const [event] = parseFlinkLog(LOG, 480);
    expect(event?.at).toBe(utc('06:29:06.893') - 8 * 3_600_000);
  });

  it("sets the drill's election and RUNNING against the new leader's log lines", () => {
    const fault = utc('06:29:06.454');
    const milestones: Milestones = {
      'fault-injected': { at: fault, seenAt: fault, source: 'drill' },
      'new-leader-elected': { at: utc('06:29:07.254'), seenAt: utc('06:29:07.254'), source: 'zookeeper' },
      'job-restored': { at: utc('06:29:08.034'), seenAt: utc('06:29:08.034'), source: 'rest' },
    };
    const checks = matchLogEvidence({
      milestones,
      jobId: JOB,
      newSessionId: 'bae5e139-61a2-4fbb-bca1-73d55390ba0d',
      container: 'flink-jobmanager-standby',
      events: parseFlinkLog(LOG),
    });
    expect(checks.map((c) => [c.milestone, c.deltaMs])).toEqual([
      ['new-leader-elected', 361],
      ['job-restored', 174],
    ]);
  });

  it('a TaskManager drill pairs the switch away from RUNNING and back', () => {
    const fault = utc('06:32:53.300');
    const checks = matchLogEvidence({
      milestones: {
        'fault-injected': { at: fault, seenAt: fault, source: 'drill' },
        'failure-detected': { at: utc('06:33:07.300'), seenAt: utc('06:33:07.300'), source: 'rest' },
        'job-restored': { at: utc('06:33:09.400'), seenAt: utc('06:33:09.400'), source: 'rest' },
      },
      jobId: JOB,
      container: 'flink-jobmanager',
      events: parseFlinkLog(LOG),
    });
    expect(checks.map((c) => [c.milestone, c.deltaMs])).toEqual([
      ['failure-detected', 215],
      ['job-restored', 304],
    ]);
  });
});

const F = utc('06:45:27.485');
const milestones: Milestones = {
  'fault-injected': { at: F, seenAt: F, source: 'drill', detail: 'docker stop flink-jobmanager: stopped' },
  'leader-lost': {
    at: F + 270,
    seenAt: F + 270,
    source: 'zookeeper',
    detail: 'ZooKeeper names no REST leader',
  },
  'new-leader-elected': { at: F + 560, seenAt: F + 560, source: 'zookeeper' },
  'job-restored': { at: F + 1_280, seenAt: F + 1_280, source: 'rest', flinkAt: F + 1_040 },
  'first-checkpoint': { at: F + 2_430, seenAt: F + 3_000, source: 'checkpoint', detail: 'checkpoint #7' },
  'first-new-output': { at: F + 2_370, seenAt: F + 2_500, source: 'output' },
  'node-restored': { at: F + 11_420, seenAt: F + 11_420, source: 'drill' },
};

const baseline: DrillBaseline = {
  at: F - 2_000,
  jobManagers: [
    { url: 'http://127.0.0.1:8081', container: 'flink-jobmanager', role: 'primary', state: 'up' },
    { url: 'http://127.0.0.1:8082', container: 'flink-jobmanager-standby', role: 'standby', state: 'up' },
  ],
  containers: [],
  leader: {
    url: 'http://127.0.0.1:8081',
    sessionId: 'c45334ef',
    container: 'flink-jobmanager',
    consistent: true,
  },
  ha: { agree: true, differences: [], unread: [], types: { a: 'zookeeper', b: 'zookeeper' } },
  job: { jobId: JOB, name: 'sample-pipeline', state: 'RUNNING', startTime: F - 60_000 },
  checkpoint: { id: 3, completedAt: F - 4_100 },
  recordsPerSecond: 19.6,
  sequence: { last: 169, rows: 170, gaps: 0, duplicates: 0 },
};

function report(): DrillReport {
  const plan = {
    kind: 'stop-leader' as const,
    action: 'stop' as const,
    target: { container: 'flink-jobmanager', role: 'jobmanager' as const, url: 'http://127.0.0.1:8081' },
    summary:
      'docker stop flink-jobmanager (the leader, http://127.0.0.1:8081); flink-jobmanager-standby should take over',
  };
  const probes = {
    configured: true,
    before: { ok: true, marker: 'drill-before-1', arrivedAfterMs: 2_000, sequence: 176 },
  };
  return {
    drillId: 'realtime-pipeline-stop-leader-20261121T064525Z',
    cluster: 'realtime-pipeline',
    job: 'sample-pipeline',
    jobId: JOB,
    kind: 'stop-leader',
    outcome: 'passed',
    headline:
      'failover drill stop-leader on realtime-pipeline/sample-pipeline: passed; takeover 1.3 s (SLA 30.0 s)',
    startedAt: F - 2_200,
    finishedAt: F + 35_000,
    plan,
    baseline,
    takeoverLimitMs: 120_000,
    slaMs: 30_000,
    metrics: { detectionMs: 270, electionMs: 560, takeoverMs: 1_280, firstCheckpointMs: 2_430 },
    timeline: buildTimeline(milestones),
    checklist: judgeDrill({
      kind: 'stop-leader',
      plan,
      milestones,
      takeoverLimitMs: 120_000,
      slaMs: 30_000,
      aborted: false,
      probes,
      output: { configured: true },
    }),
    observation: {
      polls: { zookeeper: { count: 13, maxGapMs: 309 }, job: { count: 10, maxGapMs: 280 } },
      leaderChanges: [],
      jobStates: [],
    },
    probes,
    logEvidence: [
      {
        milestone: 'new-leader-elected',
        seenAt: F + 560,
        loggedAt: F + 172,
        deltaMs: 388,
        container: 'flink-jobmanager-standby',
        line: '2026-11-21 06:45:27,657 INFO  org.apache.flink.runtime.dispatcher.DispatcherRestEndpoint   [] - http://127.0.0.1:8382 was granted leadership with leaderSessionID=1a98f44b',
      },
    ],
    lease: { monitor: 'running', released: true },
    warnings: [],
    steps: [{ at: F - 2_100, step: 'baseline taken' }],
  };
}

describe('the report', () => {
  it("is Markdown with the checklist in the seeds' words, the timeline with durations, and the log evidence", () => {
    const md = renderDrillMarkdown(report(), { svg: 'x.svg' });
    expect(md).toMatch(/^# Failover drill stop-leader on realtime-pipeline\/sample-pipeline: PASSED\n/);
    expect(md).toContain('| 主节点故障测试: the fault was injected and Flink noticed it | ✅ pass |');
    expect(md).toContain(
      '| 数据不丢失: no rows lost: the sequence is unbroken and every probe arrived | ➖ not verified |',
    );
    expect(md).toContain('![timeline of the drill](x.svg)');
    expect(md).toContain('| +0.56 s | new leader elected | +0.3 s | 06:45:28.045 | zookeeper |  |');
    expect(md).toContain(
      "| +1.28 s | job RUNNING again | +0.7 s | 06:45:28.765 | rest | Flink's record 06:45:28.525 |",
    );
    expect(md).toContain(
      '| +2.43 s | first new checkpoint | +0.1 s | 06:45:29.915 (seen 06:45:30.485) | checkpoint | checkpoint #7 |',
    );
    expect(md).toContain('- Fault → job RUNNING again (takeover, judged against the SLA): 1.3 s');
    expect(md).toContain(
      '| new-leader-elected | 06:45:28.045 | 06:45:27.657 (flink-jobmanager-standby) | +0.39 s |',
    );
    expect(md).toContain('- Sequence position: #169 (170 committed rows, 0 gap(s))');
    expect(md).toContain('zookeeper 13 looks (longest gap 309 ms), job 10 looks (longest gap 280 ms)');
  });

  it('charts the timeline as a waterfall in seconds since the fault, with the SLA as a rule', () => {
    const spec = timelineChartSpec({ title: 't', timeline: buildTimeline(milestones), slaMs: 30_000 }) as {
      layer: Array<{ data: { values: Array<Record<string, unknown>> }; mark: { type: string } }>;
    };
    expect(spec.layer.map((l) => l.mark.type)).toEqual(['bar', 'point', 'text', 'rule', 'text']);
    expect(spec.layer[0]?.data.values.map((r) => [r.milestone, r.start, r.end, r.phase])).toEqual([
      ['leader lost', 0, 0.27, 'failure'],
      ['new leader elected', 0.27, 0.56, 'takeover'],
      ['job RUNNING again', 0.56, 1.28, 'takeover'],
      ['first new output', 1.28, 2.37, 'recovery'],
      ['first new checkpoint', 2.37, 2.43, 'recovery'],
      ['node restored', 2.43, 11.42, 'restore'],
    ]);
    expect(spec.layer[3]?.data.values).toEqual([{ sla: 30, text: 'SLA 30 s' }]);
  });

  const dir = mkdtempSync(join(tmpdir(), 'drill-report-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is written as <drill-id>.md and .svg, the chart rendered with Vega-Lite without a canvas', async () => {
    const r = report();
    const markdown = renderDrillMarkdown(r, { svg: `${r.drillId}.svg` });
    const written = await writeDrillReport({
      drillId: r.drillId,
      reportDir: dir,
      markdown,
      chart: { title: 'Failover drill stop-leader: passed', timeline: r.timeline, slaMs: 30_000 },
    });
    expect(written.markdownPath).toBe(join(dir, `${r.drillId}.md`));
    expect(readFileSync(written.markdownPath, 'utf8')).toBe(markdown);
    const svg = readFileSync(written.svgPath, 'utf8');
    expect(svg).toBe(written.svg);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    for (const text of [
      'Failover drill stop-leader: passed',
      'new leader elected',
      'SLA 30 s',
      '1.3 s',
      'seconds since the fault',
    ])
      expect(svg).toContain(text);
  });

  it('refuses a drill id that is not a file name; relative directories are taken from the repository', async () => {
    await expect(
      writeDrillReport({
        drillId: '../escape',
        reportDir: dir,
        markdown: '',
        chart: { title: '', timeline: [], slaMs: 1 },
      }),
    ).rejects.toMatchObject({ name: 'ReportNotWritten' });
    expect(resolveReportDir(undefined)).toMatch(/\/reports$/);
    expect(resolveReportDir('reports/drills')).toMatch(/\/reports\/drills$/);
    expect(() => resolveReportDir('/etc/cron.d')).toThrow(/outside the report folders/);
  });
});
