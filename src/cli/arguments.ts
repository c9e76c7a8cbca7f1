import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './exit-codes';

/**
 * node:util's parseArgs (strict by default), with its complaints (an unknown option, a missing value, a stray
 * word) turned into a UsageError: the command line is wrong, and the exit code says so.
 */
export function parseCommandLine<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_'))
      throw new UsageError((error as Error).message);
    throw error;
  }
}
