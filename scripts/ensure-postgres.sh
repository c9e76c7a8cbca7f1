#!/usr/bin/env bash
# A throw-away PostgreSQL for tests, in a directory of its own, never the machine's clusters.
#
#   ensure-postgres.sh start <dir> <port> <password> [user]   # user defaults to "runbooks"
#   ensure-postgres.sh stop <dir>
#
# start: installs Debian's `postgresql` if no /usr/lib/postgresql/*/bin/initdb exists (without
# creating the package's default "main" cluster), creates the cluster in <dir> on first use
# (superuser <user>, password auth over TCP), starts it listening on 127.0.0.1:<port> only, with
# its Unix socket inside <dir>, and sets <user>'s password. When the server in <dir> already runs
# on <port> only the password is set again. Run as root, the server runs as the `postgres` user,
# which then needs to be able to reach <dir> (its parent directories must be searchable).
# stop: a fast shutdown of the server in <dir>; a no-op when none runs. <dir> stays; remove it.
#
# Optional, for logical replication (CDC) tests, both read from the environment at start:
#   PG_SETTINGS="wal_level=logical max_wal_senders=10"  each name=value is given to the server
#     (`postgres -c`) when this call starts it; a server already running keeps its settings.
#   PG_REPLICATION=1  also lets any role with REPLICATION (the superuser among them) open
#     replication connections over TCP with its password (pg_recvlogical, a CDC connector).
#
# A password of "-" is read from the first line of stdin, keeping it out of the process list.
# The script passes it on through a file and stdin only, never on a command line. Every wait is
# bounded: apt-get 10 minutes each, the server's start and stop 60 s.
set -euo pipefail

usage() {
  echo "usage: $0 start <dir> <port> <password> [user] | stop <dir>" >&2
  exit 2
}

log() { echo "ensure-postgres: $*" >&2; }

find_bin() {
  if [ -n "${PG_BIN:-}" ]; then
    echo "$PG_BIN"
    return
  fi
  local initdb
  initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$initdb" ] && dirname "$initdb"
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo -n "$@"
  else
    log "PostgreSQL is not installed and installing it needs root: run as root or install postgresql"
    exit 1
  fi
}

install_postgres() {
  if ! command -v apt-get >/dev/null 2>&1; then
    log "no /usr/lib/postgresql/*/bin/initdb and no apt-get: install PostgreSQL or set PG_BIN"
    exit 1
  fi
  log "installing Debian's postgresql (no default cluster is created)"
  # postgresql-common reads createcluster.d/*.conf; this drop-in stops the package from creating
  # and starting its "main" cluster on 5432. It is removed again once the install is done.
  local dropin=/etc/postgresql-common/createcluster.d/99-flink-runbooks-no-main-cluster.conf
  as_root mkdir -p "$(dirname "$dropin")"
  echo "create_main_cluster = false" | as_root tee "$dropin" >/dev/null
  local status=0
  as_root timeout 600 apt-get update -qq || status=$?
  if [ "$status" -eq 0 ]; then
    as_root env DEBIAN_FRONTEND=noninteractive timeout 600 \
      apt-get install -y -qq --no-install-recommends postgresql >/dev/null || status=$?
  fi
  as_root rm -f "$dropin"
  if [ "$status" -ne 0 ]; then
    log "installing postgresql failed (exit $status)"
    exit "$status"
  fi
}

# Runs a command as the user the server runs as: `postgres` when we are root (initdb and the
# server refuse to run as root), else ourselves.
RUN_AS=""
run() {
  if [ -n "$RUN_AS" ]; then
    runuser -u "$RUN_AS" -- "$@"
  else
    "$@"
  fi
}

# The port the server in $dir listens on, from postmaster.pid (line 4), when it runs.
running_port() {
  if run "$BIN/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
    sed -n 4p "$dir/postmaster.pid"
  fi
}

sql_literal() { printf "'%s'" "${1//\'/\'\'}"; }
sql_ident() { printf '"%s"' "${1//\"/\"\"}"; }

