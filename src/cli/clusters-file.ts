import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from './context';

/**
 * Which clusters file the CLI validates against, first found wins:
 * 1. `--clusters PATH`;
 * 2. FLINK_RUNBOOKS_CLUSTERS;
 * 3. ./clusters.yaml in the current directory;
 * 4. in a checkout of this repository (sandbox/ beside src/), the sandbox's sandbox/clusters.yaml,
 *    the file `npm run demo` runs, so the commands the demo prints work in any shell.
 * With none found, ./clusters.yaml, whose loading then says it cannot be read.
 */
export type ClustersFileSource = 'flag' | 'env' | 'cwd' | 'sandbox';

export interface ClustersFileChoice {
  path: string;
  source: ClustersFileSource;
}

export interface ClustersFileLookup {
  flag?: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** sandbox/clusters.yaml of the checkout the CLI runs from; absent in an installed package. */
  sandboxFile: string;
  exists?: (path: string) => boolean;
}

export function chooseClustersFile(lookup: ClustersFileLookup): ClustersFileChoice {
  const exists = lookup.exists ?? existsSync;
  if (lookup.flag) return { path: resolve(lookup.cwd, lookup.flag), source: 'flag' };
  if (lookup.env.FLINK_RUNBOOKS_CLUSTERS)
    return { path: resolve(lookup.cwd, lookup.env.FLINK_RUNBOOKS_CLUSTERS), source: 'env' };
  const inCwd = resolve(lookup.cwd, 'clusters.yaml');
  if (exists(inCwd)) return { path: inCwd, source: 'cwd' };
  if (exists(lookup.sandboxFile)) return { path: lookup.sandboxFile, source: 'sandbox' };
  return { path: inCwd, source: 'cwd' };
}

/** src/cli/ and dist/cli/ both sit two folders below the package root. */
export const checkoutSandboxFile = fileURLToPath(new URL('../../sandbox/clusters.yaml', import.meta.url));

/** Takes `--clusters PATH` or `--clusters=PATH` out of argv, wherever it stands. */
export function takeClustersFlag(argv: string[]): { flag?: string; rest: string[] } {
  const rest: string[] = [];
  let flag: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--clusters' || arg.startsWith('--clusters=')) {
      flag = arg === '--clusters' ? argv[++i] : arg.slice('--clusters='.length);
      if (!flag || flag.startsWith('-')) throw new UsageError('--clusters needs the path of a clusters file');
    } else rest.push(arg);
  }
  return { flag, rest };
}

/**
 * Points this process at the chosen clusters file (every command reads FLINK_RUNBOOKS_CLUSTERS);
 * says so when it is the sandbox's, which a newcomer may not expect.
 */
export function useClustersFile(flag: string | undefined, quiet: boolean): ClustersFileChoice {
  const choice = chooseClustersFile({
    flag,
    env: process.env,
    cwd: process.cwd(),
    sandboxFile: checkoutSandboxFile,
  });
  process.env.FLINK_RUNBOOKS_CLUSTERS = choice.path;
  if (choice.source === 'sandbox' && !quiet) {
    console.error(
      `clusters file: ${choice.path} (the sandbox's; --clusters or FLINK_RUNBOOKS_CLUSTERS for your own)`,
    );
  }
  return choice;
}
