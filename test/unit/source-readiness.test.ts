import { describe, expect, it } from 'vitest';
import { type PostgresReadiness, sourceReadinessProblems } from '../../src/policy/source-readiness';

const ctx = {
  where: '127.0.0.1:5433/finance',
  slot: 'flink_cdc',
  publication: 'cdc_pub',
  tables: ['public.trans_info', 'cdc_canary'],
  jobLive: false,
};
const ready: PostgresReadiness = {
  walLevel: 'logical',
  publication: { exists: true, tables: ['public.trans_info', 'public.cdc_canary'] },
  slot: { exists: false },
  freeSlots: 7,
};

describe('the deploy precheck of a PostgreSQL CDC source', () => {
  it.each([
    { name: 'ready, slot to be created by the job', seen: ready, jobLive: false, expected: [] },
    {
      name: 'slot held by the live job of this name (a redeploy)',
      seen: { ...ready, slot: { exists: true, plugin: 'pgoutput', active: true, activePid: 42 } },
      jobLive: true,
      expected: [],
    },
    {
      name: 'database does not answer',
      seen: { error: 'connect ECONNREFUSED 127.0.0.1:5433' },
      jobLive: false,
      expected: [/does not answer: connect ECONNREFUSED/],
    },
    {
      name: 'wal_level replica',
      seen: { ...ready, walLevel: 'replica' },
      jobLive: false,
      expected: [/wal_level is replica/],
    },
    {
      name: 'no publication',
      seen: { ...ready, publication: { exists: false, tables: [] } },
      jobLive: false,
      expected: [/CREATE PUBLICATION cdc_pub FOR TABLE public.trans_info, cdc_canary/],
    },
    {
      name: 'publication without a captured table',
      seen: { ...ready, publication: { exists: true, tables: ['public.trans_info'] } },
      jobLive: false,
      expected: [/does not publish cdc_canary/],
    },
    {
      name: 'slot of another decoding plugin',
      seen: { ...ready, slot: { exists: true, plugin: 'wal2json', active: false } },
      jobLive: false,
      expected: [/decodes with wal2json/],
    },
    {
      name: 'slot held by another consumer while no job of ours runs',
      seen: { ...ready, slot: { exists: true, plugin: 'pgoutput', active: true, activePid: 7 } },
      jobLive: false,
      expected: [/held by another consumer \(walsender pid 7\)/],
    },
    {
      name: 'no free slot for a new one',
      seen: { ...ready, freeSlots: 0 },
      jobLive: false,
      expected: [/no slot is free/],
    },
  ])('$name', ({ seen, jobLive, expected }) => {
    const problems = sourceReadinessProblems(seen as PostgresReadiness, { ...ctx, jobLive });
    expect(problems).toHaveLength(expected.length);
    for (const [i, pattern] of expected.entries()) expect(problems[i]).toMatch(pattern);
  });
});
