#!/usr/bin/env bash
# A steady load through HAProxy on the cluster of up.sh for DURATION, with three failures on a timetable:
#
#   at 25 %  kill -9 app node 1 (its gunicorn master and workers: the whole process group); restart it 20 s later
#   at 45 %  kill -9 RQ worker 1 in the middle of a task (its work horse 0.1 s after the fork): the worker and the
#            horse; restart it 10 s later
#   at 65 %  stop the replica at once (pg_ctl stop -m immediate: a crash, connections cut); restart it 30 s later
#
# The load is the project's locust scenario (ducha/devtools/loadtest/locustfile.py, the demo county's accounts) at a
# steady, moderate rate: SOAK_USERS simulated people (default 20) with 2–6 s of think time each; beside it a steady
# flow of tasks, the reminder sweep queued every SOAK_TASK_SECONDS (5) by produce.py. Every 10 s the
# sampler (sample.py) records the memory of every process, HAProxy's counters and RQ's queue and registries; HAProxy
# logs every request. At the end the report (soak_report.py) counts the errors (and whether each was in flight at
# a kill), the memory trend, the tasks (every one seen finished or failed) and the reminders and deliveries (no
# duplicate), and writes summary.md in the run's directory.
#
#   deploy/scaleout/soak.sh [DURATION]     # DURATION: seconds, or 10m / 30m (default 30m)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
[[ -d "$RUN" ]] && is_running haproxy || die "no cluster: run deploy/scaleout/up.sh first"

duration="${1:-30m}"
case "$duration" in
  *m) seconds=$((${duration%m} * 60)) ;;
  *s) seconds="${duration%s}" ;;
  *) seconds="$duration" ;;
esac
((seconds >= 120)) || die "a soak lasts at least 120 s (got $duration)"
USERS="${SOAK_USERS:-20}"
THINK="${SOAK_THINK:-2-6}"
SOAK="$ROOT/soak-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$SOAK"
EVENTS="$SOAK/events.csv"
echo "time,event,detail" >"$EVENTS"
scaleout_env
cd "$REPO"

event() { # event NAME DETAIL
  printf '%s,%s,%s\n' "$(date +%s.%N | cut -c1-14)" "$1" "$2" >>"$EVENTS"
  log "event: $1 ($2)"
}

cleanup() {
  local code=$?
  stop locust
  stop producer
  stop sampler
  # Whatever the run left down comes back up, so that the cluster is as up.sh left it.
  if ! is_running node1; then node_start 1; fi
  if ! is_running worker1; then worker_start 1; fi
  if [[ ! -f "$REPLICA_DIR/postmaster.pid" ]]; then pg_start "$REPLICA_DIR" "$REPLICA_PORT" replica || true; fi
  exit "$code"
}
trap cleanup EXIT

[[ -f "$ROOT/accounts-demo.json" ]] || "$BIN/ducha" load_accounts --set demo --out "$ROOT/accounts-demo.json"
[[ -f "$REPO/ducha/devtools/loadtest/locustfile.py" ]] || die "the locust scenario is missing"

log "soak: $seconds s, $USERS users (think $THINK s), through http://127.0.0.1:$LB_PORT; results in $SOAK"
haproxy_log_start="$(wc -l <"$LOGS/haproxy.log")"
echo "$haproxy_log_start" >"$SOAK/haproxy-log-offset"
start sampler "$BIN/python" "$SCALEOUT_DIR/sample.py" "$SOAK" 10
event soak-start "$seconds s; $USERS users; think $THINK s"
start producer "$BIN/python" "$SCALEOUT_DIR/produce.py" "$SOAK/produced.txt" "${SOAK_TASK_SECONDS:-5}"
start locust "$BIN/locust" -f ducha/devtools/loadtest/locustfile.py --headless \
  --host "http://127.0.0.1:$LB_PORT" --users "$USERS" --spawn-rate 2 --run-time "${seconds}s" --stop-timeout 15 \
  --accounts "$ROOT/accounts-demo.json" --account-set demo --think "$THINK" \
  --csv "$SOAK/locust" --csv-full-history --html "$SOAK/locust.html" --only-summary
