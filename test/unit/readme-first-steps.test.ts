import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * README "What to do first with your own cluster": every command it names exists. The CLI ones
 * run for real from a folder holding a copy of examples/clusters.yaml as ./clusters.yaml (step 2),
 * with Temporal pointed at a closed port: exit code 3 means the command and its flags parsed and
 * the cluster was found in ./clusters.yaml, which the CLI took by itself.
 */
const repo = fileURLToPath(new URL('../..', import.meta.url));
const readme = readFileSync(join(repo, 'README.md'), 'utf8');
const heading = '## What to do first with your own cluster';
const section = readme.slice(readme.indexOf(heading), readme.indexOf('\n## ', readme.indexOf(heading) + 1));
const spans = [...section.matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
/** The cluster examples/clusters.yaml describes, for the README's NAME. */
const NAME = 'realtime-pipeline';

const folder = mkdtempSync(join(tmpdir(), 'first-steps-'));
copyFileSync(join(repo, 'examples/clusters.yaml'), join(folder, 'clusters.yaml'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function closedPort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/** The command as a shell in that folder runs it, with no secrets and no clusters setting. */
async function run(command: string) {
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TEMPORAL_ADDRESS: `127.0.0.1:${await closedPort()}`,
  };
  const args = command
    .replace(/^npx flink-runbooks /, '')
    .replaceAll('NAME', NAME)
    .split(' ');
  return new Promise<{ code: number; output: string }>((done) => {
    execFile(
      process.execPath,
      [join(repo, 'bin/flink-runbooks.js'), ...args],
      { cwd: folder, env, timeout: 60_000 },
      (error, stdout, stderr) =>
        done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, output: stdout + stderr }),
    );
  });
}

describe('README: what to do first with your own cluster', () => {
  it('has five steps', () => {
    expect(section.match(/^\d\. \*\*/gm)).toHaveLength(5);
  });

  it('names npm scripts that exist and files that are there', () => {
    const scripts = spans.flatMap((s) => [...s.matchAll(/npm run (\S+)/g)].map((m) => m[1] as string));
    expect(scripts).toEqual(expect.arrayContaining(['demo', 'temporal', 'worker']));
    for (const name of scripts) expect(Object.keys(pkg.scripts)).toContain(name);
    expect(spans).toContain('cp examples/clusters.yaml clusters.yaml');
    for (const file of ['examples/clusters.yaml', 'docs/configuration.md']) {
      expect(existsSync(join(repo, file))).toBe(true);
    }
  });

  it('points curl at the address the worker serves /healthz on by default', () => {
    const curl = spans.find((s) => s.startsWith('curl '));
    expect(curl).toBe('curl http://127.0.0.1:9464/healthz');
    expect(readFileSync(join(repo, 'src/temporal/runtime.ts'), 'utf8')).toContain(
      "env.FLINK_RUNBOOKS_METRICS ?? '127.0.0.1:9464'",
    );
  });

  const cli = spans.filter((s) => s.startsWith('npx flink-runbooks '));

  it('names the CLI commands of each look and change', () => {
    expect(cli.map((c) => c.split(' --')[0])).toEqual(
      expect.arrayContaining([
        'npx flink-runbooks cluster status',
        'npx flink-runbooks deploy',
        'npx flink-runbooks monitor start',
        'npx flink-runbooks monitor status',
      ]),
    );
  });

  it.concurrent.each(cli)(
    '%s: parses and finds the cluster in ./clusters.yaml',
    async (command) => {
      const { code, output } = await run(command);
      expect(output).not.toMatch(/usage:|unknown|cannot be read|sandbox/i);
      if (command.includes(' alert test ')) {
        // Sent from the CLI itself, no Temporal needed; the secrets it names are not set here.
        expect(output).toContain('0 sent');
        expect(code).toBe(1);
      } else {
        expect(output).toMatch(/Temporal at 127\.0\.0\.1:\d+ cannot be reached/);
        expect(code).toBe(3);
      }
    },
    60_000,
  );
});
