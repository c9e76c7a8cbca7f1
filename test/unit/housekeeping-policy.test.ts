import { describe, expect, it } from 'vitest';
import {
  bytesText,
  type CheckpointFolder,
  flinkLogCleanupCommand,
  housekeepingHeadline,
  housekeepingIssues,
  type KnownJob,
  parseFoundFiles,
  planCheckpointCleanup,
  planDrillReports,
  planIncompleteSavepoints,
  stepFrom,
} from '../../src/policy/housekeeping';

const NOW = 1_800_000_000_000;
const DAY = 86_400_000;
const HOUR = 3_600_000;
const id = (c: string) => c.repeat(32);

function folder(jobId: string, ageDays: number, newest?: { id: number; ageDays: number }): CheckpointFolder {
  return {
    jobId,
    hostPath: `/data/checkpoints/${jobId}`,
    sizeBytes: 1_000,
    modifiedAt: NOW - ageDays * DAY,
    newestComplete: newest && { id: newest.id, completedAt: NOW - newest.ageDays * DAY },
  };
}

const plan = (folders: CheckpointFolder[], jobs: KnownJob[] | undefined, extra: { jobKey?: string } = {}) => {
  const p = planCheckpointCleanup({ job: 'pipeline', folders, jobs, now: NOW, maxAgeMs: 7 * DAY, ...extra });
  return {
    remove: p.remove.map((d) => d.what.split('/').at(-1)),
    keep: Object.fromEntries(p.keep.map((d) => [d.what.split('/').at(-1), d.reason])),
    removeReasons: p.remove.map((d) => d.reason),
  };
};

describe('planCheckpointCleanup: what a restart or upgrade restores from is never a candidate', () => {
  it('removes old folders of jobs that ended, keeps the running job and the newest complete state', () => {
    const running = folder(id('a'), 0, { id: 40, ageDays: 0 });
    const previous = folder(id('b'), 10, { id: 12, ageDays: 10 });
    const older = folder(id('c'), 30, { id: 3, ageDays: 30 });
    const p = plan(
      [running, previous, older],
      [
        { jobId: id('a'), name: 'pipeline', state: 'RUNNING' },
        { jobId: id('b'), name: 'pipeline', state: 'CANCELED' },
      ],
    );
    expect(p.remove).toEqual([id('c'), id('b')]);
    expect(p.keep).toEqual({ [id('a')]: `job ${id('a')} is RUNNING` });
    expect(p.removeReasons[1]).toBe(
      `job ${id('b')} is CANCELED, untouched for 10 d; pipeline restores from chk-40 of ${id('a')}`,
    );
  });

  it('with no job running, the folder holding the newest complete checkpoint stays, however old', () => {
    const p = plan(
      [folder(id('b'), 20, { id: 12, ageDays: 20 }), folder(id('c'), 30, { id: 90, ageDays: 30 })],
      [],
    );
    expect(p.keep[id('b')]).toBe(
      'the newest complete checkpoint of pipeline (chk-12): what a restart or upgrade would restore from',
    );
    expect(p.remove).toEqual([id('c')]);
  });

  it('a newer folder without any complete checkpoint does not take the place of the newest state', () => {
    const p = plan([folder(id('b'), 20, { id: 12, ageDays: 20 }), folder(id('c'), 9)], []);
    expect(Object.keys(p.keep)).toEqual([id('b')]);
    expect(p.remove).toEqual([id('c')]);
  });

  it('keeps what a live job was restored from, folders younger than the age, and any unfinished job', () => {
    const p = plan(
      [
        folder(id('a'), 0),
        folder(id('b'), 40, { id: 7, ageDays: 40 }),
        folder(id('c'), 2, { id: 1, ageDays: 2 }),
        folder(id('d'), 50, { id: 2, ageDays: 50 }),
        folder(id('e'), 60),
      ],
      [
        {
          jobId: id('a'),
          name: 'pipeline',
          state: 'INITIALIZING',
          restoredFrom: `file:/opt/flink/checkpoints/${id('b')}/chk-7`,
        },
        { jobId: id('d'), name: 'other', state: 'RESTARTING' },
      ],
    );
    expect(p.keep).toEqual({
      [id('a')]: `job ${id('a')} is INITIALIZING`,
      [id('b')]: 'a live job was restored from a checkpoint in it',
      [id('c')]:
        'the newest complete checkpoint of pipeline (chk-1): what a restart or upgrade would restore from',
      [id('d')]: `job ${id('d')} is RESTARTING`,
    });
    expect(p.remove).toEqual([id('e')]);
  });

  it("another named job's newer checkpoint is not this job's newest state", () => {
    const p = plan(
      [folder(id('b'), 20, { id: 12, ageDays: 20 }), folder(id('c'), 10, { id: 50, ageDays: 10 })],
      [{ jobId: id('c'), name: 'ad-hoc-test', state: 'FINISHED' }],
    );
    expect(Object.keys(p.keep)).toEqual([id('b')]);
    expect(p.remove).toEqual([id('c')]);
  });

  it('a job id carrying the job key counts as the job’s even when REST names it otherwise', () => {
    const ours = `0badc0de${'f'.repeat(24)}`;
    const p = plan(
      [folder(id('b'), 20, { id: 12, ageDays: 20 }), folder(ours, 10, { id: 50, ageDays: 10 })],
      [{ jobId: ours, name: 'renamed', state: 'CANCELED' }],
      { jobKey: '0badc0de' },
    );
    expect(Object.keys(p.keep)).toEqual([ours]);
  });

  it('without the live jobs (REST down) nothing is removed', () => {
    const p = plan([folder(id('c'), 300, { id: 1, ageDays: 300 }), folder(id('d'), 300)], undefined);
    expect(p.remove).toEqual([]);
    expect(p.keep[id('d')]).toMatch(/could not be read .* nothing is removed/);
  });

  it('only job-id folders are looked at', () => {
    const p = plan([{ ...folder(id('c'), 300), jobId: 'shared-state' }, folder(id('d'), 300)], []);
    expect(p.remove).toEqual([id('d')]);
    expect(p.keep).toEqual({});
  });
});

