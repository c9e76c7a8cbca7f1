import { describe, expect, it } from 'vitest';
import { pollUntil, WaitTimeoutError } from '../../src/util/poll';

/** Runs pollUntil with a recorded sleep, returning the waits it asked for. */
async function waitsFor(options: { intervalMs?: number; maxIntervalMs?: number }, answerOn: number) {
  const waits: number[] = [];
  let attempt = 0;
  const value = await pollUntil(async () => (++attempt === answerOn ? 'done' : undefined), {
    timeoutMs: 60_000,
    what: 'the answer',
    sleep: async (ms) => {
      waits.push(ms);
    },
    ...options,
  });
  return { value, waits };
}

describe('pollUntil', () => {
  it.each([
    { options: {}, answerOn: 3, waits: [500, 500] },
    { options: { intervalMs: 250 }, answerOn: 4, waits: [250, 250, 250] },
    {
      options: { intervalMs: 100, maxIntervalMs: 1_000 },
      answerOn: 7,
      waits: [100, 200, 400, 800, 1_000, 1_000],
    },
    { options: { intervalMs: 100, maxIntervalMs: 100 }, answerOn: 3, waits: [100, 100] },
    { options: { intervalMs: 100, maxIntervalMs: 1_000 }, answerOn: 1, waits: [] },
  ])('$options, answer on attempt $answerOn: waits $waits', async ({ options, answerOn, waits }) => {
    const result = await waitsFor(options, answerOn);
    expect(result).toEqual({ value: 'done', waits });
  });

  it('names what it waited for and the last error when time runs out', async () => {
    const failing = pollUntil(
      async () => {
        throw new Error('connection refused');
      },
      { timeoutMs: 30, intervalMs: 10, what: 'the leader' },
    );
    await expect(failing).rejects.toBeInstanceOf(WaitTimeoutError);
    await expect(failing).rejects.toThrow(
      /the leader not reached within 30 ms; last error: connection refused/,
    );
  });
});
