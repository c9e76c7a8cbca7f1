import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** Long enough for a first image build on a fresh machine; a lock never freed fails instead of hanging CI. */
export const LOCK_WAIT_SECONDS = 1800;

/**
 * Runs a set-up script under an exclusive lock, so that two vitest processes side by side never
 * build the same image or jar at once. `--close` keeps the lock's descriptor out of the script:
 * otherwise a daemon the script starts (dockerd) inherits it and holds the lock for as long as
 * it runs, and every later set-up step waits forever.
 */
export function runLocked(
  lockFile: string,
  script: string,
  args: string[] = [],
  waitSeconds = LOCK_WAIT_SECONDS,
  env: Record<string, string> = {},
): void {
  mkdirSync(dirname(lockFile), { recursive: true });
  try {
    execFileSync('flock', ['--close', '--wait', String(waitSeconds), lockFile, 'bash', script, ...args], {
      stdio: 'inherit',
      env: { ...process.env, ...env },
    });
  } catch (error) {
    const status = (error as { status?: number }).status;
    // flock exits 1 when the wait runs out; a script of ours that fails says why on stderr itself.
    throw new Error(
      `${script} failed (exit ${status ?? 'unknown'}); if it never started, ${lockFile} stayed locked for ${waitSeconds} s`,
    );
  }
}
