import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * scripts/ensure-second-docker.sh with fake `docker`, `dockerd` and `id` on PATH (fakes, named as
 * such: no Docker engine may be started here). The fake dockerd records how it was started and
 * stays running like a daemon; the fake docker answers on the second socket once it has started.
 */

const SCRIPT = join(process.cwd(), 'scripts/ensure-second-docker.sh');

const FAKE_DOCKER = `#!/bin/bash
echo "docker $*" >> "$FAKE_DIR/docker.log"
# An images file holds "name" (id "id-of-name") or "name id" per line.
image_id() { # file image
  local line; line=$(grep -E "^$2( |$)" "$1" 2>/dev/null) || return 1
  set -- $line; echo "\${2:-id-of-$1}"
}
if [ "$1" = "-H" ]; then
  [ "$2" = "unix://$FLINK_RUNBOOKS_DOCKER_B_SOCK" ] || exit 9
  [ -f "$FAKE_DIR/up" ] || exit 1
  shift 2
  case "$1 $2" in
    "version "*) echo 27.5.1 ;;
    "image inspect") image_id "$FAKE_DIR/b-images" "\${@: -1}" ;;
    "load ") cat >> "$FAKE_DIR/b-loaded" ;;
  esac
  exit $?
fi
case "$1 $2" in
  "image inspect") image_id "$FAKE_DIR/a-images" "\${@: -1}" ;;
  "save "*) echo "archive of $2" ;;
  *) exit 9 ;;
esac
`;

const FAKE_DOCKERD = `#!/bin/bash
echo "$*" > "$FAKE_DIR/dockerd.args"
ls /proc/$$/fd > "$FAKE_DIR/dockerd.fds"
while [ $# -gt 0 ]; do [ "$1" = "--pidfile" ] && echo $$ > "$2"; shift; done
touch "$FAKE_DIR/up"
exec sleep 20
`;

describe('scripts/ensure-second-docker.sh', () => {
  const daemons: number[] = [];
  afterEach(() => {
    for (const pid of new Set(daemons.splice(0))) {
      try {
        process.kill(pid);
      } catch {}
    }
  });

  function machine() {
    const dir = mkdtempSync(join(tmpdir(), 'second-docker-'));
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    for (const [name, text] of [
      ['docker', FAKE_DOCKER],
      ['dockerd', FAKE_DOCKERD],
      ['id', '#!/bin/sh\necho 0\n'],
    ] as const) {
      writeFileSync(join(bin, name), text);
      chmodSync(join(bin, name), 0o755);
    }
    writeFileSync(join(dir, 'a-images'), 'flink-runbooks/flink:1.20.3\nflink-runbooks/zookeeper:3.8\n');
    const sock = join(dir, 'run/docker-b.sock');
    const env = {
      ...process.env,
      PATH: `${bin}:${process.env.PATH}`,
      FAKE_DIR: dir,
      FLINK_RUNBOOKS_DOCKER_B_SOCK: sock,
      FLINK_RUNBOOKS_DOCKER_B_ROOT: join(dir, 'data'),
      FLINK_RUNBOOKS_CACHE: join(dir, 'cache'),
    };
    const lock = join(dir, 'prepare.lock');
    /** Runs the script under a lock whose descriptor it inherits (flock without --close). */
    const run = (...images: string[]) =>
      spawnSync('flock', [lock, 'bash', SCRIPT, ...images], { env, encoding: 'utf8', timeout: 30_000 });
    const cleanup = () => {
      // The fake daemon wrote its own pid: end it even when the test failed before reading it.
      const pidFile = join(dir, 'run/docker-b/dockerd.pid');
      if (existsSync(pidFile)) daemons.push(Number(readFileSync(pidFile, 'utf8')));
      rmSync(dir, { recursive: true, force: true });
    };
    return { dir, sock, lock, run, cleanup };
  }

  it('starts dockerd with its own socket, roots and pid file and no bridge, keeping no inherited descriptor', () => {
    const m = machine();
    try {
      const result = m.run();
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toContain(`DOCKER_B_HOST=unix://${m.sock}`);
      const args = readFileSync(join(m.dir, 'dockerd.args'), 'utf8').trim().split(' ');
      const flag = (name: string) => args[args.indexOf(name) + 1];
      expect(flag('--host')).toBe(`unix://${m.sock}`);
      expect(flag('--data-root')).toBe(join(m.dir, 'data'));
      expect(flag('--exec-root')).toBe(join(m.dir, 'run/docker-b/exec'));
      expect(flag('--pidfile')).toBe(join(m.dir, 'run/docker-b/dockerd.pid'));
      expect(flag('--config-file')).toBe(join(m.dir, 'run/docker-b/daemon.json'));
      expect(args).toEqual(expect.arrayContaining(['--bridge=none', '--iptables=false']));
      // Only stdio, and 255, on which the fake's own bash reads its script.
      const fds = readFileSync(join(m.dir, 'dockerd.fds'), 'utf8').trim().split('\n').map(Number);
      expect(fds.filter((fd) => fd > 2 && fd !== 255)).toEqual([]);
      // The daemon still runs, and the lock the script ran under is free.
      expect(() => execFileSync('flock', ['--nonblock', m.lock, 'true'])).not.toThrow();
    } finally {
      m.cleanup();
    }
  });

  it('is a no-op when the second engine already answers, and copies only the images it lacks', () => {
    const m = machine();
    try {
      writeFileSync(join(m.dir, 'up'), '');
      writeFileSync(join(m.dir, 'b-images'), 'flink-runbooks/zookeeper:3.8\n');
      const result = m.run('flink-runbooks/flink:1.20.3', 'flink-runbooks/zookeeper:3.8');
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toContain('already running');
      expect(existsSync(join(m.dir, 'dockerd.args'))).toBe(false);
      expect(readFileSync(join(m.dir, 'b-loaded'), 'utf8')).toBe('archive of flink-runbooks/flink:1.20.3\n');
      expect(result.stdout).toContain('flink-runbooks/zookeeper:3.8 already there');
    } finally {
      m.cleanup();
    }
  });

  it('copies an image again when the second engine holds an older build under the same tag', () => {
    const m = machine();
    try {
      writeFileSync(join(m.dir, 'up'), '');
      writeFileSync(join(m.dir, 'b-images'), 'flink-runbooks/flink:1.20.3 id-of-an-older-build\n');
      const result = m.run('flink-runbooks/flink:1.20.3');
      expect(result.status, result.stderr).toBe(0);
      expect(readFileSync(join(m.dir, 'b-loaded'), 'utf8')).toBe('archive of flink-runbooks/flink:1.20.3\n');
    } finally {
      m.cleanup();
    }
  });

  it('fails naming an image that is on neither engine', () => {
    const m = machine();
    try {
      writeFileSync(join(m.dir, 'up'), '');
      const result = m.run('flink-runbooks/flink:9.9');
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('image flink-runbooks/flink:9.9 is on neither engine');
    } finally {
      m.cleanup();
    }
  });
});
