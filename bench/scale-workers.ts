/**
 * Benchmark 4b — more than one worker. Two worker processes on one task queue share the monitors
 * of N synthetic jobs, with the payload codec and output scans on; one is killed with SIGKILL and
 * every watch it held must continue on the other within the activity heartbeat timeout (and the
 * server's retry scheduling after it, RETRY_SCHEDULING_MS), with no
 * job restarted and no alert sent twice. Measures the takeover time per watch, and each worker's
 * CPU and memory per 1,000 monitored jobs before the kill and the survivor's after.
 *
 * As in the scale benchmark the jobs are SYNTHETIC: a replay server (bench/lib/replay-server.ts, a
 * fake Flink REST API) answers for them. The workflows, the worker processes, the Temporal dev
 * server, a real ZooKeeper (a local Java process from Flink's shaded ZooKeeper jar, no Docker),
 * the output folders the watch scans and the HTTP alert receiver are real.
 *
 *   npm run bench -- scale-workers [--sizes 1000] [--intervals 60] [--window SECONDS]
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { msToNumber, optionalTsToMs } from '@temporalio/common/lib/time';
import { watchHeartbeat } from '../src/cli/newest-look';
import { dataConverterFromEnv } from '../src/temporal/codec';
import { sleep } from '../src/util/poll';
import { WORKER_LOSS_NOTICED_WITHIN } from '../src/workflows/activities';
import { monitorWorkflowId } from '../src/workflows/monitor-api';
import { startAlertReceiver } from '../test/helpers/alert-receiver';
import type { BenchContext } from './lib/context';
import { collectEnvironment } from './lib/environment';
import { startLocalZooKeeper } from './lib/local-zookeeper';
import { processCpuMs } from './lib/proc';
import { fixtureRecording, ReplayServer } from './lib/replay-server';
import { type BenchResult, fig, percentile, round, type Table } from './lib/report';
import type { WorkerUsage } from './lib/scale-worker';
import {
  duplicateAlerts,
  heldBy,
  matchTakeovers,
  perThousandJobs,
  type ReceivedAlert,
  spreadOf,
  takeoverPhases,
  takeoverVerdicts,
  type WatchSighting,
} from './lib/takeover';
import {
  lagsIn,
  replaySpec,
  startMonitors,
  startWorkerProcess,
  terminateMonitors,
  type WorkerProcess,
  writeLeaderNodes,
} from './scale';

const HEARTBEAT_TIMEOUT_MS = msToNumber(WORKER_LOSS_NOTICED_WITHIN);
/** How long after the kill a watch may take before it counts as lost. */
const TAKEOVER_LIMIT_MS = 120_000;

/** The first heartbeat detail, decoded as the client decodes everything (payload codec included). */
async function decodeDetails(client: Client, payloads: Payload[]): Promise<{ at?: unknown } | undefined> {
  if (payloads.length === 0) return undefined;
  const { payloadCodecs, payloadConverter } = client.options.loadedDataConverter;
  let decoded = payloads;
  for (const codec of [...payloadCodecs].reverse()) decoded = await codec.decode(decoded);
  return decoded[0] && payloadConverter.fromPayload<{ at?: unknown }>(decoded[0]);
}

/** The pending watch of each monitor, `concurrency` describes at a time. */
async function sightWatches(client: Client, ids: string[], concurrency = 20): Promise<WatchSighting[]> {
  const found: WatchSighting[] = [];
  let next = 0;
  const one = async () => {
    while (next < ids.length) {
      const workflowId = ids[next++] as string;
      const d = await client.workflow
        .getHandle(workflowId)
        .describe()
        .catch(() => undefined);
      const watch = d?.raw.pendingActivities?.find((a) => a.activityType?.name === 'watchJob');
      if (!watch) continue;
      const details = await decodeDetails(client, watch.heartbeatDetails?.payloads ?? []);
      found.push({
        workflowId,
        identity: watch.lastWorkerIdentity || undefined,
        attempt: watch.attempt ?? 1,
        startedAt: optionalTsToMs(watch.lastStartedTime),
        heartbeatAt: optionalTsToMs(watch.lastHeartbeatTime),
        lookAt: typeof details?.at === 'number' ? details.at : undefined,
        dueAt: optionalTsToMs(watch.scheduledTime),
      });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, one));
  return found;
}

