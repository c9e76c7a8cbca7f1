import { describe, expect, it } from 'vitest';
import { inputIssues } from '../../src/config/input';
import { dailyCheckInputSchema, housekeepingInputSchema } from '../../src/workflows/housekeeping-api';

/**
 * What people type into the Temporal UI to start housekeeping or the daily check, wrong in the
 * ways they would: each refused with a message naming the field, before any activity runs. A
 * retention of 0 is well-formed here; the runbook refuses it as dangerous (HousekeepingRefused).
 */
const SCHEMAS = { housekeeping: housekeepingInputSchema, dailyCheck: dailyCheckInputSchema } as const;

describe('housekeeping and dailyCheck inputs', () => {
  it.each<[keyof typeof SCHEMAS, string, unknown, RegExp]>([
    ['housekeeping', 'no input at all', undefined, /expected object/],
    ['housekeeping', 'no cluster', { dryRun: true }, /^cluster: cluster must be a cluster name/],
    ['housekeeping', 'a misspelt field', { cluster: 'c', dryrun: true }, /unknown field\(s\): dryrun/],
    ['housekeeping', 'dryRun as a string', { cluster: 'c', dryRun: 'yes' }, /^dryRun: .*expected boolean/],
    [
      'housekeeping',
      'an unknown step',
      { cluster: 'c', steps: ['logs'] },
      /^steps\[0\]: .*"checkpoints"\|"flink-logs"/,
    ],
    ['housekeeping', 'no step at all', { cluster: 'c', steps: [] }, /^steps: /],
    [
      'housekeeping',
      'an age that is no duration',
      { cluster: 'c', checkpointMaxAge: 'a week' },
      /^checkpointMaxAge: "a week" is not a duration/,
    ],
    [
      'housekeeping',
      'days as text',
      { cluster: 'c', logMaxAgeDays: '7' },
      /^logMaxAgeDays: .*expected number/,
    ],
    ['housekeeping', 'an empty report folder', { cluster: 'c', reportDir: '' }, /^reportDir: /],
    ['dailyCheck', 'alert as a string', { cluster: 'c', alert: 'no' }, /^alert: .*expected boolean/],
    ['dailyCheck', 'a field of housekeeping', { cluster: 'c', dryRun: true }, /unknown field\(s\): dryRun/],
  ])('%s: %s', (workflow, _what, input, message) => {
    const issues = inputIssues(SCHEMAS[workflow], input);
    expect(issues.map((i) => `${i.path ? `${i.path}: ` : ''}${i.message}`)).toEqual([
      expect.stringMatching(message),
    ]);
  });

  it.each([
    ['housekeeping', { cluster: 'c' }],
    [
      'housekeeping',
      { cluster: 'c', dryRun: true, steps: ['flink-logs'], checkpointMaxAge: '14d', keepDrillReports: 5 },
    ],
    ['housekeeping', { cluster: 'c', checkpointMaxAge: 0 }],
    ['dailyCheck', { cluster: 'c', alert: false, reportDir: '/var/reports' }],
  ] as const)('%s accepts %j', (workflow, input) => {
    expect(inputIssues(SCHEMAS[workflow], input)).toEqual([]);
  });
});
