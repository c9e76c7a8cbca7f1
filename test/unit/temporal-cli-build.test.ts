import { execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * The first `npm run demo` on a machine builds the Temporal CLI (scripts/ensure-temporal.sh, run
 * by the demo in the foreground before it starts the server). The build takes minutes: the script
 * must print progress while it runs and return only when the build has ended, whatever it takes.
 * A fake `go` (named as such) stands in for the real build, which takes minutes.
 */
const script = fileURLToPath(new URL('../../scripts/ensure-temporal.sh', import.meta.url));
const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** A machine with no temporal on PATH, an empty cache and a fake `go` whose build takes `seconds`. */
function freshMachine(seconds: number, fails = false) {
  const root = mkdtempSync(join(tmpdir(), 'temporal-cli-build-'));
  folders.push(root);
  const bin = join(root, 'fake-bin');
  mkdirSync(bin);
  const goPid = join(root, 'go.pid');
  writeFileSync(
    join(bin, 'go'),
    [
      '#!/bin/bash',
      `echo $$ > ${goPid}`,
      `sleep ${seconds}`,
      fails ? 'echo "fake go: build failed" >&2; exit 1' : '',
      'printf "#!/bin/sh\\necho fake temporal\\n" > "$GOBIN/temporal"; chmod +x "$GOBIN/temporal"',
    ].join('\n'),
  );
  chmodSync(join(bin, 'go'), 0o755);
  const env = {
    PATH: `${bin}:/usr/bin:/bin`,
    HOME: root,
    FLINK_RUNBOOKS_CACHE: join(root, 'cache'),
    TEMPORAL_CLI_PROGRESS_SECONDS: '1',
  };
  return { env, goPid, binary: join(root, 'cache', 'bin', 'temporal') };
}

function ensure(env: NodeJS.ProcessEnv) {
  const started = Date.now();
  return new Promise<{ code: number; stdout: string; stderr: string; seconds: number }>((done) => {
    execFile('bash', [script], { env, timeout: 30_000 }, (error, stdout, stderr) =>
      done({
        code: error ? Number((error as { code?: number }).code ?? 1) : 0,
        stdout,
        stderr,
        seconds: (Date.now() - started) / 1000,
      }),
    );
  });
}

describe('building the Temporal CLI on a fresh machine', () => {
  it('waits for a build however long it takes, with progress lines, and prints the built binary', async () => {
    const machine = freshMachine(4);
    const run = await ensure(machine.env);
    expect(run.code).toBe(0);
    expect(run.seconds).toBeGreaterThanOrEqual(4);
    expect(run.stdout.trim()).toBe(machine.binary);
    expect(existsSync(machine.binary)).toBe(true);
    expect(run.stderr).toMatch(/^building the Temporal CLI v1\.5\.1/m);
    expect(
      run.stderr.match(/still building the Temporal CLI \(\d+ s so far\)/g)?.length,
    ).toBeGreaterThanOrEqual(2);
    expect(run.stderr).toMatch(/built the Temporal CLI in \d+ s/);

    // Built once: the next run takes the cached binary and builds nothing.
    rmSync(machine.goPid);
    const again = await ensure(machine.env);
    expect(again).toMatchObject({ code: 0, stdout: `${machine.binary}\n`, stderr: '' });
    expect(existsSync(machine.goPid)).toBe(false);
  }, 30_000);

  it('fails, saying so, when the build fails, and caches nothing', async () => {
    const machine = freshMachine(1, true);
    const run = await ensure(machine.env);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/building the Temporal CLI failed after \d+ s/);
    expect(existsSync(machine.binary)).toBe(false);
  }, 30_000);

  it('an interrupted script leaves no build running behind it', async () => {
    const machine = freshMachine(20);
    const child = spawn('bash', [script], { env: machine.env, stdio: 'ignore' });
    while (!existsSync(machine.goPid)) await new Promise((r) => setTimeout(r, 100));
    const goPid = Number(readFileSync(machine.goPid, 'utf8'));
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    const alive = () => {
      try {
        process.kill(goPid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const deadline = Date.now() + 5_000;
    while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(alive()).toBe(false);
  }, 30_000);

  it('the demo builds it in the foreground, before it starts the server and its 60 s wait', () => {
    const demo = readFileSync(fileURLToPath(new URL('../../scripts/demo.sh', import.meta.url)), 'utf8');
    const lines = demo.split('\n').map((l) => l.trim());
    const build = lines.findIndex((l) => /^bash scripts\/ensure-temporal\.sh( >\/dev\/null)?$/.test(l));
    const server = lines.findIndex((l) => l.includes('tsx scripts/temporal.ts') && l.endsWith('&'));
    const wait = lines.findIndex((l) => /for _ in \$\(seq 1 \d+\); do answers 7233/.test(l));
    expect(build).toBeGreaterThan(-1);
    expect(server).toBeGreaterThan(build);
    expect(wait).toBeGreaterThan(server);
  });
});
