import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { MockActivityEnvironment } from '@temporalio/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import * as docker from '../../src/activities/docker';
import * as flink from '../../src/activities/flink';
import * as leader from '../../src/activities/leader';
import * as output from '../../src/activities/output';
import { waitForRest } from '../../src/cluster/readiness';
import { planContainers } from '../../src/docker/container-plan';
import { pollUntil, sleep } from '../../src/util/poll';
import { resetSandbox, type Sandbox, sandbox, setFault } from '../helpers/sandbox';

/** Activities run with the SDK's activity context (heartbeats, cancellable sleep), outside a worker. */
const run = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> =>
  new MockActivityEnvironment().run(fn, ...args) as Promise<R>;
const newJobId = () => randomBytes(16).toString('hex');

let sb: Sandbox;
let urls: string[];
let jobId: string;

beforeAll(async () => {
  sb = await sandbox();
  urls = sb.cluster.jobManagers.map((jm) => jm.url);
  await resetSandbox(sb);
});

function submitInput(id: string, extra: Partial<flink.SubmitJobInput> = {}): flink.SubmitJobInput {
  return {
    urls,
    jobId: id,
    jar: sb.job.jar,
    entryClass: sb.job.entryClass,
    parallelism: sb.job.parallelism,
    args: sb.job.args,
    ...extra,
  };
}