describe('housekeepingIssues: bad or dangerous settings are refused before anything is removed', () => {
  const rules = {
    checkpointMaxAgeMs: 7 * DAY,
    logMaxAgeDays: 7,
    incompleteSavepointAgeMs: HOUR,
    keepDrillReports: 20,
  };
  const volumes = [
    { host: '/data/cp', container: '/opt/flink/checkpoints' },
    { host: '/data/sp', container: '/opt/flink/savepoints' },
  ];
  const job = {
    name: 'pipeline',
    checkpointDir: 'file:///opt/flink/checkpoints',
    savepointDir: 'file:///opt/flink/savepoints',
  };

  it.each<[string, Partial<Parameters<typeof housekeepingIssues>[0]>, RegExp | undefined]>([
    ['sane settings', {}, undefined],
    [
      'checkpoint retention 0',
      { rules: { ...rules, checkpointMaxAgeMs: 0 } },
      /checkpointMaxAge must be a positive/,
    ],
    [
      'log age 0 days',
      { rules: { ...rules, logMaxAgeDays: 0 } },
      /logMaxAgeDays must be a whole number .* got 0/,
    ],
    ['log age 1.5 days', { rules: { ...rules, logMaxAgeDays: 1.5 } }, /logMaxAgeDays/],
    [
      'incomplete savepoints at once',
      { rules: { ...rules, incompleteSavepointAgeMs: 0 } },
      /incompleteSavepointAge/,
    ],
    [
      'no drill report kept',
      { rules: { ...rules, keepDrillReports: 0 } },
      /keepDrillReports must be .* got 0/,
    ],
    [
      'a checkpoint folder outside the volumes',
      { jobs: [{ ...job, checkpointDir: 'file:///opt/flink/elsewhere' }] },
      /checkpointDir file:\/\/\/opt\/flink\/elsewhere is outside the cluster's volumes/,
    ],
    [
      '.. in a checkpoint folder',
      { jobs: [{ ...job, checkpointDir: 'file:///opt/flink/checkpoints/../../etc' }] },
      /checkpointDir .* has a "\.\."/,
    ],
    [
      '.. in a volume',
      { volumes: [...volumes, { host: '/data/../etc', container: '/x' }] },
      /volumes\[2\] has a "\.\."/,
    ],
    ['.. in the report folder', { reportDir: 'reports/../../etc' }, /reportDir .* has a "\.\."/],
    [
      'two jobs in one checkpoint folder',
      { jobs: [job, { ...job, name: 'second', savepointDir: 'file:///opt/flink/savepoints/second' }] },
      /jobs pipeline, second write checkpoints to the same folder/,
    ],
  ])('%s', (_name, change, problem) => {
    const issues = housekeepingIssues({ rules, volumes, jobs: [job], ...change });
    if (problem === undefined) expect(issues).toEqual([]);
    else expect(issues).toEqual([expect.stringMatching(problem)]);
  });

  it('a savepoint folder on s3 is not refused (it is not cleaned from here)', () => {
    expect(
      housekeepingIssues({ rules, volumes, jobs: [{ ...job, savepointDir: 's3://bucket/sp' }] }),
    ).toEqual([]);
  });
});

