#!/bin/bash
# Entry point compatible with the official Flink image: `jobmanager`, `taskmanager` or
# `standalone-job`, configured by FLINK_PROPERTIES (one `key: value` per line).
#
# Where the properties go depends on the Flink in the image (the version of lib/flink-dist-*.jar):
# - 2.x reads only conf/config.yaml, a standard YAML file (nested keys, quoting rules), so the
#   properties are merged into it by Flink's own config-parser-utils.sh, which keeps the
#   distribution's defaults (among them the JVM flags Java 17 needs);
# - 1.19 and 1.20 read conf/flink-conf.yaml when it exists (the legacy flat `key: value` file) and
#   conf/config.yaml otherwise: the lines are appended to flink-conf.yaml, where the last of two
#   equal keys wins, or merged into config.yaml as on 2.x;
# - a 2.x image that still carries a flink-conf.yaml is told so: Flink 2 ignores that file.
set -euo pipefail
FLINK_HOME="${FLINK_HOME:-/opt/flink}"

flink_version() {
  local jar
  for jar in "$FLINK_HOME"/lib/flink-dist*.jar; do
    [ -e "$jar" ] || break
    jar="${jar##*/}"; jar="${jar%.jar}"; echo "${jar##*-}"; return
  done
  echo unknown
}

# Flink's bash-java-utils.sh passes the -D arguments on unquoted, so a value is split at blanks
# (`env.java.opts.all: -Da=b -Dc=d` becomes two settings) and glob characters match files. Those
# characters travel as tokens and are put back in the merged file.
ESCAPES=(' ' '@@FRB_SPACE@@' $'\t' '@@FRB_TAB@@' '*' '@@FRB_STAR@@' '?' '@@FRB_QMARK@@' '[' '@@FRB_BRACKET@@')

escape_value() {
  local value=$1 i
  for ((i = 0; i < ${#ESCAPES[@]}; i += 2)); do value="${value//"${ESCAPES[i]}"/${ESCAPES[i + 1]}}"; done
  printf '%s' "$value"
}

unescape_file() {
  local file=$1 text i
  text=$(cat "$file")
  for ((i = 0; i < ${#ESCAPES[@]}; i += 2)); do text="${text//"${ESCAPES[i + 1]}"/${ESCAPES[i]}}"; done
  printf '%s\n' "$text" >"$file"
}

properties_as_args() {
  local line key value
  while IFS= read -r line; do
    [[ "$line" =~ ^[[:space:]]*(#|$) || "$line" != *:* ]] && continue
    key="${line%%:*}"; value="${line#*:}"
    key="${key#"${key%%[![:space:]]*}"}"; key="${key%"${key##*[![:space:]]}"}"
    value="${value#"${value%%[![:space:]]*}"}"
    printf '%s\0%s\0' "-D" "$key=$(escape_value "$value")"
  done <<<"${FLINK_PROPERTIES:-}"
}

merge_properties() {
  [ -n "${FLINK_PROPERTIES:-}" ] || return 0
  local conf="$FLINK_HOME/conf" version major
  version=$(flink_version); major="${version%%.*}"
  if [[ "$major" =~ ^[0-9]+$ ]] && [ "$major" -ge 2 ]; then
    [ -f "$conf/flink-conf.yaml" ] &&
      echo "flink-entrypoint: Flink $version ignores conf/flink-conf.yaml; FLINK_PROPERTIES go to conf/config.yaml" >&2
  elif [ -f "$conf/flink-conf.yaml" ]; then
    printf '\n%s\n' "$FLINK_PROPERTIES" >>"$conf/flink-conf.yaml"
    return 0
  fi
  local args=() work
  mapfile -d '' args < <(properties_as_args)
  [ ${#args[@]} -eq 0 ] && return 0
  # config-parser-utils.sh writes whatever it got, an error report included, over config.yaml and
  # still exits 0: merge into a copy and keep it only if it is a configuration.
  work=$(mktemp -d)
  cp "$conf/config.yaml" "$work/config.yaml"
  if ! "$FLINK_HOME/bin/config-parser-utils.sh" "$work" "$FLINK_HOME/bin" "$FLINK_HOME/lib" "${args[@]}" \
    >"$work/out" 2>&1 || [ ! -s "$work/config.yaml" ] || grep -q '^\[ERROR\]' "$work/config.yaml"; then
    echo "flink-entrypoint: FLINK_PROPERTIES could not be merged into conf/config.yaml:" >&2
    cat "$work/out" "$work/config.yaml" >&2
    exit 1
  fi
  unescape_file "$work/config.yaml"
  cp "$work/config.yaml" "$conf/config.yaml"
  rm -rf "$work"
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
