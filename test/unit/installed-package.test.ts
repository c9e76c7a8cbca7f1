import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../scripts/build';
import { confineReportDir, reportRoots } from '../../src/trust/report-dir';

/**
 * The package as `npm install --omit=dev` lays it out (bin/ and dist/, no src/, no sandbox/), run
 * with plain `node`: the CLI through its bin file and the worker the systemd unit starts. It sits
 * inside the checkout so that the compiled code finds node_modules, as it does in an installation.
 * No Temporal here: the worker is pointed at a closed port and must get as far as connecting.
 */
const repo = fileURLToPath(new URL('../..', import.meta.url));
const pkg = join(repo, '.data', `installed-test-${randomUUID()}`);
const elsewhere = mkdtempSync(join(tmpdir(), 'installed-cwd-'));
/** Nothing from the test runner's loaders reaches the child. */
const plainEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_OPTIONS: '' };

beforeAll(() => {
  // Type errors are npm run typecheck's to report; this is about what the emitted code does.
  expect(build(join(repo, 'tsconfig.build.json'), { outDir: join(pkg, 'dist'), typecheck: false })).toBe('');
  cpSync(join(repo, 'bin'), join(pkg, 'bin'), { recursive: true });
}, 120_000);
afterAll(() => {
  rmSync(pkg, { recursive: true, force: true });
  rmSync(elsewhere, { recursive: true, force: true });
});

function node(args: string[], env: NodeJS.ProcessEnv = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    execFile(
      process.execPath,
      args,
      { cwd: elsewhere, env: { ...plainEnv, ...env }, timeout: 60_000 },
      (error, stdout, stderr) =>
        done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('the installed package, run with plain node', () => {
  it('ships bin/, dist/ and the examples, not the sources or the sandbox', () => {
    const manifest = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
    expect(manifest.bin).toEqual({ 'flink-runbooks': 'bin/flink-runbooks.js' });
    expect(manifest.files).toEqual(expect.arrayContaining(['bin/', 'dist/', 'examples/']));
    expect(manifest.files.filter((f: string) => /^(src|sandbox|scripts|test)\b/.test(f))).toEqual([]);
    expect(Object.keys(manifest.dependencies)).not.toContain('tsx');
  });

  it('the CLI answers --help through its bin file', async () => {
    const { code, stdout } = await node([join(pkg, 'bin/flink-runbooks.js'), '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^usage: flink-runbooks <command>/);
  });

  it("the CLI takes ./clusters.yaml, never a checkout's sandbox file", async () => {
    const { code, stderr } = await node([
      join(pkg, 'bin/flink-runbooks.js'),
      'monitor',
      'status',
      '--cluster',
      'realtime-pipeline',
    ]);
    expect(code).toBe(2);
    expect(stderr).toContain(join(elsewhere, 'clusters.yaml'));
    expect(stderr).not.toContain('sandbox');
  });

  it('the worker the systemd unit starts loads every module and gets as far as connecting to Temporal', async () => {
    const unit = readFileSync(join(repo, 'examples/flink-runbooks-worker.service'), 'utf8');
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/node \S+\/node_modules\/flink-runbooks\/dist\/worker\.js$/m);
    const { code, stderr } = await node([join(pkg, 'dist/worker.js')], {
      TEMPORAL_ADDRESS: '127.0.0.1:1',
      FLINK_RUNBOOKS_METRICS: 'off',
    });
    expect(stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|ERR_UNKNOWN_FILE_EXTENSION|Cannot find/);
    expect(stderr).toMatch(/tcp connect error|ConnectionRefused/);
    expect(code).not.toBe(0);
  });

  it("the systemd unit lets a drill write its reports to the service's state folder, as the README says", () => {
    const unit = readFileSync(join(repo, 'examples/flink-runbooks-worker.service'), 'utf8');
    const state = /^StateDirectory=(\S+)$/m.exec(unit)?.[1];
    const env = Object.fromEntries(
      [...unit.matchAll(/^Environment=(\w+)=(.*)$/gm)].map((m) => [m[1] as string, m[2] as string]),
    );
    const reports = `/var/lib/${state}/reports`;
    expect(env.FLINK_RUNBOOKS_REPORT_ROOTS).toBe(reports);
    const installed = '/opt/flink-runbooks/node_modules/flink-runbooks';
    expect(confineReportDir(reports, reportRoots(env, installed), installed)).toBe(reports);
    expect(readFileSync(join(repo, 'README.md'), 'utf8')).toContain(`--report-dir ${reports}\``);
  });
});
