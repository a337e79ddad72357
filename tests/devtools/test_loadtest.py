"""The load scenario (ducha/devtools/loadtest, `make load`) run for real: locust in a subprocess, with no think time,
against the live test server (a thread of this process on the test database; the subprocess only talks HTTP), as
two units' people, two officers and a leader of a small demo county. Every kind of page is requested, no request
fails, and what the people did is in the database afterwards: items signed for, progress reported, reports
reviewed. A target that asks for the second factor stops the run at once, with the reason. And `ducha
load_accounts` writes the accounts the scenario signs in with."""

from __future__ import annotations

import csv
import importlib.util
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

from ducha.devtools.demo import DEMO_PASSWORD
from ducha.devtools.loadtest import pages
from ducha.devtools.loadtest.accounts import Account, AccountsFileError, accounts_file, read_accounts
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Assignment, Report, ReportKind, Review
from tests.clock import environment_without_faketime, moment
from tests.helpers import item_in, make_item

# Imported, locust patches this process's sockets and threads (gevent): the test only looks for it and runs it in a
# subprocess.
if importlib.util.find_spec("locust") is None:
    pytest.skip("locust is not installed (the `load` extra)", allow_module_level=True)

LOCUSTFILE = Path(pages.__file__).with_name("locustfile.py")
ROOT = Path(__file__).resolve().parents[2]
UNIT_ACCOUNTS = ("fgw", "jyj")  # the lead unit and the co-unit of every item below


@pytest.fixture
def live_server_one_request_at_a_time(live_server) -> Iterator[object]:
    """The live server, answering one request at a time on SQLite: the test database lives in memory with a shared
    cache, where a second connection meeting a lock fails at once ("database table is locked") instead of waiting
    as a database file would. On PostgreSQL the requests run side by side, as on a real server."""
    if connections["default"].vendor != "sqlite":
        yield live_server
        return
    server = live_server.thread.httpd
    app = server.get_app()
    lock = threading.Lock()

    def one_at_a_time(environ, start_response):
        with lock:
            response = app(environ, start_response)
            try:
                body = b"".join(response)
            finally:
                if hasattr(response, "close"):
                    response.close()
        return [body]

    server.set_app(one_at_a_time)
    try:
        yield live_server
    finally:
        server.set_app(app)


def _accounts(tmp_path: Path, *accounts: tuple[str, str]) -> Path:
    path = tmp_path / "accounts.json"
    document = accounts_file("demo", DEMO_PASSWORD, [Account(username, role) for username, role in accounts])
    path.write_text(document.as_json(), encoding="utf-8")
    return path


def _locust(host: str, accounts: Path, csv_prefix: Path, *, users: dict[str, int], seconds: int):
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        *users,  # the user classes that run (before --config-users, which takes every value after it)
        "--headless",
        "--host",
        host,
        "--accounts",
        str(accounts),
        "--account-set",
        "demo",
        "--think",
        "0",
        "--users",
        str(sum(users.values())),
        "--spawn-rate",
        str(sum(users.values())),
        "--run-time",
        f"{seconds}s",
        "--stop-timeout",
        "5",
        "--csv",
        str(csv_prefix),
        "--only-summary",
        "--config-users",
        json.dumps([{"user_class_name": name, "fixed_count": count} for name, count in users.items()]),
    ]
    started = time.monotonic()
    run = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        cwd=ROOT,
        env=environment_without_faketime(),
    )
    return run, time.monotonic() - started


def _stats(csv_prefix: Path) -> dict[str, dict[str, str]]:
    with open(f"{csv_prefix}_stats.csv", encoding="utf-8", newline="") as file:
        return {row["Name"]: row for row in csv.DictReader(file)}


