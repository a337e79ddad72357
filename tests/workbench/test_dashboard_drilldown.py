"""The dashboard's drill-down (issue 13): the figures add up (a unit's open items are its red, yellow, green and
no-light items; the units table's columns add up to its total row, and that row to the totals), and every figure
opens the ledger showing exactly the items it counts — followed link by link, for the tables' links and for the
charts' (the JSON), for the office, a unit filter, another year, a unit user and the city above the county.

The history: the demo county's items (made at the suite's pinned instant) and a few more driven at known moments:
an item without a deadline, one under review, one withdrawn after its completion was approved, one of last year
completed this year, and one led by a township with a co-unit."""

from __future__ import annotations

import datetime
import html
import json
import re
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from ducha.devtools.demo.items import demo_items_create
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Item
from ducha.workbench.dashboard import (
    OPEN_PARTS,
    dashboard_ledger_filters,
    dashboard_rollup_for,
    dashboard_rollup_rebuild,
    dashboard_stats,
)
from ducha.workbench.models import DashboardRollup
from tests.clock import moment
from tests.workbench.test_dashboard_stats import Driver

# The suite's default instant, pinned here too: a history of the demo's year in every figure (on New Year's Day
# the new year's dashboard is, rightly, nearly empty).
pytestmark = pytest.mark.time_machine(moment(2026, 11, 18, 10))

DATA = re.compile(r'<script id="dashboard-data" type="application/json">(.*?)</script>', re.S)
DRILL = re.compile(r'<a class="drill" href="([^"]*)">(\d+)</a>')
# The figures of a row of the units table (and of its total row) that have a link.
UNIT_FIGURES = ("items", "open", *OPEN_PARTS, "completed")


@pytest.fixture(autouse=True)
def _no_cache(settings):
    settings.DUCHA_DASHBOARD_CACHE_SECONDS = 0
    cache.clear()


def _moment(today, days_ago: int, hour: int = 10):
    """A moment `days_ago` days before the pinned day, in office hours (local time)."""
    day = today - datetime.timedelta(days=days_ago)
    return moment(day.year, day.month, day.day, hour)


@pytest.fixture
def history(world):
    today = timezone.localdate()
    demo_items_create(world, count=60, seed=13)
    drive = Driver(world)
    # Open without a light: assigned with no deadline at all, and one under review.
    drive.assigned(_moment(today, 30), lead="zjj", workdays=None, title="未定期限的事项")
    under_review = drive.assigned(_moment(today, 40), lead="fgw", co=("jyj",))
    drive.sign(under_review, "fgw", _moment(today, 39))
    drive.complete(under_review, "fgw", _moment(today, 10))
    # Completed (approved by the head), then withdrawn: counted neither as completed nor as open.
    withdrawn = drive.assigned(_moment(today, 50), lead="jyj")
    drive.sign(withdrawn, "jyj", _moment(today, 49))
    drive.complete(withdrawn, "jyj", _moment(today, 20))
    drive.withdraw(withdrawn, _moment(today, 19))
    # Assigned last year, completed this year (late).
    old = drive.assigned(_moment(today, 360), lead="zjj", co=("cgz",))
    drive.sign(old, "zjj", _moment(today, 359))
    drive.complete(old, "zjj", _moment(today, 300))
    # Led by a township, with a department as co-unit.
    township = drive.assigned(_moment(today, 15), lead="cgz", co=("fgw",), source="leader_instruction")
    drive.sign(township, "cgz", _moment(today, 14))
    assert Item.objects.filter(status=ItemStatus.UNDER_REVIEW).exists()
    assert Item.objects.filter(status=ItemStatus.CANCELLED, completed_at__isnull=False).exists()
    return world


def chart_data(response) -> dict[str, Any]:
    match = DATA.search(response.content.decode())
    assert match, "the page carries no dashboard-data JSON"
    return json.loads(match.group(1))


