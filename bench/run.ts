/**
 * The benchmarks: how fast and how cheaply the runbooks restore service, against what the seeds'
 * users do today, both sides in one run on the same sandbox.
 *
 *   npm run bench -- zombie|zombie-seeds|soak|upgrade|failover|scale|scale-workers|cdc-restarts|all [options]
 *
 * Each benchmark starts what it needs (a Temporal dev server on a free port, workers, the bench
 * sandbox from bench/fixtures/bench-sandbox.yaml), writes bench/results/<name>-<ISO time>.json and
 * prints a summary table. The sandbox is removed at the end when this run started it.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { runCdcRestarts } from './cdc-restarts';
import { runFailover } from './failover';
import {
  type BenchSandbox,
  ensureBenchSandboxUp,
  loadBenchSandbox,
  prepareBenchSandbox,
  removeBenchSandbox,
} from './lib/bench-sandbox';
import type { BenchContext, Benchmark, BenchOptions } from './lib/context';
import { formatResult, writeResult } from './lib/report';
import { type BenchTemporal, startBenchTemporal } from './lib/temporal';
import { runScale } from './scale';
import { runScaleWorkers } from './scale-workers';
import { runSoak } from './soak';
import { runUpgrade } from './upgrade';
import { runZombie } from './zombie';
import { runZombieSeeds } from './zombie-seeds';

const USAGE = `usage: npm run bench -- zombie|zombie-seeds|soak|upgrade|failover|scale|scale-workers|cdc-restarts|all [options]
  --clusters FILE --cluster NAME   the sandbox (default bench/fixtures/bench-sandbox.yaml, bench-sandbox)
  --any-containers                 allow a sandbox whose containers lack the bench- prefix
  --keep-sandbox                   leave the sandbox running afterwards
  --out DIR                        where the JSON results go (default bench/results)
  zombie:  --only runbook-5s,runbook-60s,seeds     rows to run (default all three; the bench sandbox's fast checkpoints)
  zombie-seeds: --trials N --only stuck-checkpoint,dead-source
                                                   on the seeds' settings, ours and the seeds' side by side (default 3 trials)
  soak:    --minutes M --only quiet,bursts          a quiet source and one with bursts, M minutes each (default 30)
  upgrade: --trials N                               trials per side (default 5)
  failover: --trials N                              drills per kind, stop-leader and kill-leader (default 3)
  scale:   --sizes 100,500,1000 --intervals 60,15 --window SECONDS (default: interval + 15 s)
  scale-workers: --sizes N --intervals S --window SECONDS
                                                   two workers share N monitors (default 1000, the largest size; a look
                                                   every S s, the first interval), one is killed; no Docker
  cdc-restarts: --trials N                          restarts of the CDC job (default 50), on the CDC sandbox`;

/** The benchmarks in the order `all` runs them. */
const BENCHMARKS: Record<string, Benchmark | { skipped: string }> = {
  zombie: runZombie,
  'zombie-seeds': runZombieSeeds,
  soak: runSoak,
  upgrade: runUpgrade,
  failover: runFailover,
  scale: runScale,
  'scale-workers': runScaleWorkers,
  'cdc-restarts': runCdcRestarts,
};

