#!/usr/bin/env bash
# Build the worker's container image, flink-runbooks/worker:<version>, locally (nothing is pulled):
# the sources compiled by scripts/build.ts, the production dependencies exactly as package-lock.json
# records them (`npm ci --omit=dev`), and this machine's Node.js binary, on the project's Debian
# base (built by build.sh when missing). Like the other images it carries the hash of its inputs
# and is rebuilt only when they change.
#   usage: build-worker.sh            prints the image name last
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
label=io.flink-runbooks.inputs
base_image=flink-runbooks/base:bookworm
version=$(node -p "require('$repo/package.json').version")
image=flink-runbooks/worker:$version
node_bin=$(readlink -f "$(command -v node)")

current_hash() { docker image inspect -f "{{index .Config.Labels \"$label\"}}" "$1" 2>/dev/null || true; }
inputs() {
  current_hash "$base_image"
  cat "$here/worker.Dockerfile" "$repo/package.json" "$repo/package-lock.json" "$repo/tsconfig.json" \
    "$repo/tsconfig.build.json" "$repo/scripts/build.ts"
  (cd "$repo" && find src bin examples -type f | LC_ALL=C sort | xargs cat)
  "$node_bin" --version
}

[ -n "$(current_hash "$base_image")" ] || "$here/build.sh" >/dev/null
want=$(inputs | sha256sum | cut -c1-16)
if [ "$(current_hash "$image")" = "$want" ]; then
  echo "$image is current"
  echo "$image"
  exit 0
fi

echo "building $image (compile, npm ci --omit=dev, docker build: about a minute)"
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
app="$ctx/app"
mkdir -p "$app"
(cd "$repo" && npx tsx scripts/build.ts --out-dir "$app/dist")
cp -r "$repo/bin" "$repo/examples" "$repo/package.json" "$repo/package-lock.json" "$app/"
# The same lock file as the checkout; the npm cache the checkout's install filled serves it.
(cd "$app" && npm ci --omit=dev --prefer-offline --no-audit --no-fund --loglevel=error)
cp "$node_bin" "$ctx/node"
DOCKER_BUILDKIT=0 docker build -q --network host -f "$here/worker.Dockerfile" \
  --build-arg "BASE_IMAGE=$base_image" --label "$label=$want" -t "$image" "$ctx" >/dev/null
echo "built $image ($(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1e6}'))"
echo "$image"
