# Shared by up.sh, check.sh, soak.sh and down.sh: where the throwaway cluster lives, its ports, its environment, and
# how its processes are started and stopped. Sourced, never run. Loopback only; nothing here touches the machine's
# own PostgreSQL (5432) or Redis (6379).
#
# Every process is started in its own process group (setsid) and its group id kept in $RUN/<name>.pid, so that
# stopping or killing one (kill -- -PGID) takes its children with it and nothing else. PostgreSQL runs as the
# `postgres` OS user (root may not run it) through pg_ctl, which keeps its own pid file in the data directory.

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SCALEOUT_DIR="$REPO/deploy/scaleout"
ROOT="${SCALEOUT_ROOT:-/var/tmp/ducha-scaleout}"
RUN="$ROOT/run"
LOGS="$ROOT/logs"
PG_BIN="${SCALEOUT_PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_USER=postgres
PRIMARY_DIR="$ROOT/pg/primary"
REPLICA_DIR="$ROOT/pg/replica"
PG_SOCKETS="$ROOT/pg/sockets"
PRIMARY_PORT=5434
REPLICA_PORT=5435
REDIS_PORT=6380
SMTP_PORT=2525
SMTP_DELAY="${SCALEOUT_SMTP_DELAY:-3}"
LB_PORT=8100
LB_STATS_PORT=8199
NODE_PORTS=(8101 8102)
WEB_WORKERS="${SCALEOUT_WEB_WORKERS:-2}"
RQ_WORKERS=2
DB_NAME=ducha
BIN="$REPO/.venv/bin"

# The SQL server and the processes below must not be the machine's own ones.
for port in "$PRIMARY_PORT" "$REPLICA_PORT" "$REDIS_PORT"; do
  if [[ "$port" == 5432 || "$port" == 6379 ]]; then
    echo "refusing to use the machine's own port $port" >&2
    exit 2
  fi
done

log() { printf '%s [scaleout] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
die() { log "FAILED: $*"; exit 1; }

# The environment every Ducha process of the cluster runs with (both app nodes, both workers, the scheduler and the
# one-off commands): the same secret key, database, replica, Redis and shared media directory.
scaleout_env() {
  local secret
  secret="$(cat "$ROOT/secret-key")"
  export DATABASE_URL="postgres://postgres@127.0.0.1:$PRIMARY_PORT/$DB_NAME?connect_timeout=3"
  export DUCHA_REPLICA_URL="postgres://postgres@127.0.0.1:$REPLICA_PORT/$DB_NAME?connect_timeout=3"
  export DUCHA_CACHE_URL="redis://127.0.0.1:$REDIS_PORT/1"
  export DUCHA_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
  export DUCHA_TASKS_BACKEND=rq
  export DUCHA_VAR_DIR="$ROOT/var"
  export DUCHA_MEDIA_ROOT="$ROOT/media"
  export DUCHA_SECRET_KEY="$secret"
  export DUCHA_DEBUG=0
  # Plain HTTP on loopback: no Secure cookies, no redirect to HTTPS, no HSTS. One proxy (HAProxy) in front.
  export DUCHA_SECURE_COOKIES=0
  export DUCHA_SSL_REDIRECT=0
  export DUCHA_HSTS_SECONDS=0
  export DUCHA_PROXY_COUNT=1
  export DUCHA_ALLOWED_HOSTS="127.0.0.1,localhost"
  export DUCHA_SITE_URL="http://127.0.0.1:$LB_PORT"
  # The load's accounts sign in with a password only (production requires TOTP for office, leader and admin).
  export DUCHA_OTP_REQUIRED_ROLES=""
  # Reminders and deliveries flow at any hour of the run (see "soak calendar" in up.sh).
  export DUCHA_REMINDER_OFFICE_HOURS="00:00-23:59"
  export DUCHA_SWEEP_INTERVAL_SECONDS="${SCALEOUT_SWEEP_SECONDS:-60}"
  export DUCHA_PDF_ENGINE=""
  # E-mail goes to the cluster's slow SMTP sink (smtp_sink.py): a send takes SMTP_DELAY seconds, as through a relay.
  export EMAIL_HOST=127.0.0.1
  export EMAIL_PORT="$SMTP_PORT"
  export DUCHA_LOG_FORMAT=text
  export TMPDIR="$ROOT/tmp"
  if [[ "${SCALEOUT_PROBE:-1}" == 1 ]]; then
    # The throwaway probe (deploy/scaleout/probe): wraps the ledger and dashboard views in replica_reads_view if the
    # product does not yet, and answers each request with the count of reads the router sent to each database.
    export PYTHONPATH="$SCALEOUT_DIR/probe${PYTHONPATH:+:$PYTHONPATH}"
    export DJANGO_SETTINGS_MODULE=scaleout_probe.settings
  else
    export DJANGO_SETTINGS_MODULE=ducha.config.settings
  fi
}

pid_of() { cat "$RUN/$1.pid" 2>/dev/null || true; }

is_running() {
  local pid
  pid="$(pid_of "$1")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null
}

# start NAME COMMAND...: run in the background in a new process group, output to $LOGS/NAME.log (appended, so a
# restart keeps the earlier lines), group id to $RUN/NAME.pid.
start() {
  local name="$1"
  shift
  if is_running "$name"; then
    die "$name is already running (pid $(pid_of "$name"))"
  fi
  printf '\n=== %s started %s: %s\n' "$name" "$(date -u +%FT%TZ)" "$*" >>"$LOGS/$name.log"
  setsid "$@" >>"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN/$name.pid"
  log "started $name (pid $!)"
}

# stop NAME [SIGNAL]: the whole process group, politely (TERM, then KILL after 15 s) unless a signal is given.
stop() {
  local name="$1" signal="${2:-TERM}" pid i
  pid="$(pid_of "$name")"
  if [[ -z "$pid" ]]; then
    return 0
  fi
  if kill -0 "$pid" 2>/dev/null || kill -0 -- "-$pid" 2>/dev/null; then
    kill -"$signal" -- "-$pid" 2>/dev/null || true
    for i in $(seq 1 30); do
      kill -0 -- "-$pid" 2>/dev/null || break
      sleep 0.5
    done
    if kill -0 -- "-$pid" 2>/dev/null; then
      kill -KILL -- "-$pid" 2>/dev/null || true
      sleep 0.5
    fi
    log "stopped $name ($signal)"
  fi
  rm -f "$RUN/$name.pid"
}

as_postgres() { runuser -u "$PG_USER" -- "$@"; }

pg_start() { # pg_start DIR PORT NAME
  mkdir -p "$LOGS/postgres"
  chown "$PG_USER:" "$LOGS/postgres"
  as_postgres "$PG_BIN/pg_ctl" -D "$1" -l "$LOGS/postgres/$3.log" -w -t 60 -o "-p $2" start >/dev/null
  log "started PostgreSQL $3 on 127.0.0.1:$2"
}

pg_stop() { # pg_stop DIR NAME [MODE]
  if [[ -f "$1/postmaster.pid" ]]; then
    as_postgres "$PG_BIN/pg_ctl" -D "$1" -m "${3:-fast}" -w -t 60 stop >/dev/null || true
    log "stopped PostgreSQL $2"
  fi
}

psql_at() { # psql_at PORT SQL: one value (or rows) from the cluster's database on PORT
  psql -X -q -A -t -h 127.0.0.1 -p "$1" -U postgres -d "$DB_NAME" -c "$2"
}

wait_http() { # wait_http URL SECONDS: until the URL answers 200
  local url="$1" seconds="${2:-60}" i
  for i in $(seq 1 $((seconds * 2))); do
    if [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url")" == 200 ]]; then
      return 0
    fi
    sleep 0.5
  done
  return 1
}

