/**
 * `npm run record-histories`: records the workflow histories that every test run replays
 * (test/fixtures/histories/, checked by test/fast-workflow/replay.test.ts).
 *
 * It runs the fast workflow tests (the real workflow code, activities faked, on the
 * time-skipping test server) with RECORD_HISTORIES=1; the tests that drive a runbook through a
 * case worth keeping save its history under a name saying what it shows (recordHistory in
 * test/helpers/histories.ts). Old recordings are replaced, then the new ones are replayed.
 *
 * Record again only on purpose: a history recorded before a change is what proves that
 * workflows already running survive it. Add new recordings; keep the old ones while workflows
 * started on that code may still be running.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { HISTORIES_DIR } from '../test/helpers/histories';

const fresh = process.argv.includes('--fresh');
if (fresh)
  for (const file of readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json')))
    rmSync(join(HISTORIES_DIR, file));

const vitest = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
  spawnSync('npx', ['vitest', 'run', '--project', 'fast-workflow', ...args], { stdio: 'inherit', env });

const recorded = vitest(['--exclude', 'test/fast-workflow/replay.test.ts'], {
  ...process.env,
  RECORD_HISTORIES: '1',
});
if (recorded.status !== 0) process.exit(recorded.status ?? 1);
console.log(
  `recorded: ${readdirSync(HISTORIES_DIR)
    .filter((f) => f.endsWith('.json'))
    .join(', ')}`,
);
const replayed = vitest(['test/fast-workflow/replay.test.ts']);
process.exit(replayed.status ?? 1);
