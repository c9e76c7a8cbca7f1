/**
 * `npm run sandbox -- prepare|up|down|status|logs [container]`
 * prepare: the Docker engine, the images and the sample job's jars (what `up` and deploy need).
 * up: prepare, then ZooKeeper -> JobManagers -> TaskManagers, each waited on.
 * status: the REST leader read from ZooKeeper, containers, JobManagers, TaskManagers, jobs.
 * down: removes the containers and the sandbox's data directories.
 */
import { probeJobManagers } from '../src/activities/cluster';
import { containerLogs } from '../src/docker/engine';
import { FlinkRestClient } from '../src/flink/client';
import { readLeaders } from '../src/zookeeper/leader';
import { loadSandbox, prepareSandbox, sandboxContainers, sandboxDown, sandboxUp } from './lib/sandbox';

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
    const timings = await sandboxUp(cluster);
    console.log(`sandbox up in ${((timings.total ?? 0) / 1000).toFixed(1)} s (after preparation)`);
    await printStatus();
    break;
  }
  case 'down': {
    const removed = await sandboxDown(cluster);
    console.log(
      removed.length > 0 ? `removed ${removed.join(', ')} and the sandbox data` : 'nothing to remove',
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
    console.error(`unknown command "${command}"; use prepare, up, down, status or logs [container]`);
    process.exit(2);
}

async function printStatus(): Promise<void> {
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
