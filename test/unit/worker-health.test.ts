import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BadListenAddressError,
  parseListenAddress,
  startEndpoint,
  type WorkerEndpoint,
} from '../../src/temporal/endpoint';
import { type Readiness, readiness, type WorkerView } from '../../src/temporal/health';
import { listenOnLoopback } from '../helpers/listen';

const running: WorkerView = {
  runState: 'RUNNING',
  workflowPollerState: 'POLLING',
  activityPollerState: 'POLLING',
};

describe('readiness', () => {
  it.each<[string, WorkerView | undefined, Parameters<typeof readiness>[1], string[]]>([
    ['running, polling, Temporal answers', running, { ok: true }, []],
    ['before the first call to Temporal', running, undefined, ['not connected to Temporal yet']],
    [
      'Temporal does not answer',
      running,
      { ok: false, error: 'deadline exceeded' },
      ['Temporal does not answer: deadline exceeded'],
    ],
    ['before the worker exists', undefined, { ok: true }, ['the worker is not created yet']],
    [
      'created, not yet running',
      { ...running, runState: 'INITIALIZED' },
      { ok: true },
      ['the worker is initialized'],
    ],
    ['shutting down', { ...running, runState: 'STOPPING' }, { ok: true }, ['the worker is stopping']],
    [
      'a poller failed',
      { ...running, activityPollerState: 'FAILED' },
      { ok: true },
      ['the activity poller is failed'],
    ],
    [
      'the workflow poller shut down, Temporal gone',
      { ...running, workflowPollerState: 'SHUTDOWN' },
      { ok: false, error: 'connection refused' },
      ['Temporal does not answer: connection refused', 'the workflow poller is shutdown'],
    ],
  ])('%s', (_name, worker, temporal, reasons) => {
    expect(readiness(worker, temporal)).toEqual({ ready: reasons.length === 0, reasons });
  });
});

describe('parseListenAddress', () => {
  it.each([
    ['127.0.0.1:9464', { host: '127.0.0.1', port: 9464 }],
    ['0.0.0.0:0', { host: '0.0.0.0', port: 0 }],
    ['[::1]:9464', { host: '::1', port: 9464 }],
    ['localhost:80', { host: 'localhost', port: 80 }],
  ])('%s', (text, expected) => {
    expect(parseListenAddress(text, 'FLINK_RUNBOOKS_METRICS')).toEqual(expected);
  });

  it.each(['9464', '127.0.0.1', '127.0.0.1:99999', 'host:port', ':9464', '::1:9464'])(
    'refuses %s',
    (text) => {
      expect(() => parseListenAddress(text, 'FLINK_RUNBOOKS_METRICS')).toThrow(BadListenAddressError);
      expect(() => parseListenAddress(text, 'FLINK_RUNBOOKS_METRICS')).toThrow(
        /FLINK_RUNBOOKS_METRICS.*host:port/,
      );
    },
  );
});

describe('the worker endpoint', () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  async function endpoint(answer: () => Readiness, metricsUpstream?: string): Promise<WorkerEndpoint> {
    const e = await startEndpoint({
      listen: { host: '127.0.0.1', port: 0 },
      metricsUpstream,
      readiness: async () => answer(),
    });
    closers.push(e.close);
    return e;
  }

  it('answers /healthz with 200 when ready and 503 with the reasons when not, asking on every request', async () => {
    let current: Readiness = { ready: false, reasons: ['not connected to Temporal yet'] };
    const e = await endpoint(() => current);
    const before = await fetch(`http://${e.address}/healthz`);
    expect(before.status).toBe(503);
    expect(await before.json()).toEqual({ status: 'not ready', reasons: ['not connected to Temporal yet'] });
    current = { ready: true, reasons: [] };
    const after = await fetch(`http://${e.address}/healthz`);
    expect(after.status).toBe(200);
    expect(await after.json()).toEqual({ status: 'ready', reasons: [] });
  });

  it('without a worker to follow it is not ready', async () => {
    const e = await startEndpoint({ listen: { host: '127.0.0.1', port: 0 } });
    closers.push(e.close);
    const answer = await fetch(`http://${e.address}/healthz`);
    expect(answer.status).toBe(503);
    expect((await answer.json()).reasons).toEqual([
      'not connected to Temporal yet',
      'the worker is not created yet',
    ]);
  });

  it("serves the Core exporter's /metrics at the same address, and 502 when the exporter is gone", async () => {
    const exporter = await listenOnLoopback(
      createServer((req, res) => {
        res.writeHead(req.url === '/metrics' ? 200 : 404, { 'content-type': 'text/plain; version=0.0.4' });
        res.end('flink_runbooks_restarts_total{outcome="restarted"} 1\n');
      }),
    );
    const e = await endpoint(() => ({ ready: true, reasons: [] }), exporter.url.replace('http://', ''));
    const metrics = await fetch(`http://${e.address}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toBe('text/plain; version=0.0.4');
    expect(await metrics.text()).toBe('flink_runbooks_restarts_total{outcome="restarted"} 1\n');
    expect((await fetch(`http://${e.address}/other`)).status).toBe(404);
    await exporter.close();
    expect((await fetch(`http://${e.address}/metrics`)).status).toBe(502);
  });
});
