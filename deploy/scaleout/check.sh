#!/usr/bin/env bash
# Show, on the cluster of up.sh, that the app nodes are stateless and the replica is used safely:
#   1. a user signs in through HAProxy and is signed in on each node directly with the same cookie (sessions in
#      PostgreSQL, the cache in the shared Redis);
#   2. an attachment uploaded through node 1 downloads, byte for byte, through node 2 (one media directory);
#   3. the ledger and the dashboard read from the replica (the router's decisions per request, and the replica's
#      own transaction count rising with ledger requests but not with pages that do not read from it);
#   4. read-your-writes: with the replica's replay paused (so it is certainly behind), a user who has just saved a
#      ledger filter sees it at once, on the other node, because the pin cookie sends their reads to the primary;
#      the same request without the cookie reads the stale replica; once replay resumes the replica has it too.
# Writes a summary to /var/tmp/ducha-scaleout/check-summary.txt; exits non-zero if a required check fails.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
[[ -d "$RUN" ]] || die "no cluster: run deploy/scaleout/up.sh first"

WORK="$(mktemp -d "$ROOT/tmp/check.XXXXXX")"
SUMMARY="$ROOT/check-summary.txt"
LB="http://127.0.0.1:$LB_PORT"
NODE1="http://127.0.0.1:${NODE_PORTS[0]}"
NODE2="http://127.0.0.1:${NODE_PORTS[1]}"
PASSWORD="Ducha@2026"
failures=0
replay_paused=0

