/**
 * Pure: the seeds' 日常维护 checklist (docker ps, curl /overview, curl /jobs/overview, df -h,
 * the health monitor's log) plus the last savepoint (每月) and the last failover drill
 * (故障转移测试), judged item by item and rendered as one Markdown report a person reads in the
 * morning. Everything it judges is handed in, with the time it was looked at.
 */
import type { DiskVerdict } from './disk';
import { aboutDuration } from './disk';
import { isTerminalJobState } from './job-states';
import type { MonitorStatus } from './monitor-state';

export type CheckLevel = 'ok' | 'warning' | 'critical' | 'unknown';

/** A savepoint older than this misses the seeds' monthly one. */
export const SAVEPOINT_OVERDUE_MS = 32 * 86_400_000;
const DAY = 86_400_000;

export interface DailyCheckInput {
  cluster: string;
  now: number;
  /** Containers the spec names (`docker ps`); an error when Docker could not be asked. */
  containers: { expected: string[]; seen?: Array<{ name: string; running: boolean }>; error?: string };
  /** Each JobManager's /overview. */
  jobManagers: Array<{
    url: string;
    role: string;
    state: string;
    taskManagers?: number;
    flinkVersion?: string;
  }>;
  taskManagersExpected: number;
  /** The jobs the clusters file names, and the jobs the JobManagers know (`error` when REST did not answer). */
  jobs: { named: string[]; known?: Array<{ jobId: string; name?: string; state: string }>; error?: string };
  disk: DiskVerdict;
  /** Each named job's monitor: its status query, or none running, or why it could not be asked. */
  monitors: Array<{
    job: string;
    status?: Omit<MonitorStatus, 'lastObservation'>;
    none?: boolean;
    error?: string;
  }>;
  /** Each named job's newest complete savepoint. */
  savepoints: Array<{ job: string; newest?: { name: string; createdAt: number }; error?: string }>;
  /** The newest drill report of the cluster. */
  drill?: { name: string; title?: string; at: number };
}

export interface CheckItem {
  key: 'containers' | 'overview' | 'jobs' | 'disk' | 'monitor' | 'savepoint' | 'drill';
  /** The seeds' words for it. */
  item: string;
  level: CheckLevel;
  detail: string;
}

export interface DailyCheckReport {
  cluster: string;
  at: number;
  level: CheckLevel;
  headline: string;
  items: CheckItem[];
  markdown: string;
}

const RANK: Record<CheckLevel, number> = { ok: 0, unknown: 1, warning: 2, critical: 3 };
const ICON: Record<CheckLevel, string> = {
  ok: '✅ ok',
  warning: '⚠️ warning',
  critical: '❌ critical',
  unknown: '❔ unknown',
};
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const utc = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, ' UTC');
const ago = (now: number, at: number) => `${aboutDuration(Math.max(0, now - at)).replace('about ', '')} ago`;

function containersItem(c: DailyCheckInput['containers']): CheckItem {
  const item = '容器 (docker ps)';
  if (!c.seen)
    return {
      key: 'containers',
      item,
      level: 'unknown',
      detail: `Docker could not be asked: ${c.error ?? 'no answer'}`,
    };
  const running = new Set(c.seen.filter((s) => s.running).map((s) => s.name));
  const down = c.expected.filter((name) => !running.has(name));
  return down.length === 0
    ? { key: 'containers', item, level: 'ok', detail: `all ${c.expected.length} containers running` }
    : { key: 'containers', item, level: 'warning', detail: `not running: ${down.join(', ')}` };
}

