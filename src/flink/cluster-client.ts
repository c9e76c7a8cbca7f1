import { FlinkRestClient } from './client';
import { FlinkNoLeaderError, type FlinkRestError, FlinkUnreachableError } from './errors';

/**
 * The REST API of an HA cluster, through whichever JobManager answers. A standby forwards to
 * the leader, so any answering JobManager will do. Down (refused, timed out) and no-leader (503)
 * move on to the next URL; any other error is the cluster's real answer and is thrown as is.
 */
export class FlinkClusterClient {
  private preferred = 0;

  constructor(
    readonly urls: string[],
    private readonly timeoutMs = 5_000,
  ) {
    if (urls.length === 0) throw new Error('a cluster needs at least one JobManager URL');
  }

  async call<T>(request: (client: FlinkRestClient) => Promise<T>): Promise<T> {
    const failures: FlinkRestError[] = [];
    for (let i = 0; i < this.urls.length; i++) {
      const index = (this.preferred + i) % this.urls.length;
      try {
        const result = await request(new FlinkRestClient(this.urls[index] as string, this.timeoutMs));
        this.preferred = index;
        return result;
      } catch (error) {
        if (error instanceof FlinkUnreachableError || error instanceof FlinkNoLeaderError)
          failures.push(error);
        else throw error;
      }
    }
    const summary = failures.map((f) => f.message).join('; ');
    if (failures.some((f) => f instanceof FlinkNoLeaderError)) {
      throw new FlinkNoLeaderError(`no JobManager knows a leader: ${summary}`, this.urls.join(','), 503);
    }
    throw new FlinkUnreachableError(`no JobManager answers: ${summary}`, this.urls.join(','));
  }
}
