#!/usr/bin/env bash
# A RE-IMPLEMENTATION, for the benchmarks, of the seeds' health monitor as the seeds describe it.
# The seeds do not include the scripts themselves; this follows their text:
#   - 000 (生产级 Flink HA 部署指南), shell/production-health-monitor.sh: 每60秒检查一次, 监控文件生成
#     (5分钟窗口), 检查 Checkpoint 状态, 检测 Leader 状态; 检测僵死作业 = 无文件生成 + Checkpoint 失败;
#     自动重启 (最多3次), 重启冷却时间 (5分钟).
#   - 001 (故障转移问题与解决方案), the monitor loop: every minute `find output/cdc -name "*.csv" -mmin -2`,
#     "警告：2分钟内没有新文件生成"; and fix-ha-job-restart.sh / 方案 2: find the leader (which of
#     8081/8082 answers), get the job id from /jobs/overview, `curl -X PATCH .../jobs/$JOB_ID?mode=cancel`,
#     then `flink run -d -c <entry class> <jar>` again — WITHOUT a savepoint.
# The jar is uploaded and run through the REST API with curl instead of `docker exec ... flink run`
# (the same request the CLI makes). Alerts are log lines here. Every decision is logged as
#   <epoch ms> <ISO time> <LEVEL> <message>
# so the benchmark can read when it checked, warned, detected and acted.
#
# Settings (environment):
#   JM_URLS           REST URLs of the JobManagers, space separated (the seeds: 8081 and 8082)
#   OUTPUT_PATH       the job's output folder (the seeds: ./output/cdc)
#   JOB_NAME          the job's name in /jobs/overview
#   JAR, ENTRY_CLASS, PARALLELISM, PROGRAM_ARGS_JSON   what `flink run` resubmits
#   LOG_FILE          where the decisions go (the seeds: logs/health-monitor.log)
#   CHECK_INTERVAL=60 FILE_WARN_MINUTES=2 FILE_WINDOW_MINUTES=5 MAX_RESTARTS=3 RESTART_COOLDOWN=300
set -uo pipefail

CHECK_INTERVAL="${CHECK_INTERVAL:-60}"
FILE_WARN_MINUTES="${FILE_WARN_MINUTES:-2}"
FILE_WINDOW_MINUTES="${FILE_WINDOW_MINUTES:-5}"
MAX_RESTARTS="${MAX_RESTARTS:-3}"
RESTART_COOLDOWN="${RESTART_COOLDOWN:-300}"
JM_URLS="${JM_URLS:?JM_URLS is required}"
OUTPUT_PATH="${OUTPUT_PATH:?OUTPUT_PATH is required}"
JOB_NAME="${JOB_NAME:?JOB_NAME is required}"
JAR="${JAR:?JAR is required}"
ENTRY_CLASS="${ENTRY_CLASS:?ENTRY_CLASS is required}"
PARALLELISM="${PARALLELISM:-1}"
PROGRAM_ARGS_JSON="${PROGRAM_ARGS_JSON:-[]}"
LOG_FILE="${LOG_FILE:-/dev/stdout}"

log() {
  printf '%s %s %s %s\n' "$(date +%s%3N)" "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)" "$1" "$2" >>"$LOG_FILE"
}

# 1. 找到当前 Leader (哪个端口响应)
find_leader() {
  local url
  for url in $JM_URLS; do
    if curl -sf --max-time 5 "$url/overview" >/dev/null; then
      echo "$url"
      return 0
    fi
  done
  return 1
}

# 2. 获取作业 ID (the running job of that name)
find_job() {
  curl -sf --max-time 5 "$1/jobs/overview" |
    jq -r --arg name "$JOB_NAME" '[.jobs[] | select(.name == $name and .state == "RUNNING")] | sort_by(.["start-time"]) | last | .jid // empty'
}