function parseOptions(argv: string[]): { names: string[]; options: BenchOptions } {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      clusters: { type: 'string' },
      cluster: { type: 'string' },
      'any-containers': { type: 'boolean' },
      'keep-sandbox': { type: 'boolean' },
      out: { type: 'string' },
      only: { type: 'string' },
      trials: { type: 'string' },
      sizes: { type: 'string' },
      intervals: { type: 'string' },
      window: { type: 'string' },
      minutes: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  const name = positionals[0];
  if (values.help || !name || positionals.length > 1 || !(name === 'all' || name in BENCHMARKS)) {
    throw new Error(USAGE);
  }
  const numbers = (text: string | undefined, fallback: number[]) => {
    if (text === undefined) return fallback;
    const list = text.split(',').map(Number);
    if (list.some((n) => !Number.isFinite(n) || n <= 0))
      throw new Error(`not a list of numbers: ${text}\n${USAGE}`);
    return list;
  };
  return {
    names: name === 'all' ? Object.keys(BENCHMARKS) : [name],
    options: {
      clusters: values.clusters,
      cluster: values.cluster,
      anyContainers: values['any-containers'] ?? false,
      keepSandbox: values['keep-sandbox'] ?? false,
      out: values.out,
      only: values.only?.split(','),
      trials: numbers(values.trials, [5])[0] as number,
      trialsSet: values.trials !== undefined,
      sizes: numbers(values.sizes, [100, 500, 1000]),
      intervals: numbers(values.intervals, [60, 15]),
      windowS: values.window === undefined ? undefined : numbers(values.window, [])[0],
      minutes: values.minutes === undefined ? undefined : numbers(values.minutes, [])[0],
    },
  };
}

async function main(): Promise<number> {
  const { names, options } = parseOptions(process.argv.slice(2));
  const t0 = Date.now();
  const log = (line: string) => {
    const s = Math.round((Date.now() - t0) / 1000);
    console.log(
      `[${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}] ${line}`,
    );
  };

  let sandbox: BenchSandbox | undefined;
  let sandboxPromise: Promise<BenchSandbox> | undefined;
  let startedSandbox = false;
  let temporal: Promise<BenchTemporal> | undefined;
  const argv = process.argv.slice(2).filter((a) => !['all', ...Object.keys(BENCHMARKS)].includes(a));
  const ctx: BenchContext = {
    options,
    log,
    sandbox: () => {
      sandboxPromise ??= (async () => {
        const sb = await loadBenchSandbox({
          file: options.clusters,
          cluster: options.cluster,
          anyContainers: options.anyContainers,
        });
        log(`preparing the sandbox's images and jars (no-ops when current)`);
        prepareBenchSandbox(sb);
        startedSandbox = await ensureBenchSandboxUp(sb, log);
        sandbox = sb;
        return sb;
      })();
      return sandboxPromise;
    },
    sandboxIfUp: () => sandbox,
    temporal: () => {
      temporal ??= startBenchTemporal(log);
      return temporal;
    },
    command: (name) => ['npm run bench --', name, ...argv].join(' '),
  };

  const cleanup = async () => {
    if (temporal) await (await temporal.catch(() => undefined))?.stop();
    temporal = undefined;
    if (sandbox && startedSandbox && !options.keepSandbox) {
      log(`removing sandbox ${sandbox.cluster.name}`);
      await removeBenchSandbox(sandbox, log).catch((e) => log(`could not remove the sandbox: ${e}`));
    }
    sandbox = undefined;
  };
  let interrupted = false;
  process.once('SIGINT', () => {
    interrupted = true;
    log('interrupted: cleaning up');
    void cleanup().finally(() => process.exit(130));
  });

  let failures = 0;
  const timings: string[] = [];
  try {
    for (const name of names) {
      const bench = BENCHMARKS[name];
      if (!bench) continue;
      if (typeof bench !== 'function') {
        log(`${name}: skipped — ${bench.skipped}`);
        timings.push(`${name}: skipped`);
        continue;
      }
      const started = Date.now();
      log(
        `${name}: starting (load average ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')})`,
      );
      try {
        const result = await bench(ctx);
        const path = writeResult(result, options.out);
        console.log(`\n${formatResult(result, path)}\n`);
      } catch (error) {
        failures++;
        log(`${name}: FAILED — ${(error as Error).stack ?? error}`);
      }
      timings.push(`${name}: ${((Date.now() - started) / 1000).toFixed(0)} s`);
      if (interrupted) break;
    }
  } finally {
    if (!interrupted) await cleanup();
  }
  log(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s (${timings.join(', ')})`);
  return failures > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error((error as Error).message);
    process.exit(2);
  },
);
