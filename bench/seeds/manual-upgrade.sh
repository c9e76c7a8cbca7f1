#!/usr/bin/env bash
# A RE-IMPLEMENTATION, for the benchmarks, of the seeds' manual upgrade (000, 升级流程; 001, 方案
# "使用 Savepoint 进行计划内重启"):
#   1. 创建 savepoint:  flink savepoint <JOB_ID> /opt/flink/savepoints   (the job keeps running)
#   2. 停止作业:        curl -X PATCH 'http://localhost:8081/jobs/<JOB_ID>?mode=cancel'
#   3./4. 更新代码并编译, 重新部署: skipped here — the new jar is already built and the cluster stays up
#   5. 从 savepoint 恢复: flink run -d -s <savepoint> -c <entry class> <new jar>
# `flink savepoint` is the REST call the CLI makes (POST /jobs/<id>/savepoints, then polling the
# trigger until it completes); `flink run -s` is an upload plus POST /jars/<id>/run with
# savepointPath. Each step is logged as <epoch ms> <ISO time> <STEP> <message>.
#
# Settings (environment): JM_URL, JOB_ID, SAVEPOINT_DIR (as Flink sees it), JAR (the new version),
# ENTRY_CLASS, PARALLELISM, PROGRAM_ARGS_JSON, LOG_FILE.
set -euo pipefail
JM_URL="${JM_URL:?JM_URL is required}"
JOB_ID="${JOB_ID:?JOB_ID is required}"
SAVEPOINT_DIR="${SAVEPOINT_DIR:-file:///opt/flink/savepoints}"
JAR="${JAR:?JAR is required}"
ENTRY_CLASS="${ENTRY_CLASS:?ENTRY_CLASS is required}"
PARALLELISM="${PARALLELISM:-1}"
PROGRAM_ARGS_JSON="${PROGRAM_ARGS_JSON:-[]}"
LOG_FILE="${LOG_FILE:-/dev/stdout}"

log() {
  printf '%s %s %s %s\n' "$(date +%s%3N)" "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)" "$1" "$2" >>"$LOG_FILE"
}

# 1. savepoint (the job keeps running and committing while it is taken)
log SAVEPOINT "triggering a savepoint of $JOB_ID into $SAVEPOINT_DIR"
trigger=$(curl -sf --max-time 10 -X POST -H 'content-type: application/json' \
  -d "{\"target-directory\": \"$SAVEPOINT_DIR\", \"cancel-job\": false}" \
  "$JM_URL/jobs/$JOB_ID/savepoints" | jq -r '.["request-id"]')
location=""
for _ in $(seq 1 600); do
  answer=$(curl -sf --max-time 5 "$JM_URL/jobs/$JOB_ID/savepoints/$trigger")
  if [ "$(echo "$answer" | jq -r '.status.id')" = "COMPLETED" ]; then
    location=$(echo "$answer" | jq -r '.operation.location // empty')
    break
  fi
  sleep 0.5
done
if [ -z "$location" ]; then
  log FAILED "savepoint $trigger did not complete: $answer"
  exit 1
fi
log SAVEPOINT_DONE "$location"

# 2. cancel
log CANCEL "cancelling $JOB_ID"
curl -sf --max-time 10 -X PATCH "$JM_URL/jobs/$JOB_ID?mode=cancel" >/dev/null
for _ in $(seq 1 120); do
  state=$(curl -sf --max-time 5 "$JM_URL/jobs/$JOB_ID" | jq -r '.state')
  [ "$state" = "CANCELED" ] && break
  sleep 0.5
done
log CANCELLED "$JOB_ID is $state"

# 5. run the new jar from the savepoint
log RUN "uploading $JAR and running it from $location"
jar_id=$(curl -sf --max-time 60 -X POST -F "jarfile=@$JAR" "$JM_URL/jars/upload" | jq -r '.filename' | xargs basename)
new_job=$(curl -sf --max-time 60 -X POST -H 'content-type: application/json' \
  -d "{\"entryClass\": \"$ENTRY_CLASS\", \"parallelism\": $PARALLELISM, \"programArgsList\": $PROGRAM_ARGS_JSON, \"savepointPath\": \"$location\"}" \
  "$JM_URL/jars/$jar_id/run" | jq -r '.jobid')
log SUBMITTED "$new_job"
