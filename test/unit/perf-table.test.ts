import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  END_MARKER,
  latestResults,
  markdownTable,
  REPORTED,
  type ResultFile,
  readResults,
  renderPerformance,
  replaceBetweenMarkers,
  START_MARKER,
} from '../../scripts/perf-table';

const result = (benchmark: string, startedAt: string, extra: Partial<ResultFile> = {}): ResultFile => ({
  benchmark,
  summary: `${benchmark} summary`,
  startedAt,
  environment: { cpu: { model: 'AMD EPYC', cores: 2 }, memoryGb: 24 },
  ...extra,
});

describe('the README Performance table from result files', () => {
  it('takes the latest result of each benchmark by startedAt, whatever the file order', () => {
    const latest = latestResults([
      { file: 'b', result: result('soak', '2026-12-06T02:00:00.000Z', { summary: 'new' }) },
      { file: 'a', result: result('soak', '2026-12-05T02:00:00.000Z', { summary: 'old' }) },
      { file: 'c', result: result('upgrade', '2026-12-01T00:00:00.000Z') },
    ]);
    expect(latest.get('soak')?.map((e) => e.result.summary)).toEqual(['new']);
    expect(latest.get('soak')?.[0]?.file).toBe('b');
    expect([...latest.keys()].sort()).toEqual(['soak', 'upgrade']);
  });

  it.each([
    {
      runs: ['--only stuck-checkpoint', '--only dead-source'],
      standing: ['--only stuck-checkpoint', '--only dead-source'],
      why: 'a run of one part keeps the latest run of the other part',
    },
    {
      runs: ['--only stuck-checkpoint', '--only dead-source', '--only stuck-checkpoint'],
      standing: ['--only dead-source', '--only stuck-checkpoint'],
      why: 'a newer run of the same part replaces the older one',
    },
    {
      runs: ['--only stuck-checkpoint', '--only dead-source', ''],
      standing: [''],
      why: 'a run of everything replaces every older run',
    },
    {
      runs: ['', '--only dead-source'],
      standing: ['', '--only dead-source'],
      why: 'a run of one part does not hide the other parts of an older full run',
    },
    {
      runs: ['--only dead-source', '--only dead-source,stuck-checkpoint'],
      standing: ['--only dead-source,stuck-checkpoint'],
      why: 'a run of both parts by name covers a run of one',
    },
  ])('$why', ({ runs, standing }) => {
    const latest = latestResults(
      runs.map((only, i) => ({
        file: `f${i}`,
        result: result('zombie-seeds', `2026-12-0${i + 1}T00:00:00.000Z`, {
          command: `npm run bench -- zombie-seeds ${only}`.trim(),
        }),
      })),
    );
    expect(latest.get('zombie-seeds')?.map((e) => e.result.command)).toEqual(
      standing.map((only) => `npm run bench -- zombie-seeds ${only}`.trim()),
    );
  });

  it('says "not measured yet" for a benchmark without a result, and shows no figure for it', () => {
    const text = renderPerformance(new Map());
    expect(text).toContain('**Zombies on the seeds');
    expect(text.match(/Not measured yet/g)?.length).toBe(REPORTED.length);
    expect(text).not.toMatch(/\d+(\.\d+)? s\b/);
  });

  it("shows each figure with the settings it was measured with, its tables and its goals' verdicts", () => {
    const latest = latestResults([
      {
        file: 'bench/results/zombie-seeds-x.json',
        result: result('zombie-seeds', '2026-12-06T03:00:00.000Z', {
          settings: 'checkpoints every 30 s, timeout 180 s',
          command: 'npm run bench -- zombie-seeds',
          tables: [
            { title: 'Detection', columns: ['monitor', 'detected'], rows: [['ours', '41.2 s (38–60)']] },
          ],
          goals: [{ goal: '≥ 5× sooner', target: '≥ 5×', measured: '3.1×', verdict: 'fail' }],
        }),
      },
    ]);
    const text = renderPerformance(latest);
    expect(text).toContain('Settings: checkpoints every 30 s, timeout 180 s');
    expect(text).toContain('| ours | 41.2 s (38–60) |');
    expect(text).toContain('- FAIL: ≥ 5× sooner — target ≥ 5×, measured 3.1×');
    expect(text).toContain('Measured 2026-12-06 on 2 cores (AMD EPYC), 24 GB');
    expect(text).toContain('`bench/results/zombie-seeds-x.json`');
    expect(text.match(/Not measured yet/g)?.length).toBe(REPORTED.length - 1);
  });

  it('says so when an older result file does not record its settings', () => {
    const text = renderPerformance(
      latestResults([
        {
          file: 'f',
          result: result('cdc-restarts', '2026-12-05T23:41:19Z', { notes: ['Checkpoints every 2 s.'] }),
        },
      ]),
    );
    expect(text).toContain(
      'Settings: not recorded in the result file; its first note says: Checkpoints every 2 s.',
    );
  });

  it('escapes pipes and shows missing cells as a dash', () => {
    expect(markdownTable(['a', 'b'], [['x|y', null]])).toBe('| a | b |\n| --- | --- |\n| x\\|y | — |');
  });

  it('replaces only the text between the markers, and refuses a README without them', () => {
    const readme = `# T\n\n## Performance\n\nintro\n${START_MARKER}\nold 35.2 s\n${END_MARKER}\n\n## Tests\n`;
    const next = replaceBetweenMarkers(readme, 'new');
    expect(next).toBe(`# T\n\n## Performance\n\nintro\n${START_MARKER}\nnew\n${END_MARKER}\n\n## Tests\n`);
    expect(replaceBetweenMarkers(next, 'new')).toBe(next);
    expect(() => replaceBetweenMarkers('# T\n', 'new')).toThrow(/perf-table:start/);
    expect(() => replaceBetweenMarkers(`${END_MARKER}\n${START_MARKER}`, 'new')).toThrow(/perf-table:start/);
  });
});

describe("the README's Performance figures", () => {
  it('are what the committed results say (npm run perf-table rewrites them)', () => {
    const readme = readFileSync('README.md', 'utf8');
    const generated = renderPerformance(latestResults(readResults('bench/results')));
    expect(replaceBetweenMarkers(readme, generated)).toBe(readme);
  });
});
