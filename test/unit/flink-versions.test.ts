import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobFailureCause } from '../../src/activities/deploy';
import {
  getJobState,
  listJobs,
  listTaskManagers,
  observeCheckpoints,
  recentExceptions,
  submitJob,
  waitForSavepoint,
} from '../../src/activities/flink';
import { latestFailure } from '../../src/flink/exceptions';
import type { JobExceptions } from '../../src/flink/types';
import { listenOnLoopback } from '../helpers/listen';

/**
 * The REST activities on the answers of real Flink 1.20.3 and 2.3.0 (test/fixtures/flink-1.20 and
 * flink-2.3, recorded by test/fixtures/record-flink-rest.sh from local standalone clusters running
 * the FLIP-27 sample job). A loopback server replays a recorded body per route.
 */
const VERSIONS = ['1.20', '2.3'] as const;
type Version = (typeof VERSIONS)[number];

const fixture = (version: Version, name: string) =>
  readFileSync(new URL(`../fixtures/flink-${version}/${name}`, import.meta.url), 'utf8');
const recorded = <T>(version: Version, name: string) => JSON.parse(fixture(version, name)) as T;

interface Replay {
  url: string;
  close: () => Promise<void>;
  /** Route → fixture file (status from a `.404.` / `.500.` infix, else 200). */
  routes: Map<string, string>;
  requests: Array<{ method: string; path: string; body: string }>;
}

async function replay(version: Version, routes: Record<string, string>): Promise<Replay> {
  const state: Pick<Replay, 'routes' | 'requests'> = {
    routes: new Map(Object.entries(routes)),
    requests: [],
  };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const path = req.url ?? '';
      state.requests.push({ method: req.method ?? 'GET', path, body });
      const file = state.routes.get(`${req.method} ${path}`);
      const status = file ? Number(/\.(\d{3})\.json$/.exec(file)?.[1] ?? 200) : 404;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(file ? fixture(version, file) : '{"errors":["Not found: no recorded answer"]}');
    });
  });
  return { ...(await listenOnLoopback(server)), ...state };
}

