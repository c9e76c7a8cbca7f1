import { takeClustersFlag, useClustersFile } from './clusters-file';
import { DRILL_HELP, overview, readCommandLine } from './command-line';
import { type CliContext, EXIT, makeContext } from './context';
import { runDrill } from './drill';
import { exitCodeFor } from './exit-codes';
import { runSchedules } from './schedules';

/**
 * `npx flink-runbooks <command> [options]`: start, signal and inspect the runbooks.
 * Every command validates its arguments against the clusters file before it sends anything;
 * the commands and their options are in command-line.ts, the exit codes in exit-codes.ts.
 */
async function main(commandLine: string[]): Promise<number> {
  let line: ReturnType<typeof readCommandLine>;
  try {
    const { flag, rest } = takeClustersFlag(commandLine);
    useClustersFile(flag, rest.includes('--json') || rest.includes('--help') || rest.includes('-h'));
    line = readCommandLine(rest);
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    return exitCodeFor(error);
  }
  switch (line.kind) {
    case 'overview':
      console.log(overview());
      return line.exit;
    case 'schedule':
      return runSchedules(line.argv);
    case 'drill-help':
      console.log(DRILL_HELP);
      return EXIT.ok;
    case 'drill':
      return runDrill(line.argv);
    case 'help':
      console.log(line.text);
      return EXIT.ok;
  }
  const ctx = makeContext(line.options, line.positionals);
  try {
    return await line.command.run(ctx);
  } catch (error) {
    return report(error, ctx);
  } finally {
    await ctx.close();
  }
}

function report(error: unknown, ctx: CliContext): number {
  const err = error as Error & { cause?: Error & { cause?: Error } };
  const detail = err.cause?.cause?.message ?? err.cause?.message;
  const message = detail ? `${err.message}: ${detail}` : err.message;
  if (ctx.json) console.log(JSON.stringify({ error: err.name, message }));
  else console.error(`error: ${message}`);
  return exitCodeFor(error);
}

process.exitCode = await main(process.argv.slice(2));
