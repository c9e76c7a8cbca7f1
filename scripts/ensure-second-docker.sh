#!/usr/bin/env bash
# Make sure a second Docker engine answers on this machine, for clusters whose nodes run on two
# engines (a node's `docker: unix:///run/flink-runbooks/docker-b.sock` in the clusters file).
# It has its own socket, data root, exec root, pid file and daemon config, so it shares nothing
# with the first engine but the kernel and the host network: like the first one (ensure-docker.sh)
# it runs with no bridge, and every container of ours uses host networking on 127.0.0.1.
#
#   scripts/ensure-second-docker.sh [IMAGE...]
#
# A no-op when the engine already answers. Each IMAGE is copied from the first engine
# (DOCKER_HOST, else the default socket) into the second one unless it already has it
# (`docker save IMAGE | docker -H <second> load`): the second engine pulls nothing itself.
# Prints DOCKER_B_HOST=unix://... last, for a caller to read. Needs root (dockerd does).
#
# Settings: FLINK_RUNBOOKS_DOCKER_B_SOCK (default /run/flink-runbooks/docker-b.sock) and
# FLINK_RUNBOOKS_DOCKER_B_ROOT (default /var/lib/flink-runbooks/docker-b: images and containers).
set -euo pipefail

sock="${FLINK_RUNBOOKS_DOCKER_B_SOCK:-/run/flink-runbooks/docker-b.sock}"
data_root="${FLINK_RUNBOOKS_DOCKER_B_ROOT:-/var/lib/flink-runbooks/docker-b}"
run_dir="$(dirname "$sock")/docker-b"
# Short: containerd's shim sockets live under it, and a unix socket path has at most 107 bytes.
exec_root="$run_dir/exec"
pid_file="$run_dir/dockerd.pid"
config_file="$run_dir/daemon.json"
host="unix://$sock"
log_dir="${FLINK_RUNBOOKS_CACHE:-$HOME/.cache/flink-runbooks}/logs"
log_file="$log_dir/dockerd-b.log"

engine_b_up() { docker -H "$host" version --format '{{.Server.Version}}' >/dev/null 2>&1; }

copy_images() {
  for image in "$@"; do
    local want have
    if ! want=$(docker image inspect -f '{{.Id}}' "$image" 2>/dev/null); then
      if docker -H "$host" image inspect "$image" >/dev/null 2>&1; then
        echo "second engine: $image already there"
        continue
      fi
      echo "image $image is on neither engine: build it first (sandbox/images/build.sh)" >&2
      exit 1
    fi
    # The same tag may name an older build there: only the same image id counts.
    have=$(docker -H "$host" image inspect -f '{{.Id}}' "$image" 2>/dev/null || true)
    if [ "$have" = "$want" ]; then
      echo "second engine: $image already there"
      continue
    fi
    echo "second engine: copying $image from the first engine"
    docker save "$image" | docker -H "$host" load >/dev/null
  done
}

if engine_b_up; then
  echo "second docker engine: $(docker -H "$host" version --format '{{.Server.Version}}') at $host (already running)"
  copy_images "$@"
  echo "DOCKER_B_HOST=$host"
  exit 0
fi

if ! command -v dockerd >/dev/null 2>&1; then
  echo "no dockerd on this machine: run scripts/ensure-docker.sh first, which installs it" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "starting a second dockerd needs root (it mounts, and runs containerd)" >&2
  exit 1
fi

mkdir -p "$run_dir" "$exec_root" "$data_root" "$log_dir"
# Its own (empty) daemon config: /etc/docker/daemon.json belongs to the first engine, and a
# `hosts` entry there would clash with this engine's -H.
[ -f "$config_file" ] || echo '{}' >"$config_file"
# A dockerd that died without cleaning up leaves its pid file and socket behind, and the next one refuses to start.
if [ -f "$pid_file" ] && ! kill -0 "$(cat "$pid_file")" 2>/dev/null; then
  echo "removing the stale $pid_file of a second dockerd that is no longer running"
  rm -f "$pid_file" "$sock"
fi

echo "starting a second dockerd at $host (data root $data_root, log: $log_file)"
(
  # The daemon must not keep any descriptor it inherits beyond stdio: a set-up lock held open by
  # it (scripts/lib/locked-script.ts) would stay locked for as long as the engine runs.
  for fd in /proc/$BASHPID/fd/*; do
    fd="${fd##*/}"
    if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
  done
  exec nohup dockerd \
    --host "$host" \
    --data-root "$data_root" \
    --exec-root "$exec_root" \
    --pidfile "$pid_file" \
    --config-file "$config_file" \
    --bridge=none --iptables=false --ip-forward=false \
    >"$log_file" 2>&1 </dev/null
) &

for _ in $(seq 1 60); do
  if engine_b_up; then
    echo "second docker engine: $(docker -H "$host" version --format '{{.Server.Version}}') at $host (started)"
    copy_images "$@"
    echo "DOCKER_B_HOST=$host"
    exit 0
  fi
  sleep 1
done
echo "the second dockerd did not answer within 60 s; see $log_file" >&2
exit 1
