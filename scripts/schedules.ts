/** `npm run schedules -- ...`: the same as `flink-runbooks schedule ...` (src/cli/schedules.ts). */
import { pathToFileURL } from 'node:url';
import { runSchedules } from '../src/cli/schedules';

export * from '../src/cli/schedules';

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await runSchedules(process.argv.slice(2));
}
