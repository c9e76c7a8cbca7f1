#!/usr/bin/env bash
# `npm test`: installs what the tests need, then typecheck, lint, and every vitest project.
# The Temporal CLI, the Docker engine, the images and the sample job's jars are prepared by the
# test projects that use them (test/setup), each a no-op when already there.
# Extra arguments go to vitest: `npm test -- --project unit`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-node-deps.sh
npx tsc --noEmit
npx biome check .
npx vitest run "$@"
