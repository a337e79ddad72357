#!/usr/bin/env bash
# Bring up a self-contained scale-out cluster on this machine, loopback only, under /var/tmp/ducha-scaleout:
#
#   PostgreSQL primary 127.0.0.1:5434 ──streaming──▶ replica 127.0.0.1:5435 (pg_basebackup -R, a replication slot)
#   Redis 127.0.0.1:6380 (no persistence): db 0 the task queue (RQ), db 1 the cache
#   a slow SMTP sink 127.0.0.1:2525 (smtp_sink.py: 3 s a message) for the e-mail the workers send
#   HAProxy 127.0.0.1:8100 ─round robin, /readyz checks─▶ app node 1 127.0.0.1:8101, app node 2 127.0.0.1:8102
#   two RQ workers, one scheduler; one media directory shared by all
#
# It never touches the machine's own PostgreSQL (5432) or Redis (6379). If a step fails, everything it started is
# stopped and the directory removed; once it succeeds the cluster stays up for check.sh and soak.sh until down.sh.
#
#   deploy/scaleout/up.sh            # SCALEOUT_ITEMS=200 demo items (ducha demo --items)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

if [[ -e "$ROOT" ]]; then
  die "$ROOT exists: run deploy/scaleout/down.sh first"
fi
for port in "$PRIMARY_PORT" "$REPLICA_PORT" "$REDIS_PORT" "$SMTP_PORT" "$LB_PORT" "$LB_STATS_PORT" "${NODE_PORTS[@]}"; do
  if ss -Hltn "sport = :$port" | grep -q .; then
    die "port $port is already in use"
  fi
done

succeeded=0
on_exit() {
  if [[ "$succeeded" != 1 ]]; then
    log "up.sh did not finish: tearing down what it started"
    if [[ -n "${collectstatic:-}" ]]; then kill "$collectstatic" 2>/dev/null || true; fi
    "$SCALEOUT_DIR/down.sh" || true
  fi
}
trap on_exit EXIT

log "step 0: tools"
if ! command -v haproxy >/dev/null; then
  log "installing haproxy (Debian package; its system service is not used)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null
fi
for tool in "$PG_BIN/initdb" "$PG_BIN/pg_basebackup" psql redis-server redis-cli haproxy curl "$BIN/gunicorn"; do
  command -v "$tool" >/dev/null || die "missing: $tool"
done
log "haproxy: $(haproxy -v | head -1)"

mkdir -p "$RUN" "$LOGS" "$ROOT/var" "$ROOT/media" "$ROOT/tmp" "$ROOT/redis" "$ROOT/prometheus" "$PG_SOCKETS"
chmod 755 "$ROOT"
python3 -c 'import secrets; print(secrets.token_urlsafe(50))' >"$ROOT/secret-key"
chmod 600 "$ROOT/secret-key"
scaleout_env
cd "$REPO"
# Static files do not need the database: collected meanwhile (the nodes need the manifest before their first page).
"$BIN/ducha" collectstatic --noinput -v0 >"$LOGS/collectstatic.log" 2>&1 &
collectstatic=$!

log "step 1: PostgreSQL primary (initdb as $PG_USER, port $PRIMARY_PORT, wal_level=replica)"
mkdir -p "$ROOT/pg"
chown "$PG_USER:" "$ROOT/pg" "$PG_SOCKETS"
as_postgres "$PG_BIN/initdb" -D "$PRIMARY_DIR" -U postgres -E UTF8 --locale=C.UTF-8 \
  --auth-local=trust --auth-host=trust >"$LOGS/initdb.log"
cat >>"$PRIMARY_DIR/postgresql.conf" <<EOF

# --- deploy/scaleout ---
listen_addresses = '127.0.0.1'
port = $PRIMARY_PORT
unix_socket_directories = '$PG_SOCKETS'
max_connections = 100
shared_buffers = 128MB
wal_level = replica
max_wal_senders = 4
max_replication_slots = 4
hot_standby = on
hot_standby_feedback = on
log_min_duration_statement = 2000
EOF
cat >"$PRIMARY_DIR/pg_hba.conf" <<EOF
# deploy/scaleout: loopback only, trust (a throwaway cluster)
local   all             all                                     trust
host    all             all             127.0.0.1/32            trust
host    replication     all             127.0.0.1/32            trust
EOF
pg_start "$PRIMARY_DIR" "$PRIMARY_PORT" primary
psql -X -q -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -c "CREATE DATABASE $DB_NAME"

