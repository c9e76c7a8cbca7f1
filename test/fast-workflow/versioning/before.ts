import { proxyActivities, sleep } from '@temporalio/workflow';
import type { SupervisorActivities } from './activities';

const { look } = proxyActivities<SupervisorActivities>({ startToCloseTimeout: '10s' });

/** A supervisor loop shaped like monitorJob's (look, wait, look again), as first released. */
export async function supervisor(rounds: number): Promise<void> {
  for (let round = 1; round <= rounds; round++) {
    await look(round);
    await sleep('1 minute');
  }
}
