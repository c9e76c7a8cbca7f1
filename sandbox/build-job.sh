#!/usr/bin/env bash
# Builds one of the sandbox's Maven jobs twice from the same sources, as versions 1 and 2
# (`mvn -Drevision=N`), and copies them to OUT_DIR as <name>-1.jar and <name>-2.jar. The jars are
# cached by a hash of the project's pom.xml and src/ (and this script), so when nothing changed no
# Maven build runs and the copy takes a moment.
#   usage: build-job.sh PROJECT_DIR NAME [OUT_DIR]      (default OUT_DIR: <repo>/.data/jars)
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 PROJECT_DIR NAME [OUT_DIR]" >&2; exit 2; }
project="$(cd "$1" && pwd)"
name="$2"
repo="$(cd "$(dirname "$0")/.." && pwd)"
out="${3:-$repo/.data/jars}"
cache_root="${FLINK_RUNBOOKS_CACHE:-$HOME/.cache/flink-runbooks}/jobs"
revisions=(1 2)

# Hash of the build inputs: path and content of pom.xml, every file under src/, and this script.
hash=$( (cd "$project" && find pom.xml src -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
  sha256sum <"$0") | sha256sum | cut -c1-16)
cached="$cache_root/$name-$hash"

have_all() {
  local r
  for r in "${revisions[@]}"; do [ -s "$cached/$name-$r.jar" ] || return 1; done
}

if have_all; then
  echo "$name jars are current (inputs $hash)" >&2
else
  command -v mvn >/dev/null || { echo "build-job.sh: mvn not found (needs Maven and a JDK 11+)" >&2; exit 1; }
  echo "building $name v${revisions[*]} (inputs $hash)" >&2
  mkdir -p "$cache_root"
  staging=$(mktemp -d "$cache_root/.build.XXXXXX")
  trap 'rm -rf "$staging"' EXIT
  for r in "${revisions[@]}"; do
    (cd "$project" && mvn -q -B -Dstyle.color=never -DskipTests -Drevision="$r" package) >&2
    cp "$project/target/r$r/$name-$r.jar" "$staging/"
  done
  # Publish with one rename; a concurrent build that got there first is just as good.
  chmod 755 "$staging"
  if [ -d "$cached" ] && ! have_all; then rm -rf "$cached"; fi
  mv -T "$staging" "$cached" 2>/dev/null || true
  have_all || { echo "build-job.sh: jars missing from $cached after the build" >&2; exit 1; }
fi

mkdir -p "$out"
out="$(cd "$out" && pwd)"
for r in "${revisions[@]}"; do
  cp "$cached/$name-$r.jar" "$out/$name-$r.jar.tmp"
  mv -f "$out/$name-$r.jar.tmp" "$out/$name-$r.jar"
done
for r in "${revisions[@]}"; do echo "$out/$name-$r.jar"; done
