import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { temporalBinary } from '../../scripts/lib/temporal-dev-server';
import { docker } from '../../src/docker/engine';

/** The machine and the versions a result came from, written into every result file. */
export interface Environment {
  cpu: { model: string; cores: number };
  memoryGb: number;
  os: string;
  node: string;
  /** Flink as the sandbox's /overview reports it (or as replayed, for the scale benchmark). */
  flink?: string;
  temporal: { cli: string; server: string; sdk: string };
  docker?: string;
  loadAverageAtStart: number[];
  loadAverageAtEnd?: number[];
  /** Containers on the engine that are not the benchmark's: the machine is shared. Null: the engine was not asked. */
  otherContainers: number | null;
}

const repo = fileURLToPath(new URL('../..', import.meta.url));

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    return line?.split(':')[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
  } catch {
    return cpus()[0]?.model ?? 'unknown';
  }
}

function temporalVersions(): { cli: string; server: string } {
  try {
    const binary = temporalBinary();
    const text = execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
    // A CLI built from the Go module proxy reports 0.0.0-DEV; ensure-temporal.sh records the module version.
    const recorded = join(dirname(binary), 'temporal.version');
    const cli = existsSync(recorded)
      ? readFileSync(recorded, 'utf8').trim()
      : (/temporal version (\S+)/.exec(text)?.[1] ?? text);
    const server = /Server ([\d.]+)/.exec(text)?.[1] ?? 'unknown';
    return { cli, server };
  } catch (error) {
    return { cli: `unknown (${(error as Error).message})`, server: 'unknown' };
  }
}

function sdkVersion(): string {
  try {
    return JSON.parse(readFileSync(join(repo, 'node_modules/@temporalio/worker/package.json'), 'utf8'))
      .version;
  } catch {
    return 'unknown';
  }
}

/** `askDocker: false` for a benchmark that runs without Docker: the engine is not touched at all. */
export async function collectEnvironment(
  ownContainerPrefix = 'bench-',
  { askDocker = true } = {},
): Promise<Environment> {
  let dockerVersion: string | undefined;
  let otherContainers: number | null = askDocker ? 0 : null;
  try {
    if (!askDocker) throw new Error('not asked');
    dockerVersion = (await docker().version()).Version;
    const running = await docker().listContainers();
    otherContainers = running.filter((c) => !(c.Names[0] ?? '').startsWith(`/${ownContainerPrefix}`)).length;
  } catch {
    // no engine: the scale benchmark can still run with a replayed cluster
  }
  return {
    cpu: { model: cpuModel(), cores: cpus().length },
    memoryGb: Math.round(totalmem() / 2 ** 30),
    os: `${type()} ${release()}`,
    node: process.version,
    temporal: { ...temporalVersions(), sdk: sdkVersion() },
    docker: dockerVersion,
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
    otherContainers,
  };
}
