import { createServer, request } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { type Readiness, readiness, type TemporalCheck } from './health';

/**
 * The worker's HTTP endpoint, one address for both probes and scrapes:
 * - `/healthz`: 200 when the worker is ready (see health.ts), else 503; the body says why.
 * - `/metrics`: the Prometheus text of the SDK's Core exporter, which listens on a loopback port
 *   of its own that this endpoint forwards to.
 */
export class BadListenAddressError extends Error {
  override name = 'BadListenAddress';
}

/** `host:port` or `[v6]:port`; port 0 takes a free one. */
export function parseListenAddress(text: string, setting: string): { host: string; port: number } {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+):(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  if (!match?.[1] || port > 65_535) {
    throw new BadListenAddressError(
      `${setting} must be host:port (e.g. 127.0.0.1:9464) or off, got "${text}"`,
    );
  }
  return { host: match[1].replace(/^\[|\]$/g, ''), port };
}

/** A loopback port free right now, for the Core exporter behind the endpoint. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface WorkerEndpoint {
  /** `host:port` it listens on: the real port when port 0 was asked for. */
  address: string;
  /** From now on readiness follows this worker and asks Temporal through its connection. */
  follow(worker: Worker, connection: NativeConnection): void;
  close(): Promise<void>;
}

export interface EndpointOptions {
  listen: { host: string; port: number };
  /** `host:port` of the Core exporter; without one, /metrics is 404. */
  metricsUpstream?: string;
  /** Tests hand in their own; by default the followed worker's status and a call to Temporal. */
  readiness?: () => Promise<Readiness>;
}

const CHECK_DEADLINE_MS = 2_000;

async function askTemporal(connection: NativeConnection): Promise<TemporalCheck> {
  try {
    await connection.withDeadline(Date.now() + CHECK_DEADLINE_MS, () =>
      connection.workflowService.getSystemInfo({}),
    );
    return { ok: true };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

export async function startEndpoint(options: EndpointOptions): Promise<WorkerEndpoint> {
  let followed: { worker: Worker; connection: NativeConnection } | undefined;
  const currentReadiness =
    options.readiness ??
    (async () =>
      followed
        ? readiness(followed.worker.getStatus(), await askTemporal(followed.connection))
        : readiness(undefined, undefined));

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (path === '/healthz') {
      currentReadiness().then(
        (r) => {
          res.writeHead(r.ready ? 200 : 503, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ status: r.ready ? 'ready' : 'not ready', reasons: r.reasons }));
        },
        (error: unknown) => {
          res.writeHead(503, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ status: 'not ready', reasons: [String(error)] }));
        },
      );
    } else if (path === '/metrics' && options.metricsUpstream) {
      const upstream = request(
        `http://${options.metricsUpstream}/metrics`,
        { method: req.method },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.once('error', (error) => {
        res.writeHead(502, { 'content-type': 'text/plain' }).end(`metrics exporter: ${error.message}\n`);
      });
      upstream.end();
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /healthz or /metrics\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.listen.port, options.listen.host, () => resolve());
  });
  const { port } = server.address() as { port: number };
  const host = options.listen.host.includes(':') ? `[${options.listen.host}]` : options.listen.host;
  return {
    address: `${host}:${port}`,
    follow(worker, connection) {
      followed = { worker, connection };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
