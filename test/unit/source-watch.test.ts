import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SourceWatch } from '../../src/activities/source-watch';
import type { PostgresSourceSpec } from '../../src/config/source-schema';
import { evaluateHealth } from '../../src/policy/health';
import type { JobObservation } from '../../src/policy/monitor-state';
import type { SourceReading } from '../../src/policy/source-liveness';
import type { SourceAdapters } from '../../src/sources';

const SPEC: PostgresSourceSpec = {
  type: 'postgres',
  host: '127.0.0.1',
  port: 5432,
  database: 'finance',
  user: 'cdc_monitor',
  password: { fromEnv: 'CDC_PG_PASSWORD' },
  slot: 'flink_cdc',
  publication: 'cdc_pub',
  tables: ['public.trans_info', 'public.cdc_canary'],
  commitDelayCheckpoints: 3,
  deadAfter: 30_000,
  queryTimeout: 5_000,
  canary: { table: 'public.cdc_canary', quietTime: 300_000, sla: 120_000 },
};

/** A live slot, as the PostgreSQL observer reads it; `reply` moves on each reading. */
function liveSlot(reply: number): SourceReading {
  return {
    type: 'postgres',
    at: Date.now(),
    slot: 'flink_cdc',
    slotState: { active: true, activePid: 4242, confirmedFlushLsn: '0/1953220' },
    walsender: { pid: 4242, state: 'streaming', replyTime: `r${reply}` },
    currentWalLsn: '0/1953220',
    lagBytes: 0,
    tableChanges: 30,
  };
}

class FakeSource implements SourceAdapters {
  readings = 0;
  canaries: Array<{ id: number; marker: string }> = [];
  unreachable = false;
  async observe(): Promise<SourceReading> {
    this.readings++;
    if (this.unreachable) return { type: 'postgres', at: Date.now(), error: 'query timed out after 5000 ms' };
    return liveSlot(this.readings);
  }
  writeAttempts = 0;
  async writeCanary(_spec: unknown, canary: { id: number; marker: string }): Promise<void> {
    this.writeAttempts++;
    if (this.unreachable) throw new Error('connecting timed out after 5000 ms');
    this.canaries.push(canary);
  }
}

