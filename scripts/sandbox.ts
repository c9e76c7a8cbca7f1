/**
 * `npm run sandbox -- prepare|up|down|status|logs [container]`
 * prepare: the Docker engine, the images and the jobs' jars (what `up` and deploy need).
 * up: prepare, then the CDC source database (PostgreSQL and its fault proxy), then ZooKeeper ->
 *     JobManagers -> TaskManagers of the cluster (SANDBOX_CLUSTER, default realtime-pipeline;
 *     cdc-pipeline for the CDC job's), each waited on.
 * database: only the CDC source database and its fault proxy.
 * capture [RATE] [SECONDS]: the seeds' capture step (UPDATE of the 18 rows, commit) RATE times a
 *     second (default 1) for SECONDS (default 60), for the CDC job to deliver.
 * status: the database and its replication slot, the REST leader read from ZooKeeper,
 *     containers, JobManagers, TaskManagers, jobs.
 * down: removes every cluster of the sandbox file, the database, and the sandbox's data.
 */
import { probeJobManagers } from '../src/activities/cluster';
import { containerLogs } from '../src/docker/engine';
import { FlinkRestClient } from '../src/flink/client';
import { readLeaders } from '../src/zookeeper/leader';
import { type DatabaseStatus, databaseDown, databaseStatus, databaseUp } from './lib/cdc-database';
import { startWorkload } from './lib/cdc-workload';
import {
  loadSandbox,
  loadSandboxClusters,
  prepareSandbox,
  sandboxContainers,
  sandboxDown,
  sandboxUp,
} from './lib/sandbox';

const [command = 'status', ...rest] = process.argv.slice(2);
const cluster = await loadSandbox();

switch (command) {
  case 'prepare':
    prepareSandbox();
    break;
  case 'up': {
    const t0 = Date.now();
    prepareSandbox();
    const prepared = Date.now() - t0;
    console.log(
      `prepared engine, images and jars in ${(prepared / 1000).toFixed(1)} s; starting ${cluster.name}`,
    );
    await databaseUp();
    const timings = await sandboxUp(cluster);
    console.log(`sandbox up in ${((timings.total ?? 0) / 1000).toFixed(1)} s (after preparation)`);
    await printStatus();
    break;
  }
  case 'down': {
    const removed: string[] = [];
    for (const each of await loadSandboxClusters()) removed.push(...(await sandboxDown(each)));
    databaseDown();
    console.log(
      removed.length > 0 ? `removed ${removed.join(', ')} and the sandbox data` : 'nothing to remove',
    );
    break;
  }
  case 'database':
    await databaseUp();
    console.log(formatDatabase(await databaseStatus()).join('\n'));
    break;
  case 'capture': {
    const [rate = '1', seconds = '60'] = rest;
    if (!(Number(rate) > 0 && Number(seconds) > 0)) {
      console.error('usage: capture [TRANSACTIONS_PER_SECOND] [SECONDS]');
      process.exit(2);
    }
    const workload = startWorkload({ rate: Number(rate), maxDurationMs: Number(seconds) * 1000 });
    await new Promise((resolve) => setTimeout(resolve, Number(seconds) * 1000));
    const stats = await workload.stop();
    console.log(
      `committed ${stats.committed} capture steps (${stats.committed * 18} changes), ${stats.failed} failed`,
    );
    break;
  }
  case 'status':
    await printStatus();
    break;
  case 'logs': {
    const names =
      rest.length > 0 ? rest : (await sandboxContainers(cluster)).filter((c) => c.exists).map((c) => c.name);
    for (const name of names) {
      console.log(`===== ${name} =====`);
      console.log(await containerLogs(name, 50));
    }
    break;
  }
  default:
    console.error(
      `unknown command "${command}"; use prepare, up, database, capture [rate] [seconds], down, status or logs [container]`,
    );
    process.exit(2);
}

function formatDatabase(db: DatabaseStatus): string[] {
  const lines = [
    `database finance: ${db.server}${db.walLevel ? `, wal_level ${db.walLevel}` : ''}; proxy ${db.proxy}`,
  ];
  if (db.slot)
    lines.push(
      `  slot flink_cdc: ${db.slot.active ? `active (pid ${db.slot.activePid})` : 'inactive'}, confirmed_flush_lsn ${db.slot.confirmedFlushLsn ?? '-'}, lag ${db.slot.lagBytes ?? '-'} bytes`,
    );
  for (const sender of db.replication)
    lines.push(
      `  walsender pid ${sender.pid} ${sender.state}: sent ${sender.sentLsn}, flushed ${sender.flushLsn}, reply_time ${sender.replyTime ?? '-'}`,
    );
  return lines;
}

async function printStatus(): Promise<void> {
  console.log(formatDatabase(await databaseStatus()).join('\n'));
  const containers = await sandboxContainers(cluster);
  console.log(`cluster ${cluster.name}`);
  for (const c of containers)
    console.log(`  container ${c.name.padEnd(34)} ${c.exists ? c.status : 'absent'}`);

  const leaders = await readLeaders(cluster.zookeeper).catch((error: Error) => error);
  if (leaders instanceof Error) console.log(`  leader: unknown (${leaders.message})`);
  else
    console.log(
      `  leader (ZooKeeper): ${leaders.restServer?.address ?? 'none'} session ${leaders.restServer?.sessionId ?? '-'}`,
    );

  const probes = await probeJobManagers(cluster.jobManagers, cluster.rest);
  for (const jm of probes) {
    const detail =
      jm.state === 'up' ? `Flink ${jm.flinkVersion}, ${jm.taskManagers} TaskManagers` : (jm.error ?? '');
    console.log(`  ${jm.role.padEnd(8)} ${jm.url} ${jm.state} ${detail}`);
  }
  const answering = probes.find((jm) => jm.state === 'up');
  if (answering) {
    const jobs = await new FlinkRestClient(answering.url, undefined, cluster.rest).jobsOverview();
    if (jobs.length === 0) console.log('  jobs: none');
    for (const job of jobs) console.log(`  job ${job.jid} ${job.name} ${job.state}`);
  }
}
