import { describe, expect, it } from 'vitest';
import { ENDED_JOB_STATES, isTerminalJobState, TERMINAL_JOB_STATES } from '../../src/policy/job-states';

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

describe('the ended states a wait waits for', () => {
  it('are exactly the terminal states', () => {
    expect(new Set(ENDED_JOB_STATES)).toEqual(TERMINAL_JOB_STATES);
  });
});
