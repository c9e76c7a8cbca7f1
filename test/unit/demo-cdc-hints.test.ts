import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CDC_TRY_NEXT, cdcHintText } from '../../scripts/demo-hints';

/**
 * What `npm run demo -- --cdc` prints after the CDC pipeline is up works as printed in a new shell
 * inside the checkout: the CLI command runs for real with no FLINK_RUNBOOKS_CLUSTERS and Temporal
 * at a closed port (exit 3: parsed, cluster found); the sandbox one drives PostgreSQL, so it is
 * checked against the script it calls.
 */
const repo = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const commands = CDC_TRY_NEXT.map((h) => h.command);

function closedPort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

describe('the CDC demo hints', () => {
  it('are printed by scripts/demo.sh --cdc from this list', () => {
    const demo = readFileSync(join(repo, 'scripts/demo.sh'), 'utf8');
    const cdcBranch = demo.slice(demo.indexOf('if [ "${1:-}" = "--cdc" ]'));
    expect(cdcBranch.slice(0, cdcBranch.indexOf('\nfi'))).toContain('tsx scripts/demo-hints.ts --cdc');
    for (const command of commands) expect(cdcHintText()).toContain(command);
  });

  it('name a cluster of the sandbox file the demo deploys', () => {
    const spec = parse(readFileSync(join(repo, 'sandbox/clusters.yaml'), 'utf8'));
    expect(Object.keys(spec.clusters)).toContain('cdc-pipeline');
    expect(readFileSync(join(repo, 'scripts/demo.sh'), 'utf8')).toContain('deploy --cluster cdc-pipeline');
  });

  it('call a sandbox command that exists', () => {
    const capture = commands.find((c) => c.startsWith('npm run sandbox -- '));
    expect(capture).toMatch(/^npm run sandbox -- capture \d+ \d+$/);
    const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
    expect(pkg.scripts.sandbox).toContain('scripts/sandbox.ts');
    expect(readFileSync(join(repo, 'scripts/sandbox.ts'), 'utf8')).toContain("case 'capture':");
  });

  it.concurrent.each(commands.filter((c) => c.startsWith('npx flink-runbooks ')))(
    '%s: parses, finds the cluster with no setting, and stops only at Temporal',
    async (command) => {
      const env: NodeJS.ProcessEnv = { ...process.env, TEMPORAL_ADDRESS: `127.0.0.1:${await closedPort()}` };
      delete env.FLINK_RUNBOOKS_CLUSTERS;
      delete env.NODE_OPTIONS;
      const { code, stderr } = await new Promise<{ code: number; stderr: string }>((done) => {
        execFile('bash', ['-c', command], { cwd: repo, env, timeout: 60_000 }, (error, _stdout, stderr) =>
          done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stderr }),
        );
      });
      expect(stderr).toContain(`clusters file: ${join(repo, 'sandbox/clusters.yaml')}`);
      expect(stderr).not.toMatch(/unknown|usage:/i);
      expect(code).toBe(3);
    },
    60_000,
  );
});
