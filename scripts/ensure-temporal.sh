#!/usr/bin/env bash
# Prints the path of a Temporal CLI: the one on PATH, else a cached build, else builds one from
# the Go module proxy. v1.5.1 is the last CLI tag that `go install` accepts (later ones carry
# replace directives in go.mod). The build is pure Go and embeds the Web UI. While it builds, a
# line every 15 s (TEMPORAL_CLI_PROGRESS_SECONDS) on stderr says it is still going (the first build
# takes minutes), and the script returns only when the build has ended, however long it takes.
set -euo pipefail
version="${TEMPORAL_CLI_VERSION:-v1.5.1}"
every="${TEMPORAL_CLI_PROGRESS_SECONDS:-15}"
cache_bin="${FLINK_RUNBOOKS_CACHE:-$HOME/.cache/flink-runbooks}/bin"

if [ -z "${TEMPORAL_CLI_REBUILD:-}" ] && command -v temporal >/dev/null 2>&1; then
  command -v temporal; exit 0
fi
if [ -x "$cache_bin/temporal" ] && [ "$(cat "$cache_bin/temporal.version" 2>/dev/null)" = "$version" ]; then
  echo "$cache_bin/temporal"; exit 0
fi
command -v go >/dev/null 2>&1 || { echo "no temporal on PATH and no Go toolchain to build it" >&2; exit 1; }
echo "building the Temporal CLI $version with Go into $cache_bin (a few minutes, once per machine)" >&2
mkdir -p "$cache_bin"
started=$(date +%s)
GOBIN="$cache_bin" CGO_ENABLED=0 go install "github.com/temporalio/cli/cmd/temporal@$version" >&2 &
build=$!
trap 'kill "$build" 2>/dev/null || true' EXIT # an interrupted script leaves no build behind
while kill -0 "$build" 2>/dev/null; do
  for _ in $(seq 1 "$every"); do kill -0 "$build" 2>/dev/null && sleep 1; done
  kill -0 "$build" 2>/dev/null && echo "  still building the Temporal CLI ($(( $(date +%s) - started )) s so far)" >&2
done
wait "$build" || { echo "building the Temporal CLI failed after $(( $(date +%s) - started )) s" >&2; exit 1; }
echo "built the Temporal CLI in $(( $(date +%s) - started )) s" >&2
echo "$version" >"$cache_bin/temporal.version"
echo "$cache_bin/temporal"