describe('SourceWatch: the source and the canary across looks', () => {
  let dir: string;
  let fake: FakeSource;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'source-watch-'));
    fake = new FakeSource();
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const output = () => ({
    path: dir,
    pattern: '*.csv',
    freshness: 300_000,
    inProgressLimit: 600_000,
  });
  /** A RUNNING job that has committed nothing for 10 minutes. */
  const quiet = (overrides: Partial<JobObservation> = {}): JobObservation => ({
    at: Date.now(),
    jobId: 'a'.repeat(32),
    jobState: 'RUNNING',
    runningForMs: 3_600_000,
    checkpoints: {
      completed: 100,
      failed: 0,
      latestCompletedId: 100,
      latestCompletedAt: Date.now() - 10_000,
      intervalMs: 30_000,
      timeoutMs: 180_000,
    },
    output: { newestAgeMs: 600_000, committedInWindow: 0, stuckInProgress: 0 },
    recordsPerSecond: 0,
    sourceIdleMs: 600_000,
    ...overrides,
  });

  it('writes a canary into a quiet job, finds it in committed output, and the job is idle', async () => {
    const watch = new SourceWatch(SPEC, output(), fake);
    const first = quiet();
    await watch.look(first);
    expect(fake.canaries).toHaveLength(1);
    const marker = fake.canaries[0]?.marker as string;
    expect(first.canary).toMatchObject({ marker, slaMs: 120_000 });
    expect(first.canary?.arrivedAt).toBeUndefined();

    // The pipeline delivers it: a committed part file holding the row.
    await writeFile(join(dir, 'part-0-7.csv'), `c,42,public.cdc_canary,${marker}\n`);
    const second = quiet();
    await watch.look(second);
    expect(second.canary?.arrivedAt).toBeGreaterThanOrEqual(second.canary?.writtenAt ?? 0);
    expect(fake.canaries).toHaveLength(1); // no second canary while one is out
    const judged = evaluateHealth(second, watch.settings(300_000, 30_000));
    expect(judged.verdict).toBe('idle');
    expect(judged.reasons.join(' ')).toContain(`canary ${marker} arrived`);
  });

  it('an arrival speaks for the quiet time after it, not for ever', async () => {
    const watch = new SourceWatch(
      { ...SPEC, canary: { table: 'public.cdc_canary', quietTime: 300_000, sla: 120_000 } },
      output(),
      fake,
    );
    await watch.look(quiet());
    const marker = fake.canaries[0]?.marker as string;
    await writeFile(join(dir, 'part-0-8.csv'), `${marker}\n`);
    const arrived = quiet({ output: { newestAgeMs: 1_000, committedInWindow: 1, stuckInProgress: 0 } });
    await watch.look(arrived);
    expect(arrived.canary?.arrivedAt).toBeDefined();
    const later = Date.now() + 300_001;
    const clock = vi.spyOn(Date, 'now').mockReturnValue(later);
    try {
      // The job wrote since (no new canary is due), and the old arrival no longer counts.
      const afterwards = quiet({
        at: later,
        output: { newestAgeMs: 60_000, committedInWindow: 1, stuckInProgress: 0 },
      });
      await watch.look(afterwards);
      expect(afterwards.canary).toBeUndefined();
      expect(fake.canaries).toHaveLength(1);
    } finally {
      clock.mockRestore();
    }
  });

  it('a canary that does not arrive within its SLA makes the job a zombie', async () => {
    const watch = new SourceWatch(
      { ...SPEC, canary: { table: 'public.cdc_canary', quietTime: 300_000, sla: 1 } },
      output(),
      fake,
    );
    await watch.look(quiet());
    await new Promise((resolve) => setTimeout(resolve, 5));
    const later = quiet();
    await watch.look(later);
    expect(later.canary?.arrivedAt).toBeUndefined();
    const judged = evaluateHealth(later, watch.settings(300_000, 30_000));
    expect(judged.verdict).toBe('zombie');
    expect(judged.reasons.join(' ')).toMatch(/canary canary-\d+-[0-9a-f]{8} not in committed output/);
  });

  it('writes no canary while the job has written recently', async () => {
    const watch = new SourceWatch(SPEC, output(), fake);
    await watch.look(quiet({ output: { newestAgeMs: 20_000, committedInWindow: 3, stuckInProgress: 0 } }));
    expect(fake.canaries).toHaveLength(0);
    expect(fake.readings).toBe(1);
  });

  it('writes no canary when the output cannot be read', async () => {
    const watch = new SourceWatch(SPEC, output(), fake);
    await watch.look(
      quiet({
        output: { committedInWindow: 0, stuckInProgress: 0, error: 'the output folder /x does not exist' },
      }),
    );
    expect(fake.canaries).toHaveLength(0);
  });

  it('a source that cannot be asked is reported, and takes no canary; the activity heartbeats between steps', async () => {
    fake.unreachable = true;
    let beats = 0;
    const watch = new SourceWatch(SPEC, output(), fake, () => beats++);
    const observation = quiet();
    await watch.look(observation);
    expect(observation.source?.unreachable?.error).toBe('query timed out after 5000 ms');
    expect(fake.writeAttempts).toBe(0);
    expect(observation.canary).toBeUndefined();
    expect(beats).toBe(1);
    const judged = evaluateHealth(observation, watch.settings(300_000, 30_000));
    expect(judged.verdict).toBe('degraded');
  });

  it('asks nothing of the source while the job is not RUNNING, or when it declares none', async () => {
    await new SourceWatch(SPEC, output(), fake).look(quiet({ jobState: 'RESTARTING' }));
    const plain = quiet();
    await new SourceWatch(undefined, output(), fake).look(plain);
    expect(fake.readings).toBe(0);
    expect(plain.source).toBeUndefined();
  });

  it('counts the commit delay of a few checkpoints into the delivery allowance', () => {
    const watch = new SourceWatch(SPEC, output(), fake);
    expect(watch.settings(300_000, 30_000)).toEqual({
      fileWindowMs: 300_000,
      source: { deadAfterMs: 30_000, deliveryAllowanceMs: 4 * 30_000 + 30_000 },
    });
    expect(new SourceWatch(undefined, output(), fake).settings(300_000, 30_000)).toEqual({
      fileWindowMs: 300_000,
    });
  });

  it('measures how long the record count has stood still', () => {
    const watch = new SourceWatch(undefined, output(), fake);
    expect(watch.recordsFlatFor(100, 1_000)).toBe(0);
    expect(watch.recordsFlatFor(100, 16_000)).toBe(15_000);
    expect(watch.recordsFlatFor(101, 17_000)).toBe(0);
    expect(watch.recordsFlatFor(undefined, 18_000)).toBeUndefined();
  });

  it('the next watch of the same job goes on from what this one learned; of another job, afresh', async () => {
    const first = new SourceWatch(SPEC, output(), fake);
    first.recordsFlatFor(18, 1_000);
    await first.look(quiet());
    const marker = fake.canaries[0]?.marker as string;
    const memory = first.remember('a'.repeat(32));

    // A watch returns when its verdict changes: the next one must not start the count again.
    const next = new SourceWatch(SPEC, output(), fake);
    next.recall(memory, 'a'.repeat(32));
    expect(next.recordsFlatFor(18, 31_000)).toBe(30_000);
    const look = quiet();
    await next.look(look);
    expect(fake.canaries).toHaveLength(1); // the canary that is out is still awaited
    expect(look.canary?.marker).toBe(marker);

    const other = new SourceWatch(SPEC, output(), fake);
    other.recall(memory, 'b'.repeat(32));
    expect(other.recordsFlatFor(18, 31_000)).toBe(0);
  });
});
