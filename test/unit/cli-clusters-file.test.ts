import { describe, expect, it } from 'vitest';
import { chooseClustersFile, takeClustersFlag } from '../../src/cli/clusters-file';
import { UsageError } from '../../src/cli/context';

const sandboxFile = '/repo/sandbox/clusters.yaml';
const cwd = '/home/me/ops';

describe('chooseClustersFile: --clusters, FLINK_RUNBOOKS_CLUSTERS, ./clusters.yaml, the checkout sandbox', () => {
  it.each<[string, { flag?: string; env?: string; files: string[] }, { path: string; source: string }]>([
    [
      'the flag over everything, relative to the current directory',
      { flag: 'prod.yaml', env: '/etc/c.yaml', files: [`${cwd}/clusters.yaml`, sandboxFile] },
      { path: `${cwd}/prod.yaml`, source: 'flag' },
    ],
    [
      'the environment over the files found',
      { env: '/etc/c.yaml', files: [`${cwd}/clusters.yaml`, sandboxFile] },
      { path: '/etc/c.yaml', source: 'env' },
    ],
    [
      './clusters.yaml over the sandbox',
      { files: [`${cwd}/clusters.yaml`, sandboxFile] },
      { path: `${cwd}/clusters.yaml`, source: 'cwd' },
    ],
    [
      'the sandbox when nothing else is there',
      { files: [sandboxFile] },
      { path: sandboxFile, source: 'sandbox' },
    ],
    [
      'an installed package, nothing found: ./clusters.yaml, whose loading says it is missing',
      { files: [] },
      { path: `${cwd}/clusters.yaml`, source: 'cwd' },
    ],
  ])('%s', (_name, given, expected) => {
    const choice = chooseClustersFile({
      flag: given.flag,
      env: given.env ? { FLINK_RUNBOOKS_CLUSTERS: given.env } : {},
      cwd,
      sandboxFile,
      exists: (path) => given.files.includes(path),
    });
    expect(choice).toEqual(expected);
  });
});

describe('takeClustersFlag', () => {
  it.each([
    [
      ['monitor', 'status', '--clusters', 'c.yaml', '--cluster', 'x'],
      'c.yaml',
      ['monitor', 'status', '--cluster', 'x'],
    ],
    [['--clusters=c.yaml', 'deploy', '--cluster', 'x'], 'c.yaml', ['deploy', '--cluster', 'x']],
    [
      ['drill', '--cluster', 'x', '--kind', 'stop-leader'],
      undefined,
      ['drill', '--cluster', 'x', '--kind', 'stop-leader'],
    ],
    // After `--` nothing is an option.
    [
      ['restart', '--cluster', 'x', '--', '--clusters', 'c.yaml'],
      undefined,
      ['restart', '--cluster', 'x', '--', '--clusters', 'c.yaml'],
    ],
    [['--clusters', 'a.yaml', 'resume', '--clusters=b.yaml'], 'b.yaml', ['resume']],
  ])('%j', (argv, flag, rest) => {
    expect(takeClustersFlag(argv)).toEqual({ flag, rest });
  });

  it.each([[['deploy', '--clusters']], [['deploy', '--clusters', '--cluster', 'x']], [['--clusters=']]])(
    'refuses %j',
    (argv) => {
      expect(() => takeClustersFlag(argv)).toThrow(UsageError);
      expect(() => takeClustersFlag(argv)).toThrow('--clusters needs the path of a clusters file');
    },
  );
});
