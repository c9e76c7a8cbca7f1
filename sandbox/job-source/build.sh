#!/usr/bin/env bash
# Builds the FLIP-27 sample job as version 1 and version 2 (the same rows as sandbox/job's
# sample-pipeline) and copies them to OUT_DIR/sample-source-pipeline-1.jar and -2.jar. Compiled
# against Flink 1.20.3 by default; the same jars run on Flink 2.3.0 (checked on local standalone
# clusters). COMPILE_FLINK=2.3 compiles against 2.3.0 instead (-Pflink-2.3).
# Cached by a hash of this module, the classes it shares with sandbox/job, this script and the
# Flink it compiles against, so an unchanged build copies the jars without starting Maven.
#   usage: build.sh [OUT_DIR]      (default: <repo>/.data/jars)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="${1:-$repo/.data/jars}"
name=sample-source-pipeline
case "${COMPILE_FLINK:-1.20}" in
  1.20) profile=() flink=1.20.3 ;;
  2.3) profile=(-Pflink-2.3) flink=2.3.0 ;;
  *) echo "build.sh: COMPILE_FLINK must be 1.20 or 2.3, got '$COMPILE_FLINK'" >&2; exit 2 ;;
esac
cache_root="${FLINK_RUNBOOKS_CACHE:-$HOME/.cache/flink-runbooks}/jobs"

hash=$( (cd "$here" && find pom.xml src -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
  cd "$here/../job" && find src/main -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
  sha256sum <"$0"; echo "$flink") | sha256sum | cut -c1-16)
cached="$cache_root/$name-$hash"

if [ -s "$cached/$name-1.jar" ] && [ -s "$cached/$name-2.jar" ]; then
  echo "$name jars are current (inputs $hash, Flink $flink)" >&2
else
  command -v mvn >/dev/null || { echo "build.sh: mvn not found (needs Maven and a JDK 11+)" >&2; exit 1; }
  echo "building $name v1 v2 against Flink $flink (inputs $hash)" >&2
  mkdir -p "$cache_root"
  staging=$(mktemp -d "$cache_root/.build.XXXXXX")
  trap 'rm -rf "$staging"' EXIT
  for r in 1 2; do
    (cd "$here" && mvn -q -B -Dstyle.color=never -DskipTests -Drevision="$r" "${profile[@]}" package) >&2
    cp "$here/target/$flink/r$r/$name-$r.jar" "$staging/"
  done
  chmod 755 "$staging"
  rm -rf "$cached"
  mv -T "$staging" "$cached" 2>/dev/null || true
fi

mkdir -p "$out"
out="$(cd "$out" && pwd)"
for r in 1 2; do
  cp "$cached/$name-$r.jar" "$out/$name-$r.jar.tmp"
  mv -f "$out/$name-$r.jar.tmp" "$out/$name-$r.jar"
done
for r in 1 2; do echo "$out/$name-$r.jar"; done