/**
 * Evidence that the codec is on: of a sample of monitors, how many watch heartbeats reach the
 * server encrypted, and how many of those decode (with the key) to a look with a verdict.
 */
async function codecEvidence(client: Client, ids: string[]) {
  let encrypted = 0;
  let decoded = 0;
  for (const workflowId of ids) {
    const d = await client.workflow
      .getHandle(workflowId)
      .describe()
      .catch(() => undefined);
    const payload = d?.raw.pendingActivities?.find((a) => a.activityType?.name === 'watchJob')
      ?.heartbeatDetails?.payloads?.[0];
    if (Buffer.from(payload?.metadata?.encoding ?? []).toString() !== 'binary/encrypted') continue;
    encrypted++;
    if ((await watchHeartbeat(client, workflowId).catch(() => undefined))?.verdict) decoded++;
  }
  return { sampled: ids.length, encrypted, decoded };
}

const cpuMs = (u: WorkerUsage) => (u.cpu.user + u.cpu.system) / 1000;

interface WorkerFigures {
  worker: string;
  phase: string;
  watches: number;
  cores: number;
  coresPer1000: number | undefined;
  rssMb: number;
  idleRssMb: number;
  rssOverIdleMbPer1000: number | undefined;
  eventLoopDelayP99Ms: number;
}

function workerFigures(
  worker: string,
  phase: string,
  watches: number,
  idle: WorkerUsage,
  u0: WorkerUsage,
  u1: WorkerUsage,
): WorkerFigures {
  const cores = (cpuMs(u1) - cpuMs(u0)) / (u1.at - u0.at);
  const overIdleMb = (u1.rss - idle.rss) / 2 ** 20;
  return {
    worker,
    phase,
    watches,
    cores: round(cores, 3),
    coresPer1000: perThousandJobs(cores, watches),
    rssMb: round(u1.rss / 2 ** 20, 0),
    idleRssMb: round(idle.rss / 2 ** 20, 0),
    rssOverIdleMbPer1000: perThousandJobs(overIdleMb, watches),
    eventLoopDelayP99Ms: round(u1.loopDelay.p99, 1),
  };
}

