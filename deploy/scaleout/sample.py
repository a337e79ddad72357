"""The soak's sampler (deploy/scaleout/soak.sh): every INTERVAL seconds until stopped, append to OUT/

- memory.csv    time, kind, name, pid, rss_kb — every process of the cluster's recorded process groups
                (gunicorn masters and workers per node, RQ workers and their work horses, the scheduler, Redis,
                HAProxy) and both PostgreSQL servers' processes (summed per server);
- requests.csv  time, proxy, server, status, total, 2xx, 3xx, 4xx, 5xx, connection errors, response errors,
                retries, redispatches — HAProxy's counters (its CSV statistics page);
- queue.csv     time, queued, started, scheduled, deferred, finished, failed — RQ's default queue and registries;

and keep in OUT/jobs.json every task id seen, the states it was seen in and its function, so that the report can
tell a task that finished or failed from one that vanished.

    .venv/bin/python deploy/scaleout/sample.py OUT [INTERVAL]
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import signal
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import redis
from rq import Queue
from rq.job import Job

ROOT = Path(os.environ.get("SCALEOUT_ROOT", "/var/tmp/ducha-scaleout"))
RUN = ROOT / "run"
STATS_URL = "http://127.0.0.1:8199/stats;csv"
REDIS_URL = "redis://127.0.0.1:6380/0"
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
GROUPS = ("node1", "node2", "worker1", "worker2", "scheduler", "redis", "haproxy", "locust")
PG_DIRS = {"postgres-primary": ROOT / "pg/primary", "postgres-replica": ROOT / "pg/replica"}

running = True


def epoch() -> float:
    return dt.datetime.now(dt.UTC).timestamp()


def _stop(_signum: int, _frame: Any) -> None:
    global running
    running = False


def processes() -> dict[int, tuple[int, int, int]]:
    """pid → (parent pid, process group, RSS in kB) for every process of the machine."""
    table: dict[int, tuple[int, int, int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
            statm = Path(f"/proc/{entry.name}/statm").read_text().split()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        table[int(entry.name)] = (int(fields[1]), int(fields[2]), int(statm[1]) * PAGE_KB)
    return table


def descendants(table: dict[int, tuple[int, int, int]], root: int) -> set[int]:
    found, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, _pgid, _rss) in table.items():
            if ppid == parent and pid not in found:
                found.add(pid)
                frontier.append(pid)
    return found


def memory_rows(now: float) -> list[list[Any]]:
    table = processes()
    rows: list[list[Any]] = []
    for name in GROUPS:
        try:
            leader = int((RUN / f"{name}.pid").read_text().strip())
        except (OSError, ValueError):
            continue
        for pid, (_ppid, pgid, rss) in sorted(table.items()):
            if pgid != leader:
                continue
            if name.startswith("node"):
                kind = "gunicorn-master" if pid == leader else "gunicorn-worker"
            elif name.startswith("worker"):
                kind = "rq-worker" if pid == leader else "rq-horse"
            else:
                kind = name
            rows.append([f"{now:.1f}", kind, name, pid, rss])
    for kind, directory in PG_DIRS.items():
        try:
            postmaster = int((directory / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            continue
        if postmaster in table:
            total = sum(table[pid][2] for pid in descendants(table, postmaster))
            rows.append([f"{now:.1f}", kind, kind, postmaster, total])
    return rows


def request_rows(now: float) -> list[list[Any]]:
    try:
        with urllib.request.urlopen(STATS_URL, timeout=3) as response:
            text = response.read().decode()
    except OSError:
        return []
    lines = text.lstrip("# ").splitlines()
    header = lines[0].split(",")
    rows = []
    for line in lines[1:]:
        values = dict(zip(header, line.split(","), strict=False))
        if values.get("pxname") not in ("web", "app"):
            continue
        rows.append(
            [
                f"{now:.1f}",
                values["pxname"],
                values["svname"],
                values.get("status", ""),
                values.get("stot", ""),
                *(values.get(f"hrsp_{n}xx", "") for n in (2, 3, 4, 5)),
                values.get("econ", ""),
                values.get("eresp", ""),
                values.get("wretr", ""),
                values.get("wredis", ""),
            ]
        )
    return rows


class Jobs:
    """Every task id seen in the queue or a registry, with its states and its function."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.seen: dict[str, dict[str, Any]] = {}
        self.connection = redis.Redis.from_url(REDIS_URL)
        self.queue = Queue("default", connection=self.connection)

    def sample(self, now: float) -> list[Any]:
        queue = self.queue
        states = {
            "queued": queue.get_job_ids(),
            "started": queue.started_job_registry.get_job_ids(cleanup=False),
            "scheduled": queue.scheduled_job_registry.get_job_ids(),
            "deferred": queue.deferred_job_registry.get_job_ids(),
            "finished": queue.finished_job_registry.get_job_ids(),
            "failed": queue.failed_job_registry.get_job_ids(),
        }
        for state, ids in states.items():
            for job_id in ids:
                entry = self.seen.get(job_id)
                if entry is None:
                    entry = self.seen[job_id] = {
                        "first": now,
                        "states": [],
                        "function": self._function(job_id),
                    }
                if state not in entry["states"]:
                    entry["states"].append(state)
                entry["last"] = now
                entry["last_state"] = state
        return [f"{now:.1f}", *(len(states[s]) for s in states)]

    def _function(self, job_id: str) -> str:
        try:
            return str(Job.fetch(job_id, connection=self.connection).func_name)
        except Exception:
            return "?"

    def save(self) -> None:
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self.seen, indent=0))
        temporary.replace(self.path)


def append(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    new = not path.exists()
    with path.open("a", newline="") as handle:
        writer = csv.writer(handle)
        if new:
            writer.writerow(header)
        writer.writerows(rows)


def main() -> None:
    out = Path(sys.argv[1])
    interval = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0
    out.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    jobs = Jobs(out / "jobs.json")
    while running:
        now = epoch()
        append(out / "memory.csv", ["time", "kind", "name", "pid", "rss_kb"], memory_rows(now))
        append(
            out / "requests.csv",
            [
                "time",
                "proxy",
                "server",
                "status",
                "total",
                "2xx",
                "3xx",
                "4xx",
                "5xx",
                "econ",
                "eresp",
                "retries",
                "redispatches",
            ],
            request_rows(now),
        )
        try:
            append(
                out / "queue.csv",
                ["time", "queued", "started", "scheduled", "deferred", "finished", "failed"],
                [jobs.sample(now)],
            )
            jobs.save()
        except redis.RedisError as error:
            print(f"sampler: Redis: {error}", flush=True)
        deadline = time.monotonic() + interval
        while running and time.monotonic() < deadline:
            time.sleep(0.2)
    jobs.save()


if __name__ == "__main__":
    main()