describe('Flink REST activities on the sandbox', () => {
  it('submitJob runs the jar under the workflow-chosen id, and a retry does not submit it twice', async () => {
    jobId = newJobId();
    expect(await flink.getJobState({ urls, jobId })).toBe('MISSING');
    expect(await flink.submitJob(submitInput(jobId))).toEqual({ jobId, alreadySubmitted: false });
    expect(await flink.submitJob(submitInput(jobId))).toEqual({ jobId, alreadySubmitted: true });
    const waited = await run(flink.waitForJobState, { urls, jobId, states: ['RUNNING'], timeoutMs: 60_000 });
    expect(waited.state).toBe('RUNNING');
    const jobs = await flink.listJobs({ urls });
    expect(jobs.filter((j) => j.jobId === jobId)).toHaveLength(1);
    expect(jobs.filter((j) => j.state === 'RUNNING')).toHaveLength(1);
  });

  it('a missing jar is a typed error before anything is submitted', async () => {
    await expect(flink.submitJob(submitInput(newJobId(), { jar: '/nonexistent/job.jar' }))).rejects.toThrow(
      /ENOENT/,
    );
    // Flink answers 500 for a missing entry class; it is still a caller's mistake, not worth a retry.
    await expect(
      flink.submitJob(submitInput(newJobId(), { entryClass: 'no.such.Main' })),
    ).rejects.toMatchObject({
      name: 'FlinkNotFound',
      message: expect.stringContaining('no.such.Main'),
    });
    expect((await flink.listJobs({ urls })).filter((j) => j.state === 'RUNNING')).toHaveLength(1);
  });

  it("observeCheckpoints reports progress and the job's own checkpoint settings", async () => {
    const first = await run(flink.waitForCheckpoint, { urls, jobId, afterId: 0, timeoutMs: 30_000 });
    const next = await run(flink.waitForCheckpoint, { urls, jobId, afterId: first.id, timeoutMs: 30_000 });
    expect(next.id).toBeGreaterThan(first.id);
    expect(next.path).toMatch(/^file:\/opt\/flink\/checkpoints\/[0-9a-f]{32}\/chk-\d+$/);
    const seen = await flink.observeCheckpoints({ urls, jobId });
    expect(seen.counts.completed).toBeGreaterThanOrEqual(2);
    expect(seen.latestCompleted?.id).toBeGreaterThanOrEqual(next.id);
    expect(Date.now() - (seen.latestCompleted?.completedAt ?? 0)).toBeLessThan(15_000);
    expect(seen.config).toEqual({
      intervalMs: 2_000,
      timeoutMs: 10_000,
      minPauseMs: 500,
      tolerableFailures: 2147483647,
      retainedOnCancel: true,
    });
  });

  it('recordsOut and listTaskManagers read metrics and registrations', async () => {
    const rate = await pollUntil(
      async () => {
        const r = await flink.recordsOut({ urls, jobId });
        return r && r.perSecond > 0 ? r : undefined;
      },
      { timeoutMs: 30_000, what: 'a records-out rate' },
    );
    expect(rate.perSecond).toBeGreaterThan(0);
    expect(rate.total).toBeGreaterThan(0);
    const tms = await flink.listTaskManagers({ urls });
    expect(tms).toHaveLength(2);
    expect(tms.every((tm) => tm.slots === 2 && tm.heartbeatAgeMs < 30_000)).toBe(true);
  });

  it('recentExceptions returns what the job threw, newest first', async () => {
    const since = Date.now();
    expect(await flink.recentExceptions({ urls, jobId, since })).toEqual([]);
    setFault(sb, 'fail');
    const thrown = await pollUntil(
      async () => {
        const found = await flink.recentExceptions({ urls, jobId, since });
        return found.length > 0 ? found : undefined;
      },
      { timeoutMs: 30_000, what: 'an exception' },
    );
    setFault(sb, 'none');
    expect(thrown[0]?.firstLine).toContain('injected failure');
    await run(flink.waitForJobState, { urls, jobId, states: ['RUNNING'], timeoutMs: 60_000 });
  });

  it('cancelJob refuses a job whose state is in no completed checkpoint', async () => {
    const fresh = newJobId();
    // A job without checkpoints yet: interval ten minutes.
    await flink.submitJob(
      submitInput(fresh, {
        args: ['--checkpoint-interval', '600000', '--output', '/opt/flink/output/unsafe'],
      }),
    );
    await run(flink.waitForJobState, { urls, jobId: fresh, states: ['RUNNING'], timeoutMs: 60_000 });
    await expect(flink.cancelJob({ urls, jobId: fresh, stateSafeIn: 'checkpoint' })).rejects.toMatchObject({
      name: 'UnsafeCancel',
    });
    expect(await flink.getJobState({ urls, jobId: fresh })).toBe('RUNNING');
    // The workflow vouches for a savepoint it holds: then cancelling is allowed.
    expect(
      await flink.cancelJob({
        urls,
        jobId: fresh,
        stateSafeIn: { savepoint: 'file:/opt/flink/savepoints/x' },
      }),
    ).toEqual({
      cancelled: true,
      state: 'RUNNING',
    });
    await run(flink.waitForJobState, { urls, jobId: fresh, states: ['CANCELED'], timeoutMs: 30_000 });
    expect(await flink.cancelJob({ urls, jobId: fresh, stateSafeIn: 'checkpoint' })).toEqual({
      cancelled: false,
      state: 'CANCELED',
    });
  });

  it('triggerSavepoint is idempotent on its triggerId, and waitForSavepoint returns the location', async () => {
    const savepointsDir = sb.cluster.volumes.find((v) => v.container === '/opt/flink/savepoints')
      ?.host as string;
    const before = readdirSync(savepointsDir).length;
    const triggerId = randomBytes(16).toString('hex');
    const input = { urls, jobId, targetDirectory: 'file:///opt/flink/savepoints', triggerId };
    expect(await flink.triggerSavepoint(input)).toEqual({ triggerId });
    expect(await flink.triggerSavepoint(input)).toEqual({ triggerId }); // a retry of the same request
    const { location } = await run(flink.waitForSavepoint, { urls, jobId, triggerId, timeoutMs: 60_000 });
    expect(location).toMatch(/^file:\/opt\/flink\/savepoints\/savepoint-[0-9a-f]{6}-[0-9a-f]{12}$/);
    expect(readdirSync(savepointsDir).length).toBe(before + 1);
    expect(await flink.getJobState({ urls, jobId })).toBe('RUNNING');
  });

  it('stop-with-savepoint then a submission from it continues the sequence with no gap or duplicate', async () => {
    const triggerId = randomBytes(16).toString('hex');
    await flink.stopWithSavepoint({
      urls,
      jobId,
      targetDirectory: 'file:///opt/flink/savepoints',
      triggerId,
    });
    const { location } = await run(flink.waitForSavepoint, { urls, jobId, triggerId, timeoutMs: 60_000 });
    await run(flink.waitForJobState, { urls, jobId, states: ['FINISHED'], timeoutMs: 30_000 });

    const resumed = newJobId();
    await flink.submitJob(submitInput(resumed, { savepointPath: location }));
    await run(flink.waitForJobState, { urls, jobId: resumed, states: ['RUNNING'], timeoutMs: 60_000 });
    const after = await run(flink.waitForCheckpoint, { urls, jobId: resumed, afterId: 0, timeoutMs: 30_000 });
    await run(flink.waitForCheckpoint, { urls, jobId: resumed, afterId: after.id, timeoutMs: 30_000 });
    const seen = await flink.observeCheckpoints({ urls, jobId: resumed });
    expect(seen.restoredFrom).toMatchObject({ isSavepoint: true, path: location });
    const report = await output.checkOutputSequence({ output: sb.output });
    expect(report).toMatchObject({ first: 0, gaps: [], duplicates: [], continuous: true });
    jobId = resumed;
  });
});

describe('output activities on the sandbox', () => {
  it('observeOutput sees fresh committed files and no stuck in-progress file', async () => {
    const seen = await output.observeOutput({ output: sb.output });
    expect(seen.committedFiles).toBeGreaterThan(0);
    expect(seen.newestAgeMs).toBeLessThan(15_000);
    expect(seen.committedInWindow).toBeGreaterThan(0);
    expect(seen.stuckInProgress).toBe(0);
  });

  it('waitForNewOutput resolves with a file committed after the given time', async () => {
    const after = Date.now();
    const found = await run(output.waitForNewOutput, { output: sb.output, after, timeoutMs: 30_000 });
    expect(found.committedAt).toBeGreaterThan(after);
    expect(found.path).toMatch(/part-[0-9a-f-]+-\d+\.csv$/);
  });

  it('reads the same listing through find in a container', async () => {
    const inContainer = {
      ...sb.output,
      path: '/opt/flink/output',
      container: 'realtime-pipeline-taskmanager-1',
    };
    const seen = await output.observeOutput({ output: inContainer });
    const local = await output.observeOutput({ output: sb.output });
    expect(Math.abs(seen.committedFiles - local.committedFiles)).toBeLessThanOrEqual(2);
    expect(seen.newestAgeMs).toBeLessThan(15_000);
  });
});

