import { type ReplayResult, Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { storedHistories } from '../helpers/histories';

/**
 * Every recorded history (test/fixtures/histories/) replays against the workflow code as it is
 * now. A change that would break a workflow already running — an activity call added, removed
 * or reordered, a timer moved — fails here with a DeterminismViolationError naming the history.
 * Such a change goes behind `patched()` (README: Changing workflow code).
 */
const histories = storedHistories();
/** Replays run under the workflow id each history ran under (the monitor checks its own). */
const nameOf = new Map(histories.map((h) => [h.workflowId, h.name]));
const results = new Map<string, ReplayResult>();

beforeAll(async () => {
  const replays = Worker.runReplayHistories(
    { workflowBundle: { codePath: inject('fastWorkflowBundlePath') } },
    histories.map(({ workflowId, history }) => ({ workflowId, history })),
  );
  for await (const result of replays) results.set(nameOf.get(result.workflowId) ?? result.workflowId, result);
}, 120_000);

describe('recorded histories replay on the current workflow code', () => {
  it('has histories of every runbook to replay, each under a workflow id of its own', () => {
    expect(nameOf.size).toBe(histories.length);
    const names = histories.map((h) => h.name);
    for (const runbook of ['monitor', 'upgrade', 'deploy', 'drill', 'savepoint'])
      expect(names.some((n) => n.startsWith(`${runbook}-`))).toBe(true);
  });

  it.each(histories.map((h) => h.name))('%s', (name) => {
    const result = results.get(name);
    expect(result, `no replay result for ${name}`).toBeDefined();
    expect(result?.error?.message ?? 'replayed').toBe('replayed');
  });
});
