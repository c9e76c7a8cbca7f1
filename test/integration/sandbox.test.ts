import { beforeAll, describe, expect, it } from 'vitest';
import { probeJobManagers } from '../../src/activities/cluster';
import { waitForRest } from '../../src/cluster/readiness';
import { startContainer, stopContainer } from '../../src/docker/engine';
import { FlinkRestClient } from '../../src/flink/client';
import { checkSequence } from '../../src/output/sequence';
import { pollUntil, sleep } from '../../src/util/poll';
import { readLeaders } from '../../src/zookeeper/leader';
import {
  committedSequence,
  resetSandbox,
  type Sandbox,
  sandbox,
  setFault,
  submitSample,
  waitForCheckpointAfter,
  waitForJobState,
} from '../helpers/sandbox';

let sb: Sandbox;
let jobId: string;

beforeAll(async () => {
  sb = await sandbox();
  await resetSandbox(sb);
});

describe('the sandbox: a real Flink HA cluster in Docker', () => {
  it('both JobManagers answer with every TaskManager registered, and ZooKeeper names one as leader', async () => {
    // Earlier test files replace TaskManagers; a replaced one stays listed until its heartbeat times out.
    const probes = await pollUntil(
      async () => {
        const seen = await probeJobManagers(sb.cluster.jobManagers);
        return seen.every((p) => p.taskManagers === 2) ? seen : undefined;
      },
      { timeoutMs: 60_000, what: 'both JobManagers reporting two TaskManagers' },
    );
    expect(probes.map((p) => [p.url, p.state, p.taskManagers])).toEqual([
      ['http://127.0.0.1:8081', 'up', 2],
      ['http://127.0.0.1:8082', 'up', 2],
    ]);
    expect(probes[0]?.flinkVersion).toBe('1.20.3');
    const leaders = await readLeaders(sb.cluster.zookeeper);
    expect(sb.cluster.jobManagers.map((jm) => jm.url)).toContain(leaders.restServer?.address);
    expect(leaders.restServer?.sessionId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('runs the sample job: checkpoints complete and committed rows are contiguous from 0', async () => {
    jobId = await submitSample(sb);
    await waitForJobState(sb, jobId, ['RUNNING']);
    const first = await waitForCheckpointAfter(sb, jobId, 0);
    await waitForCheckpointAfter(sb, jobId, first + 2);
    const report = checkSequence(await committedSequence(sb));
    expect(report.rows).toBeGreaterThan(20);
    expect(report.first).toBe(0);
    expect(report.gaps).toEqual([]);
    expect(report.duplicates).toEqual([]);
  });

  it('stall keeps the job RUNNING while checkpoints stop completing, and it resumes after', async () => {
    let stalledAt = 0;
    const before = await sb.rest.call((c) => c.checkpoints(jobId));
    setFault(sb, 'stall');
    try {
      // A checkpoint already under way when the stall began may still complete: count from the
      // first one that expires, then wait longer than the 10 s checkpoint timeout.
      const expired = await pollUntil(
        async () => {
          const now = await sb.rest.call((c) => c.checkpoints(jobId));
          return now.counts.failed > before.counts.failed ? now : undefined;
        },
        { timeoutMs: 60_000, what: 'a checkpoint expired under the stall' },
      );
      stalledAt = expired.latest.completed?.id ?? 0;
      await sleep(12_000);
      const during = await sb.rest.call((c) => c.checkpoints(jobId));
      expect((await sb.rest.call((c) => c.job(jobId))).state).toBe('RUNNING');
      expect(during.latest.completed?.id ?? 0).toBe(stalledAt);
      expect(during.counts.completed).toBe(expired.counts.completed);
    } finally {
      // A failed assertion must not leave the job stalled for the tests after it.
      setFault(sb, 'none');
    }

    const lastBefore = checkSequence(await committedSequence(sb)).last ?? -1;
    await waitForCheckpointAfter(sb, jobId, stalledAt, 60_000);
    const rowsAfter = await pollUntil(
      async () => {
        const seq = await committedSequence(sb);
        return (checkSequence(seq).last ?? -1) > lastBefore ? seq : undefined;
      },
      { timeoutMs: 30_000, what: 'rows after the stall' },
    );
    expect(checkSequence(rowsAfter)).toMatchObject({ gaps: [], duplicates: [] });
  });

  it('stopping the leading JobManager makes the other the leader; the job keeps running', async () => {
    // Earlier test files may have moved leadership to the standby: take whichever leads.
    const leaderUrl = (await readLeaders(sb.cluster.zookeeper)).restServer?.address;
    const primary = sb.cluster.jobManagers.find((jm) => jm.url === leaderUrl);
    const standby = sb.cluster.jobManagers.find((jm) => jm.url !== leaderUrl);
    if (!primary || !standby) throw new Error(`leader ${leaderUrl} is not one of the two JobManagers`);
    const checkpointBefore = (await sb.rest.call((c) => c.checkpoints(jobId))).latest.completed?.id ?? 0;

    await stopContainer(primary.container, 30);
    const viaStandby = new FlinkRestClient(standby.url);
    try {
      const leader = await pollUntil(
        async () => {
          const leaders = await readLeaders(sb.cluster.zookeeper);
          return leaders.restServer?.address === standby.url ? leaders.restServer : undefined;
        },
        { timeoutMs: 60_000, what: 'the standby elected', intervalMs: 250 },
      );
      expect(leader.address).toBe(standby.url);
      await pollUntil(async () => ((await viaStandby.job(jobId)).state === 'RUNNING' ? true : undefined), {
        timeoutMs: 90_000,
        what: 'the job RUNNING under the new leader',
      });
      await waitForCheckpointAfter(sb, jobId, checkpointBefore, 90_000);
    } catch (error) {
      // The next test file must meet both JobManagers up, whatever failed here.
      await startContainer(primary.container);
      await waitForRest(primary.url);
      throw error;
    }

    // The seeds' worry: the old leader comes back and the job gets cancelled. It must not.
    await startContainer(primary.container);
    await waitForRest(primary.url);
    await sleep(5_000);
    expect((await readLeaders(sb.cluster.zookeeper)).restServer?.address).toBe(standby.url);
    expect((await viaStandby.job(jobId)).state).toBe('RUNNING');
    expect((await new FlinkRestClient(primary.url).job(jobId)).state).toBe('RUNNING');

    const report = checkSequence(await committedSequence(sb));
    expect(report.gaps).toEqual([]);
    expect(report.duplicates).toEqual([]);
  });
});
