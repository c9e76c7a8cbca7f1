import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCommandLine } from './arguments';
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

/**
 * Takes `--clusters PATH` or `--clusters=PATH` out of argv, wherever it stands before a `--`
 * (parseArgs, not strict: the command's own options are read afterwards).
 */
export function takeClustersFlag(argv: string[]): { flag?: string; rest: string[] } {
  const { tokens } = parseCommandLine({
    args: argv,
    options: { clusters: { type: 'string' } },
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const taken = new Set<number>();
  let flag: string | undefined;
  for (const token of tokens) {
    if (token.kind !== 'option' || token.name !== 'clusters') continue;
    flag = token.value;
    if (!flag || flag.startsWith('-')) throw new UsageError('--clusters needs the path of a clusters file');
    taken.add(token.index);
    if (!token.inlineValue) taken.add(token.index + 1);
  }
  return { flag, rest: argv.filter((_, i) => !taken.has(i)) };
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
