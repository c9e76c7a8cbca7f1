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

# Everything, in eight vitest runs, in two lines of work.
# 1. The Docker-free projects first, alone: their timers must not compete for the CPU.
# 2. The Docker engine and the images, once, before two checkouts use them (this one and the
#    quickstart's clean clone, whose set-up would otherwise race this one's).
# 3. A second process, beside the rest: the crash tests (a sandbox of their own, mostly waiting for
#    the server to notice each killed worker), the cluster on two Docker engines, the two-worker
#    takeover (no Docker), then the CDC tests (the CDC sandbox and PostgreSQL).
# 4. In this process: README's Quick start on a clean clone, while no other sandbox of the same
#    cluster names runs (its `demo -- down` removes what carries their names and labels), then
#    integration, e2e and the e2e core on Flink 2.3 (a sandbox of its own).
# Each run writes its own JSON report for scripts/failed-tests.ts, and has a time limit well inside
# CI's 90 minutes, so that a run that hangs still leaves a log that says which one.
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
timeout --kill-after=60 30m npx tsx scripts/sandbox.ts prepare || status=1
beside() {
  local failed=0
  VITEST_JSON_REPORT=.data/test-results-3-crash.json \
    timeout --kill-after=60 35m npx vitest run --project crash || failed=1
  VITEST_JSON_REPORT=.data/test-results-4-engines.json \
    timeout --kill-after=60 15m npx vitest run --project engines || failed=1
  VITEST_JSON_REPORT=.data/test-results-5-takeover.json \
    timeout --kill-after=60 10m npx vitest run --project takeover || failed=1
  VITEST_JSON_REPORT=.data/test-results-6-cdc.json \
    timeout --kill-after=60 25m npx vitest run --project cdc || failed=1
  return "$failed"
}
beside >.data/beside-tests.log 2>&1 &
beside_pid=$!
VITEST_JSON_REPORT=.data/test-results-2-quickstart.json \
  timeout --kill-after=60 20m npx vitest run --project quickstart || status=1
VITEST_JSON_REPORT=.data/test-results-2-sandbox.json \
  timeout --kill-after=60 50m npx vitest run --project integration --project e2e --project flink2 || status=1
wait "$beside_pid" || status=1
echo "---- the crash tests, two engines, the takeover and CDC, run beside the rest (.data/beside-tests.log) ----"
cat .data/beside-tests.log
exit "$status"