cleanup() {
  if [[ "$replay_paused" == 1 ]]; then
    psql_at "$REPLICA_PORT" "SELECT pg_wal_replay_resume()" >/dev/null || true
    log "replay on the replica resumed"
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

: >"$SUMMARY"
result() { # result ok|FAIL|info TEXT
  printf '%-4s %s\n' "$1" "${*:2}" | tee -a "$SUMMARY"
  if [[ "$1" == FAIL ]]; then
    failures=$((failures + 1))
  fi
}

# fetch JAR URL [curl options...]: the body to $WORK/body, the headers to $WORK/headers; prints the status.
fetch() {
  local jar="$1" url="$2"
  shift 2
  curl -s -b "$jar" -c "$jar" -D "$WORK/headers" -o "$WORK/body" -w '%{http_code}' --max-time 30 "$@" "$url"
}
header() { grep -i "^$1:" "$WORK/headers" | tail -1 | cut -d' ' -f2- | tr -d '\r'; }
csrf_cookie() { awk '$6 == "csrftoken" {print $7}' "$1" | tail -1; }
without_pin() { grep -v "$PIN_COOKIE" "$1" >"$2"; }
replica_reads() { header X-Scaleout-Reads | sed -n 's/.*replica=\([0-9]*\).*/\1/p'; }
PIN_COOKIE=ducha_primary
# A ledger page with no rows: the ledger's first page logs the office's reads of secret items (an audit write), and
# the router sends every read after a write in the same request to the primary, saved filters included.
QUIET_LEDGER="/ledger/?q=scaleout-no-such-item"

sign_in() { # sign_in JAR USERNAME
  local jar="$1" username="$2" token status
  : >"$jar"
  status="$(fetch "$jar" "$LB/login/")"
  [[ "$status" == 200 ]] || die "GET /login/ answered $status"
  token="$(grep -o 'name="csrfmiddlewaretoken" value="[^"]*"' "$WORK/body" | head -1 | sed 's/.*value="//; s/"$//')"
  status="$(fetch "$jar" "$LB/login/" --data-urlencode "csrfmiddlewaretoken=$token" \
    --data-urlencode "username=$username" --data-urlencode "password=$PASSWORD" --data-urlencode "next=/")"
  echo "$status $(header X-Scaleout-Node) $(header Location)"
}

log "1. one session on both nodes"
read -r status node location < <(sign_in "$WORK/office.jar" office)
if [[ "$status" == 302 && "$location" == "/" ]]; then
  result ok "office signed in through HAProxy (answered by $node, redirected to /)"
else
  result FAIL "sign-in through HAProxy answered $status (location $location)"
fi
for url in "$NODE1" "$NODE2"; do
  status="$(fetch "$WORK/office.jar" "$url/")"
  if [[ "$status" == 200 ]] && grep -q 'action="/logout/"' "$WORK/body"; then
    result ok "the same session cookie is signed in on $url directly (200, the signed-in page)"
  else
    result FAIL "$url/ with the session cookie answered $status $(header Location)"
  fi
done
nodes_seen="$(for _ in 1 2 3 4; do fetch "$WORK/office.jar" "$LB/" >/dev/null; header X-Scaleout-Node; done |
  sort | uniq -c | awk '{printf "%s×%s ", $2, $1}')"
result info "four requests through HAProxy went to: $nodes_seen"

log "2. an attachment uploaded through node 1, downloaded through node 2"
fetch "$WORK/office.jar" "$LB/ledger/" >/dev/null
item="$(grep -o 'href="/items/[0-9]*/"' "$WORK/body" | head -1 | grep -o '[0-9]*')"
[[ -n "$item" ]] || die "no item on the office's ledger"
upload="$WORK/scaleout-check-$(date +%s).txt"
head -c 3000 /dev/urandom | base64 >"$upload"
status="$(fetch "$WORK/office.jar" "$NODE1/items/$item/attachments/" -H "X-CSRFToken: $(csrf_cookie "$WORK/office.jar")" \
  -F "file=@$upload;type=text/plain")"
if [[ "$status" == 302 ]]; then
  result ok "uploaded $(basename "$upload") to item $item through node 1 (302)"
else
  result FAIL "upload through node 1 answered $status"
fi
fetch "$WORK/office.jar" "$NODE2/items/$item/" >/dev/null
attachment="$(grep -o "/items/$item/attachments/[0-9]*/" "$WORK/body" | grep -o '[0-9]*/$' | tr -d / | sort -n | tail -1)"
status="$(curl -s -b "$WORK/office.jar" -o "$WORK/download" -w '%{http_code}' "$NODE2/items/$item/attachments/$attachment/")"
if [[ "$status" == 200 ]] && cmp -s "$upload" "$WORK/download"; then
  result ok "attachment $attachment downloaded through node 2: identical ($(sha256sum <"$upload" | cut -c1-16)…)"
else
  result FAIL "download through node 2 answered $status, or the bytes differ"
fi

log "3. the ledger and the dashboard read from the replica"
read -r status node location < <(sign_in "$WORK/leader.jar" leader)
[[ "$status" == 302 ]] || die "the leader could not sign in ($status)"
without_pin "$WORK/leader.jar" "$WORK/leader-unpinned.jar"
without_pin "$WORK/office.jar" "$WORK/office-unpinned.jar"
status_dashboard="$(fetch "$WORK/leader-unpinned.jar" "$LB/dashboard/")"
dashboard_reads="$(header X-Scaleout-Reads)"
dashboard_replica="$(replica_reads)"
status_ledger="$(fetch "$WORK/office-unpinned.jar" "$LB/ledger/")"
ledger_reads="$(header X-Scaleout-Reads)"
ledger_replica="$(replica_reads)"
if [[ "$status_ledger" == 200 && "$ledger_replica" -gt 0 ]]; then
  result ok "ledger (200) through HAProxy: the router's read decisions $ledger_reads"
else
  result FAIL "ledger $status_ledger ($ledger_reads): no read from the replica"
fi
fetch "$WORK/office-unpinned.jar" "$LB$QUIET_LEDGER" >/dev/null
result info "a ledger page showing no secret item (no audit write): $(header X-Scaleout-Reads)"
if [[ "$status_dashboard" == 200 && "$dashboard_replica" -gt 0 ]]; then
  result ok "dashboard (200) for the leader: the router's read decisions $dashboard_reads"
else
  result FAIL "dashboard $status_dashboard ($dashboard_reads): no read from the replica"
fi
xacts() { psql_at "$REPLICA_PORT" "SELECT xact_commit FROM pg_stat_database WHERE datname = '$DB_NAME'"; }
burst() { # burst PATH JAR: 40 requests through HAProxy; prints the replica's transactions during them
  local before after
  psql_at "$REPLICA_PORT" "SELECT pg_stat_clear_snapshot()" >/dev/null
  before="$(xacts)"
  for _ in $(seq 1 40); do
    curl -s -o /dev/null -b "$2" "$LB$1"
  done
  sleep 1 # the statistics collector flushes every second
  after="$(xacts)"
  echo $((after - before))
}
on_ledger="$(burst /ledger/ "$WORK/office-unpinned.jar")"
on_inbox="$(burst /inbox/ "$WORK/office-unpinned.jar")"
if ((on_ledger > on_inbox + 40)); then
  result ok "replica transactions (pg_stat_database.xact_commit): +$on_ledger over 40 ledger pages," \
    "+$on_inbox over 40 inbox pages (not replica-routed; the rest is the routers' lag checks)"
else
  result FAIL "replica transactions: +$on_ledger over 40 ledger pages, +$on_inbox over 40 inbox pages"
fi

log "4. read-your-writes, with the replica's replay paused"
psql_at "$PRIMARY_PORT" "CREATE TABLE IF NOT EXISTS scaleout_tick (at timestamptz); INSERT INTO scaleout_tick VALUES (now())"
target="$(psql_at "$PRIMARY_PORT" "SELECT pg_current_wal_lsn()")"
for _ in $(seq 1 50); do
  [[ "$(psql_at "$REPLICA_PORT" "SELECT pg_last_wal_replay_lsn() >= '$target'::pg_lsn")" == t ]] && break
  sleep 0.1
done
psql_at "$REPLICA_PORT" "SELECT pg_wal_replay_pause()" >/dev/null
replay_paused=1
for _ in $(seq 1 50); do
  [[ "$(psql_at "$REPLICA_PORT" "SELECT pg_get_wal_replay_pause_state()")" == paused ]] && break
  sleep 0.1
done
name="ryw-$(date +%H%M%S)"
status="$(fetch "$WORK/office.jar" "$NODE1/ledger/filters/" -H "X-CSRFToken: $(csrf_cookie "$WORK/office.jar")" \
  --data-urlencode "name=$name" --data-urlencode "query=")"
grep -q "$PIN_COOKIE" "$WORK/office.jar" && pinned=yes || pinned=no
result info "saved the ledger filter $name through node 1 ($status); pin cookie set: $pinned"
fetch "$WORK/office.jar" "$NODE2$QUIET_LEDGER" >/dev/null
if grep -q ">$name</a>" "$WORK/body"; then
  result ok "read-your-writes: node 2 shows $name at once to its author (reads $(header X-Scaleout-Reads))"
else
  result FAIL "node 2 does not show $name to its author (reads $(header X-Scaleout-Reads))"
fi
on_replica="$(psql_at "$REPLICA_PORT" "SELECT count(*) FROM items_savedfilter WHERE name = '$name'")"
on_primary="$(psql_at "$PRIMARY_PORT" "SELECT count(*) FROM items_savedfilter WHERE name = '$name'")"
result info "the filter's row: $on_primary on the primary, $on_replica on the replica (replay paused:" \
  "$(psql_at "$REPLICA_PORT" "SELECT pg_get_wal_replay_pause_state()"))"
without_pin "$WORK/office.jar" "$WORK/office-unpinned.jar"
fetch "$WORK/office-unpinned.jar" "$NODE2$QUIET_LEDGER" >/dev/null
if grep -q ">$name</a>" "$WORK/body"; then
  seen=shows
else
  seen="does not show"
fi
# (The saved filters' list, not the page's "saved" message, which the session carries to whichever page is next.)
result info "without the pin cookie the same page $seen $name (reads $(header X-Scaleout-Reads); the replica's" \
  "replay is paused, so a replica read is stale)"
psql_at "$REPLICA_PORT" "SELECT pg_wal_replay_resume()" >/dev/null
replay_paused=0
sleep 3
fetch "$WORK/office-unpinned.jar" "$NODE2$QUIET_LEDGER" >/dev/null
if grep -q ">$name</a>" "$WORK/body" && [[ "$(replica_reads)" -gt 0 ]]; then
  result ok "replay resumed: the replica serves $name too (reads $(header X-Scaleout-Reads))"
else
  result FAIL "after replay resumed the page $(grep -q ">$name</a>" "$WORK/body" && echo shows || echo lacks) $name" \
    "(reads $(header X-Scaleout-Reads))"
fi

log "check: $failures failure(s); summary in $SUMMARY"
exit $((failures > 0))
