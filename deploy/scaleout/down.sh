#!/usr/bin/env bash
# Tear down the scale-out cluster of up.sh: every process it (or soak.sh) started, by the process groups recorded in
# /var/tmp/ducha-scaleout/run, both PostgreSQL servers by pg_ctl, then the directory itself.
#
#   deploy/scaleout/down.sh              # stop and remove
#   SCALEOUT_KEEP=1 deploy/scaleout/down.sh   # stop, keep the logs and data for a look
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

if [[ ! -d "$ROOT" ]]; then
  log "nothing to tear down ($ROOT does not exist)"
  exit 0
fi
[[ -f "$ROOT/secret-key" || -d "$RUN" ]] || die "$ROOT does not look like a scale-out cluster; not touching it"

log "down: the load and the samplers, if a soak left any"
for name in locust producer sampler; do
  stop "$name"
done
log "down: the balancer, the app nodes, the workers, the scheduler"
for name in haproxy node1 node2 worker1 worker2 scheduler; do
  stop "$name"
done
log "down: the SMTP sink, Redis and PostgreSQL"
stop smtp
stop redis
pg_stop "$REPLICA_DIR" replica immediate
pg_stop "$PRIMARY_DIR" primary fast
# A server pg_ctl could not stop (it should not happen): its postmaster, by the pid file in its own directory.
for dir in "$REPLICA_DIR" "$PRIMARY_DIR"; do
  if [[ -f "$dir/postmaster.pid" ]]; then
    pid="$(head -1 "$dir/postmaster.pid")"
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
      log "down: PostgreSQL in $dir still runs (pid $pid): SIGKILL"
      kill -KILL "$pid" || true
      sleep 1
    fi
  fi
done
# Anything else still in a recorded process group.
for pidfile in "$RUN"/*.pid; do
  [[ -e "$pidfile" ]] || continue
  stop "$(basename "$pidfile" .pid)" KILL
done

if [[ "${SCALEOUT_KEEP:-0}" == 1 ]]; then
  log "down: stopped; $ROOT kept (SCALEOUT_KEEP=1)"
else
  rm -rf "$ROOT"
  log "down: $ROOT removed"
fi