def figures_with_links(stats: dict[str, Any], links: dict[str, Any]) -> list[tuple[str, int, str]]:
    """Every item figure of the dashboard with its ledger link: (what it is, the count, the link)."""
    pairs: list[tuple[str, int, str]] = []
    for figure in ("items", "open", *OPEN_PARTS, "overdue", "completed", "on_time", "late"):
        pairs.append((f"totals.{figure}", stats["totals"][figure], links["totals"][figure]))
    for figure in (*UNIT_FIGURES, "on_time"):
        pairs.append((f"units_total.{figure}", stats["units_total"][figure], links["units_total"][figure]))
    for row in stats["by_status"]:
        pairs.append((f"status.{row['status']}", row["count"], links["by_status"][row["status"]]))
    for row in stats["by_light"]:
        pairs.append((f"light.{row['light']}", row["count"], links["by_light"][row["light"]]))
    for row, link in zip(stats["monthly"], links["monthly"], strict=True):
        for figure in ("assigned", "completed"):
            pairs.append((f"month.{row['month']}.{figure}", row[figure], link[figure]))
    for row in stats["by_source"]:
        for figure in ("items", "completed", "on_time"):
            pairs.append(
                (
                    f"source.{row['source_type']}.{figure}",
                    row[figure],
                    links["by_source"][row["source_type"]][figure],
                )
            )
    for row in stats["units"]:
        for figure in (*UNIT_FIGURES, "on_time"):
            pairs.append(
                (f"unit.{row['name']}.{figure}", row[figure], links["units"][str(row["unit_id"])][figure])
            )
    return pairs


def ledger_count(client, link: str) -> int:
    response = client.get(link)
    assert response.status_code == 200, link
    assert response.templates[0].name == "ledger/ledger.html"
    assert list(response.context["notices"]) == [], (link, response.context["notices"])
    page = response.context["page"]
    assert page.count is not None and not page.count_is_bounded, link
    return page.count


def assert_figures_add_up(stats: dict[str, Any]) -> None:
    totals, units_total = stats["totals"], stats["units_total"]
    assert totals["open"] == sum(totals[part] for part in OPEN_PARTS)
    assert totals["overdue"] == totals["red"]
    assert totals["completed"] == totals["on_time"] + totals["late"]
    for row in stats["units"]:
        assert row["open"] == row["red"] + row["yellow"] + row["green"] + row["no_light"], row["name"]
        assert row["items"] >= row["open"] and row["completed"] >= row["on_time"], row["name"]
    for figure in UNIT_FIGURES:
        assert units_total[figure] == sum(row[figure] for row in stats["units"]), figure
        assert units_total[figure] == totals[figure], figure  # every item has one lead unit
    assert {row["light"]: row["count"] for row in stats["by_light"]} == {
        light: totals[light] for light in ("red", "yellow", "green")
    }
    assert sum(row["count"] for row in stats["by_status"]) == totals["items"]
    open_statuses = {"assigned", "in_progress", "under_review"}
    assert sum(row["count"] for row in stats["by_status"] if row["status"] in open_statuses) == totals["open"]
    assert sum(row["assigned"] for row in stats["monthly"]) == totals["items"]
    assert sum(row["completed"] for row in stats["monthly"]) == totals["completed"]
    for figure in ("items", "completed", "on_time"):
        assert sum(row[figure] for row in stats["by_source"]) == totals[figure]


SCENARIOS = [
    pytest.param("office", {}, id="office"),
    pytest.param("office", {"unit": "jyj"}, id="office-unit-filter"),
    pytest.param("leader", {"unit": "cgz"}, id="leader-township-filter"),
    pytest.param("office", {"year": -1}, id="office-last-year"),
    pytest.param("fgw", {}, id="unit-user"),
    pytest.param("city_office", {}, id="city-office"),
]


def dashboard_query(world, query: dict[str, Any]) -> dict[str, Any]:
    shown: dict[str, Any] = {}
    if "unit" in query:
        code = query["unit"]
        shown["unit"] = (world.departments.get(code) or world.townships[code]).pk
    if "year" in query:
        shown["year"] = timezone.localdate().year + query["year"]
    return shown


def test_the_figures_add_up(browser, history):
    stats = chart_data(browser("office").get("/dashboard/"))["stats"]

    assert_figures_add_up(stats)
    # The history exercises what the figures are about: each part of the open items, late and on-time
    # completions, and a unit whose open items are not all lit (what made the table not add up before).
    assert all(stats["totals"][part] > 0 for part in (*OPEN_PARTS, "on_time", "late"))
    assert any(row["no_light"] > 0 for row in stats["units"])


