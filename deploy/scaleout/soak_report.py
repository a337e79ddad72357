"""The soak's report (deploy/scaleout/soak.sh): read what the run left in its directory, the cluster's logs and its
database, print the findings and write SOAK/summary.md.

- errors: every request HAProxy answered with a 5xx or cut short, each set against the failures' timetable: one
  accepted before a kill and still running at it was *in flight* (allowed); one accepted after a kill and failed
  because of it is *lost* (a failure of the run); the locust scenario's own failures, by name and message;
- memory: the mean RSS of each kind of process over the first and the last five minutes;
- tasks: every task id the sampler saw, by function, and whether it finished, failed or vanished;
- reminders and deliveries: duplicates by their unique keys, deliveries sent more than once, deliveries left
  pending with no task, and the e-mails the workers actually printed against the deliveries recorded as sent.

    .venv/bin/python deploy/scaleout/soak_report.py SOAK_DIR
"""

from __future__ import annotations

import csv
import json
import re
import statistics
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path("/var/tmp/ducha-scaleout")
SOAK_DIR = Path(".")
LOGS = ROOT / "logs"  # or the copy run.sh keeps beside the soak's files (SOAK/logs), read after the teardown
PRIMARY = "host=127.0.0.1 port=5434 dbname=ducha user=postgres"
KILLS = ("node1-kill", "worker1-kill", "replica-stop")
# How long after a kill a failed request is still put down to it (the balancer's checks take 1–2 s to mark a
# node down; the router re-checks the replica every 2 s per process).
AFTERMATH_SECONDS = 30
WINDOW = 300  # seconds: "the first and the last five minutes"
APP_KINDS = ("gunicorn-master", "gunicorn-worker", "rq-worker", "scheduler")

lines: list[str] = []


def say(text: str = "") -> None:
    print(text)
    lines.append(text)


