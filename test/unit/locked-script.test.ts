import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runLocked } from '../../scripts/lib/locked-script';

describe('set-up scripts under the prepare lock', () => {
  const daemons: number[] = [];
  afterEach(() => {
    for (const pid of daemons.splice(0)) {
      try {
        process.kill(pid);
      } catch {}
    }
  });

  it('frees the lock when the script ends, even if it left a daemon running (as ensure-docker leaves dockerd)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'locked-script-'));
    const lock = join(dir, 'prepare.lock');
    const script = join(dir, 'start-daemon.sh');
    const pidFile = join(dir, 'daemon.pid');
    writeFileSync(script, `nohup sleep 60 >/dev/null 2>&1 </dev/null &\necho $! > ${pidFile}\n`);

    runLocked(lock, script);
    daemons.push(Number(execFileSync('cat', [pidFile]).toString().trim()));

    // The next set-up step takes the same lock: it must not wait for the daemon.
    const started = Date.now();
    expect(() => execFileSync('flock', ['--wait', '3', lock, 'true'])).not.toThrow();
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('names the script and the lock when the lock stays taken', () => {
    const dir = mkdtempSync(join(tmpdir(), 'locked-script-'));
    const lock = join(dir, 'prepare.lock');
    const script = join(dir, 'noop.sh');
    writeFileSync(script, 'true\n');
    const holder = execFileSync('bash', ['-c', `flock ${lock} sleep 30 >/dev/null 2>&1 & echo $!`])
      .toString()
      .trim();
    daemons.push(Number(holder));
    execFileSync('sleep', ['0.3']);
    expect(() => runLocked(lock, script, [], 1)).toThrow(
      /noop\.sh failed.*prepare\.lock stayed locked for 1 s/,
    );
  });
});
