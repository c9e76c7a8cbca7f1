import type { BenchSandbox } from './bench-sandbox';
import type { BenchResult } from './report';
import type { BenchTemporal } from './temporal';

/** What `npm run bench -- <name> [options]` accepted; each benchmark reads its own. */
export interface BenchOptions {
  /** The clusters file and cluster of the sandbox (default: bench/fixtures/bench-sandbox.yaml, bench-sandbox). */
  clusters?: string;
  cluster?: string;
  anyContainers: boolean;
  /** Leave the sandbox running afterwards (it is removed only when this run started it). */
  keepSandbox: boolean;
  /** Where results go (default bench/results). */
  out?: string;
  /** zombie: which rows to run (runbook-5s, runbook-60s, seeds); zombie-seeds: stuck-checkpoint, dead-source; soak: quiet, bursts. Default all. */
  only?: string[];
  /** upgrade: trials per side (default 5); failover: drills per kind (its default, 3, unless --trials is given). */
  trials: number;
  /** Whether --trials was given; otherwise each benchmark takes its own default. */
  trialsSet: boolean;
  /** scale: monitored jobs per step, and the intervals (s). */
  sizes: number[];
  intervals: number[];
  /** scale: the steady window per step (s); default the interval + 15 s, so every job is looked at in it. */
  windowS?: number;
  /** soak: minutes per soak (default 30). */
  minutes?: number;
}

/** Shared by the benchmarks of one run: started on first use, stopped by the runner. */
export interface BenchContext {
  options: BenchOptions;
  log(line: string): void;
  sandbox(): Promise<BenchSandbox>;
  /** Whether the sandbox was started (or reused) by this run; the scale benchmark records from it then. */
  sandboxIfUp(): BenchSandbox | undefined;
  temporal(): Promise<BenchTemporal>;
  /** The command that reproduces this benchmark. */
  command(name: string): string;
}

export type Benchmark = (ctx: BenchContext) => Promise<BenchResult>;