# Checkpoint 状态: the latest checkpoint failed (newer than the latest completed one).
checkpoints_failing() {
  curl -sf --max-time 5 "$1/jobs/$2/checkpoints" |
    jq -e '.latest.failed != null and (.latest.completed == null or
      (.latest.failed.failure_timestamp // .latest.failed.trigger_timestamp) > .latest.completed.latest_ack_timestamp)' \
      >/dev/null
}

# fix-ha-job-restart.sh: cancel, then run the jar again (no savepoint, as the seeds do).
restart_job() {
  local leader="$1" job="$2" state jar_id new_job i
  log ACT "cancelling job $job via $leader"
  curl -sf --max-time 10 -X PATCH "$leader/jobs/$job?mode=cancel" >/dev/null || log ERROR "cancel of $job failed"
  for i in $(seq 1 60); do
    state=$(curl -sf --max-time 5 "$leader/jobs/$job" | jq -r '.state')
    [ "$state" = "CANCELED" ] || [ "$state" = "FAILED" ] || [ "$state" = "FINISHED" ] && break
    sleep 1
  done
  log ACT "job $job is $state; resubmitting $JAR"
  jar_id=$(curl -sf --max-time 60 -X POST -F "jarfile=@$JAR" "$leader/jars/upload" | jq -r '.filename' | xargs basename)
  new_job=$(curl -sf --max-time 60 -X POST -H 'content-type: application/json' \
    -d "{\"entryClass\": \"$ENTRY_CLASS\", \"parallelism\": $PARALLELISM, \"programArgsList\": $PROGRAM_ARGS_JSON}" \
    "$leader/jars/$jar_id/run" | jq -r '.jobid')
  if [ -n "$new_job" ] && [ "$new_job" != "null" ]; then
    log RESTARTED "new job $new_job (without a savepoint)"
  else
    log ERROR "resubmission failed"
  fi
}

restarts=0
last_restart=0
log START "health monitor: every ${CHECK_INTERVAL}s, file windows ${FILE_WARN_MINUTES}m/${FILE_WINDOW_MINUTES}m, at most $MAX_RESTARTS restarts, cooldown ${RESTART_COOLDOWN}s"
while true; do
  log CHECK "checking"
  if ! leader=$(find_leader); then
    log ALERT "no JobManager answers on $JM_URLS"
    sleep "$CHECK_INTERVAL"
    continue
  fi
  job=$(find_job "$leader")
  if [ -z "$job" ]; then
    log ALERT "no RUNNING job named $JOB_NAME on $leader"
    sleep "$CHECK_INTERVAL"
    continue
  fi

  recent_warn=$(find "$OUTPUT_PATH" -name "*.csv" -mmin -"$FILE_WARN_MINUTES" | wc -l)
  if [ "$recent_warn" -eq 0 ]; then
    log WARN "警告：${FILE_WARN_MINUTES}分钟内没有新文件生成 (no new file in ${FILE_WARN_MINUTES} minutes)"
  fi
  recent_window=$(find "$OUTPUT_PATH" -name "*.csv" -mmin -"$FILE_WINDOW_MINUTES" | wc -l)
  if [ "$recent_window" -eq 0 ] && checkpoints_failing "$leader" "$job"; then
    log ZOMBIE "job $job: no file in ${FILE_WINDOW_MINUTES} minutes and checkpoints failing"
    now=$(date +%s)
    if [ "$restarts" -ge "$MAX_RESTARTS" ]; then
      log ALERT "restart budget spent ($restarts of $MAX_RESTARTS): needs a person"
    elif [ $((now - last_restart)) -lt "$RESTART_COOLDOWN" ]; then
      log COOLDOWN "last restart $((now - last_restart))s ago, cooldown ${RESTART_COOLDOWN}s"
    else
      restarts=$((restarts + 1))
      last_restart=$now
      log ACT "restart $restarts of $MAX_RESTARTS"
      restart_job "$leader" "$job"
    fi
  else
    log OK "job $job: $recent_window files in ${FILE_WINDOW_MINUTES} minutes"
  fi
  sleep "$CHECK_INTERVAL"
done
