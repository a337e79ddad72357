"""`ducha bench_export_job`: the ledger's whole export as a background job (issue 19, docs/benchmarks.md), as the
provincial office of `ducha gendata` — its time, the worker's peak memory and how often its progress moved.

The job is started through the jobs service (as the ledger's export button does) and run by a fresh worker process
(`services.run`, what the task does), so that the peak memory (VmHWM of /proc/self/status, printed by the worker
at its end) is the job's own and not that of a process it was forked from. Meanwhile this command reads the job's
row every 0.1 s from its own connection, as the job page does, and reports the longest time the progress (rows
done, or the stage) stood still.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from ducha.devtools.bench import bench_user
from ducha.jobs import services as jobs
from ducha.jobs.models import Job, JobStatus

WORKER = """
import json, os, sys, time
import django
django.setup()
from ducha.jobs import services
started = time.monotonic()
status = services.run(int(sys.argv[1]))
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:")).split()[1]
print(json.dumps({"status": status, "seconds": time.monotonic() - started, "peak_kb": int(hwm)}))
"""


class Command(BaseCommand):
    help = (
        "Run the ledger's whole export as a background job; report its time, peak memory and progress gaps."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--query", default="", help="the ledger filter, as the page's query string")
        parser.add_argument(
            "--user-prefix", default="bench_office_", help="the account (newest of the prefix)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from ducha.workbench.exports import LEDGER_EXPORT

        user = bench_user(options["user_prefix"])
        job, joined = jobs.start(kind=LEDGER_EXPORT, owner=user, params={"query": options["query"]})
        if joined:
            raise CommandError(f"an export of the same filter is running already (job {job.pk})")
        # The task queued on commit may also pick the job up: whoever claims it first runs it (services.run claims
        # atomically); this command's worker asks first.
        close_old_connections()
        env = dict(os.environ)
        worker = subprocess.Popen(
            [sys.executable, "-c", WORKER, str(job.pk)], env=env, stdout=subprocess.PIPE, text=True
        )
        started = time.monotonic()
        last_change, last_seen, longest_still = started, None, 0.0
        still_at: tuple[Any, ...] | None = None  # the progress shown when the longest stillness began
        samples = 0
        while worker.poll() is None:
            row = Job.objects.filter(pk=job.pk).values_list("status", "done", "total", "stage").first()
            now = time.monotonic()
            if row is not None and row[0] == JobStatus.RUNNING:
                samples += 1
                if row[1:] != last_seen:
                    if last_seen is not None and now - last_change > longest_still:
                        longest_still, still_at = now - last_change, last_seen
                    last_seen, last_change = row[1:], now
            elif row is not None and row[0] in JobStatus.ended() and last_seen is not None:
                if now - last_change > longest_still:  # the last step, to its end
                    longest_still, still_at = now - last_change, last_seen
                last_seen = None
            time.sleep(0.1)
        if last_seen is not None and time.monotonic() - last_change > longest_still:
            longest_still, still_at = time.monotonic() - last_change, last_seen
        out, _err = worker.communicate()
        report = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
        job.refresh_from_db()
        self.stdout.write(
            f"job {job.pk}: {job.status}, {job.done:,} of {job.total or 0:,} rows, "
            f"{report.get('seconds', 0):.1f} s in the worker, peak {report.get('peak_kb', 0) / 1024:.0f} MB "
            f"(VmHWM), file {(job.size or 0) / 1e6:.1f} MB; progress read {samples} times, "
            f"longest still {longest_still:.2f} s (from done, total, stage = {still_at})"
        )
        if job.status != JobStatus.DONE:
            raise CommandError(job.error or job.status)
