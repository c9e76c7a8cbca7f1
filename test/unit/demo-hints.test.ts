import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { demoReadyText, hintCommands } from '../../scripts/demo-hints';

/**
 * The commands `npm run demo` prints under "Try next" work as printed in a new shell inside the
 * checkout. The CLI ones run for real (bash, npx, the checkout's bin) with no FLINK_RUNBOOKS_CLUSTERS
 * and Temporal pointed at a closed port: exit code 3 (Temporal unreachable) means the command and
 * its flags parsed and the cluster was found in the clusters file the CLI looked up by itself.
 * The others change the live sandbox, so they are checked against what they act on.
 */
const repo = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const commands = hintCommands(repo);

function closedPort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

function runInNewShell(command: string, env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number; stderr: string }>((done) => {
    execFile('bash', ['-c', command], { cwd: repo, env, timeout: 60_000 }, (error, _stdout, stderr) =>
      done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stderr }),
    );
  });
}

describe('the demo\'s "Try next" hints', () => {
  it('are the ones scripts/demo.sh prints', () => {
    expect(readFileSync(join(repo, 'scripts/demo.sh'), 'utf8')).toContain('tsx scripts/demo-hints.ts');
    const text = demoReadyText(repo);
    for (const command of commands) expect(text).toContain(command);
    expect(text).not.toContain('{checkout}');
  });

  const cli = commands.filter((c) => c.startsWith('npx flink-runbooks '));

  it('include CLI commands', () => {
    expect(cli.length).toBeGreaterThanOrEqual(4);
  });

  it.concurrent.each(cli)(
    '%s: parses, finds the sandbox cluster with no setting, and stops only at Temporal',
    async (command) => {
      const env: NodeJS.ProcessEnv = { ...process.env, TEMPORAL_ADDRESS: `127.0.0.1:${await closedPort()}` };
      delete env.FLINK_RUNBOOKS_CLUSTERS;
      delete env.NODE_OPTIONS;
      const { code, stderr } = await runInNewShell(command, env);
      expect(stderr).toContain(`clusters file: ${join(repo, 'sandbox/clusters.yaml')}`);
      expect(stderr).not.toMatch(/unknown|usage:/i);
      expect(code).toBe(3);
    },
    60_000,
  );

  it('write the fault switch where the sandbox job reads it', () => {
    const faults = commands.filter((c) => c.startsWith('echo '));
    expect(faults.length).toBeGreaterThan(0);
    const spec = parse(readFileSync(join(repo, 'sandbox/clusters.yaml'), 'utf8'));
    const job = spec.clusters['realtime-pipeline'].jobs.find(
      (j: { name: string }) => j.name === 'sample-pipeline',
    );
    const controlDir = resolve(
      join(repo, 'sandbox'),
      String(job.probe.controlDir).replace('${FLINK_RUNBOOKS_DATA:-../.data}', '../.data'),
    );
    for (const command of faults) {
      const [, value, target] = /^echo (\S+) > (\S+)$/.exec(command) ?? [];
      expect(['stall', 'none']).toContain(value);
      expect(dirname(resolve(repo, target as string))).toBe(controlDir);
    }
  });

  it('stop the demo with a script that exists', () => {
    expect(commands).toContain('npm run demo -- down');
    const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
    expect(pkg.scripts.demo).toBe('bash scripts/demo.sh');
    expect(readFileSync(join(repo, 'scripts/demo.sh'), 'utf8')).toContain('"${1:-}" = "down"');
  });
});
