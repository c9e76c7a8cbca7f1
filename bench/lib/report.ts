import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Environment } from './environment';

/**
 * What every benchmark hands back: figures with their units, the goal verdicts, the summary
 * table, and notes that say how the figures were made (and what is replayed or re-implemented).
 */
export interface Figure {
  value: number | null;
  unit: string;
}

export const fig = (value: number | null | undefined, unit: string): Figure => ({
  value: value === undefined || value === null || !Number.isFinite(value) ? null : round(value),
  unit,
});

export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export interface GoalVerdict {
  goal: string;
  target: string;
  measured: string;
  verdict: 'pass' | 'fail' | 'not-measured';
  note?: string;
}

export interface Table {
  title: string;
  columns: string[];
  rows: Array<Array<string | number | null | undefined>>;
}

export interface BenchResult {
  benchmark: string;
  /** One line: what was compared, on what. */
  summary: string;
  startedAt: string;
  finishedAt: string;
  durationS: number;
  environment: Environment;
  /** The settings the figures were measured with, in words (the README's Performance table shows it). */
  settings?: string;
  figures: Record<string, unknown>;
  goals: GoalVerdict[];
  tables: Table[];
  notes: string[];
  /** How to run it again. */
  command: string;
}

export const resultsDir = fileURLToPath(new URL('../results', import.meta.url));

/** Writes bench/results/<name>-<ISO time>.json (or into `dir`); returns the path. */
export function writeResult(result: BenchResult, dir = resultsDir): string {
  mkdirSync(dir, { recursive: true });
  const stamp = result.startedAt.replace(/[:.]/g, '-');
  const path = join(dir, `${result.benchmark}-${stamp}.json`);
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
  return path;
}

const cell = (v: string | number | null | undefined) =>
  v === undefined || v === null ? '—' : typeof v === 'number' ? String(round(v, 2)) : v;

export function formatTable(table: Table): string {
  const rows = table.rows.map((r) => r.map(cell));
  const widths = table.columns.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [
    table.title,
    line(table.columns),
    `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`,
    ...rows.map(line),
  ].join('\n');
}

export function formatResult(result: BenchResult, path?: string): string {
  const goals: Table = {
    title: 'Goals',
    columns: ['goal', 'target', 'measured', 'verdict'],
    rows: result.goals.map((g) => [g.goal, g.target, g.measured, g.verdict.toUpperCase()]),
  };
  const env = result.environment;
  return [
    `== ${result.benchmark}: ${result.summary}`,
    `   ${env.cpu.model}, ${env.cpu.cores} cores, ${env.memoryGb} GB; node ${env.node}; Flink ${env.flink ?? 'n/a'}; Temporal ${env.temporal.cli} (server ${env.temporal.server})`,
    `   load average at start ${env.loadAverageAtStart.join(' ')}; ${env.otherContainers === null ? 'the Docker engine not asked' : `${env.otherContainers} other containers running on the machine`}`,
    '',
    ...result.tables.flatMap((t) => [formatTable(t), '']),
    formatTable(goals),
    '',
    ...result.notes.map((n) => `- ${n}`),
    '',
    `took ${result.durationS.toFixed(0)} s${path ? `; result: ${path}` : ''}`,
  ].join('\n');
}

export function percentile(values: number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export const seconds = (ms: number | undefined | null) =>
  ms === undefined || ms === null ? undefined : round(ms / 1000, 1);

/** Median and range of the figures present; null where none is. */
export function spread(values: Array<number | undefined>) {
  const xs = values.filter((v): v is number => v !== undefined && Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) return { median: null, min: null, max: null, n: 0 };
  const mid = Math.floor(xs.length / 2);
  const median = xs.length % 2 ? (xs[mid] as number) : ((xs[mid - 1] as number) + (xs[mid] as number)) / 2;
  return {
    median: round(median, 1),
    min: round(xs[0] as number, 1),
    max: round(xs.at(-1) as number, 1),
    n: xs.length,
  };
}
