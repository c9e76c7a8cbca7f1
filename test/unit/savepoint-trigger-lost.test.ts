import { createServer } from 'node:http';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { waitForSavepoint } from '../../src/activities/flink';
import { listenOnLoopback } from '../helpers/listen';

const JOB = 'a'.repeat(32);
const TRIGGER = 'b'.repeat(32);
const UNKNOWN = JSON.stringify({
  errors: [
    `org.apache.flink.runtime.rest.handler.RestHandlerException: There is no savepoint operation with triggerId=${TRIGGER} for job ${JOB}.`,
  ],
});

/** A JobManager whose answers for the savepoint's status are scripted: 404 (unknown trigger) or a status. */
async function jobManager(answers: Array<'unknown' | 'in-progress' | 'completed'>) {
  let asked = 0;
  const server = createServer((_req, res) => {
    const answer = answers[Math.min(asked++, answers.length - 1)];
    if (answer === 'unknown') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(UNKNOWN);
      return;
    }
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(
        JSON.stringify(
          answer === 'completed'
            ? { status: { id: 'COMPLETED' }, operation: { location: 'file:/savepoints/savepoint-aaaaaa-1' } }
            : { status: { id: 'IN_PROGRESS' } },
        ),
      );
  });
  return listenOnLoopback(server);
}

const wait = (url: string, lostAfterMs: number) =>
  new MockActivityEnvironment().run(waitForSavepoint, {
    urls: [url],
    jobId: JOB,
    triggerId: TRIGGER,
    timeoutMs: 10_000,
    lostAfterMs,
  }) as ReturnType<typeof waitForSavepoint>;

describe('waiting for a savepoint across a leader change', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
  });

  it('gives up at once, as SavepointTriggerLost, when the leader keeps not knowing the trigger', async () => {
    const jm = await jobManager(['in-progress', 'unknown']);
    close = jm.close;
    const started = Date.now();
    const error = await wait(jm.url, 500).catch((e: unknown) => e as Error);
    expect(error).toMatchObject({ name: 'SavepointTriggerLost', final: true });
    expect((error as Error).message).toMatch(/unknown to the leading JobManager .*no savepoint operation/);
    // Long before the wait's own 10 s timeout.
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('waits on through a short spell of 404s and returns the savepoint', async () => {
    const jm = await jobManager(['unknown', 'unknown', 'in-progress', 'completed']);
    close = jm.close;
    await expect(wait(jm.url, 5_000)).resolves.toEqual({ location: 'file:/savepoints/savepoint-aaaaaa-1' });
  });
});
