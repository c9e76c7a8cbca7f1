import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { BenchSandbox } from './bench-sandbox';

/**
 * A FAKE Flink REST API for the scale benchmark — a replay, not Flink. Real Flink cannot host
 * thousands of jobs on this machine, so this HTTP server on 127.0.0.1 answers the monitor's
 * requests for N synthetic jobs with responses recorded from the sandbox (at the start of the run,
 * or the ones in test/fixtures/flink-1.20), rewritten per job: its id, its start time, and
 * checkpoints that keep completing every checkpoint interval, so that every job looks healthy.
 *
 * Each synthetic job i has JobManager URLs `<base>/jm/<i>/a` and `<base>/jm/<i>/b`, so that every
 * request, /overview included, says which job's look it belongs to. A look starts with the
 * monitor's /overview request and ends with its last request before the next look (its /config
 * requests, sent alongside the /overview, are left out); the server
 * records both times per job, which is how the benchmark measures observation lag without
 * touching the runbook's code.
 */
export interface Recording {
  source: string;
  overview: Record<string, unknown>;
  jobsOverview: { jobs: Array<Record<string, unknown>> };
  job: Record<string, unknown> & { vertices: Array<{ id: string }> };
  checkpoints: Record<string, unknown> & {
    latest: { completed?: Record<string, unknown> | null; restored?: unknown };
    history: Array<Record<string, unknown>>;
  };
  checkpointConfig: Record<string, unknown> & { interval: number };
  exceptions: Record<string, unknown>;
  vertexMetrics: Array<{ id: string; sum?: number }>;
  notFound: Record<string, unknown>;
}

const fixtures = fileURLToPath(new URL('../../test/fixtures/flink-1.20/', import.meta.url));
const fixture = (name: string) => JSON.parse(readFileSync(`${fixtures}${name}`, 'utf8'));

export function fixtureRecording(): Recording {
  return {
    source: 'test/fixtures/flink-1.20 (responses recorded from the sandbox, Flink 1.20.3)',
    overview: fixture('overview.json'),
    jobsOverview: fixture('jobs-overview.json'),
    job: fixture('job-running.json'),
    checkpoints: fixture('checkpoints.json'),
    checkpointConfig: fixture('checkpoint-config.json'),
    exceptions: fixture('exceptions.json'),
    vertexMetrics: fixture('vertex-subtasks-metrics.json'),
    notFound: fixture('job-unknown.404.json'),
  };
}

/** Records the same responses from a live sandbox with a RUNNING job; undefined when it has none. */
export async function recordFromSandbox(sb: BenchSandbox): Promise<Recording | undefined> {
  const jobs = await sb.rest.call((c) => c.jobsOverview()).catch(() => []);
  const running = jobs.find((j) => j.state === 'RUNNING');
  if (!running) return undefined;
  const url = sb.urls[0] as string;
  const get = async (path: string) => (await fetch(`${url}${path}`)).json();
  const id = running.jid;
  const job = await get(`/jobs/${id}`);
  const source = job.vertices?.[0]?.id;
  if (!source) return undefined;
  return {
    source: `recorded from the bench sandbox (${url}, job ${id}) at ${new Date().toISOString()}`,
    overview: await get('/overview'),
    jobsOverview: await get('/jobs/overview'),
    job,
    checkpoints: await get(`/jobs/${id}/checkpoints`),
    checkpointConfig: await get(`/jobs/${id}/checkpoints/config`),
    exceptions: await get(`/jobs/${id}/exceptions?maxExceptions=5`),
    vertexMetrics: await get(
      `/jobs/${id}/vertices/${source}/subtasks/metrics?get=numRecordsOut,numRecordsOutPerSecond&agg=sum`,
    ),
    notFound: await get('/jobs/00000000000000000000000000000000'),
  };
}

export interface Looks {
  starts: number[];
  ends: number[];
  /** Time of the latest request of the current look. */
  last: number;
}

export class ReplayServer {
  private server?: Server;
  private port = 0;
  readonly looks = new Map<string, Looks>();
  private readonly startTimes = new Map<string, number>();
  requests = 0;
  /**
   * Every request that would change a job (any method but GET: cancel, stop, savepoint, submit):
   * a healthy synthetic job must see none.
   */
  readonly changes: Array<{ method: string; url: string; at: number }> = [];

  constructor(readonly recording: Recording) {}

