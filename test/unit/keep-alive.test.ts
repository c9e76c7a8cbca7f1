import type { Context } from '@temporalio/activity';
import type { ActivityExecuteInput } from '@temporalio/worker';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KeepAlive } from '../../src/temporal/keep-alive';

/** The part of an activity's Context the keep-alive uses, recording what reaches the server. */
function fakeContext(heartbeatTimeoutMs: number | undefined, heartbeatDetails?: unknown) {
  const sent: unknown[] = [];
  const ctx = {
    info: { heartbeatTimeoutMs, heartbeatDetails },
    heartbeat: (details?: unknown) => sent.push(details),
  };
  return { ctx, sent };
}

const input = {} as ActivityExecuteInput;

describe('KeepAlive', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('heartbeats a silent activity every quarter of its heartbeat timeout, and stops when it ends', async () => {
    const { ctx, sent } = fakeContext(10_000);
    const running = new KeepAlive(ctx as unknown as Context).execute(input, async () => {
      await new Promise((r) => setTimeout(r, 11_000));
      return 'uploaded';
    });
    await vi.advanceTimersByTimeAsync(11_000);
    await expect(running).resolves.toBe('uploaded');
    expect(sent).toHaveLength(4); // at 2.5, 5, 7.5 and 10 s
    await vi.advanceTimersByTimeAsync(10_000);
    expect(sent).toHaveLength(4);
  });

  it("re-sends the activity's own last details, never empty ones that would erase them", async () => {
    const { ctx, sent } = fakeContext(4_000, { milestones: ['fault'] });
    const running = new KeepAlive(ctx as unknown as Context).execute(input, async () => {
      await new Promise((r) => setTimeout(r, 1_500));
      ctx.heartbeat({ milestones: ['fault', 'new-leader'] });
      await new Promise((r) => setTimeout(r, 5_000));
    });
    await vi.advanceTimersByTimeAsync(6_500);
    await running;
    // Before the activity's own heartbeat: the previous attempt's details; after it: its own.
    expect(sent[0]).toEqual({ milestones: ['fault'] });
    expect(sent.slice(1)).not.toHaveLength(0);
    for (const details of sent.slice(1)) expect(details).toEqual({ milestones: ['fault', 'new-leader'] });
  });

  it('leaves an activity that heartbeats often enough alone', async () => {
    const { ctx, sent } = fakeContext(4_000);
    const running = new KeepAlive(ctx as unknown as Context).execute(input, async () => {
      for (let i = 0; i < 8; i++) {
        ctx.heartbeat({ attempt: i });
        await new Promise((r) => setTimeout(r, 500));
      }
    });
    await vi.advanceTimersByTimeAsync(4_000);
    await running;
    expect(sent).toEqual(Array.from({ length: 8 }, (_, attempt) => ({ attempt })));
  });

  it('does nothing for an activity without a heartbeat timeout', async () => {
    const { ctx, sent } = fakeContext(undefined);
    const running = new KeepAlive(ctx as unknown as Context).execute(input, async () => {
      await new Promise((r) => setTimeout(r, 60_000));
    });
    await vi.advanceTimersByTimeAsync(60_000);
    await running;
    expect(sent).toEqual([]);
  });

  it('stops heartbeating when the activity fails', async () => {
    const { ctx, sent } = fakeContext(2_000);
    const running = new KeepAlive(ctx as unknown as Context).execute(input, async () => {
      await new Promise((r) => setTimeout(r, 1_200));
      throw new Error('Flink said no');
    });
    const outcome = expect(running).rejects.toThrow('Flink said no');
    await vi.advanceTimersByTimeAsync(1_200);
    await outcome;
    const count = sent.length;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(sent).toHaveLength(count);
  });
});