describe('planIncompleteSavepoints', () => {
  const sp = (name: string, complete: boolean, ageMs: number) => ({
    uri: `file:/opt/flink/savepoints/${name}`,
    name,
    hostPath: `/data/sp/${name}`,
    complete,
    createdAt: NOW - ageMs,
    sizeBytes: 10,
  });
  it('removes only incomplete folders past the age that no live job came from', () => {
    const p = planIncompleteSavepoints({
      savepoints: [
        sp('savepoint-a', true, 300 * DAY),
        sp('savepoint-b', false, 2 * HOUR),
        sp('savepoint-c', false, 10 * 60_000),
        sp('savepoint-d', false, 5 * HOUR),
      ],
      now: NOW,
      olderThanMs: HOUR,
      protectedUris: ['file:///opt/flink/savepoints/savepoint-d/'],
    });
    expect(p.remove).toEqual([
      {
        what: '/data/sp/savepoint-b',
        bytes: 10,
        reason: "incomplete (no _metadata) for 2 h: a failed savepoint's leftover",
      },
    ]);
    expect(p.keep.map((k) => [k.what.split('/').at(-1), k.reason])).toEqual([
      ['savepoint-a', 'complete: kept (retention is the savepoint runbook’s)'],
      ['savepoint-c', 'incomplete for 10 min: it may still be being written'],
      ['savepoint-d', 'a live job was restored from it'],
    ]);
  });
});

describe('planDrillReports', () => {
  const files = [
    'prod-stop-leader-20260101T030000Z.md',
    'prod-stop-leader-20260101T030000Z.svg',
    'prod-kill-leader-20260201T030000Z.md',
    'prod-kill-leader-20260201T030000Z.svg',
    'prod-stop-zookeeper-20260301T030000Z.md',
    'prod-eu-stop-leader-20250101T030000Z.md',
    'prod-notes.md',
    'prod-stop-leader-20250101T030000Z.md.bak',
  ].map((name) => ({ name, bytes: 100 }));

  it.each([
    [
      1,
      [
        'prod-kill-leader-20260201T030000Z.md',
        'prod-kill-leader-20260201T030000Z.svg',
        'prod-stop-leader-20260101T030000Z.md',
        'prod-stop-leader-20260101T030000Z.svg',
      ],
    ],
    [2, ['prod-stop-leader-20260101T030000Z.md', 'prod-stop-leader-20260101T030000Z.svg']],
    [3, []],
  ])('keep %s: removes the older drills’ files, both .md and .svg, and nothing else', (keep, removed) => {
    const p = planDrillReports({ cluster: 'prod', files, keep });
    expect(p.remove.map((d) => d.what)).toEqual(removed);
  });

  it("another cluster's reports (a name that only starts alike) are not this cluster's", () => {
    const p = planDrillReports({ cluster: 'prod-eu', files, keep: 1 });
    expect(p.keep.map((d) => d.what)).toEqual(['prod-eu-stop-leader-20250101T030000Z.md']);
    expect(p.remove).toEqual([]);
  });
});

describe("Flink's log files in the containers", () => {
  it('lists, then removes, as the seeds do: -name "*.log*" -mtime +7', () => {
    expect(flinkLogCleanupCommand({ maxAgeDays: 7, remove: false })).toEqual([
      'find',
      '/opt/flink/log',
      '-type',
      'f',
      '-name',
      '*.log*',
      '-mtime',
      '+7',
      '-printf',
      '%s\\t%p\\n',
    ]);
    expect(flinkLogCleanupCommand({ maxAgeDays: 3, remove: true }).slice(-4)).toEqual([
      '+3',
      '-printf',
      '%s\\t%p\\n',
      '-delete',
    ]);
  });

  it('parses what find printed', () => {
    expect(
      parseFoundFiles(
        '1024\t/opt/flink/log/flink--jobmanager-0.log.1\n\nfind: warning\n7\t/opt/flink/log/a b.log\n',
      ),
    ).toEqual([
      { bytes: 1024, path: '/opt/flink/log/flink--jobmanager-0.log.1' },
      { bytes: 7, path: '/opt/flink/log/a b.log' },
    ]);
  });
});

describe('the report', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1536, '1.5 KB'],
    [5 * 1024 ** 3, '5.0 GB'],
  ])('bytesText(%s) = %s', (n, text) => {
    expect(bytesText(n)).toBe(text);
  });

  it('says what was given back, or in a dry run what would be and that nothing changed', () => {
    const steps = [
      stepFrom('checkpoints', { remove: [{ what: 'a', bytes: 1024, reason: '' }], keep: [] }),
      stepFrom('drill-reports', { remove: [{ what: 'b', bytes: 512, reason: '' }], keep: [] }, ['x']),
    ];
    expect(steps[0]?.freedBytes).toBe(1024);
    expect(housekeepingHeadline('prod', false, steps)).toBe(
      'prod: removed 2 items, 1.5 KB given back; 1 problem, see the steps',
    );
    expect(housekeepingHeadline('prod', true, steps.slice(0, 1))).toBe(
      'prod: dry run, would remove 1 item (1.0 KB); nothing changed',
    );
  });
});