started="$(date +%s)"

at() { # at FRACTION: sleep until that share of the run
  local target=$((started + seconds * $1 / 100)) now
  now="$(date +%s)"
  if ((target > now)); then sleep $((target - now)); fi
}

at 25
event node1-kill "kill -9 process group $(pid_of node1)"
kill -KILL -- "-$(pid_of node1)"
rm -f "$RUN/node1.pid"
sleep 20
node_start 1
event node1-restart "started"
if node_ready 1 120; then event node1-ready "readyz 200"; else event node1-not-ready "readyz not 200 in 120 s"; fi

at 45
# Killed in the middle of a task: RQ forks a work horse for each task, so the moment a new child of the worker
# appears (within 90 s; a sweep is queued every 5 s) it is running one; 0.1 s later (a sweep takes about 0.4 s
# here) the worker and the horse are killed. The started registry then names the task.
worker_pid="$(pid_of worker1)"
children_before=" $( (pgrep -P "$worker_pid" || true) | tr '\n' ' ') "
horse=""
for _ in $(seq 1 1500); do
  for child in $(pgrep -P "$worker_pid" || true); do
    if [[ "$children_before" != *" $child "* ]]; then
      horse="$child"
      break
    fi
  done
  [[ -n "$horse" ]] && break
  sleep 0.05
done
sleep 0.1
running_task="$(redis_cli zrange rq:wip:default 0 -1 | cut -d: -f1 | tr '\n' ' ' | sed 's/ *$//')"
[[ -n "$horse" ]] || running_task=""
event worker1-kill "kill -9 process group $worker_pid${horse:+ while its work horse $horse ran task $running_task}"
kill -KILL -- "-$(pid_of worker1)"
rm -f "$RUN/worker1.pid"
sleep 10
worker_start 1
event worker1-restart "started"

at 65
event replica-stop "pg_ctl stop -m immediate"
pg_stop "$REPLICA_DIR" replica immediate
sleep 30
pg_start "$REPLICA_DIR" "$REPLICA_PORT" replica
event replica-restart "started"
for _ in $(seq 1 60); do
  lag="$(psql_at "$PRIMARY_PORT" "SELECT COALESCE(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn), -1)
    FROM pg_stat_replication" || true)"
  [[ "$lag" == 0 ]] && break
  sleep 1
done
event replica-caught-up "replay lag ${lag:-?} bytes"

log "soak: waiting for the load to finish"
while is_running locust; do sleep 5; done
event soak-end "locust finished"
stop producer

log "soak: draining the task queue (at most 180 s) and cleaning RQ's registries as a worker would"
for _ in $(seq 1 36); do
  queued="$(redis_cli llen rq:queue:default)"
  [[ "$queued" == 0 ]] && break
  sleep 5
done
"$BIN/ducha" shell --no-imports -c "
import django_rq
from django_tasks_rq.backend import Job
from rq.registry import clean_registries
queue = django_rq.get_queue('default', job_class=Job)
clean_registries(queue)
print('RQ registries cleaned: started', queue.started_job_registry.count, 'failed', queue.failed_job_registry.count)
" || true
sleep 12 # one last sample
event drained "queue length $(redis_cli llen rq:queue:default)"
redis_cli info memory | grep -E '^(used_memory_human|used_memory_peak_human):' >"$SOAK/redis.txt" || true
redis_cli info keyspace | grep '^db' >>"$SOAK/redis.txt" || true
cp "$ROOT/smtp.jsonl" "$SOAK/smtp.jsonl" 2>/dev/null || true
stop sampler

log "soak: report"
"$BIN/python" "$SCALEOUT_DIR/soak_report.py" "$SOAK" | tee "$SOAK/report.log"
log "soak: summary in $SOAK/summary.md"
