// The path between the CDC job and PostgreSQL, with network faults on command. The job connects
// to --listen, which forwards to --upstream; a control endpoint (--control, HTTP on 127.0.0.1)
// switches the faults:
//   POST /blackhole   every open connection stops forwarding in both directions: nothing is read
//                     or written, nothing is closed (a half-open path, as a dropped NAT or
//                     firewall flow leaves it); new connections are accepted and held
//   POST /hold-new    open connections flow; new ones are accepted and held without an upstream
//   POST /drop-open   every open connection stops forwarding (half-open, as /blackhole) while new
//                     ones flow: a NAT or firewall that forgot the old flows but routes new ones
//   POST /heal        everything flows again; held connections get their upstream
//   POST /close       every connection is closed cleanly on both sides
//   GET  /state       {mode, open, held, accepted}
// Plain Node, no dependencies: `node fault-proxy.mjs --listen 5434 --upstream 5433 --control 5435`.
// Everything listens on 127.0.0.1 only.

import { createServer as createHttpServer } from 'node:http';
import { connect, createServer } from 'node:net';

const args = Object.fromEntries(
  process.argv
    .slice(2)
    .map((arg, i, all) => (arg.startsWith('--') ? [arg.slice(2), all[i + 1]] : undefined))
    .filter(Boolean),
);
const HOST = '127.0.0.1';
const listenPort = Number(args.listen);
const upstreamPort = Number(args.upstream);
const controlPort = Number(args.control);
if (![listenPort, upstreamPort, controlPort].every((p) => Number.isInteger(p) && p > 0 && p < 65536)) {
  console.error('usage: fault-proxy.mjs --listen PORT --upstream PORT --control PORT');
  process.exit(2);
}

/** 'open' | 'blackhole' | 'hold-new' */
let mode = 'open';
let accepted = 0;
const connections = new Set();

const log = (line) => console.log(`${new Date().toISOString()} ${line}`);

function forward(from, to, conn) {
  from.on('data', (chunk) => {
    if (!to.write(chunk)) {
      from.pause();
      to.once('drain', () => {
        if (!conn.frozen) from.resume();
      });
    }
  });
}

function attachUpstream(conn) {
  const upstream = connect({ host: HOST, port: upstreamPort });
  conn.upstream = upstream;
  upstream.setNoDelay(true);
  forward(conn.client, upstream, conn);
  forward(upstream, conn.client, conn);
  upstream.on('end', () => conn.client.end());
  conn.client.on('end', () => upstream.end());
  upstream.on('error', (error) => {
    log(`conn#${conn.id} upstream ${error.code ?? error.message}`);
    conn.client.destroy();
  });
  upstream.on('close', () => {
    conn.client.destroy();
    connections.delete(conn);
  });
  if (conn.frozen) freeze(conn);
}

function freeze(conn) {
  conn.frozen = true;
  conn.client.pause();
  conn.upstream?.pause();
}

function thaw(conn) {
  conn.frozen = false;
  if (!conn.upstream) attachUpstream(conn);
  conn.client.resume();
  conn.upstream.resume();
}

const proxy = createServer((client) => {
  const conn = { id: ++accepted, client, upstream: undefined, frozen: false };
  connections.add(conn);
  client.setNoDelay(true);
  client.on('error', (error) => log(`conn#${conn.id} client ${error.code ?? error.message}`));
  client.on('close', () => {
    conn.upstream?.destroy();
    connections.delete(conn);
  });
  if (mode === 'open') {
    attachUpstream(conn);
  } else {
    // Held: accepted, nothing read, no upstream until the path heals.
    conn.frozen = true;
    client.pause();
    log(`conn#${conn.id} held (${mode})`);
  }
});

function setMode(next) {
  mode = next;
  if (next === 'blackhole') for (const conn of connections) freeze(conn);
  if (next === 'open') for (const conn of connections) thaw(conn);
  log(`mode ${next}, ${connections.size} open`);
}

function closeAll() {
  const count = connections.size;
  for (const conn of connections) {
    conn.client.end();
    conn.upstream?.end();
    setTimeout(() => {
      conn.client.destroy();
      conn.upstream?.destroy();
    }, 1000).unref();
  }
  log(`closed ${count} connections`);
  return count;
}

const control = createHttpServer((req, res) => {
  const reply = (status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const state = () => ({
    mode,
    open: [...connections].filter((c) => c.upstream && !c.frozen).length,
    frozen: [...connections].filter((c) => c.frozen).length,
    accepted,
  });
  if (req.method === 'GET' && req.url === '/state') return reply(200, state());
  if (req.method !== 'POST') return reply(405, { error: 'use GET /state or POST a fault' });
  switch (req.url) {
    case '/blackhole':
      setMode('blackhole');
      return reply(200, state());
    case '/hold-new':
      setMode('hold-new');
      return reply(200, state());
    case '/drop-open':
      for (const conn of connections) freeze(conn);
      log(`froze ${connections.size} open connections; new ones flow`);
      return reply(200, state());
    case '/heal':
      setMode('open');
      return reply(200, state());
    case '/close':
      return reply(200, { closed: closeAll(), ...state() });
    default:
      return reply(404, { error: `unknown fault ${req.url}` });
  }
});

proxy.listen(listenPort, HOST, () => {
  control.listen(controlPort, HOST, () => {
    log(`forwarding ${HOST}:${listenPort} -> ${HOST}:${upstreamPort}, control on ${HOST}:${controlPort}`);
  });
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    closeAll();
    process.exit(0);
  });
}