  async listen(): Promise<void> {
    this.server = createServer((req, res) => {
      if (req.method !== 'GET')
        this.changes.push({ method: req.method ?? '?', url: req.url ?? '/', at: Date.now() });
      this.handle(req.url ?? '/', res);
    });
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  /** The synthetic job `key` (e.g. "replay60-0001"): its two JobManager URLs and its job id. */
  job(key: string): { urls: string[]; jobId: string } {
    if (!this.startTimes.has(key)) {
      // Running for an hour or so already, as a long-lived CDC job would be.
      this.startTimes.set(key, Date.now() - 3_600_000 - Math.floor(Math.random() * 600_000));
    }
    const base = `http://127.0.0.1:${this.port}/jm/${key}`;
    return { urls: [`${base}/a`, `${base}/b`], jobId: jobIdOf(key) };
  }

  /** Forgets the looks recorded so far (a new phase of the benchmark). */
  resetLooks(): void {
    this.looks.clear();
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server?.closeAllConnections();
      this.server?.close(() => resolve());
    });
  }

  private handle(url: string, res: import('node:http').ServerResponse): void {
    this.requests++;
    const [status, body] = this.route(url, Date.now());
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=UTF-8',
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  }

  private route(url: string, now: number): [number, unknown] {
    const m = /^\/jm\/([\w.-]+)\/[ab](\/[^?]*)(\?.*)?$/.exec(url);
    if (!m) return [404, { errors: ['Not found: /'] }];
    const key = m[1] as string;
    const path = m[2] as string;
    const start = this.startTimes.get(key);
    if (start === undefined) return [404, { errors: [`Not found: ${path}`] }];
    this.track(key, path, now);
    const jid = jobIdOf(key);
    const rec = this.recording;
    if (path === '/overview') return [200, { ...rec.overview, 'jobs-running': 1 }];
    // The monitor asks each JobManager whether it answers at all.
    if (path === '/config') return [200, { 'flink-version': rec.overview['flink-version'] }];
    if (path === '/jobs/overview') {
      const template = rec.jobsOverview.jobs[0] ?? {};
      const job = {
        ...template,
        jid,
        name: 'synthetic',
        state: 'RUNNING',
        'start-time': start,
        duration: now - start,
      };
      return [200, { jobs: [job] }];
    }
    const jm = /^\/jobs\/([0-9a-f]{32})(\/.*)?$/.exec(path);
    if (!jm || jm[1] !== jid) return [404, rec.notFound];
    const rest = jm[2] ?? '';
    if (rest === '') return [200, this.jobDetails(jid, start, now)];
    if (rest === '/checkpoints') return [200, this.checkpoints(jid, start, now)];
    if (rest === '/checkpoints/config') return [200, rec.checkpointConfig];
    if (rest === '/exceptions') return [200, rec.exceptions];
    if (/^\/vertices\/[0-9a-f]+\/subtasks\/metrics$/.test(rest)) {
      const total = Math.floor((now - start) / 50);
      return [200, rec.vertexMetrics.map((m) => (m.id === 'numRecordsOut' ? { ...m, sum: total } : m))];
    }
    return [404, { errors: [`Not found: ${path}`] }];
  }

  private track(key: string, path: string, now: number): void {
    let looks = this.looks.get(key);
    if (!looks) {
      looks = { starts: [], ends: [], last: now };
      this.looks.set(key, looks);
    }
    // The monitor asks every JobManager for /config in parallel with its /overview, so that request
    // may arrive first: it belongs to the new look and must not count as the previous one's end.
    if (path === '/config') return;
    if (path === '/overview') {
      // A new look: the previous one ended with its last request.
      if (looks.starts.length > looks.ends.length) looks.ends.push(looks.last);
      looks.starts.push(now);
    }
    looks.last = now;
  }

  private jobDetails(jid: string, start: number, now: number) {
    const job = this.recording.job;
    const timestamps = { ...(job.timestamps as Record<string, number>) };
    for (const k of Object.keys(timestamps)) timestamps[k] = 0;
    Object.assign(timestamps, { INITIALIZING: start, CREATED: start + 200, RUNNING: start + 400 });
    return {
      ...job,
      jid,
      name: 'synthetic',
      state: 'RUNNING',
      'start-time': start,
      now,
      duration: now - start,
      timestamps,
    };
  }

  /** Checkpoints completing every interval since the job started: the latest at most one interval old. */
  private checkpoints(jid: string, start: number, now: number) {
    const cps = this.recording.checkpoints;
    const interval = this.recording.checkpointConfig.interval;
    const latestId = Math.max(1, Math.floor((now - start - 1_000) / interval));
    const template = cps.history.find((h) => h.status === 'COMPLETED') ?? cps.latest.completed ?? {};
    const completed = (id: number) => {
      const ack = start + 1_000 + id * interval;
      return {
        ...template,
        className: 'completed',
        id,
        status: 'COMPLETED',
        is_savepoint: false,
        trigger_timestamp: ack - 25,
        latest_ack_timestamp: ack,
        external_path: `file:/opt/flink/checkpoints/${jid}/chk-${id}`,
      };
    };
    const history = [];
    for (let id = latestId; id > Math.max(0, latestId - 10); id--) history.push(completed(id));
    return {
      ...cps,
      counts: { restored: 0, total: latestId, in_progress: 0, completed: latestId, failed: 0 },
      latest: { completed: completed(latestId), savepoint: null, failed: null, restored: null },
      history,
    };
  }
}

/** 32 hex digits: a fixed prefix and the key's digits. */
export function jobIdOf(key: string): string {
  const digits = key.replace(/\D/g, '').slice(-22).padStart(22, '0');
  return `feedbeef${key.startsWith('replaycal') ? 'ca' : '00'}${digits}`;
}
