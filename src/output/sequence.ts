/**
 * Pure: checks that sequence numbers written by a job form one unbroken run, and names every
 * gap (numbers missing) and duplicate (numbers written more than once) as inclusive ranges.
 */
export type Range = [from: number, to: number];

export interface SequenceReport {
  rows: number;
  distinct: number;
  first?: number;
  last?: number;
  gaps: Range[];
  duplicates: Range[];
  /** No gap and no duplicate. */
  continuous: boolean;
}

function toRanges(sorted: number[]): Range[] {
  const ranges: Range[] = [];
  for (const n of sorted) {
    const current = ranges.at(-1);
    if (current && n === current[1] + 1) current[1] = n;
    else if (!current || n > current[1]) ranges.push([n, n]);
  }
  return ranges;
}

export function checkSequence(values: Iterable<number>): SequenceReport {
  const counts = new Map<number, number>();
  let rows = 0;
  for (const v of values) {
    counts.set(v, (counts.get(v) ?? 0) + 1);
    rows++;
  }
  const sorted = [...counts.keys()].sort((a, b) => a - b);
  const gaps: Range[] = [];
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1] as number;
    const next = sorted[i] as number;
    if (next > prev + 1) gaps.push([prev + 1, next - 1]);
  }
  const duplicates = toRanges(sorted.filter((n) => (counts.get(n) ?? 0) > 1));
  return {
    rows,
    distinct: sorted.length,
    first: sorted[0],
    last: sorted.at(-1),
    gaps,
    duplicates,
    continuous: gaps.length === 0 && duplicates.length === 0,
  };
}