export async function runScaleWorkers(ctx: BenchContext): Promise<BenchResult> {
  const startedAt = new Date();
  const environment = await collectEnvironment('bench-', { askDocker: false });
  const { log, options } = ctx;
  const jobs = Math.max(...options.sizes);
  const intervalS = options.intervals[0] as number;
  const intervalMs = intervalS * 1000;
  const windowMs = (options.windowS ?? intervalS + 15) * 1000;
  const dir = mkdtempSync(join(tmpdir(), 'flink-runbooks-scale-workers-'));
  const outRoot = join(dir, 'output');
  log(
    `two workers, ${jobs} synthetic jobs, a look every ${intervalS} s, windows of ${windowMs / 1000} s; payload codec and output scans on`,
  );

  const zk = await startLocalZooKeeper(join(dir, 'zookeeper'));
  log(`ZooKeeper (local Java process, no Docker) on ${zk.quorum}`);
  const recording = fixtureRecording();
  environment.flink = `${recording.overview['flink-version']} (REPLAYED for synthetic jobs, not a live cluster)`;
  const replay = new ReplayServer(recording);
  await replay.listen();
  const receiver = await startAlertReceiver();
  const workers: WorkerProcess[] = [];
  const keys = Array.from({ length: jobs }, (_, i) => `replayw-${String(i + 1).padStart(4, '0')}`);
  const ids = keys.map((k) => monitorWorkflowId(k, 'synthetic'));
  // Each job's sink folder with a committed part file, kept fresh: the watch scans it every look.
  // One job in 20 also has an in-progress file that was never committed (20 minutes old, past the
  // 10-minute limit): degraded, which alerts once and never restarts the job, so the alerts a
  // takeover could repeat exist.
  const degraded = keys.filter((_, i) => i % 20 === 0);
  const stuckAt = new Date(Date.now() - 20 * 60_000);
  for (const key of keys) {
    mkdirSync(join(outRoot, key), { recursive: true });
    writeFileSync(join(outRoot, key, 'part-0-0.csv'), '1,synthetic\n');
  }
  for (const key of degraded) {
    const stuck = join(outRoot, key, '.part-0-1.csv.inprogress.0b5e');
    writeFileSync(stuck, '2,synthetic\n');
    utimesSync(stuck, stuckAt, stuckAt);
  }
  const freshen = setInterval(() => {
    const now = new Date();
    for (const key of keys) utimesSync(join(outRoot, key, 'part-0-0.csv'), now, now);
  }, 30_000);

  let monitorsStarted = false;
  let client: Client | undefined;
  try {
    await writeLeaderNodes(zk.quorum, replay.job('leader').urls[0] as string);
    const t = await ctx.temporal();
    const codecKey = randomBytes(32).toString('base64');
    client = new Client({
      connection: t.client.connection,
      dataConverter: dataConverterFromEnv({ FLINK_RUNBOOKS_CODEC_KEY: codecKey }),
    });
    const taskQueue = `bench-scale-workers-${Date.now()}`;
    const env = {
      FLINK_RUNBOOKS_CODEC_KEY: codecKey,
      FLINK_RUNBOOKS_INLINE_PATHS: `/replay,${outRoot}`,
      FLINK_RUNBOOKS_INLINE_SECRET_ENV: 'BENCH_ALERT_URL',
      BENCH_ALERT_URL: receiver.url,
    };
    for (const name of ['a', 'b'])
      workers.push(await startWorkerProcess(t, taskQueue, jobs + 50, join(dir, `worker-${name}.log`), env));
    const [a, b] = workers as [WorkerProcess, WorkerProcess];
    await sleep(3_000);
    const idle = [await a.usage(), await b.usage()];
    const identities = idle.map((u) => u.identity);
    log(
      `workers ${identities.join(' and ')} idle at ${idle.map((u) => (u.rss / 2 ** 20).toFixed(0)).join(' and ')} MB RSS`,
    );

    const spec = (key: string) => ({
      ...replaySpec(replay, key, intervalMs, zk.quorum),
      jobs: replaySpec(replay, key, intervalMs, zk.quorum).jobs.map((j) => ({
        ...j,
        output: { path: join(outRoot, key) },
      })),
      alerts: [{ type: 'webhook' as const, url: { fromEnv: 'BENCH_ALERT_URL' } }],
    });
    const t0 = Date.now();
    monitorsStarted = true;
    await startMonitors(client, taskQueue, replay, keys, intervalMs, zk.quorum, undefined, spec);
    log(`${jobs} monitors started in ${((Date.now() - t0) / 1000).toFixed(0)} s; warming up`);
    const lookedAt = (n: number, since = 0) =>
      keys.filter((k) => (replay.looks.get(k)?.starts.filter((s) => s >= since).length ?? 0) >= n).length;
    const warmUntil = Date.now() + 3 * intervalMs + 60_000;
    while (lookedAt(3) < jobs && Date.now() < warmUntil) await sleep(1_000);
    while (receiver.bodies.length < degraded.length && Date.now() < warmUntil) await sleep(1_000);
    const alertsBeforeKill = receiver.bodies.length;
    log(
      `${lookedAt(3)} of ${jobs} jobs looked at three times; ${alertsBeforeKill} alerts for the ${degraded.length} degraded jobs; measuring both workers for ${windowMs / 1000} s`,
    );

    // --- both workers, steady ---
    const before0 = [await a.usage(), await b.usage()];
    const serverPid = t.server.process.pid as number;
    const s0 = processCpuMs(serverPid);
    const from = Date.now();
    await sleep(windowMs);
    const to = Date.now();
    const before1 = [await a.usage(), await b.usage()];
    const s1 = processCpuMs(serverPid);
    const lagBefore = lagsIn(replay, keys, intervalMs, from, to).lags;
    const codec = await codecEvidence(client, ids.slice(0, 10));
    log(
      `codec: ${codec.encrypted} of ${codec.sampled} watch heartbeats encrypted, ${codec.decoded} decoded to a look`,
    );
    const atKill = await sightWatches(client, ids);
    const heldPerWorker = identities.map((id) => heldBy(atKill, id).length);
    const before = heldPerWorker.map((watches, i) =>
      workerFigures(
        `worker ${i === 0 ? 'a' : 'b'}`,
        'both running',
        watches,
        idle[i] as WorkerUsage,
        before0[i] as WorkerUsage,
        before1[i] as WorkerUsage,
      ),
    );
    log(
      `before the kill: ${before.map((w) => `${w.worker} ${w.watches} watches, ${w.cores} cores, ${w.rssMb} MB`).join('; ')}`,
    );

    // --- SIGKILL worker a ---
    const killed = identities[0] as string;
    const survivor = identities[1] as string;
    const held = heldBy(atKill, killed);
    const degradedHeld = degraded.filter((k) => held.includes(monitorWorkflowId(k, 'synthetic'))).length;
    const changesBefore = replay.changes.length;
    const killAt = Date.now();
    a.child.kill('SIGKILL');
    log(`SIGKILL to worker a (${killed}), which held ${held.length} watches`);
    // The sightings at the kill date each watch's last heartbeat from the killed worker.
    const sightings: WatchSighting[] = atKill.filter((s) => held.includes(s.workflowId));
    let pending = held;
    while (pending.length > 0 && Date.now() - killAt < TAKEOVER_LIMIT_MS) {
      sightings.push(...(await sightWatches(client, pending)));
      pending = matchTakeovers(held, killed, killAt, sightings).lost;
      if (pending.length > 0) await sleep(250);
    }
    const { takeovers, lost } = matchTakeovers(held, killed, killAt, sightings, HEARTBEAT_TIMEOUT_MS);
    const heartbeat = spreadOf(takeovers.map((x) => x.heartbeatMs));
    const pickedUp = spreadOf(takeovers.flatMap((x) => (x.pickedUpMs === undefined ? [] : [x.pickedUpMs])));
    const phases = Object.fromEntries(
      Object.entries(takeoverPhases(takeovers)).map(([phase, values]) => [phase, spreadOf(values)]),
    ) as Record<keyof ReturnType<typeof takeoverPhases>, ReturnType<typeof spreadOf>>;
    log(
      `takeover: ${takeovers.length} of ${held.length} watches heartbeat from ${survivor}; p50 ${heartbeat.p50} ms, p95 ${heartbeat.p95} ms, max ${heartbeat.max} ms; ${lost.length} lost`,
    );
    for (const [phase, spread] of Object.entries(phases))
      log(
        `  ${phase}: p50 ${spread.p50} ms, p95 ${spread.p95} ms, max ${spread.max} ms (${spread.n} watches)`,
      );

    // --- the survivor alone, once every watch has looked again ---
    const afterKill = Date.now();
    const settleUntil = afterKill + 2 * intervalMs + 30_000;
    while (lookedAt(1, afterKill) < jobs && Date.now() < settleUntil) await sleep(1_000);
    const after0 = await b.usage();
    const from2 = Date.now();
    log(
      `survivor alone: ${lookedAt(1, afterKill)} of ${jobs} jobs looked at since the kill; measuring ${windowMs / 1000} s`,
    );
    await sleep(windowMs);
    const to2 = Date.now();
    const after1 = await b.usage();
    const lagAfter = lagsIn(replay, keys, intervalMs, from2, to2).lags;
    const atEnd = await sightWatches(client, ids);
    const onSurvivor = heldBy(atEnd, survivor).length;
    const after = workerFigures(
      'worker b (survivor)',
      'alone after the kill',
      onSurvivor,
      idle[1] as WorkerUsage,
      after0,
      after1,
    );
    log(`survivor: ${after.watches} watches, ${after.cores} cores, ${after.rssMb} MB`);
    const count = (query: string) =>
      (client as Client).workflow
        .count(`Runbook = 'monitor' AND ExecutionStatus = 'Running' AND TaskQueue = '${taskQueue}'${query}`)
        .then((c) => c.count)
        .catch(() => undefined);
    const monitorsRunning = await count('');
    const notHealthy = await count(" AND JobHealth != 'healthy'");
    const changes = replay.changes.length;
    const alerts = receiver.bodies as ReceivedAlert[];
    const duplicates = duplicateAlerts(alerts);
    const alertedJobs = new Set(alerts.map((a) => a.incidentKey)).size;

    const goals = takeoverVerdicts({
      held: held.length,
      lost: lost.length,
      takeoverMaxMs: heartbeat.max,
      heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS,
      restarts: changes,
      duplicateAlerts: duplicates,
      heldPerWorker,
      degraded: degraded.length,
      degradedHeld,
      alertedJobs,
    });
    const workerRows = [...before, after];
    const tables: Table[] = [
      {
        title: `Two workers on one task queue, ${jobs} SYNTHETIC jobs (replayed Flink REST), a look every ${intervalS} s, payload codec and output scans on`,
        columns: [
          'worker',
          'when',
          'watches held',
          'cores',
          'cores / 1,000 jobs',
          'RSS MB',
          'idle RSS MB',
          'MB over idle / 1,000 jobs',
          'event-loop p99 ms',
        ],
        rows: workerRows.map((w) => [
          w.worker,
          w.phase,
          w.watches,
          w.cores,
          w.coresPer1000,
          w.rssMb,
          w.idleRssMb,
          w.rssOverIdleMbPer1000,
          w.eventLoopDelayP99Ms,
        ]),
      },
      {
        title: `SIGKILL of one worker: takeover of its watches by the other (heartbeat timeout ${HEARTBEAT_TIMEOUT_MS / 1000} s)`,
        columns: [
          'watches held by the killed worker',
          'taken over',
          'lost',
          'kill → heartbeat p50 s',
          'p95 s',
          'max s',
          'kill → picked up p50 s',
          'jobs restarted',
          'degraded jobs (on the killed worker)',
          'alerts',
          'duplicate alerts',
        ],
        rows: [
          [
            held.length,
            takeovers.length,
            lost.length,
            secondsOf(heartbeat.p50),
            secondsOf(heartbeat.p95),
            secondsOf(heartbeat.max),
            secondsOf(pickedUp.p50),
            changes,
            `${degraded.length} (${degradedHeld})`,
            alerts.length,
            duplicates,
          ],
        ],
      },
      {
        title: `Where the takeover time goes (each watch of the killed worker; p50 / p95 / max s)`,
        columns: ['phase', 'p50 s', 'p95 s', 'max s', 'watches'],
        rows: PHASE_NAMES.map(([phase, name]) => [
          name,
          secondsOf(phases[phase].p50),
          secondsOf(phases[phase].p95),
          secondsOf(phases[phase].max),
          phases[phase].n,
        ]),
      },
    ];
    const finishedAt = new Date();
    return {
      benchmark: 'scale-workers',
      summary: `two worker processes share the monitors of ${jobs} SYNTHETIC jobs; one is killed with SIGKILL and the other takes its watches over`,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationS: (finishedAt.getTime() - startedAt.getTime()) / 1000,
      environment: { ...environment, loadAverageAtEnd: loadavg().map((l) => round(l, 2)) },
      settings: `${jobs} synthetic jobs answered by a replay server (checkpoints every 2 s; one job in 20 degraded by a stuck in-progress file, the others healthy), one monitor each, a look every ${intervalS} s; two worker processes on one task queue, each with room for ${jobs + 50} activities; the payload codec on (AES-GCM, FLINK_RUNBOOKS_CODEC_KEY) and an output scan of each job's sink folder on every look, both of which the one-worker scale figures leave out; an alert webhook to a local HTTP receiver; ZooKeeper a local Java process; steady windows of ${windowMs / 1000} s`,
      figures: {
        jobs,
        intervalS,
        heartbeatTimeoutS: HEARTBEAT_TIMEOUT_MS / 1000,
        workers: workerRows.map((w) => ({
          ...w,
          cores: fig(w.cores, 'cores'),
          coresPer1000: fig(w.coresPer1000, 'cores per 1,000 monitored jobs'),
          rssMb: fig(w.rssMb, 'MB'),
          idleRssMb: fig(w.idleRssMb, 'MB (before any monitor)'),
          rssOverIdleMbPer1000: fig(w.rssOverIdleMbPer1000, 'MB over idle per 1,000 monitored jobs'),
        })),
        takeover: {
          held: held.length,
          takenOver: takeovers.length,
          lost: fig(lost.length, 'monitors'),
          heartbeat: {
            p50: fig(heartbeat.p50, 'ms from the kill'),
            p95: fig(heartbeat.p95, 'ms from the kill'),
            max: fig(heartbeat.max, 'ms from the kill'),
          },
          pickedUp: {
            p50: fig(pickedUp.p50, 'ms from the kill'),
            p95: fig(pickedUp.p95, 'ms from the kill'),
            max: fig(pickedUp.max, 'ms from the kill'),
          },
          phases: Object.fromEntries(
            PHASE_NAMES.map(([phase, name]) => [
              phase,
              {
                what: name,
                p50: fig(phases[phase].p50, 'ms'),
                p95: fig(phases[phase].p95, 'ms'),
                max: fig(phases[phase].max, 'ms'),
                watches: phases[phase].n,
              },
            ]),
          ),
          lostWatches: lost.slice(0, 20),
        },
        restarts: fig(changes, 'cancel, stop or submit requests at the Flink REST API'),
        changesBeforeKill: changesBefore,
        restartRequests: replay.changes.slice(0, 20),
        alerts: fig(alerts.length, 'alerts received'),
        alertsBeforeKill,
        degradedJobs: degraded.length,
        degradedHeldByKilledWorker: degradedHeld,
        alertedJobs,
        duplicateAlerts: fig(duplicates, 'alerts received twice'),
        codec,
        monitorsRunningAtEnd: monitorsRunning,
        notHealthyAtEnd: notHealthy,
        lag: {
          bothWorkers: {
            p50: fig(percentile(lagBefore, 50), 'ms'),
            p99: fig(percentile(lagBefore, 99), 'ms'),
          },
          survivorAlone: {
            p50: fig(percentile(lagAfter, 50), 'ms'),
            p99: fig(percentile(lagAfter, 99), 'ms'),
          },
        },
        temporalServerCpuCores:
          s0 !== undefined && s1 !== undefined ? fig((s1 - s0) / (to - from), 'cores (both workers)') : null,
      },
      goals,
      tables,
      notes: [
        'The Flink side is a REPLAY: bench/lib/replay-server.ts answers the monitors for the synthetic jobs with REST responses recorded from the sandbox (test/fixtures/flink-1.20). The workflows, both worker processes, the Temporal dev server, ZooKeeper (ZooKeeperServerMain from the local flink-shaded-zookeeper jar), the sink folders and the alert receiver are real.',
        `Takeover: from the SIGKILL until that monitor's watchJob activity heartbeats from the surviving worker (describe() of each monitor, polled until every watch has one: its pending activity's lastWorkerIdentity, and the earlier of its lastHeartbeatTime and the look its heartbeat details report; the watch heartbeats as its first act, then after each look). "Picked up" is the new attempt's start on the survivor. The server declares an attempt lost when its heartbeat is ${HEARTBEAT_TIMEOUT_MS / 1000} s overdue (WORKER_LOSS_NOTICED_WITHIN), counted from the last heartbeat it recorded (the SDK sends one at most every ${(HEARTBEAT_TIMEOUT_MS * 0.8) / 1000} s): a watch whose last heartbeat reached the server h s before the kill cannot continue sooner than ${HEARTBEAT_TIMEOUT_MS / 1000} − h s after it ("earliest notice", from each watch's last heartbeat from the killed worker that describe() showed, before or after the kill; when a pass over the monitors is slower than the heartbeats, the last one is missed and the earliest notice comes out early). The retry then waits its backoff, and the server fires no timer sooner than about 1 s after setting it (history.timerProcessorMaxTimeShift, 1 s by default; a retry's backoff is such a timer), so a watch whose last heartbeat reached the server just before the kill continues a little over ${HEARTBEAT_TIMEOUT_MS / 1000 + 1} s after it: with hundreds of watches one always does, and the goal of ${HEARTBEAT_TIMEOUT_MS / 1000} s cannot be met by the slowest watch with these server settings. "Retry due" is the retry's scheduledTime (the server's notice plus the backoff).`,
        'Restarts: any request other than GET that reaches the replay server (a cancel, stop, savepoint or submit). Alerts: bodies the webhook channel posted to the receiver; a duplicate is the same incident, verdict, severity, title and resolution received again. One job in 20 is degraded on purpose (an in-progress file in its sink folder, never committed, 20 minutes old): its monitor alerts once before the kill, and must not alert again when its watch moves to the other worker.',
        "Worker CPU and RSS are each worker process's own process.cpuUsage() and memoryUsage().rss over the steady window; per 1,000 jobs scales them by the watches that worker held (its pending watchJob activities). Memory per 1,000 jobs is the RSS over that worker's idle RSS before any monitor started; with few jobs per worker that is mostly the heap's own growth, so it means something only from several hundred jobs a worker.",
        `The machine is shared and has ${environment.cpu.cores} cores; the Docker engine was not asked (this benchmark does not use it). Load average ${environment.loadAverageAtStart.join(' ')} at the start.`,
      ],
      command: ctx.command('scale-workers'),
    };
  } finally {
    clearInterval(freshen);
    if (monitorsStarted && client) await terminateMonitors(client, keys).catch(() => undefined);
    for (const w of workers) await w.stop().catch(() => undefined);
    await replay.close();
    await new Promise<void>((resolve) => receiver.server.close(() => resolve()));
    await zk.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The phases of takeoverPhases, as the table names them. */
const PHASE_NAMES: Array<[keyof ReturnType<typeof takeoverPhases>, string]> = [
  ['killToDue', 'kill → retry due (the server noticed the loss, then the backoff)'],
  ['earliestNotice', 'kill → earliest notice (last heartbeat seen before the kill + heartbeat timeout)'],
  ['noticeToDue', 'earliest notice → retry due (the server noticing, the backoff)'],
  ['dueToPickedUp', 'retry due → picked up by the survivor (timer firing, dispatch, polling)'],
  ['pickedUpToHeartbeat', 'picked up → first heartbeat or look'],
  ['beyondEarliestNotice', 'whole takeover beyond the earliest notice'],
];

const secondsOf = (ms: number | undefined) => (ms === undefined ? undefined : round(ms / 1000, 1));
