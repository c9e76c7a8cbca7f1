#!/usr/bin/env bash
# Installs the npm dependencies exactly as package-lock.json records them (`npm ci`) when
# node_modules is missing or older than the lock file. The lock file lists every platform's
# optional packages (biome, swc, rollup, esbuild), so `npm ci` accepts it on any machine
# (test/unit/package-lock.test.ts keeps it in sync with package.json). Without a lock file (a copy
# made without it) `npm install` resolves the versions afresh and writes one.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f package-lock.json ]; then
  echo "installing the npm dependencies (npm install: no package-lock.json)" >&2
  npm install --no-audit --no-fund --loglevel=error
elif [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "installing the npm dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
