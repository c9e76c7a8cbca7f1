/** `tsx scripts/drill.ts ...`: the same as `flink-runbooks drill ...` (src/cli/drill.ts). */
import { pathToFileURL } from 'node:url';
import { runDrill } from '../src/cli/drill';

export { drillInputFromArgs, drillWorkflowId, UsageError, verdictText } from '../src/cli/drill';

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await runDrill(process.argv.slice(2));
}
