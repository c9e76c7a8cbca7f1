#!/usr/bin/env bash
# Installs the npm dependencies when node_modules is missing or older than package-lock.json.
# `npm install` rather than `npm ci`: npm 11.19 rejects its own lock file in `ci` because other
# platforms' optional packages (biome, swc, rollup) are not listed, yet installs from it exactly.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm install --no-audit --no-fund --loglevel=error
fi
