import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type DrillAdapters, drillActivities } from '../../src/activities/drill';
import { standardDrillAdapters } from '../../src/activities/drill-adapters';
import type { FlinkRestClient } from '../../src/flink/client';
import type { FlinkClusterClient } from '../../src/flink/cluster-client';

/** The drill's activities run here on fake adapters: no Docker, no Flink, no ZooKeeper. */
const ZK = { quorum: '127.0.0.1:1', root: '/flink', clusterId: '/fast' };
const JOB = 'aaaaaaaaaaaaaaaaaaaaaaaa00000001';
const JMS = [
  { role: 'primary' as const, url: 'http://jm-a', container: 'jm-a', config: {} },
  { role: 'standby' as const, url: 'http://jm-b', container: 'jm-b', config: {} },
];

function fakes(over: { [K in keyof DrillAdapters]?: Partial<DrillAdapters[K]> }): DrillAdapters {
  const a = standardDrillAdapters;
  const unexpected = (what: string) => () => {
    throw new Error(`unexpected ${what}`);
  };
  return {
    docker: {
      inspectContainer: unexpected('inspectContainer'),
      stopContainer: unexpected('stopContainer'),
      killContainer: unexpected('killContainer'),
      startContainer: unexpected('startContainer'),
      containerLogs: unexpected('containerLogs'),
      execInContainer: unexpected('execInContainer'),
      ...over.docker,
    },
    flink: { ...a.flink, ...over.flink },
    zookeeper: { ...a.zookeeper, restLeader: unexpected('restLeader'), ...over.zookeeper },
    output: { ...a.output, ...over.output },
    reports: { ...a.reports, ...over.reports },
  };
}

/** A JobManager answering /jobs/overview with the job's state, and checkpoint statistics. */
function jobManager(state: () => string, checkpointId: () => number) {
  const client = {
    jobsOverview: async () => [{ jid: JOB, state: state() }],
    job: async () => ({ timestamps: {} }),
    checkpoints: async () => ({
      history: [],
      latest: { completed: { id: checkpointId(), status: 'COMPLETED', latest_ack_timestamp: Date.now() } },
    }),
  };
  return {
    jobManager: () => client as unknown as FlinkRestClient,
    cluster: () => ({ call: (use: (c: unknown) => unknown) => use(client) }) as unknown as FlinkClusterClient,
  };
}

describe('injectFault', () => {
  it('stops the container with the grace period, or kills it with SIGKILL', async () => {
    const calls: unknown[][] = [];
    const { injectFault } = drillActivities(
      fakes({
        docker: {
          stopContainer: async (...args) => {
            calls.push(['stop', ...args]);
            return 'stopped';
          },
          killContainer: async (...args) => {
            calls.push(['kill', ...args]);
            return 'killed';
          },
        },
      }),
    );
    const stopped = await injectFault({ container: 'jm-a', action: 'stop' });
    await injectFault({ container: 'tm-1', action: 'kill' });
    expect(calls).toEqual([
      ['stop', 'jm-a', 30],
      ['kill', 'tm-1', 'SIGKILL'],
    ]);
    expect(stopped.result).toBe('stopped');
    expect(stopped.doneAt).toBeGreaterThanOrEqual(stopped.at);
  });
});

