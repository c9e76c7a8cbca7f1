import { parseCommandLine } from './arguments';
import { alertTest } from './commands/alert';
import { clusterStatusCommand } from './commands/cluster';
import { monitorStart, monitorStatus, monitorStop, pause, restart, resume } from './commands/monitor';
import { deployCommand, savepointCommand, upgradeCommand } from './commands/runbooks';
import type { CliContext } from './context';
import { UsageError } from './exit-codes';

/**
 * `npx flink-runbooks <command> [options]`: start, signal and inspect the runbooks.
 * Every command validates its arguments against the clusters file before it sends anything.
 */
export interface Command {
  summary: string;
  /** Options besides the common ones (--cluster, --job, --json, --help). */
  options?: Record<string, { type: 'string' | 'boolean'; description: string }>;
  run(ctx: CliContext): Promise<number>;
}

const reason = { reason: { type: 'string' as const, description: 'why, recorded in the workflow history' } };

export const COMMANDS: Record<string, Command> = {
  'cluster status': {
    summary: 'ask every JobManager for its overview (the clusterStatus runbook)',
    run: clusterStatusCommand,
  },
  'monitor start': {
    summary: "start the job's monitor-and-recover supervisor",
    options: {
      'job-id': {
        type: 'string',
        description: 'the Flink job id to watch (default: the newest job of that name)',
      },
    },
    run: monitorStart,
  },
  'monitor status': {
    summary: "verdict, reasons, restarts and budget of the job's monitor",
    run: monitorStatus,
  },
  'monitor stop': { summary: "stop the job's monitor (the job keeps running)", run: monitorStop },
  restart: {
    summary: 'restart the job now through its monitor (forceRestart signal)',
    options: reason,
    run: restart,
  },
  pause: { summary: 'stop automatic recovery (observing and alerting go on)', options: reason, run: pause },
  resume: { summary: 'resume automatic recovery', run: resume },
  'alert test': { summary: 'send a test alert to every channel of the cluster', run: alertTest },
  deploy: {
    summary: 'deploy the cluster and its job as the clusters file describes them (the deploy runbook)',
    options: {
      'dry-run': { type: 'boolean', description: 'print the plan, change nothing' },
      savepoint: { type: 'string', description: 'start the job from this savepoint' },
      'free-disk-gb': { type: 'string', description: 'free disk required at the storage paths' },
    },
    run: deployCommand,
  },
  upgrade: {
    summary: 'upgrade the job through a savepoint, rolling back if the new job is not healthy',
    options: {
      jar: { type: 'string', description: "the new jar (a path on the worker's machine)" },
      'entry-class': { type: 'string', description: 'a new entry class' },
      parallelism: { type: 'string', description: 'a new parallelism' },
      mode: { type: 'string', description: 'savepoint (default), last-state or stateless' },
      'require-approval': {
        type: 'boolean',
        description: 'wait for the approve signal before stopping the job',
      },
    },
    run: upgradeCommand,
  },
  'savepoint now': {
    summary: 'take a savepoint of the running job (it keeps running)',
    options: { 'keep-last': { type: 'string', description: 'then delete all but the newest N savepoints' } },
    run: savepointCommand,
  },
};

const COMMON = {
  cluster: {
    type: 'string' as const,
    short: 'c',
    description: 'cluster name in the clusters file',
  },
  clusters: {
    type: 'string' as const,
    description:
      "the clusters file (else FLINK_RUNBOOKS_CLUSTERS, ./clusters.yaml, the sandbox's in a checkout)",
  },
  job: { type: 'string' as const, short: 'j', description: 'job name, when the cluster runs several' },
  json: { type: 'boolean' as const, description: 'print JSON for scripts' },
  help: { type: 'boolean' as const, short: 'h', description: 'show help' },
};

export const DRILL_HELP = [
  'usage: flink-runbooks drill --cluster C --kind KIND [--job J] [--takeover-limit 2m] [--report-dir DIR] [--id ID] [--no-wait] [--json]',
  '',
  'a failover drill: stop-leader, kill-leader, kill-taskmanager or stop-zookeeper; exit 0 when it passed',
].join('\n');

export function overview(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  return [
    'usage: flink-runbooks <command> [options]',
    '',
    'commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    '  schedule ...    recurring savepoints: create, list, describe, pause, unpause, trigger, delete',
    '  drill ...       a failover drill: --cluster C --kind stop-leader|kill-leader|kill-taskmanager|stop-zookeeper',
    '',
    'Run `flink-runbooks <command> --help` for its options. Temporal is reached through',
    'TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and TEMPORAL_TASK_QUEUE (see the README). The clusters',
    'file: --clusters PATH, else FLINK_RUNBOOKS_CLUSTERS, else ./clusters.yaml, else (in a checkout',
    "of this repository) the sandbox's sandbox/clusters.yaml.",
    'Exit codes: 0 done, 1 the runbook failed, 2 bad usage or input, 3 Temporal unreachable.',
  ].join('\n');
}

export function help(name: string, command: Command): string {
  const options = { ...COMMON, ...command.options };
  return [
    `usage: flink-runbooks ${name} [options]`,
    '',
    command.summary,
    '',
    'options:',
    ...Object.entries(options).map(([key, o]) => `  --${key.padEnd(10)} ${o.description}`),
  ].join('\n');
}

function findCommand(argv: string[]): { name: string; command: Command; rest: string[] } | undefined {
  for (const words of [2, 1]) {
    const name = argv.slice(0, words).join(' ');
    const command = COMMANDS[name];
    if (command) return { name, command, rest: argv.slice(words) };
  }
  return undefined;
}

/** What the command line asks for, read before anything is loaded or contacted. */
export type CommandLine =
  | { kind: 'overview'; exit: 0 | 2 }
  | { kind: 'schedule'; argv: string[] }
  | { kind: 'drill'; argv: string[] }
  | { kind: 'drill-help' }
  | { kind: 'help'; text: string }
  | {
      kind: 'run';
      name: string;
      command: Command;
      options: CliContext['options'];
      positionals: string[];
    };

/** Reads the words after `flink-runbooks`; a wrong command or option is a UsageError with the help. */
export function readCommandLine(argv: string[]): CommandLine {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help')
    return { kind: 'overview', exit: argv.length === 0 ? 2 : 0 };
  if (argv[0] === 'schedule') return { kind: 'schedule', argv: argv.slice(1) };
  if (argv[0] === 'drill')
    return argv.includes('--help') || argv.includes('-h')
      ? { kind: 'drill-help' }
      : { kind: 'drill', argv: argv.slice(1) };
  const found = findCommand(argv);
  if (!found) throw new UsageError(`unknown command "${argv.slice(0, 2).join(' ')}"\n\n${overview()}`);
  const { name, command, rest } = found;
  const optionSpec = Object.fromEntries(
    Object.entries({ ...COMMON, ...command.options }).map(([key, o]) => [
      key,
      'short' in o ? { type: o.type, short: o.short } : { type: o.type },
    ]),
  );
  let parsed: { values: CliContext['options']; positionals: string[] };
  try {
    parsed = parseCommandLine({ args: rest, options: optionSpec, allowPositionals: false });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    throw new UsageError(`${error.message}\n\n${help(name, command)}`);
  }
  if (parsed.values.help) return { kind: 'help', text: help(name, command) };
  return { kind: 'run', name, command, options: parsed.values, positionals: parsed.positionals };
}
