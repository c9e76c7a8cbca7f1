#!/usr/bin/env bash
# A local standalone Flink (one JobManager, one TaskManager, plain JVMs, no HA) from the distribution
# that sandbox/images/fetch-flink.sh assembles, bound to 127.0.0.1 with every port pinned, to record
# REST answers and to try the sample jobs on a real Flink without Docker. The configuration is
# merged into a copy of the distribution's conf/config.yaml by Flink's own config-parser-utils.sh,
# as the image's entrypoint does.
#   usage: flink-standalone.sh start VERSION REST_PORT PORT_BASE DIR   (RPC, blob, data, metrics on PORT_BASE..+9)
#          flink-standalone.sh stop DIR
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

start() {
  local version=$1 rest=$2 base=$3 dir=$4 dist
  dist=$(FLINK_VERSION=$version "$here/../sandbox/images/fetch-flink.sh")
  mkdir -p "$dir"/{log,checkpoints,savepoints,output,control,tmp}
  dir="$(cd "$dir" && pwd)"
  rm -rf "$dir/conf" && cp -a "$dist/conf" "$dir/conf"
  local props=(
    "jobmanager.rpc.address=127.0.0.1" "jobmanager.bind-host=127.0.0.1"
    "jobmanager.rpc.port=$((base))" "blob.server.port=$((base + 1))"
    "taskmanager.host=127.0.0.1" "taskmanager.bind-host=127.0.0.1"
    "taskmanager.rpc.port=$((base + 2))" "taskmanager.data.port=$((base + 3))"
    "metrics.internal.query-service.port=$((base + 5))-$((base + 9))"
    "rest.address=127.0.0.1" "rest.bind-address=127.0.0.1" "rest.port=$rest" "rest.bind-port=$rest"
    "taskmanager.numberOfTaskSlots=2" "parallelism.default=1"
    "jobmanager.memory.process.size=1024m" "taskmanager.memory.process.size=1280m"
    "state.checkpoints.dir=file://$dir/checkpoints" "state.savepoints.dir=file://$dir/savepoints"
    "io.tmp.dirs=$dir/tmp" "web.upload.dir=$dir/tmp"
  )
  local args=() p
  for p in "${props[@]}"; do args+=(-D "$p"); done
  "$dist/bin/config-parser-utils.sh" "$dir/conf" "$dist/bin" "$dist/lib" "${args[@]}" >/dev/null
  export FLINK_CONF_DIR="$dir/conf" FLINK_LOG_DIR="$dir/log"
  "$dist/bin/jobmanager.sh" start-foreground >"$dir/log/jobmanager.out" 2>&1 &
  echo $! >"$dir/jobmanager.pid"
  "$dist/bin/taskmanager.sh" start-foreground >"$dir/log/taskmanager.out" 2>&1 &
  echo $! >"$dir/taskmanager.pid"
  local i
  for i in $(seq 1 60); do
    if curl -sf "http://127.0.0.1:$rest/taskmanagers" | grep -q '"id"'; then
      echo "flink $version on http://127.0.0.1:$rest ($dir)"; return 0
    fi
    sleep 1
  done
  echo "flink $version did not come up; see $dir/log" >&2; return 1
}

stop() {
  local dir=$1 f pid
  for f in "$dir/taskmanager.pid" "$dir/jobmanager.pid"; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    # start-foreground execs java, so the recorded pid is the JVM itself.
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$f"
  done
}

case "${1:-}" in
  start) [ $# -eq 5 ] || { echo "usage: $0 start VERSION REST_PORT PORT_BASE DIR" >&2; exit 2; }; start "$2" "$3" "$4" "$5" ;;
  stop) [ $# -eq 2 ] || { echo "usage: $0 stop DIR" >&2; exit 2; }; stop "$2" ;;
  *) echo "usage: $0 start VERSION REST_PORT PORT_BASE DIR | stop DIR" >&2; exit 2 ;;
esac
