#!/usr/bin/env bash
# Build the CDC job twice from the same sources: version 1 and version 2 (every row ends in "v2"),
# and copy them to OUT_DIR as cdc-pipeline-1.jar and cdc-pipeline-2.jar. The jars are cached by a
# hash of pom.xml and src/, so when nothing changed no Maven build runs and the copy takes a moment.
#   usage: build.sh [OUT_DIR]      (default: <repo>/.data/jars)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="${1:-$repo/.data/jars}"
cache_root="${FLINK_RUNBOOKS_CACHE:-$HOME/.cache/flink-runbooks}/jobs"
revisions=(1 2)

# Hash of the build inputs: path and content of pom.xml, every file under src/, and this script.
hash=$(cd "$here" && find pom.xml src build.sh -type f -print0 | LC_ALL=C sort -z |
  xargs -0 sha256sum | sha256sum | cut -c1-16)
cached="$cache_root/$hash"

have_all() {
  local r
  for r in "${revisions[@]}"; do [ -s "$cached/cdc-pipeline-$r.jar" ] || return 1; done
}

if have_all; then
  echo "cdc-pipeline jars are current (inputs $hash)" >&2
else
  command -v mvn >/dev/null || { echo "build.sh: mvn not found (needs Maven and a JDK 11+)" >&2; exit 1; }
  echo "building cdc-pipeline v${revisions[*]} (inputs $hash)" >&2
  mkdir -p "$cache_root"
  staging=$(mktemp -d "$cache_root/.build.XXXXXX")
  trap 'rm -rf "$staging"' EXIT
  for r in "${revisions[@]}"; do
    (cd "$here" && mvn -q -B -Dstyle.color=never -DskipTests -Drevision="$r" package) >&2
    cp "$here/target/r$r/cdc-pipeline-$r.jar" "$staging/"
  done
  # Publish with one rename; a concurrent build that got there first is just as good.
  chmod 755 "$staging"
  if [ -d "$cached" ] && ! have_all; then rm -rf "$cached"; fi
  mv -T "$staging" "$cached" 2>/dev/null || true
  have_all || { echo "build.sh: jars missing from $cached after the build" >&2; exit 1; }
fi

mkdir -p "$out"
out="$(cd "$out" && pwd)"
for r in "${revisions[@]}"; do
  cp "$cached/cdc-pipeline-$r.jar" "$out/cdc-pipeline-$r.jar.tmp"
  mv -f "$out/cdc-pipeline-$r.jar.tmp" "$out/cdc-pipeline-$r.jar"
done
for r in "${revisions[@]}"; do echo "$out/cdc-pipeline-$r.jar"; done
