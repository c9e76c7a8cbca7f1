import { createServer, request, type Server } from 'node:http';
import { listenOnLoopback } from './listen';

/**
 * An HTTP proxy on 127.0.0.1 in front of one JobManager's REST endpoint that injects faults:
 * latency, connection resets, 500 and 503 (no leader). Every fault is counted by kind.
 */
export type FaultKind = 'latency' | 'reset' | 'error500' | 'noLeader503';

export interface FaultProxy {
  url: string;
  injected: Record<FaultKind, number>;
  forwarded: number;
  close(): Promise<void>;
}

export async function startFaultProxy(target: string, faultRate: number, seed = 1): Promise<FaultProxy> {
  const upstream = new URL(target);
  const injected: Record<FaultKind, number> = { latency: 0, reset: 0, error500: 0, noLeader503: 0 };
  const kinds = Object.keys(injected) as FaultKind[];
  let state = seed;
  const random = () => {
    // A small deterministic generator, so a run's fault sequence can be repeated.
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const proxy = { url: '', injected, forwarded: 0, close: async () => undefined } as FaultProxy;
  const server: Server = createServer((req, res) => {
    const fault = random() < faultRate ? kinds[Math.floor(random() * kinds.length)] : undefined;
    if (fault) injected[fault]++;
    if (fault === 'reset') return void req.socket.destroy();
    if (fault === 'error500')
      return void res
        .writeHead(500, { 'content-type': 'application/json' })
        .end('{"errors":["Internal server error."]}');
    if (fault === 'noLeader503') {
      return void res
        .writeHead(503, { 'content-type': 'application/json' })
        .end(
          '{"errors":["Service temporarily unavailable due to an ongoing leader election. Please refresh."]}',
        );
    }
    const forward = () => {
      proxy.forwarded++;
      const out = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: req.url,
          method: req.method,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      out.on('error', () => res.destroy());
      req.pipe(out);
    };
    // Latency longer than the clients' per-request timeouts (3–5 s): they must give up and move on.
    if (fault === 'latency') setTimeout(forward, 6_000);
    else forward();
  });
  Object.assign(proxy, await listenOnLoopback(server));
  return proxy;
}
