import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * sandbox/images/flink-entrypoint.sh without Docker: FLINK_HOME points at a distribution laid out
 * like the image's /opt/flink. Flink's own scripts are stand-ins here (they record what they were
 * given), except in the last block, which runs the real distributions when
 * sandbox/images/fetch-flink.sh has cached them.
 */
const ENTRYPOINT = fileURLToPath(new URL('../../sandbox/images/flink-entrypoint.sh', import.meta.url));
const DEFAULT_CONFIG = 'parallelism:\n  default: 1\n';

interface Layout {
  version: string;
  legacyConf?: boolean;
  /** What the stand-in config-parser-utils.sh does with its arguments. */
  merge?: 'write' | 'error-report';
}

/** A distribution whose bin/ scripts record their arguments; config-parser-utils writes them as `key: value`. */
function distribution({ version, legacyConf = false, merge = 'write' }: Layout): string {
  const home = mkdtempSync(join(tmpdir(), `flink-${version}-`));
  for (const dir of ['bin', 'lib', 'conf']) mkdirSync(join(home, dir));
  writeFileSync(join(home, 'lib', `flink-dist-${version}.jar`), '');
  writeFileSync(join(home, 'conf', 'config.yaml'), DEFAULT_CONFIG);
  if (legacyConf) writeFileSync(join(home, 'conf', 'flink-conf.yaml'), 'parallelism.default: 1\n');
  const script = (name: string, body: string) => {
    writeFileSync(join(home, 'bin', name), `#!/bin/bash\n${body}\n`);
    chmodSync(join(home, 'bin', name), 0o755);
  };
  script(
    'config-parser-utils.sh',
    merge === 'write'
      ? `printf '%s\\n' "$@" >>"${home}/merge-args"
out="$1/config.yaml"; shift 3
while [ $# -gt 0 ]; do [ "$1" = -D ] && { shift; printf '%s: %s\\n' "\${1%%=*}" "\${1#*=}" >>"$out"; }; shift; done`
      : `printf '[ERROR] Could not parse configurations properly.\\n' >"$1/config.yaml"`,
  );
  for (const role of ['jobmanager', 'taskmanager', 'standalone-job'])
    script(`${role}.sh`, `printf '%s\\n' "${role}" "$@" >"${home}/started"`);
  return home;
}

function start(home: string, properties: string, role = 'jobmanager') {
  const run = spawnSync('bash', [ENTRYPOINT, role], {
    env: { PATH: process.env.PATH, FLINK_HOME: home, FLINK_PROPERTIES: properties },
    encoding: 'utf8',
  });
  const read = (file: string) =>
    existsSync(join(home, file)) ? readFileSync(join(home, file), 'utf8') : undefined;
  return {
    status: run.status,
    stderr: run.stderr,
    config: read('conf/config.yaml'),
    legacy: read('conf/flink-conf.yaml'),
    mergeArgs: read('merge-args'),
    started: read('started')?.trim().split('\n'),
  };
}

const PROPERTIES = [
  'high-availability.type: zookeeper',
  '# a comment line is skipped',
  'rest.port: 8081',
  'env.java.opts.all: -Dfoo=bar -Dbaz=qux',
].join('\n');

