"""`ducha bench_urls` (issue 19): on the demo county, the command's list covers every pattern of the URL resolver —
each measured, skipped with its reason or excluded with its reason — and a quick run (one request per URL after
the warm-up) meets no server error on any of them."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ducha.devtools import bench_urls
from ducha.devtools.bench_urls import EXCLUDED, MEASURED, SKIPPED, plan, resolver_patterns
from ducha.devtools.demo.parts import demo_parts


@pytest.fixture
def office(world):
    # The demo's every part (items, inspections, evaluation, accountability, clues), so that ids can be found.
    for part in demo_parts():
        if not part.exists():
            part.create(world, items=40)
    user = world.user("office")
    return bench_urls.office_user(user.username)


def test_every_resolver_pattern_is_measured_skipped_or_excluded_with_a_reason(office):
    planned = plan(office)

    # every pattern of the resolver is in the list, once
    assert sorted((entry.pattern, entry.name) for entry in planned) == sorted(
        (route, name) for route, name, _pattern in resolver_patterns()
    )
    for entry in planned:
        assert entry.status in (MEASURED, SKIPPED, EXCLUDED)
        if entry.status == MEASURED:
            assert entry.url.startswith("/") and "<" not in entry.url and "{" not in entry.url, entry
        else:
            assert entry.reason, entry
    measured = {entry.name: entry.url for entry in planned if entry.status == MEASURED}
    # the pages people wait on, with real ids
    item = measured["item-detail"]
    assert item.startswith("/items/") and item.removeprefix("/items/").rstrip("/").isdigit()
    for name in (
        "ledger",
        "dashboard",
        "home",
        "inspections:detail",
        "api-v1:item_detail",
        "api-v1:item_list",
    ):
        assert name in measured, name
    # the deliberate exclusions, with their reasons
    reasons = {entry.name: entry.reason for entry in planned if entry.status == EXCLUDED}
    assert reasons["ledger-export"] == "background job (issue 19, part A/C)"
    assert reasons["ledger-import"] == "background job (issue 19, part A/C)"
    assert reasons["logout"] == "signs the session out (POST only)"
    assert reasons["item-act"] == "POST only: a write"
    assert reasons["api-v1:item_create"] == "an API operation that writes (POST)"
    assert all(reason for name, reason in reasons.items() if name.startswith("admin:"))


def test_a_quick_run_meets_no_server_error(office):
    lines: list[str] = []

    outcome = bench_urls.run(runs=1, limit_ms=60_000, username=office.username, write=lines.append)

    assert outcome.results
    assert outcome.failures == [], [(t.planned.url, t.statuses) for t in outcome.failures]
    assert {taken.planned.name for taken in outcome.results} == {
        entry.name for entry in outcome.planned if entry.status == MEASURED
    }
    assert all(len(taken.samples) == 1 for taken in outcome.results)
    text = "\n".join(lines)
    assert "slowest first" in text and "excluded:" in text and "skipped:" in text


def test_the_command_fails_when_a_url_is_over_the_limit(office, capsys):
    with pytest.raises(CommandError) as raised:
        call_command(
            "bench_urls", "--runs", "1", "--limit-ms", "0", "--user", office.username, "--only", "^/ledger/$"
        )

    assert raised.value.returncode == 1
    output = capsys.readouterr().out
    assert "over 0 ms at p99: " in output and "/ledger/" in output
