import { afterEach, describe, expect, it } from 'vitest';
import { verdictTimes } from '../../bench/lib/monitor-watch';
import { spread } from '../../bench/lib/report';
import {
  argValue,
  inlineSpecOf,
  SEEDS_CHECKPOINT_ARGS,
  seedsSettingsJob,
  withArgs,
} from '../../bench/lib/seeds-settings';
import { loadClustersFile } from '../../src/config/load';
import type { JobSpec, NamedCluster } from '../../src/config/schema';
import { resolveTrustedCluster } from '../../src/trust/resolve';

/**
 * The benchmarks on the seeds' settings run each side's job from a spec derived from a sandbox
 * cluster, and hand ours to monitorJob inline. Both must be what the benchmark claims (the seeds'
 * checkpoint settings, a folder and name of its own) and pass the worker's trust boundary, or a
 * benchmark run on Docker would fail at its first trial.
 */
const BENCH_FILE = 'bench/fixtures/bench-sandbox.yaml';

async function cluster(file: string, name: string): Promise<NamedCluster> {
  const spec = (await loadClustersFile(file)).clusters[name];
  if (!spec) throw new Error(`${file} has no ${name}`);
  return { name, ...spec };
}

const saved = { ...process.env };
afterEach(() => {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
});

describe("the benchmarks' jobs on the seeds' settings", () => {
  it('replaces a given argument and appends a missing one', () => {
    expect(
      withArgs(['--rate', '20', '--checkpoint-interval', '2000'], { 'checkpoint-interval': '30000', x: 'y' }),
    ).toEqual(['--rate', '20', '--checkpoint-interval', '30000', '--x', 'y']);
    expect(argValue(['--a', '1'], 'a')).toBe('1');
    expect(argValue(['--a', '1'], 'b')).toBeUndefined();
  });

  it('gives each side of the sample job its own name, output and control folders, on 30 s / 180 s checkpoints', async () => {
    const c = await cluster(BENCH_FILE, 'bench-sandbox');
    const job = c.jobs[0] as JobSpec;
    const defaults = { output: '/opt/flink/output', controlDir: '/opt/flink/control' };
    const ours = seedsSettingsJob(c, job, 'ours', defaults);
    const seeds = seedsSettingsJob(c, job, 'seeds', defaults);
    for (const [key, value] of Object.entries(SEEDS_CHECKPOINT_ARGS)) {
      expect(argValue(ours.job.args, key)).toBe(value);
      expect(ours.job.args.filter((a) => a === `--${key}`)).toHaveLength(1);
    }
    expect(ours.job.checkpoints).toMatchObject({
      interval: 30_000,
      timeout: 180_000,
      minPause: 5_000,
      tolerableFailures: 5,
    });
    expect(ours.cluster.monitor).toMatchObject({ interval: 60_000, fileWindow: 300_000 });
    expect(argValue(ours.job.args, 'job-name')).toBe(job.name);
    expect(argValue(seeds.job.args, 'job-name')).toBe(`${job.name}-seeds`);
    expect(argValue(ours.job.args, 'output')).toBe('/opt/flink/output/ours');
    expect(argValue(seeds.job.args, 'control-dir')).toBe('/opt/flink/control/seeds');
    expect(seeds.outputDir).toBe(`${job.output?.path}/seeds`);
    expect(seeds.job.probe).toMatchObject({ controlDir: seeds.controlDir });
    expect(ours.cluster.jobs).toEqual([ours.job]);
  });

  it("gives the CDC job's seeds side a replication slot of its own", async () => {
    const { cdcSide } = await import('../../bench/lib/cdc-side');
    const { cdcSandbox } = await import('../../scripts/lib/cdc-sandbox');
    const sb = await cdcSandbox();
    const ours = cdcSide(sb, 'ours');
    const seeds = cdcSide(sb, 'seeds');
    expect(argValue(ours.job.args, 'slot')).toBe('flink_cdc');
    expect(argValue(seeds.job.args, 'slot')).toBe('flink_cdc_seeds');
    expect(argValue(ours.job.args, 'output')).toBe('file:///opt/flink/output/ours');
    expect(argValue(seeds.job.args, 'checkpoint-timeout')).toBe('180000');
    expect(ours.job.source).toMatchObject({ slot: 'flink_cdc' });
  });

  it("passes the benchmark worker's trust boundary: the sample side as it is, the CDC side with the listed folders, secret and host", async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      FLINK_RUNBOOKS_CLUSTERS: BENCH_FILE,
      FLINK_RUNBOOKS_ALLOW_INLINE_SPECS: 'true',
    };
    delete env.FLINK_RUNBOOKS_INLINE_PATHS;
    delete env.FLINK_RUNBOOKS_INLINE_SECRET_DIR;
    delete env.FLINK_RUNBOOKS_INLINE_CREDENTIAL_HOSTS;
    const c = await cluster(BENCH_FILE, 'bench-sandbox');
    const sample = seedsSettingsJob(c, c.jobs[0] as JobSpec, 'ours', {
      output: '/opt/flink/output',
      controlDir: '/opt/flink/control',
    });
    const resolved = await resolveTrustedCluster(
      { cluster: c.name, spec: inlineSpecOf(sample.cluster) },
      env,
    );
    expect(resolved.jobs[0]?.checkpoints.interval).toBe(30_000);

    const { cdcSide, allowCdcInlineSpecs } = await import('../../bench/lib/cdc-side');
    const { cdcSandbox } = await import('../../scripts/lib/cdc-sandbox');
    const sb = await cdcSandbox();
    const ours = cdcSide(sb, 'ours');
    const ref = { cluster: ours.cluster.name, spec: inlineSpecOf(ours.cluster) };
    await expect(resolveTrustedCluster(ref, env)).rejects.toThrow(/refused/);
    for (const key of [
      'FLINK_RUNBOOKS_INLINE_PATHS',
      'FLINK_RUNBOOKS_INLINE_SECRET_DIR',
      'FLINK_RUNBOOKS_INLINE_CREDENTIAL_HOSTS',
    ])
      delete process.env[key];
    allowCdcInlineSpecs(sb);
    const allowed = {
      ...env,
      FLINK_RUNBOOKS_INLINE_PATHS: process.env.FLINK_RUNBOOKS_INLINE_PATHS,
      FLINK_RUNBOOKS_INLINE_SECRET_DIR: process.env.FLINK_RUNBOOKS_INLINE_SECRET_DIR,
      FLINK_RUNBOOKS_INLINE_CREDENTIAL_HOSTS: process.env.FLINK_RUNBOOKS_INLINE_CREDENTIAL_HOSTS,
    };
    const cdc = await resolveTrustedCluster(ref, allowed);
    expect(cdc.jobs[0]?.output?.path).toBe(ours.outputDir);
  });
});

describe("the benchmarks' figures", () => {
  it('gives the median and range of the figures present', () => {
    expect(spread([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3, n: 3 });
    expect(spread([4, 1, undefined, 2, 3])).toEqual({ median: 2.5, min: 1, max: 4, n: 4 });
    expect(spread([undefined, Number.NaN])).toEqual({ median: null, min: null, max: null, n: 0 });
  });

  it('adds up how long each verdict held within the window', () => {
    const at = (s: number) => 1_000_000 + s * 1000;
    const entries = [
      { at: at(-10), verdict: 'idle', phase: 'watching', restarts: 0 },
      { at: at(20), verdict: 'degraded', phase: 'watching', restarts: 0 },
      { at: at(30), verdict: 'idle', phase: 'watching', restarts: 0 },
    ];
    expect(verdictTimes(entries, at(0), at(60))).toEqual({ idle: 50, degraded: 10 });
  });
});
