/**
 * What `npm run demo` prints when it is up: where to look, and commands to try next in a new shell
 * inside the checkout. One list, printed by scripts/demo.sh (`tsx scripts/demo-hints.ts`) and run
 * as printed by test/unit/demo-hints.test.ts.
 */
import { pathToFileURL } from 'node:url';

export interface Hint {
  command: string;
  what?: string;
}

/** `{checkout}` stands for the checkout's absolute path. */
export const TRY_NEXT: Hint[] = [
  { command: 'npx flink-runbooks monitor status --cluster realtime-pipeline', what: 'what the monitor sees' },
  {
    command: 'echo stall > .data/sandbox/control/fault',
    what: 'make the job a zombie; watch it get restarted',
  },
  { command: 'echo none > .data/sandbox/control/fault' },
  { command: 'npx flink-runbooks restart --cluster realtime-pipeline --reason "try it"' },
  {
    command:
      'npx flink-runbooks upgrade --cluster realtime-pipeline --jar {checkout}/.data/jars/sample-pipeline-2.jar',
  },
  { command: 'npx flink-runbooks deploy --cluster realtime-pipeline', what: 'again: nothing to change' },
  { command: 'npm run demo -- down', what: 'stop everything and remove the sandbox' },
];

/** Printed after `npm run demo -- --cdc` has deployed the CDC pipeline. */
export const CDC_TRY_NEXT: Hint[] = [
  {
    command: 'npm run sandbox -- capture 1 60',
    what: 'commit changes for it to capture, once a second for a minute',
  },
  { command: 'npx flink-runbooks monitor status --cluster cdc-pipeline', what: 'watch it' },
];

export function cdcHintText(): string {
  const width = Math.max(...CDC_TRY_NEXT.map((h) => h.command.length));
  return [
    'The CDC pipeline, in any shell inside this checkout:',
    ...CDC_TRY_NEXT.map((h) => `  ${h.command.padEnd(width)}${h.what ? `   ${h.what}` : ''}`.trimEnd()),
  ].join('\n');
}

export function hintCommands(checkout: string): string[] {
  return TRY_NEXT.map((h) => h.command.replaceAll('{checkout}', checkout));
}

export function demoReadyText(checkout: string): string {
  const commands = hintCommands(checkout);
  const width = Math.max(...commands.map((c) => c.length));
  return [
    '',
    'Temporal Web UI: http://127.0.0.1:8233   (the monitor: workflow id monitor:realtime-pipeline:sample-pipeline)',
    'Flink Web UI:    http://127.0.0.1:8081   (primary)   http://127.0.0.1:8082   (standby)',
    '',
    'Try next, in any shell inside this checkout (the CLI finds sandbox/clusters.yaml here):',
    ...TRY_NEXT.map((h, i) =>
      `  ${(commands[i] as string).padEnd(width)}${h.what ? `   ${h.what}` : ''}`.trimEnd(),
    ),
    '',
    'Your own cluster: see "What to do first with your own cluster" in README.md.',
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(process.argv[2] === '--cdc' ? cdcHintText() : demoReadyText(process.cwd()));
}
