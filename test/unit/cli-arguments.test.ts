import { describe, expect, it } from 'vitest';
import { COMMANDS, readCommandLine } from '../../src/cli/command-line';
import { drillInputFromArgs } from '../../src/cli/drill';
import { UsageError } from '../../src/cli/exit-codes';
import { readScheduleCommandLine } from '../../src/cli/schedules';

/** Each command's words and options as the CLI reads them, before anything is loaded or contacted. */
const target = ['--cluster', 'rp', '-j', 'pipeline'];
const readsAs = { cluster: 'rp', job: 'pipeline' };

describe("each command's options", () => {
  it.each([
    [['cluster', 'status', '--cluster', 'rp', '--json'], 'cluster status', { cluster: 'rp', json: true }],
    [['monitor', 'start', ...target, '--job-id', 'abc'], 'monitor start', { ...readsAs, 'job-id': 'abc' }],
    [['monitor', 'status', ...target], 'monitor status', readsAs],
    [['monitor', 'stop', ...target], 'monitor stop', readsAs],
    [['restart', ...target, '--reason', 'stuck'], 'restart', { ...readsAs, reason: 'stuck' }],
    [['pause', ...target, '--reason', 'window'], 'pause', { ...readsAs, reason: 'window' }],
    [['resume', ...target], 'resume', readsAs],
    [['alert', 'test', '-c', 'rp'], 'alert test', { cluster: 'rp' }],
    [
      ['deploy', ...target, '--dry-run', '--savepoint', 'file:/sp/1', '--free-disk-gb', '20'],
      'deploy',
      { ...readsAs, 'dry-run': true, savepoint: 'file:/sp/1', 'free-disk-gb': '20' },
    ],
    [
      ['upgrade', ...target, '--jar', '/jars/p-2.jar', '--entry-class', 'a.B', '--parallelism', '4'],
      'upgrade',
      { ...readsAs, jar: '/jars/p-2.jar', 'entry-class': 'a.B', parallelism: '4' },
    ],
    [
      ['upgrade', ...target, '--mode', 'last-state', '--require-approval'],
      'upgrade',
      { ...readsAs, mode: 'last-state', 'require-approval': true },
    ],
    [['savepoint', 'now', ...target, '--keep-last', '3'], 'savepoint now', { ...readsAs, 'keep-last': '3' }],
  ])('%j runs %s', (argv, name, options) => {
    const line = readCommandLine(argv);
    expect(line).toMatchObject({ kind: 'run', name, positionals: [] });
    expect(line.kind === 'run' && { ...line.options }).toEqual(options);
    expect(line.kind === 'run' && line.command).toBe(COMMANDS[name]);
  });

  it('covers every command of the table', () => {
    expect(Object.keys(COMMANDS).sort()).toEqual(
      [
        'alert test',
        'cluster status',
        'deploy',
        'monitor start',
        'monitor status',
        'monitor stop',
        'pause',
        'restart',
        'resume',
        'savepoint now',
        'upgrade',
      ].sort(),
    );
  });

  it.each([
    [['monitor', 'status', '--cluster', 'rp', '--bogus'], /Unknown option '--bogus'/],
    [['restart', '--cluster'], /--cluster/],
    [['deploy', '--cluster', 'rp', 'extra'], /positional/],
    [['pause', '--cluster', 'rp', '--job-id', 'x'], /Unknown option '--job-id'/],
    [['monitor', 'explode'], /unknown command "monitor explode"/],
    [['frobnicate'], /unknown command "frobnicate"/],
  ])('refuses %j as bad usage', (argv, message) => {
    expect(() => readCommandLine(argv)).toThrow(UsageError);
    expect(() => readCommandLine(argv)).toThrow(message);
  });

  it("prints a command's help, the overview, and the drill's help", () => {
    const help = readCommandLine(['upgrade', '--help']);
    expect(help.kind).toBe('help');
    expect(help.kind === 'help' && help.text).toContain('--require-approval');
    expect(readCommandLine([])).toEqual({ kind: 'overview', exit: 2 });
    expect(readCommandLine(['-h'])).toEqual({ kind: 'overview', exit: 0 });
    expect(readCommandLine(['drill', '--cluster', 'rp', '-h'])).toEqual({ kind: 'drill-help' });
  });

  it('hands drill and schedule their own words', () => {
    expect(readCommandLine(['drill', '--cluster', 'rp', '--kind', 'kill-leader'])).toEqual({
      kind: 'drill',
      argv: ['--cluster', 'rp', '--kind', 'kill-leader'],
    });
    expect(readCommandLine(['schedule', 'list'])).toEqual({ kind: 'schedule', argv: ['list'] });
  });
});

describe('drill options', () => {
  it('reads the drill and refuses an unknown option as bad usage', () => {
    expect(drillInputFromArgs(['--cluster', 'rp', '--kind', 'stop-zookeeper', '--no-wait'])).toMatchObject({
      input: { cluster: 'rp', kind: 'stop-zookeeper' },
      wait: false,
    });
    expect(() => drillInputFromArgs(['--cluster', 'rp', '--kind', 'stop-leader', '--force'])).toThrow(
      UsageError,
    );
  });
});

describe('schedule options', () => {
  it.each([
    [
      ['create', 'rp', '--job', 'pipeline', '--every', '30d', '--keep-last', '5', '--paused'],
      {
        command: 'create',
        target: 'rp',
        values: { job: 'pipeline', every: '30d', 'keep-last': '5', paused: true },
      },
    ],
    [
      ['maintenance', 'rp', '--cron', '0 4 * * *', '--dry-run'],
      { command: 'maintenance', target: 'rp', values: { cron: '0 4 * * *', 'dry-run': true } },
    ],
    [['list', '--json'], { command: 'list', target: undefined, values: { json: true } }],
    [
      ['pause', 'savepoint:rp:pipeline', '--note', 'freeze'],
      { command: 'pause', values: { note: 'freeze' } },
    ],
    [['delete', 'savepoint:rp:pipeline'], { command: 'delete', target: 'savepoint:rp:pipeline' }],
  ])('reads %j', (argv, expected) => {
    expect(readScheduleCommandLine(argv)).toMatchObject(expected);
  });

  it.each([
    [[]],
    [['create']],
    [['explode', 'x']],
    [['describe', 'a', 'b']],
    [['list', '--every']],
    [['create', 'rp', '--weekly']],
  ])('refuses %j as bad usage before anything is contacted', (argv) => {
    expect(() => readScheduleCommandLine(argv)).toThrow(UsageError);
  });
});