start() {
  local port=$1 password=$2 user=$3
  if [ "$password" = "-" ]; then IFS= read -r password || true; fi
  [[ "$port" =~ ^[0-9]+$ ]] && [ "$port" -ge 1 ] && [ "$port" -le 65535 ] || {
    log "port must be a number from 1 to 65535, got '$port'"
    exit 2
  }
  [ -n "$password" ] || { log "the password must not be empty"; exit 2; }
  [[ "$user" =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || { log "user must be a plain lower-case name, got '$user'"; exit 2; }
  local started setting options="-p $port"
  started=$(date +%s%3N)
  for setting in ${PG_SETTINGS:-}; do
    [[ "$setting" =~ ^[a-z_]+=[A-Za-z0-9_.-]+$ ]] || {
      log "PG_SETTINGS entries must be name=value (letters, digits, _ . -), got '$setting'"
      exit 2
    }
    options+=" -c $setting"
  done

  BIN=$(find_bin || true)
  if [ -z "$BIN" ]; then
    install_postgres
    BIN=$(find_bin || true)
    [ -n "$BIN" ] || { log "postgresql installed but no initdb found under /usr/lib/postgresql"; exit 1; }
  fi
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || { log "running as root needs a 'postgres' user to run the server"; exit 1; }
    RUN_AS=postgres
  fi

  if [ ! -f "$dir/PG_VERSION" ] && [ -d "$dir" ] && [ -n "$(ls -A "$dir")" ]; then
    log "$dir is neither empty nor a PostgreSQL data directory; refusing to use it"
    exit 1
  fi
  mkdir -p "$dir"
  if [ -n "$RUN_AS" ]; then chown "$RUN_AS:" "$dir"; fi
  chmod 700 "$dir"
  run test -w "$dir" || {
    log "${RUN_AS:-$(id -un)} cannot write $dir (are its parent directories searchable?)"
    exit 1
  }

  if [ ! -f "$dir/PG_VERSION" ]; then
    local pwfile initlog status=0
    pwfile=$(run mktemp) # mode 0600, owned by the server's user
    initlog=$(mktemp)
    printf '%s\n' "$password" | run tee "$pwfile" >/dev/null
    run "$BIN/initdb" -D "$dir" -U "$user" --pwfile="$pwfile" -E UTF8 --locale=C.UTF-8 \
      --auth-local=peer --auth-host=scram-sha-256 >"$initlog" 2>&1 || status=$?
    rm -f "$pwfile"
    if [ "$status" -ne 0 ]; then
      log "initdb failed (exit $status):"
      tail -n 20 "$initlog" >&2
      rm -f "$initlog"
      exit "$status"
    fi
    rm -f "$initlog"
    # Local (socket) connections are for this script only; TCP needs the password. A test server:
    # no fsync, nothing kept that slows a start.
    run tee -a "$dir/postgresql.conf" >/dev/null <<EOF

# ensure-postgres.sh
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    run tee "$dir/pg_hba.conf" >/dev/null <<EOF
# ensure-postgres.sh: the socket for the server's own user, TCP on 127.0.0.1 with a password
local all all peer map=self
host  all all 127.0.0.1/32 scram-sha-256
EOF
    run tee "$dir/pg_ident.conf" >/dev/null <<EOF
self ${RUN_AS:-$(id -un)} $user
EOF
    log "created a cluster in $dir (superuser $user)"
  fi

  if [ "${PG_REPLICATION:-}" = 1 ] && ! grep -q '^host  *replication ' "$dir/pg_hba.conf"; then
    echo "host  replication all 127.0.0.1/32 scram-sha-256" | run tee -a "$dir/pg_hba.conf" >/dev/null
    run "$BIN/pg_ctl" -D "$dir" reload >/dev/null 2>&1 || true # takes effect now if it runs
  fi

  local current
  current=$(running_port || true)
  if [ -n "$current" ] && [ "$current" != "$port" ]; then
    log "the server in $dir already runs on port $current, not $port; stop it first"
    exit 1
  fi
  if [ -z "$current" ]; then
    if ! run "$BIN/pg_ctl" -D "$dir" -l "$dir/server.log" -o "$options" -w -t 60 start >/dev/null; then
      log "the server did not start; last lines of $dir/server.log:"
      tail -n 20 "$dir/server.log" >&2 || true
      exit 1
    fi
  fi
  # The password given now wins, also for a cluster created earlier with another one.
  printf 'ALTER ROLE %s PASSWORD %s;\n' "$(sql_ident "$user")" "$(sql_literal "$password")" |
    run "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U "$user" -d postgres >/dev/null
  log "postgres $(cat "$dir/PG_VERSION") on 127.0.0.1:$port (user $user, data $dir)" \
    "$([ -n "$current" ] && echo 'already running' || echo "started in $(($(date +%s%3N) - started)) ms")"
}

stop() {
  [ -f "$dir/PG_VERSION" ] || { log "no cluster in $dir; nothing to stop"; return; }
  BIN=$(find_bin || true)
  [ -n "$BIN" ] || { log "no PostgreSQL binaries found"; exit 1; }
  if [ "$(id -u)" -eq 0 ] && [ "$(stat -c %U "$dir")" != root ]; then RUN_AS=$(stat -c %U "$dir"); fi
  if run "$BIN/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
    run "$BIN/pg_ctl" -D "$dir" -m fast -w -t 60 stop >/dev/null
    log "stopped the server in $dir"
  else
    log "no server runs in $dir"
  fi
}

[ $# -ge 2 ] || usage
command=$1
dir=$(realpath -m "$2")
case "$command" in
  start)
    [ $# -ge 4 ] && [ $# -le 5 ] || usage
    start "$3" "$4" "${5:-runbooks}"
    ;;
  stop)
    [ $# -eq 2 ] || usage
    stop
    ;;
  *) usage ;;
esac
