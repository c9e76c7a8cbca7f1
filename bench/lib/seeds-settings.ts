import { join } from 'node:path';
import type { JobSpec, NamedCluster } from '../../src/config/schema';

/**
 * The seeds' own settings, in one place for every benchmark that claims to run on them:
 * checkpoints every 30 s with a 180 s timeout, 5 s minimum pause and 5 tolerable failures (the
 * CDC job's defaults, sandbox/cdc-job CdcOptions), and the health monitor's every 60 s with a
 * 5-minute file window, at most 3 restarts an hour, 5 minutes apart (seed 000); the seeds' script
 * also warns when no file came in 2 minutes (seed 001).
 */
export const SEEDS_CHECKPOINTS = {
  interval: 30_000,
  timeout: 180_000,
  minPause: 5_000,
  maxConcurrent: 1,
  tolerableFailures: 5,
};

/** The same, as both sandbox jobs' program arguments. */
export const SEEDS_CHECKPOINT_ARGS: Record<string, string> = {
  'checkpoint-interval': String(SEEDS_CHECKPOINTS.interval),
  'checkpoint-timeout': String(SEEDS_CHECKPOINTS.timeout),
  'min-pause': String(SEEDS_CHECKPOINTS.minPause),
  'tolerable-failures': String(SEEDS_CHECKPOINTS.tolerableFailures),
};

export const SEEDS_MONITOR = {
  interval: 60_000,
  fileWindow: 300_000,
  maxRestarts: 3,
  restartWindow: 3_600_000,
  cooldown: 300_000,
};

/** bench/seeds/production-health-monitor.sh on the same settings. */
export const SEEDS_SCRIPT_ENV = {
  CHECK_INTERVAL: String(SEEDS_MONITOR.interval / 1000),
  FILE_WARN_MINUTES: '2',
  FILE_WINDOW_MINUTES: String(SEEDS_MONITOR.fileWindow / 60_000),
  MAX_RESTARTS: String(SEEDS_MONITOR.maxRestarts),
  RESTART_COOLDOWN: String(SEEDS_MONITOR.cooldown / 1000),
};

/** Output freshness and in-progress limit: the seeds' file SLA (文件生成延迟 < 2 分钟), above the 30 s interval. */
const SEEDS_FILE_SLA = 120_000;

/** What a result file says about the settings its figures were measured with. */
export const SEEDS_SETTINGS_TEXT =
  "the seeds' settings: checkpoints every 30 s, timeout 180 s, min pause 5 s, 5 tolerable failures; monitor every 60 s, file window 5 min (the seeds' script: also its 2-minute file warning), at most 3 restarts an hour, 5 min apart";

export const SEEDS_SETTINGS = {
  checkpoints: SEEDS_CHECKPOINTS,
  monitor: SEEDS_MONITOR,
  seedsScript: SEEDS_SCRIPT_ENV,
  text: SEEDS_SETTINGS_TEXT,
};

/** The value of `--key` in a job's arguments, if given. */
export function argValue(args: string[], key: string): string | undefined {
  const i = args.indexOf(`--${key}`);
  return i >= 0 ? args[i + 1] : undefined;
}

/** The arguments with each `--key value` replaced, or appended when absent. */
export function withArgs(args: string[], values: Record<string, string>): string[] {
  const out = [...args];
  for (const [key, value] of Object.entries(values)) {
    const i = out.indexOf(`--${key}`);
    if (i >= 0 && i + 1 < out.length) out[i + 1] = value;
    else out.push(`--${key}`, value);
  }
  return out;
}

export type Side = 'ours' | 'seeds';

/**
 * One side of a side-by-side comparison on a shared cluster: the cluster's job under its own
 * Flink job name, writing into its own subfolder (`ours/`, `seeds/`) of the cluster's output
 * mount, on the seeds' checkpoint settings, and the cluster with only that job and the seeds'
 * monitor settings (what our monitor is given). `extraArgs` are per side (the CDC job's slot).
 */
export function seedsSettingsJob(
  cluster: NamedCluster,
  job: JobSpec,
  side: Side,
  defaults: { output: string; controlDir?: string },
  extraArgs: Record<string, string> = {},
): { cluster: NamedCluster; job: JobSpec; outputDir: string; controlDir?: string } {
  if (!job.output) throw new Error(`job ${job.name} has no output`);
  const name = side === 'ours' ? job.name : `${job.name}-seeds`;
  const outputDir = join(job.output.path, side);
  const containerOutput = argValue(job.args, 'output') ?? defaults.output;
  const args: Record<string, string> = {
    ...SEEDS_CHECKPOINT_ARGS,
    'job-name': name,
    output: `${containerOutput.replace(/\/+$/, '')}/${side}`,
    ...extraArgs,
  };
  let controlDir: string | undefined;
  let probe = job.probe;
  if (job.probe?.type === 'marker' && defaults.controlDir) {
    controlDir = join(job.probe.controlDir, side);
    const containerControl = argValue(job.args, 'control-dir') ?? defaults.controlDir;
    args['control-dir'] = `${containerControl.replace(/\/+$/, '')}/${side}`;
    probe = { ...job.probe, controlDir };
  }
  const sideJob: JobSpec = {
    ...job,
    name,
    args: withArgs(job.args, args),
    checkpoints: { ...job.checkpoints, ...SEEDS_CHECKPOINTS },
    output: { ...job.output, path: outputDir, freshness: SEEDS_FILE_SLA, inProgressLimit: SEEDS_FILE_SLA },
    ...(probe ? { probe } : {}),
  };
  return {
    cluster: { ...cluster, jobs: [sideJob], monitor: { ...cluster.monitor, ...SEEDS_MONITOR } },
    job: sideJob,
    outputDir,
    controlDir,
  };
}

/** An inline spec (a workflow input) of a cluster: the spec without its name. */
export function inlineSpecOf(cluster: NamedCluster) {
  const { name: _name, ...spec } = cluster;
  return spec;
}