function overviewItem(input: DailyCheckInput): CheckItem {
  const item = '集群概览 (curl /overview)';
  const up = input.jobManagers.filter((jm) => jm.state === 'up');
  if (up.length === 0)
    return {
      key: 'overview',
      item,
      level: 'critical',
      detail: `no JobManager answers (${input.jobManagers.map((jm) => `${jm.url} ${jm.state}`).join(', ')})`,
    };
  const registered = Math.max(...up.map((jm) => jm.taskManagers ?? 0));
  const missing = input.jobManagers.filter((jm) => jm.state !== 'up');
  const problems = [
    ...missing.map((jm) => `${jm.role} ${jm.url} ${jm.state}: no failover possible`),
    ...(registered < input.taskManagersExpected
      ? [`${registered}/${input.taskManagersExpected} TaskManagers registered`]
      : []),
  ];
  const summary = `${up.length}/${input.jobManagers.length} JobManagers answer (Flink ${up[0]?.flinkVersion ?? '?'}), ${registered}/${input.taskManagersExpected} TaskManagers`;
  return {
    key: 'overview',
    item,
    level: problems.length > 0 ? 'warning' : 'ok',
    detail: problems.length > 0 ? problems.join('; ') : summary,
  };
}

function jobsItem(j: DailyCheckInput['jobs']): CheckItem {
  const item = '作业 (curl /jobs/overview)';
  if (!j.known)
    return {
      key: 'jobs',
      item,
      level: 'unknown',
      detail: `the JobManagers could not be asked: ${j.error ?? 'no answer'}`,
    };
  const lines = j.named.map((name) => {
    const running = j.known?.find((k) => k.name === name && k.state === 'RUNNING');
    const live = j.known?.find((k) => k.name === name && !isTerminalJobState(k.state));
    return {
      name,
      level: running ? ('ok' as const) : live ? ('warning' as const) : ('critical' as const),
      text: running
        ? `${name} RUNNING (${running.jobId})`
        : live
          ? `${name} ${live.state}`
          : `${name} not running`,
    };
  });
  return {
    key: 'jobs',
    item,
    level: worst(lines.map((l) => l.level)),
    detail: lines.map((l) => l.text).join('; '),
  };
}

function diskItem(d: DiskVerdict): CheckItem {
  const item = '磁盘 (df -h)';
  if (d.folders.length > 0 && d.folders.every((f) => f.error !== undefined))
    return {
      key: 'disk',
      item,
      level: 'unknown',
      detail: `no folder could be looked at: ${d.unreadable.join('; ')}`,
    };
  const detail =
    d.reasons.length > 0
      ? d.reasons.join('; ')
      : `every watched folder below its thresholds (fullest ${Math.max(...d.folders.map((f) => Math.max(f.bytesPercent ?? 0, f.inodesPercent ?? 0)))} %)`;
  const unreadable = d.unreadable.length > 0 ? `; not readable: ${d.unreadable.join('; ')}` : '';
  return { key: 'disk', item, level: d.level, detail: `${detail}${unreadable}` };
}

function monitorItem(input: DailyCheckInput): CheckItem {
  const item = '健康监控 (the monitor: verdicts, restarts)';
  const lines = input.monitors.map((m): { level: CheckLevel; text: string } => {
    if (m.error) return { level: 'unknown', text: `${m.job}: the monitor could not be asked (${m.error})` };
    if (!m.status) return { level: 'warning', text: `${m.job}: no monitor runs` };
    const s = m.status;
    const recent = s.restarts.filter((r) => input.now - r.at <= DAY);
    const restarts =
      recent.length > 0 ? `, ${recent.length} restart${recent.length === 1 ? '' : 's'} in 24 h` : '';
    const text = `${m.job}: ${s.verdict} since ${ago(input.now, s.verdictSince)}, ${s.phase}${restarts}, budget ${s.budget.left}/${s.budget.max}`;
    if (s.escalated) return { level: 'critical', text: `${text} — escalated: ${s.reasons.join('; ')}` };
    if (!['healthy', 'idle'].includes(s.verdict) || recent.length > 0)
      return { level: 'warning', text: `${text}${s.reasons.length > 0 ? ` (${s.reasons.join('; ')})` : ''}` };
    return { level: 'ok', text };
  });
  return {
    key: 'monitor',
    item,
    level: worst(lines.map((l) => l.level)),
    detail: lines.map((l) => l.text).join('; '),
  };
}