log "step 2: streaming replica (pg_basebackup -R, slot scaleout_replica, port $REPLICA_PORT)"
as_postgres "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$REPLICA_DIR" \
  -R -X stream -C -S scaleout_replica -c fast
echo "port = $REPLICA_PORT" | as_postgres tee -a "$REPLICA_DIR/postgresql.conf" >/dev/null
pg_start "$REPLICA_DIR" "$REPLICA_PORT" replica
[[ "$(psql -X -A -t -h 127.0.0.1 -p "$REPLICA_PORT" -U postgres -c 'SELECT pg_is_in_recovery()')" == t ]] ||
  die "the replica is not in recovery"
log "replication: $(psql -X -A -t -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres \
  -c "SELECT application_name || ' ' || state || ' ' || sync_state FROM pg_stat_replication")"

log "step 3: Redis on $REDIS_PORT (no persistence)"
start redis redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no \
  --dir "$ROOT/redis" --daemonize no
for _ in $(seq 1 20); do
  redis_cli ping >/dev/null 2>&1 && break
  sleep 0.25
done
[[ "$(redis_cli ping)" == PONG ]] || die "Redis does not answer"

log "step 3b: the SMTP sink on $SMTP_PORT ($SMTP_DELAY s a message)"
start smtp "$BIN/python" "$SCALEOUT_DIR/smtp_sink.py" "$SMTP_PORT" "$ROOT/smtp.jsonl" "$SMTP_DELAY"

log "step 4: migrate, the demo county, the load's accounts"
"$BIN/ducha" migrate --noinput -v0
log "migrated; creating the demo county (ducha demo --items ${SCALEOUT_ITEMS:-200})"
"$BIN/ducha" demo --items "${SCALEOUT_ITEMS:-200}" | tail -1
if "$BIN/ducha" help load_accounts >/dev/null 2>&1; then
  "$BIN/ducha" load_accounts --set demo --out "$ROOT/accounts-demo.json"
fi

log "step 5: soak data: today and tomorrow are working days, every account has an e-mail address"
# The sweep writes reminders and the workers send deliveries on working days inside the sending window only; the
# window is the whole day here (common.sh), and a run on a rest day would see every delivery wait for the next
# working day. So this cluster's calendar declares today and tomorrow (Asia/Shanghai) make-up working days,
# keeping the rest of the year's arrangement as it is.
"$BIN/ducha" shell --no-imports -c "
import datetime as dt
from django.utils import timezone
from ducha.workcalendar.services import calendar_year_set, is_workday
today = timezone.localdate()
extra = [today, today + dt.timedelta(days=1)]
for year in sorted({day.year for day in extra}):
    days = [dt.date(year, 1, 1) + dt.timedelta(days=n) for n in range(366) if (dt.date(year, 1, 1) + dt.timedelta(days=n)).year == year]
    holidays = [d for d in days if d.weekday() < 5 and not is_workday(d) and d not in extra]
    workdays = [d for d in days if d.weekday() >= 5 and (is_workday(d) or d in extra)]
    calendar_year_set(year=year, holidays=holidays, workdays=workdays, actor=None, note='deploy/scaleout soak')
print('working days:', [(d.isoformat(), is_workday(d)) for d in extra])
"

# The demo accounts have no e-mail address, so their messages would stay in the inbox and no delivery task would
# ever run: here each gets one (what the workers send arrives at the SMTP sink, which logs every message).
psql_at "$PRIMARY_PORT" "UPDATE orgs_user SET email = username || '@scaleout.invalid' WHERE email = ''" >/dev/null

