import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../scripts/lib/temporal-dev-server';
import { waitForZooKeeper } from '../../src/cluster/readiness';

/**
 * A real ZooKeeper server as a local Java process, without Docker: ZooKeeperServerMain from Flink's
 * shaded ZooKeeper jar in the local Maven repository (the sandbox's jobs are built with it), on a
 * free port of 127.0.0.1 with its data in `dir`.
 */
export interface LocalZooKeeper {
  quorum: string;
  pid: number;
  stop(): Promise<void>;
}

const SHADED = 'org/apache/flink/flink-shaded-zookeeper-3';

/** The newest jar under `root/<group path>/<version>/`, or undefined. */
function newestJar(root: string, groupPath: string, prefix: string): string | undefined {
  const dir = join(root, groupPath);
  if (!existsSync(dir)) return undefined;
  const versions = readdirSync(dir)
    .filter((v) => existsSync(join(dir, v, `${prefix}-${v}.jar`)))
    .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  const v = versions.at(-1);
  return v ? join(dir, v, `${prefix}-${v}.jar`) : undefined;
}

export async function startLocalZooKeeper(dir: string): Promise<LocalZooKeeper> {
  const m2 = join(homedir(), '.m2', 'repository');
  const zkJar = newestJar(m2, SHADED, 'flink-shaded-zookeeper-3');
  // The server's own dependencies: logging, and snappy, which its snapshot code loads.
  const slf4j = newestJar(m2, 'org/slf4j/slf4j-api', 'slf4j-api');
  const snappy = newestJar(m2, 'org/xerial/snappy/snappy-java', 'snappy-java');
  if (!zkJar || !slf4j || !snappy)
    throw new Error(
      `no ZooKeeper to run without Docker: ${join(m2, SHADED)}, slf4j-api or snappy-java is missing from the local Maven repository (build the sandbox's jobs once with Maven)`,
    );
  const port = await freePort();
  mkdirSync(join(dir, 'data'), { recursive: true });
  const config = join(dir, 'zoo.cfg');
  writeFileSync(
    config,
    [
      'tickTime=2000',
      `dataDir=${join(dir, 'data')}`,
      `clientPort=${port}`,
      'clientPortAddress=127.0.0.1',
      'maxClientCnxns=0',
      'admin.enableServer=false',
      '4lw.commands.whitelist=*',
      '',
    ].join('\n'),
  );
  const out = openSync(join(dir, 'zookeeper.log'), 'a');
  const child: ChildProcess = spawn(
    'java',
    [
      '-Xmx256m',
      '-cp',
      [zkJar, slf4j, snappy].join(':'),
      'org.apache.flink.shaded.zookeeper3.org.apache.zookeeper.server.ZooKeeperServerMain',
      config,
    ],
    { stdio: ['ignore', out, out] },
  );
  closeSync(out);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const quorum = `127.0.0.1:${port}`;
  try {
    await waitForZooKeeper(quorum);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`ZooKeeper did not start (log: ${join(dir, 'zookeeper.log')}): ${error}`);
  }
  return {
    quorum,
    pid: child.pid as number,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
