#!/bin/bash
# Entry point compatible with the official Flink image: `jobmanager`, `taskmanager` or
# `standalone-job`, configured by FLINK_PROPERTIES (one `key: value` per line). The properties are
# merged into the distribution's conf/config.yaml by Flink's own config-parser-utils.sh, which
# keeps the distribution's defaults (among them the JVM flags Java 17 needs).
set -euo pipefail
FLINK_HOME=/opt/flink

merge_properties() {
  local args=() line key value
  while IFS= read -r line; do
    [[ "$line" =~ ^[[:space:]]*(#|$) || "$line" != *:* ]] && continue
    key="${line%%:*}"; value="${line#*:}"
    key="${key#"${key%%[![:space:]]*}"}"; key="${key%"${key##*[![:space:]]}"}"
    value="${value#"${value%%[![:space:]]*}"}"
    args+=("-D" "$key=$value")
  done <<<"${FLINK_PROPERTIES:-}"
  [ ${#args[@]} -eq 0 ] && return 0
  "$FLINK_HOME/bin/config-parser-utils.sh" "$FLINK_HOME/conf" "$FLINK_HOME/bin" "$FLINK_HOME/lib" "${args[@]}" >/dev/null
}

case "${1:-}" in
  jobmanager)
    shift; merge_properties
    exec "$FLINK_HOME/bin/jobmanager.sh" start-foreground "$@" ;;
  taskmanager)
    shift; merge_properties
    exec "$FLINK_HOME/bin/taskmanager.sh" start-foreground "$@" ;;
  standalone-job)
    shift; merge_properties
    exec "$FLINK_HOME/bin/standalone-job.sh" start-foreground "$@" ;;
  *)
    exec "$@" ;;
esac