log "step 6: two app nodes (gunicorn, $WEB_WORKERS workers each)"
log "waiting for collectstatic"
wait "$collectstatic" || die "collectstatic failed (see $LOGS/collectstatic.log)"
# A node is ready only when no migration is pending: in a checkout that others edit, one may have appeared since.
"$BIN/ducha" migrate --noinput -v0
for n in 1 2; do
  node_start "$n"
done
for n in 1 2; do
  node_ready "$n" 120 || die "node$n is not ready (see $LOGS/node$n.log)"
  log "node$n ready: $(curl -s "http://127.0.0.1:${NODE_PORTS[$((n - 1))]}/readyz")"
done

log "step 7: HAProxy on 127.0.0.1:$LB_PORT (round robin, /readyz checks, redispatch, retries)"
health=/readyz
if ! curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${NODE_PORTS[0]}/readyz" | grep -q 200; then
  health=/healthz
fi
cat >"$ROOT/haproxy.cfg" <<EOF
# deploy/scaleout/up.sh — the balancer of the throwaway cluster
global
    maxconn 2000
    pidfile $RUN/haproxy.pid.haproxy
    stats socket $RUN/haproxy.sock mode 600 level admin
    log stdout format raw local0

defaults
    mode http
    log global
    # One line a request: accept time (epoch.ms), server, status, termination state, retries, active ms, method,
    # path, handshake and idle ms (on a kept-alive connection the request began Th + Ti after the accept time).
    log-format "%Ts.%ms %s %ST %tsc %rc %Ta %HM %HPO %Th %Ti"
    option forwardfor
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout http-request 10s
    timeout queue 10s
    # A request that could not reach a node (refused, reset before any answer) is tried again, on the other node.
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response junk-response response-timeout

frontend web
    bind 127.0.0.1:$LB_PORT
    default_backend app

backend app
    balance roundrobin
    # Retrying a request that was sent and not answered could apply a write twice: only reads are retried then
    # (a refused connection is always retried: nothing was sent).
    http-request disable-l7-retry if !METH_GET
    # Which node answered (check.sh shows a user moving between nodes).
    http-response set-header X-Scaleout-Node %s
    option httpchk
    http-check send meth GET uri $health ver HTTP/1.1 hdr Host 127.0.0.1
    http-check expect status 200
    # A sync gunicorn worker answers the check only between pages: under load the check may wait a second or two
    # behind real requests, which must not mark a busy node down (a dead node refuses at once and is out in 2-4 s).
    timeout check 5s
    default-server inter 2s fastinter 1s downinter 1s fall 2 rise 2
    server node1 127.0.0.1:${NODE_PORTS[0]} check
    server node2 127.0.0.1:${NODE_PORTS[1]} check

frontend stats
    bind 127.0.0.1:$LB_STATS_PORT
    no log
    stats enable
    stats uri /stats
    stats refresh 10s
EOF
haproxy -c -q -f "$ROOT/haproxy.cfg" || die "haproxy.cfg does not check"
start haproxy haproxy -db -f "$ROOT/haproxy.cfg"
wait_http "http://127.0.0.1:$LB_PORT$health" 30 || die "HAProxy does not answer"
for _ in $(seq 1 20); do
  up="$(curl -s "http://127.0.0.1:$LB_STATS_PORT/stats;csv" | awk -F, '$1=="app" && $2!="BACKEND" && $18=="UP" {n++} END {print n+0}')"
  [[ "$up" == 2 ]] && break
  sleep 0.5
done
log "HAProxy sees $up node(s) UP (health check $health)"

log "step 8: two RQ workers and the scheduler"
for n in $(seq 1 "$RQ_WORKERS"); do
  worker_start "$n"
done
start scheduler "$BIN/ducha" scheduler
sleep 5
for name in worker1 worker2 scheduler; do
  is_running "$name" || die "$name stopped at once (see $LOGS/$name.log)"
done

succeeded=1
log "the cluster is up: http://127.0.0.1:$LB_PORT/ (nodes :${NODE_PORTS[0]} :${NODE_PORTS[1]}, stats" \
  "http://127.0.0.1:$LB_STATS_PORT/stats); logs in $LOGS; stop with deploy/scaleout/down.sh"