describe('flink-entrypoint.sh: where FLINK_PROPERTIES go, by the Flink in the image', () => {
  it('2.x: merged into conf/config.yaml by config-parser-utils.sh, then the role starts in the foreground', () => {
    const run = start(distribution({ version: '2.3.0' }), PROPERTIES);
    expect(run.status).toBe(0);
    expect(run.config).toBe(
      `${DEFAULT_CONFIG}high-availability.type: zookeeper\nrest.port: 8081\nenv.java.opts.all: -Dfoo=bar -Dbaz=qux\n`,
    );
    expect(run.started).toEqual(['jobmanager', 'start-foreground']);
  });

  it('2.x: a flink-conf.yaml left in the image is named as ignored and left alone', () => {
    const run = start(distribution({ version: '2.3.0', legacyConf: true }), PROPERTIES, 'taskmanager');
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(/Flink 2\.3\.0 ignores conf\/flink-conf\.yaml/);
    expect(run.legacy).toBe('parallelism.default: 1\n');
    expect(run.config).toContain('rest.port: 8081');
    expect(run.started).toEqual(['taskmanager', 'start-foreground']);
  });

  it('1.x with a flink-conf.yaml (the file 1.x reads first): the lines are appended to it', () => {
    const run = start(distribution({ version: '1.18.1', legacyConf: true }), PROPERTIES);
    expect(run.status).toBe(0);
    expect(run.legacy).toBe(`parallelism.default: 1\n\n${PROPERTIES}\n`);
    expect(run.config).toBe(DEFAULT_CONFIG);
    expect(run.mergeArgs).toBeUndefined();
  });

  it('1.20 without a flink-conf.yaml (as fetch-flink.sh assembles it): merged into config.yaml', () => {
    const run = start(distribution({ version: '1.20.3' }), PROPERTIES);
    expect(run.status).toBe(0);
    expect(run.config).toContain('high-availability.type: zookeeper\n');
    expect(run.legacy).toBeUndefined();
  });

  it("hands Flink's unquoting script no blanks or glob characters, and puts them back in the merged file", () => {
    const home = distribution({ version: '2.3.0' });
    const run = start(home, 'env.java.opts.all: -Da=b -Dc=d\nmetrics.scope.jm: *.[jm]?');
    const args = run.mergeArgs?.split('\n') ?? [];
    expect(args.filter((a) => a.startsWith('env.java') || a.startsWith('metrics'))).toEqual([
      'env.java.opts.all=-Da=b@@FRB_SPACE@@-Dc=d',
      'metrics.scope.jm=@@FRB_STAR@@.@@FRB_BRACKET@@jm]@@FRB_QMARK@@',
    ]);
    expect(run.config).toContain('env.java.opts.all: -Da=b -Dc=d\nmetrics.scope.jm: *.[jm]?\n');
  });

  it('refuses to start on an error report written over config.yaml, and keeps the configuration as it was', () => {
    const run = start(distribution({ version: '2.3.0', merge: 'error-report' }), PROPERTIES);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/could not be merged into conf\/config\.yaml/);
    expect(run.config).toBe(DEFAULT_CONFIG);
    expect(run.started).toBeUndefined();
  });

  it('without FLINK_PROPERTIES the configuration is untouched', () => {
    const run = start(distribution({ version: '2.3.0' }), '');
    expect(run.status).toBe(0);
    expect(run.config).toBe(DEFAULT_CONFIG);
    expect(run.mergeArgs).toBeUndefined();
  });
});

// The real bin/ and lib/ of the distributions fetch-flink.sh assembles (Java required); only the
// role's start script is a stand-in.
const cache = join(process.env.FLINK_RUNBOOKS_CACHE ?? join(homedir(), '.cache', 'flink-runbooks'), 'flink');
const java = spawnSync('java', ['-version']).status === 0;

describe.each(['1.20.3', '2.3.0'])('flink-entrypoint.sh on the real Flink %s distribution', (version) => {
  const dist = join(cache, `flink-${version}`);
  it.skipIf(!existsSync(join(dist, '.complete')) || !java)(
    'writes nested standard YAML, each setting whole, blanks inside a value kept',
    { timeout: 60_000 },
    () => {
      const home = mkdtempSync(join(tmpdir(), `flink-real-${version}-`));
      for (const dir of ['bin', 'lib', 'conf']) mkdirSync(join(home, dir));
      for (const dir of ['bin', 'lib'])
        for (const file of readdirSync(join(dist, dir)))
          if (file !== 'jobmanager.sh') symlinkSync(join(dist, dir, file), join(home, dir, file));
      writeFileSync(join(home, 'bin', 'jobmanager.sh'), `#!/bin/bash\necho started >"${home}/started"\n`);
      chmodSync(join(home, 'bin', 'jobmanager.sh'), 0o755);
      writeFileSync(join(home, 'conf', 'config.yaml'), readFileSync(join(dist, 'conf', 'config.yaml')));
      const run = start(home, `${PROPERTIES}\nhigh-availability.zookeeper.path.root: /flink`);
      expect(run.status, run.stderr).toBe(0);
      expect(run.config).toMatch(/^high-availability:\n {2}type: zookeeper\n/m);
      expect(run.config).toMatch(/^ {4}opts:\n(?: {6}.*\n)* {6}all: -Dfoo=bar -Dbaz=qux\n/m);
      expect(run.config).toMatch(/^ {2}zookeeper:\n {4}path:\n {6}root: \/flink\n/m);
      expect(run.config).not.toMatch(/^baz:/m);
      expect(run.config).not.toMatch(/FRB_/);
      expect(run.started).toEqual(['started']);
    },
  );
});
