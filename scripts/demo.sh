#!/usr/bin/env bash
# `npm run demo`: a Temporal dev server with its Web UI, the Flink HA sandbox in Docker and a
# worker, then a first runbook against the sandbox. `npm run demo -- down` stops and removes it all.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-node-deps.sh
export PATH="$PWD/node_modules/.bin:$PATH"
export FLINK_RUNBOOKS_CLUSTERS="$PWD/sandbox/clusters.yaml"
run=.data/demo
mkdir -p "$run"

stop_group() { # a background process group started below
  [ -f "$run/$1.pid" ] || return 0
  kill -TERM -- "-$(cat "$run/$1.pid")" 2>/dev/null || true
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
  echo "starting the Temporal dev server (log: $run/temporal.log)"
  setsid tsx scripts/temporal.ts >"$run/temporal.log" 2>&1 < /dev/null &
  echo $! >"$run/temporal.pid"
  for _ in $(seq 1 120); do answers 7233 && break; sleep 1; done
  answers 7233 || { echo "Temporal did not start; see $run/temporal.log" >&2; exit 1; }
fi

tsx scripts/sandbox.ts up

stop_group worker
echo "starting the worker (log: $run/worker.log)"
setsid tsx src/worker.ts >"$run/worker.log" 2>&1 < /dev/null &
echo $! >"$run/worker.pid"

echo "running clusterStatus against the sandbox"
tsx scripts/start-workflow.ts clusterStatus '{"cluster":"realtime-pipeline"}' "cluster-status-demo-$(date +%s)"

cat <<MSG

Temporal Web UI: http://127.0.0.1:8233  (workflows are kept in .data/temporal across restarts)
Flink Web UI:    http://127.0.0.1:8081  (primary)   http://127.0.0.1:8082  (standby)

Try next:
  - In the Temporal UI, Start Workflow: type clusterStatus, task queue flink-runbooks,
    input {"cluster": "realtime-pipeline"}.
  - npm run sandbox -- status      the leader read from ZooKeeper, TaskManagers, jobs
  - docker stop flink-jobmanager   then run clusterStatus again and watch the standby lead
  - npm run demo -- down           stop everything and remove the sandbox
MSG
