import { describe, expect, it } from 'vitest';
import { drillInputFromArgs, drillWorkflowId, UsageError } from '../../scripts/drill';

describe('scripts/drill.ts', () => {
  it('turns the command line into the workflow input', () => {
    expect(
      drillInputFromArgs([
        '--cluster',
        'realtime-pipeline',
        '--kind',
        'kill-leader',
        '--job',
        'sample-pipeline',
        '--takeover-limit',
        '90s',
        '--report-dir',
        '/var/reports',
        '--json',
      ]),
    ).toEqual({
      input: {
        cluster: 'realtime-pipeline',
        kind: 'kill-leader',
        job: 'sample-pipeline',
        takeoverLimitMs: 90_000,
        reportDir: '/var/reports',
      },
      id: undefined,
      wait: true,
      json: true,
    });
    expect(drillWorkflowId('realtime-pipeline')).toBe('drill:realtime-pipeline');
  });

  it.each([
    [['--kind', 'stop-leader'], /usage: drill.ts --cluster NAME --kind/],
    [
      ['--cluster', 'c', '--kind', 'unplug'],
      /kind: kind must be one of stop-leader, kill-leader, kill-taskmanager, stop-zookeeper/,
    ],
    [['--cluster', 'c', '--kind', 'stop-leader', '--takeover-limit', 'soon'], /"soon" is not a duration/],
    [
      ['--cluster', 'c', '--kind', 'stop-leader', '--takeover-limit', '200ms'],
      /takeoverLimitMs must be at least 1000/,
    ],
  ])('refuses %j', (argv, message) => {
    expect(() => drillInputFromArgs(argv)).toThrow(UsageError);
    expect(() => drillInputFromArgs(argv)).toThrow(message);
  });
});
