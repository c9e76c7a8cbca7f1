#!/usr/bin/env bash
# `npm test`: installs what the tests need, then typecheck, lint, and every vitest project.
# The Temporal CLI, the Docker engine, the images and the sample job's jars are prepared by the
# test projects that use them (test/setup), each a no-op when already there.
# Extra arguments go to vitest alone: `npm test -- --project unit`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-node-deps.sh
npx tsc --noEmit
npx biome check .
if [ "$#" -gt 0 ]; then exec npx vitest run "$@"; fi

# Everything, in eight vitest runs. The Docker-free projects first, alone: their timers must not
# compete for the CPU. Then the crash tests (a sandbox of their own, mostly waiting for the server
# to notice each killed worker), after them the e2e core on Flink 2.3 and a cluster on two Docker
# engines (each a sandbox of their own), the two-worker takeover (no Docker) and README's Quick
# start on a clean clone (a sandbox of its own), in a second process beside integration and e2e,
# which saves their 25 minutes. Each run writes its own JSON report for scripts/failed-tests.ts.
# Each run has a time limit well inside CI's 90 minutes, so that a run that hangs still leaves a
# log that says which one.
mkdir -p .data
rm -f .data/test-results*.json
status=0
# `npm run test:fast` first, timed on its own: its goal is under 3 minutes on a machine like CI's.
# Two files at a time (vitest's default on two cores is one): nothing else runs beside them.
fast_started=$(date +%s)
VITEST_JSON_REPORT=.data/test-results-1-fast.json \
  timeout --kill-after=60 15m npx vitest run --project unit --project fast-workflow --maxWorkers=2 || status=1
echo "test:fast (unit + fast-workflow): $(($(date +%s) - fast_started)) s wall" | tee .data/test-fast-time.txt
VITEST_JSON_REPORT=.data/test-results-1-workflow.json \
  timeout --kill-after=60 10m npx vitest run --project workflow || status=1
beside() {
  local crash=0
  VITEST_JSON_REPORT=.data/test-results-3-crash.json \
    timeout --kill-after=60 35m npx vitest run --project crash || crash=1
  VITEST_JSON_REPORT=.data/test-results-4-flink2.json \
    timeout --kill-after=60 20m npx vitest run --project flink2 || crash=1
  VITEST_JSON_REPORT=.data/test-results-5-engines.json \
    timeout --kill-after=60 15m npx vitest run --project engines || crash=1
  VITEST_JSON_REPORT=.data/test-results-6-takeover.json \
    timeout --kill-after=60 10m npx vitest run --project takeover || crash=1
  VITEST_JSON_REPORT=.data/test-results-7-quickstart.json \
    timeout --kill-after=60 20m npx vitest run --project quickstart || crash=1
  return "$crash"
}
beside >.data/beside-tests.log 2>&1 &
crash=$!
VITEST_JSON_REPORT=.data/test-results-2-sandbox.json \
  timeout --kill-after=60 60m npx vitest run --project integration --project e2e || status=1
wait "$crash" || status=1
echo "---- the crash tests, Flink 2.3, two engines, the takeover and the quickstart, run beside integration and e2e (.data/beside-tests.log) ----"
cat .data/beside-tests.log
exit "$status"
