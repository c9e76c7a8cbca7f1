import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Every CLI command validates the clusters file before it contacts Temporal: with a malformed
 * file, a command exits 2 naming the field, and the "Temporal" it was pointed at (a listener on
 * 127.0.0.1 counting connections) is never contacted.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
let dir: string;
let temporal: Server;
let port = 0;
let connections = 0;

const MALFORMED = `clusters:
  rp:
    zookeeper: {quorum: "127.0.0.1:2181", clusterId: /rp}
    ha: {storageDir: "file:///opt/flink/ha"}
    jobManagers:
      - {role: primary, url: "http://127.0.0.1:8081", container: jm-1}
      - {role: standby, url: "http://localhost:8081", container: jm-2}
    taskManagers: {containers: [{container: tm-1}]}
    jobs: [{name: job, jar: /j.jar, entryClass: a.B, savepointDir: "file:///s", checkpointDir: "file:///c"}]
`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cli-validate-'));
  writeFileSync(join(dir, 'clusters.yaml'), MALFORMED);
  temporal = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => temporal.listen(0, '127.0.0.1', resolve));
  port = (temporal.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => temporal.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

function cli(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...args],
      {
        cwd: root,
        timeout: 30_000,
        env: {
          ...process.env,
          FLINK_RUNBOOKS_CLUSTERS: join(dir, 'clusters.yaml'),
          TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
        },
      },
      (error, _stdout, stderr) => resolve({ code: error ? Number(error.code ?? -1) : 0, stderr }),
    );
  });
}

describe('the CLI with a malformed clusters file', () => {
  it.each([
    [['cluster', 'status', '--cluster', 'rp']],
    [['monitor', 'status', '--cluster', 'rp']],
    [['deploy', '--cluster', 'rp', '--dry-run']],
    [['schedule', 'list']],
  ])(
    '%j exits 2 naming the field and never contacts Temporal',
    async (args) => {
      const before = connections;
      const { code, stderr } = await cli(args);
      expect(stderr).toContain('clusters.rp.jobManagers[1].url: duplicate JobManager URL');
      expect(code).toBe(2);
      expect(connections - before).toBe(0);
    },
    40_000,
  );
});
