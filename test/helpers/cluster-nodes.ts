import { sandboxUp } from '../../scripts/lib/sandbox';
import type { NamedCluster } from '../../src/config/schema';
import { planContainers } from '../../src/docker/container-plan';
import { containerLogs, inspectContainer } from '../../src/docker/engine';

/** A node a test found stopped, and how it had ended. */
export interface DownNode {
  container: string;
  exitCode?: number;
  oomKilled?: boolean;
  finishedAt?: string;
  /** The last error lines of its log: why a JobManager gave up, when it did. */
  lastErrors: string[];
}

/**
 * Test set-up only: notes how each container of the cluster that is not running had ended, then
 * brings the cluster up again (`sandboxUp`: starts what is stopped, waits on each role). Returns
 * (and logs) what it found down, so a node lost in one test is named where it happened instead of
 * failing the next test with a refusal.
 */
export async function everyNodeRunning(cluster: NamedCluster, context: string): Promise<DownNode[]> {
  const down: DownNode[] = [];
  for (const c of planContainers(cluster)) {
    const state = await inspectContainer(c.name);
    if (state.running) continue;
    const log = state.exists ? await containerLogs(c.name, 400).catch(() => '') : '';
    down.push({
      container: c.name,
      exitCode: state.exitCode,
      oomKilled: state.oomKilled,
      finishedAt: state.finishedAt,
      lastErrors: log
        .split('\n')
        .filter((line) => /ERROR|FATAL|Fatal|Exception|Killed/.test(line))
        .slice(-8),
    });
  }
  if (down.length > 0)
    console.warn(`${context}: found stopped and started again: ${JSON.stringify(down, null, 2)}`);
  await sandboxUp(cluster, () => undefined);
  return down;
}