def _failures(csv_prefix: Path) -> list[dict[str, str]]:
    with open(f"{csv_prefix}_failures.csv", encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def test_the_morning_mix_signs_for_reports_and_reviews_for_real(
    live_server_one_request_at_a_time, world, settings, tmp_path
):
    # given: the second factor off (as the load target must run); a county whose lead unit fgw and co-unit jyj
    # have items to sign for and items in hand, reports awaiting the office's review, and more items than one page
    # of the ledger hold each word the office searches for
    settings.DUCHA_OTP_REQUIRED_ROLES = []
    to_sign = [item_in(world, ItemStatus.ASSIGNED) for _ in range(4)]
    in_hand = [item_in(world, ItemStatus.IN_PROGRESS) for _ in range(3)]
    to_review = [item_in(world, ItemStatus.UNDER_REVIEW) for _ in range(4)]
    for number in range(52):
        make_item(world, title=f"{'、'.join(pages.SEARCH_WORDS)}专项工作（{number + 1}）")
    accounts = _accounts(
        tmp_path,
        ("office", "office"),
        ("office2", "office"),
        ("leader", "leader"),
        *((u, "handler") for u in UNIT_ACCOUNTS),
    )
    progress_before = Report.objects.filter(kind=ReportKind.PROGRESS).count()

    # when: two units' people, two officers and a leader work for 12 seconds without pause
    run, _seconds = _locust(
        live_server_one_request_at_a_time.url,
        accounts,
        tmp_path / "run",
        users={"UnitUser": 2, "OfficeUser": 2, "LeaderUser": 1},
        seconds=12,
    )

    # then: every kind of page was requested and none failed
    assert run.returncode == 0, run.stderr[-4000:]
    stats = _stats(tmp_path / "run")
    missing = [kind for kind in pages.ALL_KINDS if int(stats.get(kind, {}).get("Request Count", 0)) == 0]
    assert missing == [], (missing, run.stderr[-4000:])
    assert {name: row["Failure Count"] for name, row in stats.items() if row["Failure Count"] != "0"} == {}
    assert _failures(tmp_path / "run") == []
    assert int(stats["Aggregated"]["Request Count"]) > 100
    # and what the people did is in the database: items signed for by the units' people, their progress stored,
    # reports reviewed by the officers
    signed = Assignment.objects.filter(item__in=to_sign, signed_at__isnull=False)
    assert signed.exists()
    assert set(signed.values_list("signed_by__username", flat=True)) <= set(UNIT_ACCOUNTS)
    reported = Report.objects.filter(kind=ReportKind.PROGRESS, text__contains="次报送")
    assert reported.count() >= 1
    assert Report.objects.filter(kind=ReportKind.PROGRESS).count() == progress_before + reported.count()
    assert set(reported.values_list("author__username", flat=True)) <= set(UNIT_ACCOUNTS)
    # (on items in hand, and on reports the office returned to be redone)
    assert set(reported.values_list("item_id", flat=True)) <= {
        item.pk for item in to_sign + in_hand + to_review
    }
    reviews = Review.objects.filter(item__in=to_review)
    assert reviews.exists()
    assert set(reviews.values_list("reviewer__username", flat=True)) <= {"office", "office2"}


def test_a_target_that_asks_for_the_second_factor_stops_the_run_at_once(
    live_server_one_request_at_a_time, world, settings, tmp_path
):
    # given: a target that requires the second factor of the office (as production does by default)
    settings.DUCHA_OTP_REQUIRED_ROLES = ["office"]
    accounts = _accounts(tmp_path, ("office", "office"))

    # when
    run, seconds = _locust(
        live_server_one_request_at_a_time.url,
        accounts,
        tmp_path / "run",
        users={"OfficeUser": 1},
        seconds=30,
    )

    # then: stopped long before its 30 seconds, with its own exit code and the reason, and nothing measured
    assert run.returncode == pages.EXIT_TARGET_UNFIT, run.stderr[-4000:]
    assert seconds < 20
    assert "DUCHA_OTP_REQUIRED_ROLES" in run.stderr
    failures = _failures(tmp_path / "run")
    assert [(row["Name"], "second factor" in row["Error"]) for row in failures] == [(pages.TODO, True)]
    assert set(_stats(tmp_path / "run")) == {pages.SIGN_IN_PAGE, pages.SIGN_IN, pages.TODO, "Aggregated"}


def test_load_accounts_writes_the_demo_county_people_and_refuses_a_set_that_is_not_there(world, tmp_path):
    out = tmp_path / "load" / "accounts-demo.json"

    call_command("load_accounts", "--set", "demo", "--out", str(out))

    written = read_accounts(out, expected_set="demo")
    roles = {account.username: account.role for account in written.accounts}
    assert written.password == DEMO_PASSWORD
    assert (roles["fgw"], roles["fgw_liaison"], roles["office"], roles["leader"]) == (
        "handler",
        "liaison",
        "office",
        "leader",
    )
    # the heads, the administrator, the auditor and the keeper of reporters' names are not acted out
    assert not {"fgw_head", "admin", "auditor", "clue_keeper"} & set(roles)
    # the county's office comes before the city's: the first simulated officer works on the county's items
    offices = [account.username for account in written.accounts if account.role == "office"]
    assert offices.index("office") < offices.index("city_office")
    with pytest.raises(AccountsFileError):
        read_accounts(out, expected_set="bench")
    with pytest.raises(CommandError):
        call_command("load_accounts", "--set", "bench", "--out", str(tmp_path / "bench.json"))
    assert not (tmp_path / "bench.json").exists()


# Transactional: on PostgreSQL `ducha gendata` ends with VACUUM ANALYZE, which cannot run inside a transaction.
@pytest.mark.django_db(transaction=True)
def test_load_accounts_draws_from_the_generated_province_with_its_provincial_office(tmp_path):
    with time_machine.travel(moment(2026, 11, 20, 10), tick=False):
        call_command("gendata", "--items", "20", "--cities", "1", "--counties-per-city", "2", "--years", "1")
    out = tmp_path / "accounts-bench.json"

    call_command("load_accounts", "--set", "bench", "--out", str(out), "--per-role", "3")

    written = read_accounts(out, expected_set="bench")
    assert written.counts() == {"handler": 3, "liaison": 3, "office": 3, "leader": 2}
    offices = [account.username for account in written.accounts if account.role == "office"]
    assert any(name.startswith("bench_office_") for name in offices)
    assert all(account.username.startswith("b") for account in written.accounts)
