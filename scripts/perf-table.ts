/**
 * Rewrites the README's Performance figures from the committed benchmark results: the latest
 * result file of each benchmark in bench/results/ (by its `startedAt`; with `--only` runs, the
 * latest of each part), between the markers
 * <!-- perf-table:start --> and <!-- perf-table:end -->. Figures are never typed by hand; a
 * benchmark without a result file shows "not measured yet".
 *
 *   npm run perf-table            rewrite README.md
 *   npm run perf-table -- --check exit 1 when README.md is not what the results say
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const START_MARKER = '<!-- perf-table:start -->';
export const END_MARKER = '<!-- perf-table:end -->';

/** The benchmarks the README reports, in its order (the fast-settings `zombie` bench is not one). */
export const REPORTED: Array<{ benchmark: string; title: string }> = [
  { benchmark: 'zombie-seeds', title: "Zombies on the seeds' settings: stuck checkpoint and dead source" },
  { benchmark: 'soak', title: "Quiet source and bursts on the seeds' settings" },
  { benchmark: 'cdc-restarts', title: 'CDC job restarts: changes lost or duplicated' },
  { benchmark: 'upgrade', title: 'Upgrade v1 → v2: downtime' },
  { benchmark: 'failover', title: 'Failover drills' },
  { benchmark: 'scale', title: 'Monitoring cost' },
  { benchmark: 'scale-workers', title: 'More than one worker: a worker killed, its watches taken over' },
];

/** The parts of a result file (bench/lib/report.ts BenchResult) the table uses. */
export interface ResultFile {
  benchmark: string;
  summary: string;
  startedAt: string;
  settings?: string;
  environment?: { cpu?: { model?: string; cores?: number }; memoryGb?: number; flink?: string };
  goals?: Array<{ goal: string; target: string; measured: string; verdict: string }>;
  tables?: Array<{ title: string; columns: string[]; rows: Array<Array<string | number | null>> }>;
  notes?: string[];
  command?: string;
}

type Entry = { file: string; result: ResultFile };

/** The part of a benchmark a run measured: its `--only` list from the command, or undefined for all of it. */
export function scopeOf(result: ResultFile): string[] | undefined {
  const match = result.command?.match(/--only[ =](\S+)/);
  return match?.[1] ? match[1].split(',').sort() : undefined;
}

/** Whether a run of scope `newer` measured everything a run of scope `older` did. */
const covers = (newer: string[] | undefined, older: string[] | undefined): boolean =>
  newer === undefined || (older?.every((part) => newer.includes(part)) ?? false);

/**
 * Pure: the results that stand for each benchmark, oldest first: the latest run, and any older
 * run with `--only` parts that no newer run measured (a `--only dead-source` run does not hide the
 * stuck-checkpoint rows of the run before it; a run of everything hides every older one).
 */
export function latestResults(files: Entry[]): Map<string, Entry[]> {
  const byNewest = [...files].sort((a, b) => Date.parse(b.result.startedAt) - Date.parse(a.result.startedAt));
  const standing = new Map<string, Entry[]>();
  for (const entry of byNewest) {
    const kept = standing.get(entry.result.benchmark) ?? [];
    if (kept.some((newer) => covers(scopeOf(newer.result), scopeOf(entry.result)))) continue;
    standing.set(entry.result.benchmark, [...kept, entry]);
  }
  for (const [benchmark, entries] of standing) standing.set(benchmark, entries.reverse());
  return standing;
}

const mdCell = (value: string | number | null | undefined): string =>
  value === null || value === undefined
    ? '—'
    : String(typeof value === 'number' ? Math.round(value * 100) / 100 : value)
        .replace(/\|/g, '\\|')
        .replace(/\n/g, ' ');

export function markdownTable(
  columns: string[],
  rows: Array<Array<string | number | null | undefined>>,
): string {
  return [
    `| ${columns.map(mdCell).join(' | ')} |`,
    `| ${columns.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${columns.map((_, i) => mdCell(r[i])).join(' | ')} |`),
  ].join('\n');
}

/** Pure: the generated part of the Performance section. */
export function renderPerformance(latest: Map<string, Entry[]>): string {
  const parts: string[] = [];
  for (const { benchmark, title } of REPORTED) {
    const found = latest.get(benchmark) ?? [];
    parts.push(`**${title}** (\`npm run bench -- ${benchmark}\`)`);
    if (found.length === 0) {
      parts.push('', 'Not measured yet: no result file in `bench/results/`.', '');
      continue;
    }
    for (const entry of found) parts.push(...renderResult(entry));
  }
  return parts.join('\n').trim();
}

function renderResult({ file, result }: Entry): string[] {
  const parts: string[] = [];
  const env = result.environment;
  const machine = env?.cpu
    ? `${env.cpu.cores} cores (${env.cpu.model}), ${env.memoryGb} GB${env.flink ? `, Flink ${env.flink}` : ''}`
    : 'machine not recorded';
  parts.push(
    '',
    `${result.summary}. Measured ${result.startedAt.slice(0, 10)} on ${machine}; result \`${file}\`${result.command ? `, \`${result.command}\`` : ''}.`,
    '',
    `Settings: ${result.settings ?? `not recorded in the result file; its first note says: ${result.notes?.[0] ?? 'nothing'}`}`,
  );
  for (const table of result.tables ?? [])
    parts.push('', `${table.title}:`, '', markdownTable(table.columns, table.rows));
  if (result.goals?.length) {
    parts.push('');
    for (const g of result.goals)
      parts.push(`- ${g.verdict.toUpperCase()}: ${g.goal} — target ${g.target}, measured ${g.measured}`);
  }
  parts.push('');
  return parts;
}

/** Pure: the README with the text between the markers replaced. */
export function replaceBetweenMarkers(readme: string, generated: string): string {
  const start = readme.indexOf(START_MARKER);
  const end = readme.indexOf(END_MARKER);
  if (start < 0 || end < 0 || end < start)
    throw new Error(`README.md needs ${START_MARKER} and then ${END_MARKER} around the Performance figures`);
  return `${readme.slice(0, start + START_MARKER.length)}\n${generated}\n${readme.slice(end)}`;
}

/** Reads every result file of a folder; a file that is not a result is named in the error. */
export function readResults(dir: string): Entry[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => {
      const file = join('bench/results', name);
      const result = JSON.parse(readFileSync(join(dir, name), 'utf8')) as ResultFile;
      if (typeof result.benchmark !== 'string' || Number.isNaN(Date.parse(result.startedAt)))
        throw new Error(`${file} is not a benchmark result (no benchmark or startedAt)`);
      return { file, result };
    });
}

function main(argv: string[]): number {
  const repo = fileURLToPath(new URL('..', import.meta.url));
  const readmePath = join(repo, 'README.md');
  const readme = readFileSync(readmePath, 'utf8');
  const next = replaceBetweenMarkers(
    readme,
    renderPerformance(latestResults(readResults(join(repo, 'bench/results')))),
  );
  if (argv.includes('--check')) {
    if (next === readme) return 0;
    console.error('README.md Performance figures differ from bench/results/: run npm run perf-table');
    return 1;
  }
  if (next !== readme) writeFileSync(readmePath, next);
  console.log(next === readme ? 'README.md is up to date' : 'README.md Performance figures rewritten');
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    process.exit(main(process.argv.slice(2)));
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
}
