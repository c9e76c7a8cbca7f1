/**
 * Benchmark 4 — monitoring cost and scale. How many jobs one worker supervises, and what a
 * monitored job costs: history events per healthy job-hour, worker CPU and memory per job, and
 * observation lag (how late each look is against its schedule), at 60 s and 15 s intervals.
 *
 * Real Flink cannot host thousands of jobs here, so the jobs are SYNTHETIC: a replay server
 * (bench/lib/replay-server.ts, a fake Flink REST API) answers for N jobs with responses recorded
 * from the sandbox, checkpoints advancing so that every job is healthy. Everything else is real:
 * the monitorJob workflow, one worker process (src/worker.ts's createWorker, production runtime),
 * the Temporal dev server, and a real ZooKeeper (the bench sandbox's) holding the leader nodes the
 * monitor reads on each look.
 *
 * Per interval: a fresh worker; monitors are added in steps (100 → 500 → 1000 by default); after
 * each step a warm-up (every job looked at three times, so each watch is in its steady loop), then
 * a steady window in which the worker's CPU (process.cpuUsage) and RSS, the lag of every look, and
 * the other processes' CPU are measured.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { freePort } from '../scripts/lib/temporal-dev-server';
import { waitForZooKeeper } from '../src/cluster/readiness';
import { planContainers } from '../src/docker/container-plan';
import { createContainer, inspectContainer, removeContainer, startContainer } from '../src/docker/engine';
import { pollUntil, sleep } from '../src/util/poll';
import { monitorJob } from '../src/workflows';
import { monitorWorkflowId } from '../src/workflows/monitor-api';
import { getData, withZooKeeper } from '../src/zookeeper/client';
import { leaderPath } from '../src/zookeeper/leader';
import {
  type BenchSandbox,
  loadBenchSandbox,
  prepareBenchSandbox,
  resetSandbox,
  startSampleJob,
} from './lib/bench-sandbox';
import type { BenchContext } from './lib/context';
import { collectEnvironment } from './lib/environment';
import { containerCpuMs, machineCpuMs, processCpuMs } from './lib/proc';
import { fixtureRecording, type Recording, ReplayServer, recordFromSandbox } from './lib/replay-server';
import { type BenchResult, fig, type GoalVerdict, percentile, round, type Table } from './lib/report';
import type { WorkerUsage } from './lib/scale-worker';
import type { BenchTemporal } from './lib/temporal';

const repo = fileURLToPath(new URL('..', import.meta.url));
const REPLAY_CLUSTER_ID = '/bench-replay';
const LAG_LIMIT_MS = 5_000;

// ---------------------------------------------------------------- worker process

export interface WorkerProcess {
  child: ChildProcess;
  usage(): Promise<WorkerUsage>;
  stop(): Promise<void>;
}

/** `env`: more settings for the worker (the two-worker variant turns the payload codec on). */
export async function startWorkerProcess(
  t: BenchTemporal,
  taskQueue: string,
  maxActivities: number,
  logFile: string,
  env: Record<string, string> = {},
): Promise<WorkerProcess> {
  const out = openSync(logFile, 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/lib/scale-worker.ts'], {
    cwd: repo,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: t.address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      BENCH_WORKFLOW_BUNDLE: t.bundlePath,
      BENCH_MAX_ACTIVITIES: String(maxActivities),
      FLINK_RUNBOOKS_METRICS: `127.0.0.1:${await freePort()}`,
      FLINK_RUNBOOKS_CODEC_KEY: '',
      ...env,
    },
    stdio: ['ignore', out, out, 'ipc'],
  });
  closeSync(out);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the worker did not start within 90 s (log: ${logFile})`)),
      90_000,
    );
    child.once('message', (m) => {
      if (m === 'ready') {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`the worker exited with ${code} (log: ${logFile})`)));
  });
  return {
    child,
    usage: () =>
      new Promise<WorkerUsage>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the worker did not report its usage')), 30_000);
        child.once('message', (m) => {
          clearTimeout(timer);
          resolve(m as WorkerUsage);
        });
        child.send('usage');
      }),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send('stop');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

// ---------------------------------------------------------------- synthetic clusters

/** One synthetic cluster per job, so that each monitor has its own workflow id monitor:<key>:synthetic. */
export function replaySpec(replay: ReplayServer, key: string, intervalMs: number, quorum: string) {
  const { urls } = replay.job(key);
  return {
    zookeeper: { quorum, root: '/flink', clusterId: REPLAY_CLUSTER_ID },
    ha: { storageDir: 'file:///replay/ha' },
    jobManagers: [
      { role: 'primary', url: urls[0], container: `${key}-jm-a` },
      { role: 'standby', url: urls[1], container: `${key}-jm-b` },
    ],
    taskManagers: { slots: 2, containers: [{ container: `${key}-tm-1` }, { container: `${key}-tm-2` }] },
    jobs: [
      {
        name: 'synthetic',
        jar: '/replay/synthetic.jar',
        entryClass: 'io.flinkrunbooks.sample.SamplePipeline',
        parallelism: 2,
        savepointDir: 'file:///replay/savepoints',
        checkpointDir: 'file:///replay/checkpoints',
      },
    ],
    monitor: {
      interval: intervalMs,
      fileWindow: 300_000,
      maxRestarts: 3,
      restartWindow: 3_600_000,
      cooldown: 300_000,
    },
  };
}

/** The leader nodes the monitor reads on each look: Flink's format, naming the replay server. */
export async function writeLeaderNodes(quorum: string, restUrl: string): Promise<void> {
  const fixtures = fileURLToPath(new URL('../test/fixtures/zookeeper/', import.meta.url));
  const withAddress = (file: string, address?: string) => {
    const data = readFileSync(join(fixtures, file));
    if (!address) return data;
    // writeUTF(address) in a block-data record, then the java.util.UUID object, kept as recorded.
    const oldLength = data.readUInt16BE(6);
    const utf = Buffer.from(address, 'utf8');
    const header = Buffer.from([
      0xac,
      0xed,
      0x00,
      0x05,
      0x77,
      utf.length + 2,
      utf.length >> 8,
      utf.length & 0xff,
    ]);
    return Buffer.concat([header, utf, data.subarray(8 + oldLength)]);
  };
  const zk = { quorum, root: '/flink', clusterId: REPLAY_CLUSTER_ID };
  await withZooKeeper(quorum, async (client) => {
    for (const [component, data] of [
      ['rest_server', withAddress('rest_server-connection_info.bin', restUrl)],
      ['dispatcher', withAddress('dispatcher-connection_info.bin')],
    ] as const) {
      const path = leaderPath(zk, component);
      await new Promise<void>((resolve, reject) =>
        client.mkdirp(path, (error) => (error ? reject(error) : resolve())),
      );
      await new Promise<void>((resolve, reject) =>
        client.setData(path, data, (error) => (error ? reject(error) : resolve())),
      );
    }
    if (!(await getData(client, leaderPath(zk, 'rest_server')))) throw new Error('leader node not written');
  });
}

/** The bench sandbox's ZooKeeper: already up with the sandbox, or started alone for this benchmark. */
async function ensureZooKeeper(
  sb: BenchSandbox,
  log: (l: string) => void,
): Promise<{ name: string; started: boolean }> {
  const plan = planContainers(sb.cluster).find((c) => c.role === 'zookeeper');
  if (!plan) throw new Error(`${sb.cluster.name} has no ZooKeeper container`);
  const state = await inspectContainer(plan.name);
  if (state.running) return { name: plan.name, started: false };
  log(`starting ZooKeeper ${plan.name} alone (${sb.cluster.zookeeper.quorum})`);
  if (state.exists) await removeContainer(plan.name);
  prepareBenchSandbox(sb);
  await createContainer(plan);
  await startContainer(plan.name);
  await waitForZooKeeper(sb.cluster.zookeeper.quorum);
  return { name: plan.name, started: true };
}

/**
 * Fresh recordings when the bench sandbox is up: from its running sample job, or from one started
 * for the purpose (and cancelled again). Undefined when the sandbox is not up.
 */
async function recordLive(sb: BenchSandbox, log: (l: string) => void): Promise<Recording | undefined> {
  const up = await sb.rest
    .call((c) => c.overview())
    .then(() => true)
    .catch(() => false);
  if (!up) return undefined;
  try {
    const recorded = await recordFromSandbox(sb);
    if (recorded) return recorded;
    log('recording REST responses from a sample job on the bench sandbox');
    await resetSandbox(sb);
    await startSampleJob(sb, 20);
    const fresh = await recordFromSandbox(sb);
    await resetSandbox(sb);
    return fresh;
  } catch (error) {
    log(`could not record from the sandbox (${(error as Error).message}); using the fixtures`);
    return undefined;
  }
}

// ---------------------------------------------------------------- measuring

/** `spec`: the cluster of each synthetic job (default replaySpec). */
export async function startMonitors(
  client: Client,
  taskQueue: string,
  replay: ReplayServer,
  keys: string[],
  intervalMs: number,
  quorum: string,
  watchMaxMs?: number,
  spec: (key: string) => unknown = (key) => replaySpec(replay, key, intervalMs, quorum),
): Promise<void> {
  let next = 0;
  const startOne = async () => {
    while (next < keys.length) {
      const key = keys[next++] as string;
      await client.workflow.start(monitorJob, {
        taskQueue,
        workflowId: monitorWorkflowId(key, 'synthetic'),
        args: [
          {
            cluster: key,
            spec: spec(key),
            jobId: replay.job(key).jobId,
            watchMaxMs,
          },
        ],
      });
    }
  };
  await Promise.all(Array.from({ length: 20 }, startOne));
}

export async function terminateMonitors(client: Client, keys: string[]): Promise<void> {
  let next = 0;
  const one = async () => {
    while (next < keys.length) {
      const key = keys[next++] as string;
      await client.workflow
        .getHandle(monitorWorkflowId(key, 'synthetic'))
        .terminate('benchmark step done')
        .catch(() => undefined);
    }
  };
  await Promise.all(Array.from({ length: 20 }, one));
}

/** Lag of each look that started in [from, to): its end minus (the previous look's start + the interval). */
export function lagsIn(replay: ReplayServer, keys: string[], intervalMs: number, from: number, to: number) {
  const lags: number[] = [];
  const durations: number[] = [];
  let looked = 0;
  let looks = 0;
  for (const key of keys) {
    const l = replay.looks.get(key);
    if (!l) continue;
    let seen = false;
    for (let k = 1; k < l.starts.length; k++) {
      const start = l.starts[k] as number;
      if (start < from || start >= to) continue;
      const end = l.ends[k] ?? l.last;
      lags.push(end - (l.starts[k - 1] as number) - intervalMs);
      durations.push(end - start);
      looks++;
      seen = true;
    }
    if (seen) looked++;
  }
  return { lags, durations, looked, looks };
}

async function historyEventsIn(client: Client, keys: string[], from: number, to: number) {
  let events = 0;
  for (const key of keys) {
    const history = await client.workflow.getHandle(monitorWorkflowId(key, 'synthetic')).fetchHistory();
    events += (history.events ?? []).filter((e) => {
      const at = tsToMs(e.eventTime);
      return at >= from && at < to;
    }).length;
  }
  return events;
}

async function retriedWatches(client: Client, keys: string[]): Promise<number> {
  let retried = 0;
  for (const key of keys) {
    const d = await client.workflow
      .getHandle(monitorWorkflowId(key, 'synthetic'))
      .describe()
      .catch(() => undefined);
    if ((d?.raw.pendingActivities ?? []).some((a) => (a.attempt ?? 1) > 1)) retried++;
  }
  return retried;
}

const sample = <T>(list: T[], n: number) =>
  list.length <= n ? list : Array.from({ length: n }, (_, i) => list[Math.floor((i * list.length) / n)] as T);

interface Step {
  intervalS: number;
  jobs: number;
  warmupS: number;
  warmedUp: number;
  windowS: number;
  workerCpuCores: number;
  workerCpuMsPerJobHour: number;
  workerRssMb: number;
  workerRssPerJobKb: number;
  workerHeapMb: number;
  eventLoopDelayP99Ms: number;
  lag: { p50?: number; p99?: number; max?: number; samples: number };
  lookDuration: { p50?: number; p99?: number };
  coverage: number;
  looksPerJob: number;
  expectedLooksPerJob: number;
  temporalServerCpuCores?: number;
  zookeeperCpuCores?: number;
  driverCpuCores: number;
  machineBusyCores: number;
  replayRequestsPerS: number;
  /** Running monitors and those whose verdict is not healthy (search attributes). */
  monitorsRunning?: number;
  notHealthy?: number;
  /** Watches on a second or later attempt (a missed heartbeat, a failed attempt), in a sample of 30. */
  retriedWatchesInSample: number;
  sampled: number;
  historyEventsPerJobHourInWindow: number;
  passLag: boolean;
}

// ---------------------------------------------------------------- the benchmark

export async function runScale(ctx: BenchContext): Promise<BenchResult> {
  const startedAt = new Date();
  const environment = await collectEnvironment();
  const { log, options } = ctx;
  const sb =
    ctx.sandboxIfUp() ??
    (await loadBenchSandbox({
      file: options.clusters,
      cluster: options.cluster,
      anyContainers: options.anyContainers,
    }));
  const recording: Recording = (await recordLive(sb, log)) ?? fixtureRecording();
  const zk = await ensureZooKeeper(sb, log);
  const quorum = sb.cluster.zookeeper.quorum;
  log(`replaying Flink REST responses: ${recording.source}`);
  environment.flink = `${recording.overview['flink-version']} (REPLAYED for synthetic jobs, not a live cluster)`;
  const replay = new ReplayServer(recording);
  await replay.listen();
  await writeLeaderNodes(quorum, replay.job('leader').urls[0] as string);
  const t = await ctx.temporal();
  const serverPid = t.server.process.pid as number;
  const logDir = mkdtempSync(join(tmpdir(), 'flink-runbooks-scale-'));
  const maxJobs = Math.max(...options.sizes);
  const steps: Step[] = [];
  let calibration: Record<string, unknown> = {};

  try {
    // --- calibration: history events per healthy watch cycle (short cycles, so several fit) ---
    {
      const taskQueue = `bench-scale-cal-${Date.now()}`;
      const worker = await startWorkerProcess(t, taskQueue, 200, join(logDir, 'worker-calibration.log'));
      const keys = Array.from({ length: 10 }, (_, i) => `replaycal-${String(i + 1).padStart(4, '0')}`);
      const intervalMs = 5_000;
      const watchMaxMs = 10_000;
      log(
        `calibration: 10 monitors, ${intervalMs / 1000} s looks, a watch cycle every ${watchMaxMs / 1000} s`,
      );
      await startMonitors(t.client, taskQueue, replay, keys, intervalMs, quorum, watchMaxMs);
      await sleep(20_000);
      const count = async () => {
        let events = 0;
        let cycles = 0;
        for (const key of keys) {
          const h = await t.client.workflow.getHandle(monitorWorkflowId(key, 'synthetic')).fetchHistory();
          events += h.events?.length ?? 0;
          cycles += (h.events ?? []).filter((e) => e.activityTaskCompletedEventAttributes).length;
        }
        return { events, cycles };
      };
      const before = await count();
      await sleep(45_000);
      const after = await count();
      const perCycle = (after.events - before.events) / Math.max(1, after.cycles - before.cycles);
      calibration = {
        monitors: keys.length,
        watchCycles: after.cycles - before.cycles,
        historyEvents: after.events - before.events,
        eventsPerWatchCycle: fig(perCycle, 'events per healthy watch cycle'),
        // The default watch reports every 30 minutes: two cycles per healthy hour.
        eventsPerJobHour: fig(
          perCycle * 2,
          'history events per healthy monitored job-hour (default 30-minute watch)',
        ),
      };
      log(
        `calibration: ${perCycle.toFixed(1)} history events per watch cycle → ${(perCycle * 2).toFixed(0)} per job-hour`,
      );
      await terminateMonitors(t.client, keys);
      await worker.stop();
    }

    for (const intervalS of options.intervals) {
      const intervalMs = intervalS * 1000;
      const windowMs = (options.windowS ?? intervalS + 15) * 1000;
      const taskQueue = `bench-scale-${intervalS}s-${Date.now()}`;
      replay.resetLooks();
      const worker = await startWorkerProcess(
        t,
        taskQueue,
        maxJobs + 50,
        join(logDir, `worker-${intervalS}s.log`),
      );
      await sleep(3_000);
      const idle0 = await worker.usage();
      await sleep(7_000);
      const idle1 = await worker.usage();
      const idleCores = (cpuMs(idle1) - cpuMs(idle0)) / (idle1.at - idle0.at);
      const baselineRss = idle1.rss;
      log(
        `${intervalS} s: worker idle at ${(baselineRss / 2 ** 20).toFixed(0)} MB RSS, ${idleCores.toFixed(3)} cores`,
      );
      const keys: string[] = [];
      try {
        for (const size of options.sizes) {
          const added = Array.from(
            { length: size - keys.length },
            (_, i) => `replay${intervalS}-${String(keys.length + i + 1).padStart(4, '0')}`,
          );
          const t0 = Date.now();
          await startMonitors(t.client, taskQueue, replay, added, intervalMs, quorum);
          keys.push(...added);
          log(
            `${intervalS} s: ${keys.length} monitors (${added.length} started in ${((Date.now() - t0) / 1000).toFixed(0)} s); warming up`,
          );
          const warm = await pollUntil(
            async () => {
              const ready = keys.filter((k) => (replay.looks.get(k)?.starts.length ?? 0) >= 3).length;
              return ready === keys.length ? ready : undefined;
            },
            {
              timeoutMs: 3 * intervalMs + 60_000,
              intervalMs: 1_000,
              what: 'every job looked at three times',
            },
          ).catch(() => keys.filter((k) => (replay.looks.get(k)?.starts.length ?? 0) >= 3).length);
          const warmupS = (Date.now() - t0) / 1000;

          const u0 = await worker.usage();
          const m0 = machineCpuMs();
          const s0 = processCpuMs(serverPid);
          const d0 = process.cpuUsage();
          const r0 = replay.requests;
          const [z0, z0at] = [await containerCpuMs(zk.name), Date.now()];
          const from = Date.now();
          log(`${intervalS} s × ${keys.length}: measuring ${windowMs / 1000} s`);
          await sleep(windowMs);
          const to = Date.now();
          const u1 = await worker.usage();
          const m1 = machineCpuMs();
          const s1 = processCpuMs(serverPid);
          const d1 = process.cpuUsage();
          const r1 = replay.requests;
          const [z1, z1at] = [await containerCpuMs(zk.name), Date.now()];
          await sleep(2_000); // let the looks that started at the end of the window finish
          const elapsed = u1.at - u0.at;
          const workerCores = (cpuMs(u1) - cpuMs(u0)) / elapsed;
          const { lags, durations, looked, looks } = lagsIn(replay, keys, intervalMs, from, to);
          const sampled = sample(keys, 20);
          const historyEvents = await historyEventsIn(t.client, sampled, from, to);
          const retried = await retriedWatches(t.client, sample(keys, 30));
          // The monitors' own verdicts, from the JobHealth search attribute they keep current.
          const count = (query: string) =>
            t.client.workflow
              .count(
                `Runbook = 'monitor' AND ExecutionStatus = 'Running' AND TaskQueue = '${taskQueue}'${query}`,
              )
              .then((c) => c.count)
              .catch(() => undefined);
          const monitorsRunning = await count('');
          const notHealthy = await count(" AND JobHealth != 'healthy'");
          const p99 = percentile(lags, 99);
          const step: Step = {
            intervalS,
            jobs: keys.length,
            warmupS: round(warmupS, 1),
            warmedUp: warm,
            windowS: round(elapsed / 1000, 1),
            workerCpuCores: round(workerCores, 3),
            workerCpuMsPerJobHour: round((workerCores * 3_600_000) / keys.length, 0),
            workerRssMb: round(u1.rss / 2 ** 20, 0),
            workerRssPerJobKb: round((u1.rss - baselineRss) / keys.length / 1024, 1),
            workerHeapMb: round(u1.heapUsed / 2 ** 20, 0),
            eventLoopDelayP99Ms: round(u1.loopDelay.p99, 1),
            lag: {
              p50: percentile(lags, 50),
              p99,
              max: lags.length ? Math.max(...lags) : undefined,
              samples: lags.length,
            },
            lookDuration: { p50: percentile(durations, 50), p99: percentile(durations, 99) },
            coverage: round(looked / keys.length, 3),
            looksPerJob: round(looks / keys.length, 2),
            expectedLooksPerJob: round(elapsed / intervalMs, 2),
            temporalServerCpuCores:
              s0 !== undefined && s1 !== undefined ? round((s1 - s0) / (to - from), 3) : undefined,
            zookeeperCpuCores:
              z0 !== undefined && z1 !== undefined ? round((z1 - z0) / (z1at - z0at), 3) : undefined,
            driverCpuCores: round((d1.user + d1.system - d0.user - d0.system) / 1000 / (to - from), 3),
            machineBusyCores: round((m1.busy - m0.busy) / (to - from), 2),
            replayRequestsPerS: round(((r1 - r0) * 1000) / (to - from), 0),
            monitorsRunning,
            notHealthy,
            retriedWatchesInSample: retried,
            sampled: sampled.length,
            historyEventsPerJobHourInWindow: round(
              (historyEvents / sampled.length) * (3_600_000 / (to - from)),
              1,
            ),
            passLag: p99 !== undefined && p99 < LAG_LIMIT_MS && looked === keys.length,
          };
          steps.push(step);
          log(
            `${intervalS} s × ${keys.length}: worker ${step.workerCpuCores} cores, ${step.workerRssMb} MB; lag p99 ${p99} ms over ${lags.length} looks; coverage ${step.coverage}; server ${step.temporalServerCpuCores} cores; machine ${step.machineBusyCores} busy cores`,
          );
        }
      } finally {
        log(`${intervalS} s: stopping ${keys.length} monitors and the worker`);
        await terminateMonitors(t.client, keys);
        await worker.stop();
      }
    }
  } finally {
    await replay.close();
    if (zk.started && !options.keepSandbox) await removeContainer(zk.name).catch(() => undefined);
  }

  // --- verdicts ---
  const supported = (intervalS: number) =>
    steps.filter((s) => s.intervalS === intervalS && s.passLag).reduce((max, s) => Math.max(max, s.jobs), 0);
  const at1000 = steps.find((s) => s.intervalS === 60 && s.jobs === 1000);
  const goals: GoalVerdict[] = [
    {
      goal: 'at least 1,000 jobs per worker at 60 s, under one core, observation lag p99 < 5 s',
      target: '1000 jobs, < 1 core, p99 < 5 s',
      measured: at1000
        ? `${at1000.workerCpuCores} cores, lag p99 ${at1000.lag.p99} ms, ${Math.round(at1000.coverage * 100)}% of jobs looked at in the window`
        : 'not measured (no 1000-job step at 60 s)',
      verdict: at1000 ? (at1000.passLag && at1000.workerCpuCores < 1 ? 'pass' : 'fail') : 'not-measured',
    },
  ];
  const table: Table = {
    title:
      'Monitoring cost and scale — SYNTHETIC jobs on a replayed Flink REST API (real workflows, worker, Temporal, ZooKeeper)',
    columns: [
      'interval',
      'jobs',
      'worker cores',
      'CPU ms / job-hour',
      'worker RSS MB',
      'RSS KB / job',
      'lag p50 ms',
      'lag p99 ms',
      'lag max ms',
      'looked at',
      'Temporal server cores',
      'ZooKeeper cores',
      'machine busy cores',
      'not healthy',
      'lag < 5 s',
    ],
    rows: steps.map((s) => [
      `${s.intervalS} s`,
      s.jobs,
      s.workerCpuCores,
      s.workerCpuMsPerJobHour,
      s.workerRssMb,
      s.workerRssPerJobKb,
      s.lag.p50,
      s.lag.p99,
      s.lag.max,
      `${Math.round(s.coverage * 100)}%`,
      s.temporalServerCpuCores,
      s.zookeeperCpuCores,
      s.machineBusyCores,
      `${s.notHealthy ?? '?'} of ${s.monitorsRunning ?? '?'}`,
      s.passLag ? 'yes' : 'NO',
    ]),
  };
  const finishedAt = new Date();
  return {
    benchmark: 'scale',
    summary:
      'monitoring cost per job and jobs per worker, on SYNTHETIC jobs replayed from recorded Flink REST responses',
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationS: (finishedAt.getTime() - startedAt.getTime()) / 1000,
    environment: { ...environment, loadAverageAtEnd: loadavg().map((l) => round(l, 2)) },
    settings:
      'synthetic jobs answered by a replay server (checkpoints every 2 s, all healthy); one worker process, one monitor per job, at the intervals in the table',
    figures: {
      replay: recording.source,
      historyEvents: calibration,
      jobsWithinLagLimit: Object.fromEntries(
        options.intervals.map((i) => [`${i}s`, fig(supported(i), 'jobs (largest step measured)')]),
      ),
      steps: steps.map((s) => ({
        ...s,
        workerCpuCores: fig(s.workerCpuCores, 'cores'),
        workerCpuMsPerJobHour: fig(s.workerCpuMsPerJobHour, 'CPU ms per job-hour'),
        workerRssMb: fig(s.workerRssMb, 'MB'),
        workerRssPerJobKb: fig(s.workerRssPerJobKb, 'KB per job (over the idle worker)'),
        lag: {
          p50: fig(s.lag.p50, 'ms'),
          p99: fig(s.lag.p99, 'ms'),
          max: fig(s.lag.max, 'ms'),
          samples: s.lag.samples,
        },
      })),
    },
    goals,
    tables: [table],
    notes: [
      'The Flink side is a REPLAY: bench/lib/replay-server.ts answers the monitor for N synthetic jobs with REST responses recorded from the sandbox, checkpoints advancing every 2 s so that every job is healthy. The workflows, the worker process, the Temporal dev server and ZooKeeper are real.',
      `History events per healthy job-hour: measured on 10 monitors with short (10 s) watch cycles — ${JSON.stringify(calibration.eventsPerWatchCycle ?? {})} per cycle — times the two cycles a healthy hour has with the default 30-minute watch. Within the steady windows the N monitors wrote ${steps.map((s) => s.historyEventsPerJobHourInWindow).join(', ')} events per job-hour (a sample of 20 each): a healthy watch writes nothing until it reports.`,
      'Observation lag of a look: when its last REST request arrived at the replay server, minus (the previous look of that job + the interval). It includes the look itself and any delay of the watch loop; the ZooKeeper read runs alongside the REST requests.',
      "Worker CPU and RSS are the worker process's own process.cpuUsage() and memoryUsage().rss over the steady window; RSS per job is over the idle worker. Temporal server CPU from /proc, ZooKeeper from the engine's cgroup counter, \"machine busy\" from /proc/stat (everything on the machine, other developers' sandboxes included).",
      `The worker runs with maxConcurrentActivityTaskExecutions = ${maxJobs + 50} (createWorker's new option): each monitored job holds one long watchJob activity.`,
      `The machine is shared: ${environment.otherContainers} other containers were running at the start (load average ${environment.loadAverageAtStart.join(' ')}); figures move with that load.`,
    ],
    command: ctx.command('scale'),
  };
}

const cpuMs = (u: WorkerUsage) => (u.cpu.user + u.cpu.system) / 1000;
