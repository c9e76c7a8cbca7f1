#!/usr/bin/env bash
# `npm run demo`: a Temporal dev server with its Web UI, a worker, and the deploy runbook bringing
# up the Flink HA sandbox in Docker and handing the job over to its monitor, which keeps running.
# `npm run demo -- --cdc` also runs the CDC pipeline: PostgreSQL, and the deploy runbook bringing up
# the cdc-pipeline cluster with the Flink CDC job and its monitor.
# `npm run demo -- down` stops and removes it all.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-node-deps.sh
export PATH="$PWD/node_modules/.bin:$PATH"
export FLINK_RUNBOOKS_CLUSTERS="$PWD/sandbox/clusters.yaml"
run=.data/demo
mkdir -p "$run"

stop_group() { # a background process group started below: TERM, then KILL after 20 s
  [ -f "$run/$1.pid" ] || return 0
  local group; group="-$(cat "$run/$1.pid")"
  kill -TERM -- "$group" 2>/dev/null || true
  for _ in $(seq 1 20); do kill -0 -- "$group" 2>/dev/null || break; sleep 1; done
  kill -KILL -- "$group" 2>/dev/null || true
  rm -f "$run/$1.pid"
}

if [ "${1:-}" = "down" ]; then
  stop_group worker
  stop_group temporal
  tsx scripts/sandbox.ts down
  exit 0
fi

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if ! answers 7233; then
  # The first run on a machine builds the Temporal CLI (minutes): in the foreground, with progress,
  # before the server starts, so the wait below is only for the server itself.
  echo "making sure of the Temporal CLI"
  bash scripts/ensure-temporal.sh >/dev/null
  echo "starting the Temporal dev server (log: $run/temporal.log)"
  setsid tsx scripts/temporal.ts >"$run/temporal.log" 2>&1 < /dev/null &
  echo $! >"$run/temporal.pid"
  for _ in $(seq 1 60); do answers 7233 && break; sleep 1; done
  answers 7233 || { echo "Temporal did not start within 60 s; see $run/temporal.log" >&2; exit 1; }
fi

echo "preparing the Docker engine, the Flink images and the sample job (cached after the first run)"
tsx scripts/sandbox.ts prepare

stop_group worker
echo "starting the worker (log: $run/worker.log; http://127.0.0.1:9464/metrics and /healthz)"
setsid node --import tsx src/worker.ts >"$run/worker.log" 2>&1 < /dev/null &
echo $! >"$run/worker.pid"
# Ready: polling Temporal's task queue (the worker bundles the workflows first, a few seconds).
node -e '
  const until = Date.now() + 120_000;
  const ready = () => fetch("http://127.0.0.1:9464/healthz").then((r) => r.ok, () => false);
  (async () => {
    while (!(await ready())) {
      if (Date.now() > until) { console.error("the worker is not ready after 120 s; see '"$run"'/worker.log"); process.exit(1); }
      await new Promise((r) => setTimeout(r, 500));
    }
  })();'

echo "running the deploy runbook: ZooKeeper, two JobManagers, two TaskManagers, the sample job"
node bin/flink-runbooks.js deploy --cluster realtime-pipeline
node bin/flink-runbooks.js monitor status --cluster realtime-pipeline || true

if [ "${1:-}" = "--cdc" ]; then
  echo "the CDC pipeline: PostgreSQL on 127.0.0.1:5433, then the deploy runbook bringing up the cdc-pipeline cluster"
  tsx scripts/sandbox.ts database
  node bin/flink-runbooks.js deploy --cluster cdc-pipeline
  node bin/flink-runbooks.js monitor status --cluster cdc-pipeline || true
  tsx scripts/demo-hints.ts --cdc
fi

tsx scripts/demo-hints.ts
