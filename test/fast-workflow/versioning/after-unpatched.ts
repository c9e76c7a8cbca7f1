import { proxyActivities, sleep } from '@temporalio/workflow';
import type { SupervisorActivities } from './activities';

const { look, tell } = proxyActivities<SupervisorActivities>({ startToCloseTimeout: '10s' });

/** The same release without patched(): a running supervisor cannot replay its history on it. */
export async function supervisor(rounds: number): Promise<void> {
  for (let round = 1; round <= rounds; round++) {
    await look(round);
    await tell(round);
    await sleep('1 minute');
  }
}