# The app node N (1 or 2): gunicorn on 127.0.0.1:810N with the production settings of ducha.ops.gunicorn_conf when
# it is there (DUCHA_WEB_BIND, DUCHA_WEB_WORKERS), else the same options on the command line.
node_start() {
  local n="$1" port="${NODE_PORTS[$(($1 - 1))]}" prom="$ROOT/prometheus/node$1"
  rm -rf "$prom"
  mkdir -p "$prom"
  if [[ -f "$REPO/ducha/ops/gunicorn_conf.py" ]]; then
    DUCHA_WEB_BIND="127.0.0.1:$port" DUCHA_WEB_WORKERS="$WEB_WORKERS" PROMETHEUS_MULTIPROC_DIR="$prom" \
      start "node$n" "$BIN/gunicorn" -c python:ducha.ops.gunicorn_conf --no-control-socket \
      --bind "127.0.0.1:$port" --workers "$WEB_WORKERS" --chdir "$REPO" ducha.config.wsgi
  else
    PROMETHEUS_MULTIPROC_DIR="$prom" start "node$n" "$BIN/gunicorn" --no-control-socket \
      --bind "127.0.0.1:$port" --workers "$WEB_WORKERS" --timeout 30 --access-logfile - --chdir "$REPO" \
      ducha.config.wsgi
  fi
}

node_ready() { wait_http "http://127.0.0.1:${NODE_PORTS[$(($1 - 1))]}/readyz" "${2:-90}"; }

# RQ worker N. --with-scheduler: deferred tasks (a delivery's retry, one waiting for the sending window) sit in RQ's
# scheduled registry until a worker running the scheduler moves them to the queue; RQ's lock lets one worker do it.
worker_start() {
  start "worker$1" "$BIN/ducha" rqworker default --job-class django_tasks_rq.Job --with-scheduler \
    --name "scaleout-worker$1-$(date +%s)"
}

redis_cli() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" "$@"; }
