#!/usr/bin/env bash
# Make sure a Docker engine answers. Uses DOCKER_HOST or the default socket when one already
# runs; otherwise, on Debian, installs docker.io and starts dockerd without a default bridge
# (every container of ours uses host networking on 127.0.0.1).
set -euo pipefail

engine_up() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

if engine_up; then
  echo "docker engine: $(docker version --format '{{.Server.Version}}') (already running)"
  exit 0
fi
if [ -n "${DOCKER_HOST:-}" ]; then
  echo "DOCKER_HOST=$DOCKER_HOST is set but no engine answers there" >&2
  exit 1
fi

if ! command -v dockerd >/dev/null 2>&1; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "no Docker engine and no apt-get to install one: install Docker and start it" >&2
    exit 1
  fi
  echo "installing docker.io from Debian's packages"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
fi

log_dir="${FLINK_RUNBOOKS_CACHE:-$HOME/.cache/flink-runbooks}/logs"
mkdir -p "$log_dir"
# A dockerd that died without cleaning up leaves its pid file behind and the next one refuses to start.
pid_file=/var/run/docker.pid
if [ -f "$pid_file" ] && ! kill -0 "$(cat "$pid_file")" 2>/dev/null; then
  echo "removing the stale $pid_file of a dockerd that is no longer running"
  rm -f "$pid_file"
fi
echo "starting dockerd (log: $log_dir/dockerd.log)"
nohup dockerd --bridge=none --iptables=false --ip-forward=false \
  >"$log_dir/dockerd.log" 2>&1 </dev/null &

for _ in $(seq 1 60); do
  if engine_up; then
    echo "docker engine: $(docker version --format '{{.Server.Version}}') (started)"
    exit 0
  fi
  sleep 1
done
echo "dockerd did not answer within 60 s; see $log_dir/dockerd.log" >&2
exit 1
