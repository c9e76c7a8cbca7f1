#!/usr/bin/env bash
# Build the sandbox images locally (nothing is pulled): a Debian base with JRE 17 and ZooKeeper,
# Flink on top of it, and ZooKeeper. Each image carries a label with the hash of its inputs and
# is rebuilt only when that hash changes, so a second run on the same machine takes seconds.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
flink_version="${FLINK_VERSION:-1.20.3}"
suite=bookworm
packages="openjdk-17-jre-headless,zookeeper,procps,findutils,netcat-openbsd"
label=io.flink-runbooks.inputs
base_image=flink-runbooks/base:$suite
flink_image=flink-runbooks/flink:$flink_version
zk_image=flink-runbooks/zookeeper:3.8

hash_of() { sha256sum | cut -c1-16; }
current_hash() { docker image inspect -f "{{index .Config.Labels \"$label\"}}" "$1" 2>/dev/null || true; }
mirror() {
  grep -hs '^URIs:' /etc/apt/sources.list.d/debian.sources | awk '{print $2; exit}' |
    grep . || echo "http://deb.debian.org/debian"
}

build_base() {
  local want; want=$(printf '%s\n' "$suite" "$packages" | hash_of)
  if [ "$(current_hash "$base_image")" = "$want" ]; then echo "$base_image is current"; return; fi
  command -v debootstrap >/dev/null || { apt-get update -qq; apt-get install -y -qq debootstrap >/dev/null; }
  local root; root=$(mktemp -d)
  echo "building $base_image with debootstrap (about a minute)"
  debootstrap --variant=minbase --include="$packages" "$suite" "$root" "$(mirror)" >"$root.log" 2>&1 ||
    { tail -20 "$root.log" >&2; exit 1; }
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -c . | docker import --change "LABEL $label=$want" - "$base_image" >/dev/null
  rm -rf "$root" "$root.log"
}

want_on_base() { # dockerfile extra-hash-input
  printf '%s\n' "$(current_hash "$base_image")" "$(cat "$here/$1")" "$2" | hash_of
}

build_on_base() { # image dockerfile context-dir extra-hash-input
  local image=$1 dockerfile=$2 context=$3 extra=$4 want
  want=$(want_on_base "$dockerfile" "$extra")
  if [ "$(current_hash "$image")" = "$want" ]; then echo "$image is current"; return; fi
  echo "building $image"
  DOCKER_BUILDKIT=0 docker build -q --network host -f "$here/$dockerfile" \
    --build-arg "BASE_IMAGE=$base_image" --label "$label=$want" -t "$image" "$context" >/dev/null
}

build_base

flink_inputs="$flink_version $(cat "$here/flink-entrypoint.sh")"
# The distribution (hundreds of MB, cached per machine) is fetched only when the image must be built.
if [ "$(current_hash "$flink_image")" = "$(want_on_base flink.Dockerfile "$flink_inputs")" ]; then
  echo "$flink_image is current"
else
  flink_dist=$("$here/fetch-flink.sh")
  ctx=$(mktemp -d)
  trap 'rm -rf "$ctx"' EXIT
  cp -al "$flink_dist" "$ctx/flink" 2>/dev/null || cp -a "$flink_dist" "$ctx/flink"
  cp "$here/flink-entrypoint.sh" "$ctx/"
  build_on_base "$flink_image" flink.Dockerfile "$ctx" "$flink_inputs"
fi

zctx=$(mktemp -d)
cp "$here/zookeeper-entrypoint.sh" "$zctx/"
build_on_base "$zk_image" zookeeper.Dockerfile "$zctx" "$(cat "$here/zookeeper-entrypoint.sh")"
rm -rf "$zctx"