describe('observeTakeover', () => {
  it('reads ZooKeeper through the session handed in, sees the leader move, and closes the session', async () => {
    const faultAt = Date.now();
    let reads = 0;
    let closed = 0;
    const { observeTakeover } = drillActivities(
      fakes({
        zookeeper: {
          restLeader: () => ({
            read: async () =>
              ++reads < 3
                ? { url: 'http://jm-a', sessionId: 's-1' }
                : { url: 'http://jm-b', sessionId: 's-2' },
            close: () => void closed++,
          }),
        },
        flink: jobManager(
          () => 'RUNNING',
          () => 40,
        ),
      }),
    );
    const seen = await observeTakeover({
      kind: 'kill-leader',
      zookeeper: ZK,
      jobManagers: JMS,
      jobId: JOB,
      faultAt,
      before: { leaderUrl: 'http://jm-a', sessionId: 's-1', checkpointId: 40 },
      until: 'fault-detected',
      limitMs: 10_000,
      intervalMs: 50,
    });
    expect(seen).toMatchObject({ reached: true, timedOut: false });
    expect(seen.milestones['leader-lost']?.detail).toBe('ZooKeeper names http://jm-b');
    expect(seen.polls.zookeeper.count).toBeGreaterThanOrEqual(3);
    expect(closed).toBeGreaterThanOrEqual(1);
  });

  it('gives up at the limit when the leader never moves', async () => {
    const { observeTakeover } = drillActivities(
      fakes({
        zookeeper: {
          restLeader: () => ({
            read: async () => ({ url: 'http://jm-a', sessionId: 's-1' }),
            close: () => {},
          }),
        },
        flink: jobManager(
          () => 'RUNNING',
          () => 40,
        ),
      }),
    );
    const seen = await observeTakeover({
      kind: 'kill-leader',
      zookeeper: ZK,
      jobManagers: JMS,
      jobId: JOB,
      faultAt: Date.now(),
      before: { leaderUrl: 'http://jm-a', sessionId: 's-1', checkpointId: 40 },
      until: 'fault-detected',
      limitMs: 600,
      intervalMs: 50,
    });
    expect(seen).toMatchObject({ reached: false, timedOut: true });
    expect(seen.milestones['leader-lost']).toBeUndefined();
  });
});

describe('watchAfterRestore', () => {
  it('reports a job that left RUNNING, a change of leader, and the checkpoints completed', async () => {
    let looks = 0;
    let checkpoint = 40;
    let closed = 0;
    const { watchAfterRestore } = drillActivities(
      fakes({
        zookeeper: {
          restLeader: () => ({
            read: async () =>
              looks < 4 ? { url: 'http://jm-b', sessionId: 's-2' } : { url: 'http://jm-a', sessionId: 's-3' },
            close: () => void closed++,
          }),
        },
        flink: jobManager(
          () => (++looks === 5 ? 'CANCELED' : 'RUNNING'),
          () => checkpoint++,
        ),
      }),
    );
    const watched = await watchAfterRestore({
      zookeeper: ZK,
      jobManagers: JMS.slice(0, 1),
      jobId: JOB,
      durationMs: 500,
      intervalMs: 50,
    });
    expect(watched.leaderChanged).toBe(true);
    expect(watched.leaderAtEnd).toEqual({ url: 'http://jm-a', sessionId: 's-3' });
    expect(watched.notRunning.map((s) => s.state)).toEqual(['CANCELED']);
    expect(watched.checkpointsCompleted).toBe(1);
    expect(closed).toBe(1);
  });
});

describe('writeDrillReport', () => {
  const dir = mkdtempSync(join(tmpdir(), 'drill-activities-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const chart = { title: 't', timeline: [], slaMs: 30_000 };

  it('writes the rendered chart and the markdown with the adapters handed in', async () => {
    const { writeDrillReport } = drillActivities(
      fakes({ reports: { renderChart: async () => '<svg>fake</svg>' } }),
    );
    const written = await writeDrillReport({ drillId: 'd-1', reportDir: dir, markdown: '# d-1', chart });
    expect(written).toEqual({
      markdownPath: join(dir, 'd-1.md'),
      svgPath: join(dir, 'd-1.svg'),
      svg: '<svg>fake</svg>',
    });
    expect(readFileSync(written.markdownPath, 'utf8')).toBe('# d-1');
    expect(readFileSync(written.svgPath, 'utf8')).toBe('<svg>fake</svg>');
  });

  it('refuses a drill id that is not a plain file name before rendering anything', async () => {
    let rendered = 0;
    const { writeDrillReport } = drillActivities(
      fakes({
        reports: {
          renderChart: async () => {
            rendered++;
            return '<svg/>';
          },
        },
      }),
    );
    await expect(
      writeDrillReport({ drillId: '../escape', reportDir: dir, markdown: '', chart }),
    ).rejects.toMatchObject({ name: 'ReportNotWritten' });
    expect(rendered).toBe(0);
  });
});
