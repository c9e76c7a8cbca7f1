import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pollUntil } from '../../src/util/poll';

/**
 * Runs the re-implementations of the seeds' shell procedures (bench/seeds/*.sh) and reads their
 * decision logs: one line per decision, `<epoch ms> <ISO time> <LEVEL> <message>`.
 */
export const SEEDS_DIR = fileURLToPath(new URL('../seeds', import.meta.url));

export interface LogLine {
  at: number;
  level: string;
  message: string;
}

export interface ScriptRun {
  pid: number;
  logFile: string;
  lines(): LogLine[];
  /** The first line of that level logged at or after `after`. */
  waitFor(level: string, options: { after?: number; timeoutMs: number }): Promise<LogLine>;
  /** Ends the script and whatever it runs (its own process group). */
  stop(): Promise<void>;
  exited: Promise<number | null>;
  stderr(): string;
}

export function parseLog(text: string): LogLine[] {
  return text
    .split('\n')
    .map((line) => /^(\d{13}) \S+ (\S+) (.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ at: Number(m[1]), level: m[2] as string, message: m[3] as string }));
}

export function startSeedScript(script: string, env: Record<string, string>): ScriptRun {
  const dir = mkdtempSync(join(tmpdir(), 'flink-runbooks-seeds-'));
  const logFile = join(dir, `${script.replace(/\.sh$/, '')}.log`);
  let stderr = '';
  const child: ChildProcess = spawn('bash', [join(SEEDS_DIR, script)], {
    env: { ...process.env, ...env, LOG_FILE: logFile },
    // Its own process group, so that stop() also ends the `sleep` it is waiting in.
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines = () => (existsSync(logFile) ? parseLog(readFileSync(logFile, 'utf8')) : []);
  return {
    pid: child.pid as number,
    logFile,
    lines,
    stderr: () => stderr,
    exited,
    waitFor: (level, { after = 0, timeoutMs }) =>
      pollUntil(async () => lines().find((l) => l.level === level && l.at >= after), {
        timeoutMs,
        intervalMs: 100,
        what: `a ${level} line from ${script}`,
      }),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-(child.pid as number), 'SIGTERM');
      } catch {
        // gone already
      }
      await exited;
    },
  };
}
