import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkflowBundle } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../../src/util/poll';
import { startTimeSkippingServer } from '../helpers/time-skipping';
import type { SupervisorActivities } from './versioning/activities';

/**
 * The versioning rule (README: Changing workflow code), shown once: a supervisor loop shaped like
 * monitorJob's is started on the released code; a release adds an activity call. Behind
 * patched(), the running supervisor carries on with the new code; without it, its history no
 * longer replays.
 */
const code = (file: string) => fileURLToPath(new URL(`./versioning/${file}`, import.meta.url));
const quiet = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: console.error,
};

let env: TestWorkflowEnvironment;
let bundles: Record<'before' | 'patched' | 'unpatched', WorkflowBundle>;
beforeAll(async () => {
  const [server, before, patched, unpatched] = await Promise.all([
    startTimeSkippingServer(),
    bundleWorkflowCode({ workflowsPath: code('before.ts'), logger: quiet }),
    bundleWorkflowCode({ workflowsPath: code('after-patched.ts'), logger: quiet }),
    bundleWorkflowCode({ workflowsPath: code('after-unpatched.ts'), logger: quiet }),
  ]);
  env = server;
  bundles = { before, patched, unpatched };
}, 120_000);
afterAll(async () => {
  await env?.teardown();
});

describe('changing the code of a workflow that is running', () => {
  it('a supervisor started on the previous code continues on the new code behind patched()', async () => {
    const looks: number[] = [];
    const tells: number[] = [];
    const activities: SupervisorActivities = {
      look: async (round) => {
        looks.push(round);
        return 'healthy';
      },
      tell: async (round) => {
        tells.push(round);
      },
    };
    const taskQueue = `versioning-${randomUUID()}`;
    const worker = (bundle: WorkflowBundle) =>
      Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        workflowBundle: bundle,
        activities,
        // No sticky cache: the next workflow task goes to whichever worker polls, as after a deploy.
        maxCachedWorkflows: 0,
      });

    // Released code: the supervisor takes its first look and waits a minute.
    const handle = await env.client.workflow.start('supervisor', {
      taskQueue,
      workflowId: `supervisor-${randomUUID()}`,
      args: [3],
    });
    const released = await worker(bundles.before);
    await released.runUntil(
      pollUntil(
        async () => {
          const events = (await handle.fetchHistory()).events ?? [];
          return events.some((e) => e.timerStartedEventAttributes) ? true : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 50, what: 'the first round on the released code' },
      ),
    );
    const recordedBefore = await handle.fetchHistory();
    expect(looks).toEqual([1]);

    // Without patched() the history of the running supervisor no longer replays.
    await expect(
      Worker.runReplayHistory({ workflowBundle: bundles.unpatched }, recordedBefore, 'unpatched'),
    ).rejects.toMatchObject({ name: 'DeterminismViolationError' });
    await Worker.runReplayHistory({ workflowBundle: bundles.patched }, recordedBefore, 'patched');

    // The new release takes over the running supervisor and finishes it.
    const next = await worker(bundles.patched);
    await next.runUntil(handle.result());
    expect(looks).toEqual([1, 2, 3]);
    expect(tells).toEqual([2, 3]); // round 1 ran on the old code, before the alert existed
    const markers = ((await handle.fetchHistory()).events ?? []).filter(
      (e) => e.markerRecordedEventAttributes,
    );
    expect(markers.length).toBeGreaterThan(0);
  });
});