def read_csv(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def events(soak: Path) -> list[tuple[float, str, str]]:
    return [(float(row["time"]), row["event"], row["detail"]) for row in read_csv(soak / "events.csv")]


def first(rows: list[tuple[float, str, str]], name: str) -> float | None:
    return next((at for at, event, _detail in rows if event == name), None)


# --- requests and errors ----------------------------------------------------------------------------------------


def haproxy_requests(soak: Path, start: float, end: float) -> list[dict[str, Any]]:
    offset = int((soak / "haproxy-log-offset").read_text().strip() or 0)
    requests = []
    with (LOGS / "haproxy.log").open(errors="replace") as handle:
        for number, line in enumerate(handle):
            if number < offset:
                continue
            parts = line.split()
            if len(parts) < 8 or not re.fullmatch(r"\d+\.\d+", parts[0]):
                continue
            if parts[1] == "<STATS>":  # the sampler reading HAProxy's own statistics page
                continue
            at = float(parts[0])
            if len(parts) >= 10 and parts[8].isdigit() and parts[9].isdigit():
                at += (
                    int(parts[8]) + int(parts[9])
                ) / 1000  # a kept-alive connection: when the request began
            if not start - 1 <= at <= end + 30:
                continue
            requests.append(
                {
                    "at": at,
                    "server": parts[1],
                    "status": int(parts[2]) if parts[2].lstrip("-").isdigit() else -1,
                    "termination": parts[3],
                    "retries": parts[4],
                    "ms": int(parts[5]) if parts[5].lstrip("-").isdigit() else -1,
                    "method": parts[6],
                    "path": parts[7],
                }
            )
    return requests


def failed(request: dict[str, Any]) -> bool:
    # Termination state: first letter who ended the session (C client, S server, P proxy, R resource, I internal,
    # D down, K killed, -: normal). A client that went away (C…) is the load generator stopping, not an error.
    state = request["termination"]
    if state[:1] == "C":
        return False
    return request["status"] >= 500 or request["status"] < 0 or state[:1] not in ("-", "")


def classify(request: dict[str, Any], timetable: list[tuple[float, str, str]]) -> str:
    begin = request["at"]
    finish = begin + max(request["ms"], 0) / 1000
    # The latest kill before the request ended decides.
    for at, event, _detail in sorted(timetable, reverse=True):
        if event not in KILLS or at > finish + 0.5:
            continue
        if begin <= at:
            return f"in flight at {event}"
        if begin <= at + AFTERMATH_SECONDS:
            return f"lost after {event}"
        break
    return "unrelated to a kill"


def report_requests(soak: Path, timetable: list[tuple[float, str, str]]) -> dict[str, int]:
    start = first(timetable, "soak-start") or 0.0
    end = first(timetable, "soak-end") or float("inf")
    requests = haproxy_requests(soak, start, end)
    seconds = max(end - start, 1)
    by_server = Counter(request["server"] for request in requests)
    retried = sum(1 for request in requests if request["retries"] not in ("0", "+0"))
    say("## Requests")
    say(
        f"- HAProxy: {len(requests)} requests in {seconds:.0f} s ({len(requests) / seconds:.1f}/s); by node: "
        + ", ".join(f"{server} {count}" for server, count in sorted(by_server.items()))
        + f"; {retried} retried or redispatched by HAProxy"
    )
    durations = sorted(request["ms"] for request in requests if request["ms"] >= 0)
    if durations:
        say(
            f"- time in HAProxy (ms): p50 {durations[len(durations) // 2]}, "
            f"p95 {durations[int(len(durations) * 0.95)]}, p99 {durations[int(len(durations) * 0.99)]}, "
            f"max {durations[-1]}"
        )
    stats = read_csv(soak / "locust_stats.csv")
    aggregated = next((row for row in stats if row.get("Name") == "Aggregated"), None)
    if aggregated:
        say(
            f"- locust: {aggregated['Request Count']} requests, {aggregated['Failure Count']} failures, "
            f"{float(aggregated['Requests/s']):.1f} req/s, median {aggregated['Median Response Time']} ms, "
            f"p95 {aggregated['95%']} ms"
        )
    for row in read_csv(soak / "locust_failures.csv"):
        say(f"  - locust failure ×{row['Occurrences']}: {row['Method']} {row['Name']}: {row['Error'][:200]}")
    errors = [request for request in requests if failed(request)]
    kinds = Counter(classify(request, timetable) for request in errors)
    say(f"- errors seen by HAProxy: {len(errors)}" + (f" ({dict(kinds)})" if errors else ""))
    for request in errors[:40]:
        say(
            f"  - {request['at']:.3f} {request['server']} {request['status']} {request['termination']} "
            f"retries {request['retries']} {request['ms']} ms {request['method']} {request['path'][:80]} — "
            f"{classify(request, timetable)}"
        )
    lost = sum(
        count for kind, count in kinds.items() if kind.startswith("lost") or kind.startswith("unrelated")
    )
    in_flight = sum(count for kind, count in kinds.items() if kind.startswith("in flight"))
    return {"requests": len(requests), "errors": len(errors), "lost": lost, "in_flight": in_flight}


# --- memory -----------------------------------------------------------------------------------------------------


def report_memory(soak: Path, timetable: list[tuple[float, str, str]]) -> list[str]:
    rows = read_csv(soak / "memory.csv")
    start = first(timetable, "soak-start") or 0.0
    end = first(timetable, "soak-end") or max((float(row["time"]) for row in rows), default=0.0)
    window = min(WINDOW, (end - start) / 2)
    groups: dict[tuple[str, str], dict[str, list[float]]] = defaultdict(lambda: {"first": [], "last": []})
    pids: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in rows:
        at = float(row["time"])
        if row["kind"] == "rq-horse":
            continue  # a work horse lives for one task
        key = (row["kind"], row["name"])
        if start <= at <= end:
            pids[key].add(row["pid"])
        if start <= at < start + window:
            groups[key]["first"].append(int(row["rss_kb"]) / 1024)
        elif end - window <= at <= end:
            groups[key]["last"].append(int(row["rss_kb"]) / 1024)
    say("## Memory (mean RSS, MB)")
    say(
        f"| process | first {window / 60:.0f} min | last {window / 60:.0f} min | change | processes in the run |"
    )
    say("| --- | ---: | ---: | ---: | ---: |")
    grew = []
    for (kind, name), samples in sorted(groups.items()):
        if not samples["first"] or not samples["last"]:
            continue
        before, after = statistics.mean(samples["first"]), statistics.mean(samples["last"])
        change = (after - before) / before * 100 if before else 0.0
        say(f"| {kind} ({name}) | {before:.1f} | {after:.1f} | {change:+.1f} % | {len(pids[(kind, name)])} |")
        restarted = name in ("node1", "worker1")
        if change > 10 and not restarted and kind in APP_KINDS:
            grew.append(f"{kind} ({name}) {change:+.1f} %")
    say(
        "(node1, worker1 and the replica were killed and restarted in the run: their processes are new ones. The"
        " verdict reads the application's processes that ran throughout; PostgreSQL and Redis grow as their caches"
        " fill, and locust keeps its statistics. gunicorn renews a worker after DUCHA_WEB_MAX_REQUESTS, 5000 ± 500"
        " requests: more processes than workers means some were renewed.)"
    )
    redis_info = soak / "redis.txt"
    if redis_info.exists():
        say("Redis at the end: " + "; ".join(redis_info.read_text().split()))
    return grew


# --- tasks ------------------------------------------------------------------------------------------------------


def report_tasks(soak: Path, timetable: list[tuple[float, str, str]]) -> dict[str, int]:
    path = soak / "jobs.json"
    seen: dict[str, dict[str, Any]] = json.loads(path.read_text()) if path.exists() else {}
    outcome: Counter[str] = Counter()
    by_function: dict[str, Counter[str]] = defaultdict(Counter)
    vanished = []
    killed_ids = {
        match.group(1)
        for _at, event, detail in timetable
        if event == "worker1-kill" and (match := re.search(r"ran task (\S+)", detail))
    }
    for job_id, entry in seen.items():
        states = set(entry["states"])
        if "finished" in states:
            result = "finished"
        elif "failed" in states:
            result = "failed"
        elif entry.get("last_state") in ("scheduled", "deferred"):
            result = "still scheduled (a deferred retry)"
        elif entry.get("last_state") == "queued":
            result = "still queued"
        elif job_id in killed_ids:
            # Its worker was killed while it ran: RQ moves it to the failed registry once its lease runs out.
            result = "interrupted by the kill"
        else:
            result = "vanished"
            vanished.append(job_id)
        outcome[result] += 1
        by_function[entry.get("function", "?")][result] += 1
    say("## Tasks (RQ)")
    say(f"- task ids seen: {len(seen)}: " + ", ".join(f"{k} {v}" for k, v in outcome.most_common()))
    for function, counts in sorted(by_function.items()):
        say(f"  - {function}: " + ", ".join(f"{k} {v}" for k, v in counts.most_common()))
    for job_id in vanished[:10]:
        say(f"  - vanished: {job_id} {seen[job_id]}")
    produced_path = soak / "produced.txt"
    produced = produced_path.read_text().split() if produced_path.exists() else []
    accounted: Counter[str] = Counter()
    for job_id in produced:
        states = set(seen.get(job_id, {}).get("states", []))
        if "finished" in states or "failed" in states:
            accounted["finished" if "finished" in states else "failed"] += 1
        else:
            accounted["interrupted by the kill" if job_id in killed_ids else "not accounted"] += 1
    unaccounted = accounted["not accounted"]
    say(
        f"- sweeps queued by the producer: {len(produced)}: "
        + ", ".join(f"{k} {v}" for k, v in accounted.most_common())
    )
    for _at, event, detail in timetable:
        killed = re.search(r"ran task (\S+)", detail) if event == "worker1-kill" else None
        if killed:
            entry = seen.get(killed.group(1), {})
            say(
                f"- the task worker 1 was running when killed: {killed.group(1)} ({entry.get('function', '?')}),"
                f" seen {', '.join(entry.get('states', [])) or 'never'}"
            )
    failed_ids = [job_id for job_id, entry in seen.items() if "failed" in entry["states"]]
    if failed_ids:
        try:
            import redis
            from rq.job import Job

            connection = redis.Redis.from_url("redis://127.0.0.1:6380/0")
            for job_id in failed_ids[:10]:
                try:
                    job = Job.fetch(job_id, connection=connection)
                    reason = (job.exc_info or "").strip().splitlines()[-1:] or ["?"]
                    say(f"  - failed: {job_id} {job.func_name}: {reason[0][:200]}")
                except Exception as error:  # the job may have expired
                    say(f"  - failed: {job_id}: ({error})")
        except ImportError:
            pass
    return {
        "tasks": len(seen),
        "vanished": len(vanished) + unaccounted,
        "failed": outcome["failed"],
        "produced": len(produced),
    }


# --- reminders and deliveries -----------------------------------------------------------------------------------


def one(cursor: psycopg.Cursor[Any], sql: str) -> Any:
    cursor.execute(sql)
    row = cursor.fetchone()
    return row[0] if row else None


def report_reminders() -> dict[str, int]:
    say("## Reminders and deliveries (the cluster's whole life)")
    with psycopg.connect(PRIMARY) as connection, connection.cursor() as cursor:
        reminders = one(cursor, "SELECT count(*) FROM reminders_reminder")
        duplicate_reminders = one(
            cursor,
            "SELECT count(*) FROM (SELECT 1 FROM reminders_reminder WHERE item_id IS NOT NULL"
            " GROUP BY item_id, unit_id, recipient_id, kind, period HAVING count(*) > 1) d",
        ) + one(
            cursor,
            "SELECT count(*) FROM (SELECT 1 FROM reminders_reminder WHERE rectification_id IS NOT NULL"
            " GROUP BY rectification_id, unit_id, recipient_id, kind, period HAVING count(*) > 1) d",
        )
        unique_indexes = one(
            cursor,
            "SELECT string_agg(indexname, ', ' ORDER BY indexname) FROM pg_indexes"
            " WHERE tablename = 'reminders_reminder' AND indexdef LIKE 'CREATE UNIQUE%'",
        )
        messages = one(cursor, "SELECT count(*) FROM reminders_message")
        duplicate_messages = one(
            cursor,
            "SELECT count(*) FROM (SELECT 1 FROM reminders_message WHERE run_id IS NOT NULL"
            " GROUP BY run_id, recipient_id HAVING count(*) > 1) d",
        )
        cursor.execute("SELECT status, channel, count(*) FROM reminders_delivery GROUP BY 1, 2 ORDER BY 1, 2")
        statuses = cursor.fetchall()
        duplicate_deliveries = one(
            cursor,
            "SELECT count(*) FROM (SELECT 1 FROM reminders_delivery GROUP BY message_id, channel"
            " HAVING count(*) > 1) d",
        )
        sent_twice = one(
            cursor,
            "SELECT count(*) FROM (SELECT delivery_id FROM reminders_deliveryattempt WHERE is_success"
            " GROUP BY delivery_id HAVING count(*) > 1) d",
        )
        stranded = one(
            cursor,
            "SELECT count(*) FROM reminders_delivery WHERE status IN ('pending', 'retry')"
            " AND next_attempt_at < now() - interval '2 minutes' AND (enqueued_at IS NULL OR task_id = '')",
        )
        waiting = one(
            cursor,
            "SELECT count(*) FROM reminders_delivery WHERE status IN ('pending', 'retry')"
            " AND next_attempt_at < now() - interval '2 minutes'",
        )
        cursor.execute(
            "SELECT id, channel, claimed_at, last_error FROM reminders_delivery WHERE status IN ('sending', 'dead')"
            " ORDER BY id LIMIT 10"
        )
        interrupted = cursor.fetchall()
        emails_sent = one(
            cursor, "SELECT count(*) FROM reminders_delivery WHERE channel = 'email' AND status = 'sent'"
        )
    say(
        f"- reminders: {reminders}; duplicates by their unique keys: {duplicate_reminders}"
        f" (unique indexes: {unique_indexes})"
    )
    say(f"- messages: {messages}; duplicates by (run, recipient): {duplicate_messages}")
    say("- deliveries: " + ", ".join(f"{status}/{channel} {count}" for status, channel, count in statuses))
    say(
        f"- duplicate deliveries by (message, channel): {duplicate_deliveries}; sent more than once: {sent_twice}"
    )
    say(f"- due for over 2 min and not sent: {waiting} (of which with no task queued: {stranded})")
    for row in interrupted:
        say(f"  - {row[1]} delivery {row[0]} {row[2]}: {str(row[3])[:160]}")
    printed = 0
    for log in sorted(LOGS.glob("worker*.log")):
        printed += sum(1 for line in log.open(errors="replace") if line.startswith("Subject: "))
    if printed:
        say(
            f"- e-mails printed by the workers (console backend): {printed}; deliveries recorded sent: {emails_sent}"
        )
    sink = SOAK_DIR / "smtp.jsonl" if (SOAK_DIR / "smtp.jsonl").exists() else ROOT / "smtp.jsonl"
    if sink.exists():
        received = [json.loads(line) for line in sink.read_text().splitlines() if line.strip()]
        acknowledged = sum(1 for entry in received if entry.get("acknowledged"))
        twice = sum(
            count - 1 for count in Counter(entry["content"] for entry in received).values() if count > 1
        )
        say(
            f"- the SMTP sink received {len(received)} e-mails ({acknowledged} acknowledged, the others' sender was"
            f" gone before the answer); the same e-mail to the same people more than once: {twice};"
            f" e-mail deliveries recorded sent: {emails_sent}"
        )
        printed = acknowledged
        sent_twice = int(sent_twice) + twice
    return {
        "duplicates": int(duplicate_reminders)
        + int(duplicate_deliveries)
        + int(sent_twice)
        + int(duplicate_messages),
        "stranded": int(stranded),
        "printed_minus_sent": printed - int(emails_sent),
    }


def report_replica() -> None:
    say("## The replica as the routers saw it")
    for log in sorted(LOGS.glob("node*.log")):
        changes = [line.strip() for line in log.open(errors="replace") if line.startswith("replica ")]
        say(f"- {log.stem}: {len(changes)} changes: " + "; ".join(changes[:8]))


def main() -> None:
    global LOGS, SOAK_DIR
    soak = Path(sys.argv[1])
    SOAK_DIR = soak
    if (soak / "logs").is_dir():
        LOGS = soak / "logs"
    timetable = events(soak)
    say(f"# Soak {soak.name}")
    start = first(timetable, "soak-start") or 0.0
    say("## Timetable")
    for at, event, detail in timetable:
        say(f"- +{at - start:7.1f} s  {event}: {detail}")
    requests = report_requests(soak, timetable)
    grew = report_memory(soak, timetable)
    tasks = report_tasks(soak, timetable)
    try:
        reminders = report_reminders()
    except psycopg.OperationalError as error:  # a report read again after the teardown
        say(f"(the cluster's database is gone: {str(error).strip()[:120]})")
        reminders = {"duplicates": 0, "stranded": 0, "printed_minus_sent": 0}
    report_replica()
    say("## Verdict")
    verdict = {
        "no request lost beyond those in flight at a kill": requests["lost"] == 0,
        "memory flat (no process kind that ran throughout grew by more than 10 %)": not grew,
        "no task lost (every task queued or seen finished, failed or is still scheduled)": tasks["vanished"]
        == 0,
        "no reminder, message or delivery twice; none sent twice": reminders["duplicates"] == 0,
        "no due delivery left without a task": reminders["stranded"] == 0,
    }
    for text, ok in verdict.items():
        say(f"- {'PASS' if ok else 'FAIL'}: {text}")
    if grew:
        say(f"  - grew: {', '.join(grew)}")
    say(
        f"- errors: {requests['errors']} ({requests['in_flight']} in flight at a kill, {requests['lost']} other)"
        f" of {requests['requests']} requests"
    )
    (soak / "summary.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