function savepointItem(input: DailyCheckInput): CheckItem {
  const item = '最近 savepoint (每月)';
  const lines = input.savepoints.map((s): { level: CheckLevel; text: string } => {
    if (s.error) return { level: 'unknown', text: `${s.job}: ${s.error}` };
    if (!s.newest) return { level: 'warning', text: `${s.job}: no complete savepoint` };
    const age = input.now - s.newest.createdAt;
    const text = `${s.job}: ${s.newest.name}, ${ago(input.now, s.newest.createdAt)}`;
    return age > SAVEPOINT_OVERDUE_MS
      ? { level: 'warning', text: `${text} (the monthly one is overdue)` }
      : { level: 'ok', text };
  });
  return {
    key: 'savepoint',
    item,
    level: worst(lines.map((l) => l.level)),
    detail: lines.map((l) => l.text).join('; '),
  };
}

function drillItem(input: DailyCheckInput): CheckItem {
  const item = '最近演练 (故障转移测试)';
  const d = input.drill;
  if (!d) return { key: 'drill', item, level: 'warning', detail: 'no drill report on record' };
  const title = d.title ?? d.name;
  const failed = /: (FAILED|ABORTED)$/.test(title);
  return {
    key: 'drill',
    item,
    level: failed ? 'warning' : 'ok',
    detail: `${title}, ${ago(input.now, d.at)}`,
  };
}

function worst(levels: CheckLevel[]): CheckLevel {
  return levels.reduce<CheckLevel>((a, b) => (RANK[b] > RANK[a] ? b : a), 'ok');
}

export function dailyCheckReport(input: DailyCheckInput): DailyCheckReport {
  const items = [
    containersItem(input.containers),
    overviewItem(input),
    jobsItem(input.jobs),
    diskItem(input.disk),
    monitorItem(input),
    savepointItem(input),
    drillItem(input),
  ];
  const level = worst(items.map((i) => i.level));
  const flagged = items.filter((i) => i.level !== 'ok');
  const headline =
    flagged.length === 0
      ? `${input.cluster}: all ${items.length} daily checks ok`
      : `${input.cluster}: ${flagged.length} of ${items.length} daily checks need a look: ${flagged.map((i) => `${i.key} ${i.level}`).join(', ')}`;
  return {
    cluster: input.cluster,
    at: input.now,
    level,
    headline,
    items,
    markdown: render(input, level, headline, items),
  };
}

function render(input: DailyCheckInput, level: CheckLevel, headline: string, items: CheckItem[]): string {
  const lines = [
    `# Daily check of ${input.cluster}: ${level.toUpperCase()}`,
    '',
    `**${cell(headline)}**`,
    '',
    `Checked ${utc(input.now)}.`,
    '',
    '| item (日常维护) | result | detail |',
    '| --- | --- | --- |',
    ...items.map((i) => `| ${i.item} | ${ICON[i.level]} | ${cell(i.detail)} |`),
    '',
    '## Disk',
    '',
    '| folder | holds | space used | inodes used | forecast |',
    '| --- | --- | ---: | ---: | --- |',
    ...input.disk.folders.map((f) => {
      const percent = (p?: number) => (p === undefined ? '—' : `${p} %`);
      const forecast = f.forecast
        ? `${f.forecast.resource === 'inodes' ? 'inodes out' : 'full'} in ${aboutDuration(f.forecast.fullInMs)}`
        : '';
      return `| ${cell(f.path)} | ${cell(f.roles.join(', '))} | ${f.error ? cell(f.error) : percent(f.bytesPercent)} | ${percent(f.inodesPercent)} | ${forecast} |`;
    }),
  ];
  const restarts = input.monitors.flatMap((m) =>
    (m.status?.restarts ?? []).filter((r) => input.now - r.at <= DAY).map((r) => ({ job: m.job, r })),
  );
  if (restarts.length > 0) {
    lines.push(
      '',
      '## Restarts in the last 24 h',
      '',
      '| job | at | why | outcome |',
      '| --- | --- | --- | --- |',
    );
    for (const { job, r } of restarts)
      lines.push(
        `| ${job} | ${utc(r.at)} | ${cell(r.reason)} | ${r.outcome}${r.restoredFrom ? ` from ${cell(r.restoredFrom)}` : ''} |`,
      );
  }
  return `${lines.join('\n')}\n`;
}
