#!/bin/bash
# Entry point compatible with the official Flink image: `jobmanager`, `taskmanager` or
# `standalone-job`, configured by FLINK_PROPERTIES (one `key: value` per line; later lines win).
set -euo pipefail
conf=/opt/flink/conf/config.yaml

write_config() {
  # Flat keys are valid in Flink 1.20's config.yaml; keep the last value given for each key.
  printf '%s\n' "blob.server.port: 6124" "jobmanager.rpc.port: 6123" "taskmanager.numberOfTaskSlots: 1" \
    "${FLINK_PROPERTIES:-}" |
    awk '/^[[:space:]]*#/ || !/:/ { next }
         { key = $0; sub(/:.*/, "", key); gsub(/^[[:space:]]+|[[:space:]]+$/, "", key)
           value = $0; sub(/^[^:]*:[[:space:]]*/, "", value)
           if (!(key in seen)) order[n++] = key; seen[key] = value }
         END { for (i = 0; i < n; i++) print order[i] ": " seen[order[i]] }' >"$conf"
}

case "${1:-}" in
  jobmanager)
    shift; write_config
    exec /opt/flink/bin/jobmanager.sh start-foreground "$@" ;;
  taskmanager)
    shift; write_config
    exec /opt/flink/bin/taskmanager.sh start-foreground "$@" ;;
  standalone-job)
    shift; write_config
    exec /opt/flink/bin/standalone-job.sh start-foreground "$@" ;;
  *)
    exec "$@" ;;
esac
