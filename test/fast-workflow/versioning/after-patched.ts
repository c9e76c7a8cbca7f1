import { patched, proxyActivities, sleep } from '@temporalio/workflow';
import type { SupervisorActivities } from './activities';

const { look, tell } = proxyActivities<SupervisorActivities>({ startToCloseTimeout: '10s' });

/**
 * The next release adds an alert after each look. Behind patched(): a supervisor that ran its
 * first rounds on the old code replays them without the alert and sends it from then on.
 */
export async function supervisor(rounds: number): Promise<void> {
  for (let round = 1; round <= rounds; round++) {
    await look(round);
    if (patched('tell-after-look')) await tell(round);
    await sleep('1 minute');
  }
}
