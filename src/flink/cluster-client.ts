import type { RestAccess } from '../config/schema';
import { FlinkRestClient } from './client';
import { FlinkNoLeaderError, type FlinkRestError, FlinkServerError, FlinkUnreachableError } from './errors';

/**
 * The REST API of an HA cluster, through whichever JobManager answers. A standby forwards to
 * the leader, so any answering JobManager will do. Down (refused, timed out) and no-leader (503)
 * move on to the next URL. So does a bare server error (500 "Internal server error." with no
 * cause): a standby whose connection to a new leader broke answers every request with one for
 * minutes, while the leader answers well; when no JobManager does better, the first such error is
 * the cluster's answer. A 500 that names a cause is an answer about the request (jars, for one,
 * live on the JobManager they were uploaded to) and is thrown as is. Any other error is
 * the cluster's real answer and is thrown as is (refused credentials or an untrusted certificate
 * among them: every JobManager shares `access`). Requests that change something carry their own
 * ids (job, trigger), so sending one to the next JobManager never does it twice.
 */
export class FlinkClusterClient {
  private preferred = 0;
  private readonly clients: FlinkRestClient[];

  constructor(
    readonly urls: string[],
    timeoutMs = 5_000,
    access?: RestAccess,
  ) {
    if (urls.length === 0) throw new Error('a cluster needs at least one JobManager URL');
    this.clients = urls.map((url) => new FlinkRestClient(url, timeoutMs, access));
  }

  async call<T>(request: (client: FlinkRestClient) => Promise<T>): Promise<T> {
    const failures: FlinkRestError[] = [];
    let serverError: FlinkServerError | undefined;
    for (let i = 0; i < this.urls.length; i++) {
      const index = (this.preferred + i) % this.urls.length;
      try {
        const result = await request(this.clients[index] as FlinkRestClient);
        this.preferred = index;
        return result;
      } catch (error) {
        if (error instanceof FlinkUnreachableError || error instanceof FlinkNoLeaderError)
          failures.push(error);
        else if (error instanceof FlinkServerError && error.bare) serverError ??= error;
        else throw error;
      }
    }
    if (serverError) throw serverError;
    const summary = failures.map((f) => f.message).join('; ');
    if (failures.some((f) => f instanceof FlinkNoLeaderError)) {
      throw new FlinkNoLeaderError(`no JobManager knows a leader: ${summary}`, this.urls.join(','), 503);
    }
    throw new FlinkUnreachableError(`no JobManager answers: ${summary}`, this.urls.join(','));
  }

  /**
   * Asks every JobManager, not only the first that answers (a dead standby is seen only this
   * way); returns the URLs that did not answer at all. A 503 or any HTTP error is an answer.
   */
  async silentUrls(): Promise<string[]> {
    const silent = await Promise.all(
      this.clients.map((client) =>
        client.dashboardConfig().then(
          () => false,
          (error: unknown) => error instanceof FlinkUnreachableError,
        ),
      ),
    );
    return this.urls.filter((_, i) => silent[i]);
  }
}
