import { describe, expect, it } from 'vitest';
import { isTerminalJobState } from '../../src/policy/job-states';

describe("Flink's terminal job states, defined once", () => {
  it.each([
    ['FINISHED', true],
    ['CANCELED', true],
    ['FAILED', true],
    ['RUNNING', false],
    ['CREATED', false],
    ['INITIALIZING', false],
    ['RESTARTING', false],
    ['FAILING', false],
    ['CANCELLING', false],
    ['SUSPENDED', false],
    ['RECONCILING', false],
    ['MISSING', false],
  ])('%s is terminal: %s', (state, terminal) => {
    expect(isTerminalJobState(state)).toBe(terminal);
  });
});