describe.each(VERSIONS)('REST activities on recorded Flink %s answers', (version) => {
  const job = recorded<{ jid: string }>(version, 'job-running.json').jid;
  const unknown = '00000000000000000000000000000000';
  let flink: Replay;
  const on = () => ({ urls: [flink.url] });

  beforeAll(async () => {
    flink = await replay(version, {
      'GET /jobs/overview': 'jobs-overview.json',
      [`GET /jobs/${job}`]: 'job-running.json',
      [`GET /jobs/${unknown}`]: 'job-unknown.404.json',
      [`GET /jobs/${job}/checkpoints`]: 'checkpoints.json',
      [`GET /jobs/${job}/checkpoints/config`]: 'checkpoint-config.json',
      [`GET /jobs/${job}/exceptions?maxExceptions=1`]: 'exceptions-after-failure.json',
      [`GET /jobs/${job}/exceptions?maxExceptions=10`]: 'exceptions-after-failure.json',
      [`GET /jobs/${job}/savepoints/done`]: 'savepoint-status.json',
      [`GET /jobs/${job}/savepoints/stopped`]: 'stop-status.json',
      [`GET /jobs/${job}/savepoints/expired`]: 'savepoint-status-expired.json',
      'GET /taskmanagers': 'taskmanagers.json',
      'POST /jars/upload': 'jar-upload.json',
    });
  });
  afterAll(() => flink.close());

  it('lists the running sample job and reads its state; an unknown job is MISSING', async () => {
    const jobs = await listJobs(on());
    expect(jobs.find((j) => j.jobId === job)).toMatchObject({ name: 'sample-pipeline', state: 'RUNNING' });
    expect(await getJobState({ ...on(), jobId: job })).toBe('RUNNING');
    expect(await getJobState({ ...on(), jobId: unknown })).toBe('MISSING');
  });

  it('observes completed, retained checkpoints and the settings the job asked for', async () => {
    const seen = await observeCheckpoints({ ...on(), jobId: job });
    expect(seen.counts.completed).toBeGreaterThan(0);
    expect(seen.latestCompleted?.path).toMatch(/^file:.*\/chk-\d+$/);
    expect(seen.latestCompleted?.isSavepoint).toBe(false);
    expect(seen.config.retainedOnCancel).toBe(true);
    expect(seen.config.tolerableFailures).toBe(2147483647);
  });

  it('sees a stall as expired checkpoints and none completed since', async () => {
    flink.routes.set(`GET /jobs/${job}/checkpoints`, 'checkpoints-stalled.json');
    try {
      const seen = await observeCheckpoints({ ...on(), jobId: job });
      expect(seen.counts.failed).toBeGreaterThan(0);
      expect(seen.latestFailed?.message).toBe('Checkpoint expired before completing.');
      expect(seen.failedSinceCompleted).toBeGreaterThan(0);
    } finally {
      flink.routes.set(`GET /jobs/${job}/checkpoints`, 'checkpoints.json');
    }
  });

  it('reads where a restored job came from: a checkpoint after a failover, a savepoint after an upgrade', async () => {
    flink.routes.set(`GET /jobs/${job}/checkpoints`, 'checkpoints-restored.json');
    const failover = await observeCheckpoints({ ...on(), jobId: job });
    flink.routes.set(`GET /jobs/${job}/checkpoints`, 'checkpoints-v2-restored.json');
    const upgrade = await observeCheckpoints({ ...on(), jobId: job });
    flink.routes.set(`GET /jobs/${job}/checkpoints`, 'checkpoints.json');
    expect(failover.restoredFrom).toMatchObject({
      isSavepoint: false,
      path: expect.stringMatching(/chk-\d+$/),
    });
    expect(upgrade.restoredFrom).toMatchObject({
      isSavepoint: true,
      path: expect.stringMatching(/savepoint-/),
    });
  });

  // waitForSavepoint heartbeats while it waits: it runs in an activity context.
  const savepoint = (triggerId: string) =>
    new MockActivityEnvironment().run(waitForSavepoint, {
      ...on(),
      jobId: job,
      triggerId,
      timeoutMs: 2_000,
    }) as ReturnType<typeof waitForSavepoint>;

  it('returns the location of a savepoint and of a stop-with-savepoint', async () => {
    const saved = await savepoint('done');
    const stopped = await savepoint('stopped');
    expect(saved.location).toMatch(/^file:.*\/savepoint-[0-9a-f]{6}-[0-9a-f]+$/);
    expect(stopped.location).toMatch(/^file:.*\/savepoint-[0-9a-f]{6}-[0-9a-f]+$/);
  });

  it('fails with the cause of a savepoint that expired on a stalled job', async () => {
    await expect(savepoint('expired')).rejects.toThrow(/failed: .*Checkpoint expired before completing/);
  });

  it("names the injected failure as the job's latest failure, with its time", async () => {
    const cause = await jobFailureCause({ ...on(), jobId: job });
    expect(cause.rootCause).toMatch(/^io\.flinkrunbooks\.sample\.InjectedFailureException: injected failure/);
    expect(cause.at).toBeGreaterThan(1_700_000_000_000);
    const recent = await recentExceptions({ ...on(), jobId: job, since: 0 });
    expect(recent[0]).toMatchObject({ name: 'io.flinkrunbooks.sample.InjectedFailureException' });
  });

  it('counts the TaskManager slots', async () => {
    const [tm] = await listTaskManagers(on());
    expect(tm).toMatchObject({ slots: 2 });
    expect(tm?.heartbeatAgeMs).toBeGreaterThanOrEqual(0);
  });

  it('submits a jar and gets the job id back (2.x adds an applicationId)', async () => {
    const jar = join(mkdtempSync(join(tmpdir(), 'jar-')), 'sample-source-pipeline-1.jar');
    writeFileSync(jar, 'PK');
    const uploaded = /[^/]+$/.exec(recorded<{ filename: string }>(version, 'jar-upload.json').filename)?.[0];
    const submitted = recorded<{ jobid: string }>(version, 'jar-run.json').jobid;
    flink.routes.set(`POST /jars/${uploaded}/run`, 'jar-run.json');
    flink.routes.set(`DELETE /jars/${uploaded}`, 'jars.json');
    flink.routes.set(`GET /jobs/${submitted}`, 'job-unknown.404.json'); // not there yet
    const result = await submitJob({
      ...on(),
      jobId: submitted,
      jar,
      entryClass: 'io.flinkrunbooks.sample.SourcePipeline',
      parallelism: 2,
      args: [],
    });
    flink.routes.set(`GET /jobs/${job}`, 'job-running.json');
    expect(result).toEqual({ jobId: submitted, alreadySubmitted: false });
    const run = flink.requests.find((r) => r.method === 'POST' && r.path.endsWith('/run'));
    expect(JSON.parse(run?.body ?? '{}')).toMatchObject({ jobId: submitted, parallelism: 2 });
  });
});

describe('latestFailure', () => {
  it('reads 1.20 (root-exception and timestamp) and 2.3 (exceptionHistory only) alike', () => {
    const old = latestFailure(recorded<JobExceptions>('1.20', 'exceptions-after-failure.json'));
    const now = latestFailure(recorded<JobExceptions>('2.3', 'exceptions-after-failure.json'));
    expect(recorded<JobExceptions>('2.3', 'exceptions-after-failure.json')['root-exception']).toBeUndefined();
    for (const failure of [old, now]) {
      expect(failure?.trace).toMatch(/^io\.flinkrunbooks\.sample\.InjectedFailureException/);
      expect(failure?.at).toBeGreaterThan(1_700_000_000_000);
    }
  });

  it('is undefined for a healthy job on either version', () => {
    for (const version of VERSIONS)
      expect(latestFailure(recorded<JobExceptions>(version, 'exceptions.json'))).toBeUndefined();
  });

  it('prefers the newest history entry when there is no root-exception', () => {
    const history = {
      exceptionHistory: {
        entries: [
          { exceptionName: 'B', stacktrace: 'B: newer', timestamp: 2 },
          { exceptionName: 'A', stacktrace: 'A: older', timestamp: 1 },
        ],
        truncated: false,
      },
    };
    expect(latestFailure(history)).toEqual({ trace: 'B: newer', at: 2 });
  });
});