describe('leader and HA settings', () => {
  it('readLeader names the REST and dispatcher leader, one JobManager in one session', async () => {
    const report = await leader.readLeader({
      zookeeper: sb.cluster.zookeeper,
      jobManagers: sb.cluster.jobManagers,
    });
    expect(urls).toContain(report.restLeader?.url);
    expect(report.restLeader?.container).toBe(report.dispatcher?.container);
    expect(report.dispatcher?.address).toMatch(
      /^pekko\.tcp:\/\/flink@127\.0\.0\.1:614[01]\/user\/rpc\/dispatcher_\d+$/,
    );
    expect(report.consistent).toBe(true);
  });

  it('checkHaSettings reads both JobManagers and finds their HA settings identical', async () => {
    const report = await leader.checkHaSettings({ jobManagers: sb.cluster.jobManagers });
    expect(report.read).toEqual(urls);
    expect(report.differences).toEqual([]);
    expect(report.agree).toBe(true);
  });

  it('waitForLeaderChange sees the standby take over when the leader stops', async () => {
    const before = await leader.readLeader({
      zookeeper: sb.cluster.zookeeper,
      jobManagers: sb.cluster.jobManagers,
    });
    const leading = sb.cluster.jobManagers.find((jm) => jm.url === before.restLeader?.url);
    if (!leading) throw new Error('no leader');
    expect(await docker.stopContainer({ container: leading.container })).toBe('stopped');
    const after = await run(leader.waitForLeaderChange, {
      zookeeper: sb.cluster.zookeeper,
      jobManagers: sb.cluster.jobManagers,
      fromUrl: leading.url,
      timeoutMs: 60_000,
    });
    expect(after.restLeader?.url).not.toBe(leading.url);
    expect(after.restLeader?.sessionId).not.toBe(before.restLeader?.sessionId);
    expect(await docker.startContainer({ container: leading.container })).toBe('started');
    await waitForRest(leading.url);
    expect(await flink.getJobState({ urls, jobId })).toBe('RUNNING');
  });
});

describe('Docker activities on the sandbox', () => {
  const tm = 'realtime-pipeline-taskmanager-2';

  it("inspects, greps logs and execs like the seeds' troubleshooting", async () => {
    expect(await docker.inspectContainer({ container: tm })).toMatchObject({
      exists: true,
      running: true,
      status: 'running',
    });
    expect(await docker.inspectContainer({ container: 'no-such-container' })).toMatchObject({
      exists: false,
      running: false,
    });
    const logs = await docker.grepContainerLogs({
      container: 'flink-jobmanager-standby',
      tail: 2000,
      pattern: 'leadership',
    });
    expect(logs.scanned).toBeGreaterThan(0);
    expect(logs.matched.length).toBeGreaterThan(0);
    const exec = await docker.execInContainer({
      container: 'flink-jobmanager',
      cmd: ['grep', '-A8', '^high-availability:', '/opt/flink/conf/config.yaml'],
    });
    expect(exec.exitCode).toBe(0);
    expect(exec.stdout).toContain('quorum: 127.0.0.1:2181');
  });

  it('create is idempotent; kill, start, stop and restart say what they did', async () => {
    const plan = planContainers(sb.cluster).find((c) => c.name === tm);
    if (!plan) throw new Error(`no plan for ${tm}`);
    expect(await docker.createContainer({ plan })).toEqual({ created: false });
    expect(await docker.killContainer({ container: tm })).toBe('killed');
    expect(await docker.killContainer({ container: tm })).toBe('not-running');
    expect(await docker.startContainer({ container: tm })).toBe('started');
    expect(await docker.startContainer({ container: tm })).toBe('already-running');
    expect(await docker.restartContainer({ container: tm, timeoutSeconds: 10 })).toBe('started');
    // The killed incarnation stays listed until its heartbeat times out: wait for exactly two live ones.
    await pollUntil(
      async () => {
        const tms = await flink.listTaskManagers({ urls });
        return tms.length === 2 && tms.every((t) => t.heartbeatAgeMs < 5_000) ? tms : undefined;
      },
      { timeoutMs: 60_000, what: 'two live TaskManagers' },
    );
    await expect(docker.stopContainer({ container: 'no-such-container' })).rejects.toMatchObject({
      name: 'ContainerNotFound',
    });
    await sleep(1_000);
    expect(await flink.getJobState({ urls, jobId })).not.toBe('MISSING');
  });
});