@pytest.mark.parametrize(("username", "query"), SCENARIOS)
def test_every_link_opens_the_ledger_with_exactly_the_counted_items(browser, history, username, query):
    client = browser(username)
    response = client.get("/dashboard/", dashboard_query(history, query))
    data = chart_data(response)
    stats, links = data["stats"], data["links"]
    assert_figures_add_up(stats)

    # The charts' links (the JSON): one per figure, each to a ledger counting exactly as many items.
    pairs = figures_with_links(stats, links)
    counted: dict[str, int] = {}
    wrong = []
    for name, count, link in pairs:
        if link not in counted:
            counted[link] = ledger_count(client, link)
        if counted[link] != count:
            wrong.append((name, count, counted[link], link))
    assert wrong == []
    assert sum(count for _name, count, _link in pairs) > 0 or query.get("year")

    # The tables' links: every figure on the page is one of them, and shows the count of its ledger.
    anchors = [(html.unescape(href), int(count)) for href, count in DRILL.findall(response.content.decode())]
    assert all(counted[href] == count for href, count in anchors), [
        (href, count) for href, count in anchors if counted.get(href) != count
    ]
    expected = (
        3  # items, open, overdue
        + 2  # on time of completed
        + len(stats["by_status"])
        + len(stats["by_light"])
        + 2  # no light, open items in all
        + 2 * 12
        + 2 * len(stats["by_source"])
        + len(UNIT_FIGURES) * (len(stats["units"]) + (1 if stats["units"] else 0))
    )
    assert len(anchors) == expected


def test_a_unit_row_links_to_the_units_inside_it(browser, history):
    """The city's table sums the county (its departments and townships) into one row: the row's links select the
    items led by any unit inside the county, where the ledger's lead filter would select the county's own."""
    data = chart_data(browser("city_office").get("/dashboard/"))
    county = next(row for row in data["stats"]["units"] if row["unit_id"] == history.county.pk)
    link = data["links"]["units"][str(history.county.pk)]["items"]

    assert county["lead_within"] is True and county["items"] > 0
    assert f"lead_within={history.county.pk}" in link
    assert county["items"] == ledger_count(browser("city_office"), link)


def test_links_carry_the_unit_filter_and_the_year(history):
    today = timezone.localdate()
    jyj = history.departments["jyj"]
    stats = dashboard_stats(history.user("office"), year=today.year - 1, unit_id=jyj.pk, today=today)

    filters = dashboard_ledger_filters(stats)

    items = filters["totals"]["items"]
    assert (items.within_unit_id, items.assigned_from.isoformat(), items.assigned_to.isoformat()) == (
        jyj.pk,
        f"{today.year - 1}-01-01",
        f"{today.year - 1}-12-31",
    )
    assert filters["totals"]["open"].statuses == ("assigned", "in_progress", "under_review")
    assert (filters["totals"]["no_light"].light, filters["totals"]["no_light"].statuses) == (
        "none",
        ("assigned", "in_progress", "under_review"),
    )
    completed = filters["totals"]["completed"]
    assert (completed.completed_from.isoformat(), completed.completed_to.isoformat()) == (
        f"{today.year - 1}-01-01",
        f"{today.year - 1}-12-31",
    )
    february = filters["monthly"][1]["assigned"]
    assert (february.assigned_from.day, february.assigned_to.day) == (1, 28 if (today.year - 1) % 4 else 29)


def test_the_summary_holds_the_parts_and_old_summaries_are_not_served(history):
    today = timezone.localdate()
    office = history.user("office")
    dashboard_rollup_rebuild(years=[today.year])
    counted = dashboard_rollup_for(office, year=today.year, unit_id=None, today=today)
    assert counted is not None
    assert counted[0] == json.loads(json.dumps(dashboard_stats(office, year=today.year, today=today)))
    assert_figures_add_up(counted[0])

    # A summary counted before the figures had their parts is counted live until the next run.
    for row in DashboardRollup.objects.filter(year=today.year):
        del row.stats["units_total"]
        row.save(update_fields=["stats"])
    assert dashboard_rollup_for(office, year=today.year, unit_id=None, today=today) is None
