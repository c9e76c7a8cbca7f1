import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJobState, waitForJobState } from '../../src/activities/flink';
import { observeJob, type WatchTarget } from '../../src/activities/watch';
import { evaluateHealth } from '../../src/policy/health';
import { howJobEnded, restartAfterEnd } from '../../src/policy/job-end';
import { ENDED_JOB_STATES } from '../../src/policy/job-states';
import { listenOnLoopback } from '../helpers/listen';
import { adaptersWithoutZooKeeper } from '../helpers/no-zookeeper';

/**
 * A job cancelled just before its JobManager died: the next leader knows it only from the dirty
 * job result left behind, as a sparse graph without a job type (Flink 1.20.3's
 * CheckpointResourcesCleanupRunner). Its answers below are Flink's for such a job: the 500 body is
 * what AbstractHandler renders for the NullPointerException JobDetailsInfo's null check throws
 * (produced by running JobDetailsHandler.createJobDetailsInfo of flink-dist 1.20.3 on that graph);
 * /status, /checkpoints and /jobs/overview answer as the Dispatcher and handlers do for it.
 */
const fixtures = new URL('../fixtures/flink-1.20/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, fixtures), 'utf8');

const DIRTY = '46b9d141f111cc047fef61b486e84d63';
const DETAILS_500 = JSON.stringify({
  errors: [
    'Internal server error.',
    '<Exception on server side:\njava.lang.NullPointerException\n\tat org.apache.flink.util.Preconditions.checkNotNull(Preconditions.java:59)\n\tat org.apache.flink.runtime.rest.messages.job.JobDetailsInfo.<init>(JobDetailsInfo.java:148)\n\tat org.apache.flink.runtime.rest.handler.job.JobDetailsHandler.createJobDetailsInfo(JobDetailsHandler.java:158)\n\tat org.apache.flink.runtime.rest.handler.job.JobDetailsHandler.handleRequest(JobDetailsHandler.java:89)\n\nEnd of exception on server side>',
  ],
});
const NO_CHECKPOINTS = (message: string) =>
  JSON.stringify({ errors: [`org.apache.flink.runtime.rest.handler.RestHandlerException: ${message}`] });

/** Jobs whose details fail the same way, their status answering otherwise: a live one and an unknown one. */
const LIVE = 'aaaaaaaaaaaaaaaaaaaaaaaa00000001';
const UNKNOWN = 'aaaaaaaaaaaaaaaaaaaaaaaa00000002';

describe('a job the leader knows only from its dirty job result', () => {
  let url: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const routes: Record<string, [number, string]> = {
      '/overview': [200, fixture('overview.json')],
      '/config': [200, '{}'],
      '/jobs/overview': [
        200,
        JSON.stringify({
          jobs: [
            {
              jid: DIRTY,
              name: 'unknown',
              state: 'CANCELED',
              'start-time': 1,
              'end-time': -1,
              duration: 0,
              'last-modification': 1,
            },
          ],
        }),
      ],
      [`/jobs/${DIRTY}`]: [500, DETAILS_500],
      [`/jobs/${DIRTY}/status`]: [200, '{"status":"CANCELED"}'],
      [`/jobs/${DIRTY}/checkpoints`]: [404, NO_CHECKPOINTS('Checkpointing has not been enabled.')],
      [`/jobs/${DIRTY}/checkpoints/config`]: [
        404,
        NO_CHECKPOINTS(`Checkpointing is not enabled for this job (${DIRTY}).`),
      ],
      [`/jobs/${DIRTY}/exceptions`]: [
        200,
        '{"root-exception":null,"timestamp":null,"all-exceptions":[],"truncated":false,"exceptionHistory":{"entries":[],"truncated":false}}',
      ],
      [`/jobs/${LIVE}`]: [500, DETAILS_500],
      [`/jobs/${LIVE}/status`]: [200, '{"status":"RUNNING"}'],
      [`/jobs/${UNKNOWN}`]: [500, DETAILS_500],
    };
    const server = createServer((req, res) => {
      const [status, body] = routes[new URL(req.url ?? '/', 'http://x').pathname] ?? [
        404,
        '{"errors":["Not found: /nope"]}',
      ];
      res.writeHead(status, { 'content-type': 'application/json' }).end(body);
    });
    ({ url, close } = await listenOnLoopback(server));
  });
  afterAll(() => close());

  const state = (jobId: string) =>
    new MockActivityEnvironment().run(getJobState, { urls: [url], jobId }) as ReturnType<typeof getJobState>;

  it('is CANCELED, as its status says, though every read of its details answers 500', async () => {
    expect(await state(DIRTY)).toBe('CANCELED');
  });

  it('ends the wait for a cancel at once', async () => {
    const waited = (await new MockActivityEnvironment().run(waitForJobState, {
      urls: [url],
      jobId: DIRTY,
      states: [...ENDED_JOB_STATES],
      timeoutMs: 5_000,
    })) as Awaited<ReturnType<typeof waitForJobState>>;
    expect(waited.state).toBe('CANCELED');
  });

  it.each([
    ['a live job whose details fail: the error stands, no state is made up', LIVE],
    ['a job whose status is not known either', UNKNOWN],
  ])('%s', async (_case, jobId) => {
    const error = await state(jobId).catch((e: unknown) => e as Error);
    expect(error).toMatchObject({ name: 'FlinkServerError', status: 500 });
    // The message names the exception, not only Flink's "Internal server error.".
    expect((error as Error).message).toBe(`500 from ${url}/jobs/${jobId}: java.lang.NullPointerException`);
  });

  it("is seen by the monitor as ended, a failure's end (its history is gone), not as a REST error", async () => {
    const target: WatchTarget = {
      urls: [url],
      zookeeper: { quorum: '127.0.0.1:1', root: '/flink', clusterId: '/sample' },
      jobManagers: [{ role: 'primary', url, container: 'jm-1', config: {} }],
      expectedTaskManagers: 2,
      jobName: 'sample-pipeline',
      jobId: DIRTY,
      fileWindowMs: 300_000,
    };
    const seen = await observeJob(target, 0, adaptersWithoutZooKeeper);
    expect(seen.restError).toBeUndefined();
    expect(seen.jobState).toBe('CANCELED');
    // Its empty exception history would say a person cancelled it: not asked, it is unknown.
    expect(seen.failuresInHistory).toBeUndefined();
    expect(evaluateHealth(seen, { fileWindowMs: 300_000 }).verdict).toBe('failed');
    const end = howJobEnded({ state: 'CANCELED', failuresInHistory: seen.failuresInHistory });
    expect(restartAfterEnd(end, { restartCancelled: false })).toEqual({ restart: true });
  });
});
