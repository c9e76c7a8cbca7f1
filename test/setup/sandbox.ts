import type { TestProject } from 'vitest/node';
import { loadSandbox, prepareSandbox, sandboxDown, sandboxUp } from '../../scripts/lib/sandbox';
import { probeJobManagers } from '../../src/activities/cluster';

/**
 * Brings the sandbox up once for the run (a no-op when it already answers) and, when this run
 * created it, removes it afterwards unless SANDBOX_KEEP=1.
 */
export default async function setup(_project: TestProject) {
  const cluster = await loadSandbox();
  prepareSandbox();
  const probes = await probeJobManagers(cluster.jobManagers);
  const alreadyUp = probes.every((jm) => jm.state === 'up');
  // Always: when the sandbox already runs this is a quick check that its containers are this
  // checkout's (another checkout's containers mount other directories and are replaced).
  const timings = await sandboxUp(cluster, () => undefined);
  if (!alreadyUp) console.log(`sandbox up in ${((timings.total ?? 0) / 1000).toFixed(1)} s`);
  return async () => {
    if (!alreadyUp && process.env.SANDBOX_KEEP !== '1') await sandboxDown(cluster);
  };
}
