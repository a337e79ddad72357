"""Issue 19, the unit filter: the summary also holds each government's figures filtered on every unit directly
below it whose tree is larger than LIVE_MAX_UNITS (a province's cities), so that no filtered dashboard counts a
large tree inside a request.

The demo world with LIVE_MAX_UNITS lowered to 1: the city's units below it (the county, 30-odd units, and the
city's general office with its supervision office) and the county's general office are "large"; every other unit
stands alone and is still counted live.

- The filtered figures in the summary are exactly those `dashboard_stats` counts live for the same unit, secret
  items, co-units inside the unit (an item counted once) and items assigned to two large units included.
- A filtered dashboard on a large unit is served from the summary, or shows the last figures with their time
  (stale), or that they are not counted yet (missing) — never counted in the request; a small unit is counted live.
- The filter stays within the user's choices: a unit outside them is ignored, as before.
- Every way the summary is counted (the command, the periodic refresh, the recount job) counts the filtered rows.
"""

from __future__ import annotations

import datetime
import json
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ducha.devtools.demo.items import demo_items_create
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Assignment, AssignmentRole, Confidentiality, Item
from ducha.jobs import services as jobs
from ducha.jobs.models import JobStatus
from ducha.orgs.models import Role, RoleGrant, User
from ducha.workbench import dashboard
from ducha.workbench.dashboard import (
    dashboard_figures,
    dashboard_rollup_for,
    dashboard_rollup_rebuild,
    dashboard_rollup_refresh,
    dashboard_stats,
    rollup_years,
)
from ducha.workbench.dashboard_jobs import dashboard_rebuild_start
from ducha.workbench.models import DashboardRollup
from tests.clock import moment
from tests.helpers import item_in

MONDAY = moment(2026, 11, 16, 9, 30)
TUESDAY = moment(2026, 11, 17, 10, 0)
MONDAY_DATE = datetime.date(2026, 11, 16)


def as_json(value):
    return json.loads(json.dumps(value))


@pytest.fixture
def large(monkeypatch):
    """Units whose tree holds more than one unit count as too large to count inside a request."""
    monkeypatch.setattr(dashboard, "LIVE_MAX_UNITS", 1)


@pytest.fixture
def no_live_count(monkeypatch):
    """Counting live fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("counted live inside the request")

    monkeypatch.setattr(dashboard, "dashboard_stats", refuse)


def filtered_keys(year: int) -> set[tuple[int, int]]:
    return set(
        DashboardRollup.objects.filter(year=year, unit__isnull=False).values_list("government_id", "unit_id")
    )


@pytest.fixture
def demo(world):
    """The demo county's items, a secret item of the county and two of a township (one secret), one item also
    assigned to the city's supervision office (inside two large units of the same level: the county and the
    city's general office), and an office account in the township."""
    with time_machine.travel(MONDAY, tick=False):
        demo_items_create(world, count=40)
        secret = item_in(world, ItemStatus.IN_PROGRESS, title="涉密事项")
        Item.objects.filter(pk=secret.pk).update(confidentiality=Confidentiality.SECRET)
        township = world.townships["cgz"]
        for confidentiality in (Confidentiality.SECRET, Confidentiality.INTERNAL):
            township_item = item_in(world, ItemStatus.ASSIGNED, title="乡镇事项")
            Item.objects.filter(pk=township_item.pk).update(
                government=township, confidentiality=confidentiality
            )
        shared = item_in(world, ItemStatus.IN_PROGRESS, title="市县共办事项")
        Assignment.objects.create(
            item=shared, unit=world.city_office, role=AssignmentRole.CO, notified_at=MONDAY, signed_at=MONDAY
        )
        township_office = User.objects.create(username="cgz_office", full_name="城关镇督查员", unit=township)
        RoleGrant.objects.create(user=township_office, role=Role.OFFICE)
    return world


def test_the_summary_holds_the_large_units_filtered_exactly_as_counted_live(demo, large):
    with time_machine.travel(MONDAY, tick=False):
        result = dashboard_rollup_rebuild(years=[2025, 2026])

        # the city: the county and its own general office; the county: its general office (with the supervision
        # office inside). The township's and the county departments' trees are a single unit each.
        expected = {
            (demo.city.pk, demo.county.pk),
            (demo.city.pk, demo.city_office.parent_id),
            (demo.county.pk, demo.general_office.pk),
        }
        assert filtered_keys(2026) == filtered_keys(2025) == expected
        assert result.rows == DashboardRollup.objects.count()
        compared = 0
        for username, unit in [
            ("city_office", demo.county),
            ("city_leader", demo.county),
            ("city_office", demo.city_office.parent),
            ("office", demo.general_office),
            ("leader", demo.general_office),
        ]:
            user = User.objects.get(username=username)
            for year in (2025, 2026):
                live = dashboard_stats(user, year=year, unit_id=unit.pk, today=MONDAY_DATE)
                counted = dashboard_rollup_for(user, year=year, unit_id=unit.pk, today=MONDAY_DATE)
                assert counted is not None, (username, unit, year)
                assert counted[0] == as_json(live), (username, unit, year)
                compared += live["totals"]["items"]
        assert compared > 0  # real figures, not only zeros


def test_items_are_counted_once_per_unit_and_secret_ones_only_by_their_government(demo, large):
    with time_machine.travel(MONDAY, tick=False):
        dashboard_rollup_rebuild(years=[2026])
        city_office = demo.user("city_office")

        def filtered(unit_id: int) -> dict:
            counted = dashboard_rollup_for(city_office, year=2026, unit_id=unit_id, today=MONDAY_DATE)
            assert counted is not None
            return counted[0]

        on_county = filtered(demo.county.pk)
        on_city_general = filtered(demo.city_office.parent_id)

    this_year = Item.objects.filter(assigned_at__year=2026)
    seen_by_city = this_year.exclude(confidentiality=Confidentiality.SECRET)
    # every item of the year is assigned inside the county (most to two or more of its units): each counted once
    assert on_county["totals"]["items"] == seen_by_city.count()
    assert this_year.filter(confidentiality=Confidentiality.SECRET).count() >= 2  # left out
    # the shared item also counts for the city's general office, whose notice is its only one
    assert on_city_general["totals"]["items"] == 1
    assert on_city_general["sign"]["assignments"] == 1 and on_city_general["sign"]["in_time"] == 1


def test_a_large_unit_filter_is_served_from_the_summary_without_counting(demo, large, client, monkeypatch):
    with time_machine.travel(MONDAY, tick=False):
        city_office = demo.user("city_office")
        live = dashboard_stats(city_office, year=2026, unit_id=demo.county.pk, today=MONDAY_DATE)
        dashboard_rollup_rebuild(years=[2026])
        monkeypatch.setattr(dashboard, "dashboard_stats", pytest.fail)
        client.force_login(city_office)

        with CaptureQueriesContext(connection) as captured:
            figures = dashboard_figures(city_office, year=2026, unit_id=demo.county.pk, today=MONDAY_DATE)
        queries = [query["sql"] for query in captured]  # before the request, which empties the log
        page = client.get(reverse("dashboard"), {"unit": demo.county.pk})

    # the user's roles and the summary's row: no item is read
    assert len(queries) <= 2 and "items_dashboardrollup" in queries[-1]
    assert not any("items_item" in query for query in queries)
    assert figures.counted_ahead and not figures.stale and not figures.missing
    assert figures.computed_at == MONDAY
    assert figures.stats == as_json(live)
    assert page.status_code == 200
    assert page.context["unit_id"] == demo.county.pk
    assert page.context["stats"]["totals"]["items"] == live["totals"]["items"] > 0
    text = page.content.decode()
    assert 'data-counted-ahead="true" data-stale="false"' in text
    assert 'id="dashboard-data"' in text


def test_a_large_unit_filter_counted_on_another_day_is_shown_stale(demo, large, no_live_count, client):
    with time_machine.travel(MONDAY, tick=False):
        dashboard_rollup_rebuild(years=[2026])
        counted = DashboardRollup.objects.get(year=2026, unit=demo.county)
    city_office = demo.user("city_office")

    with time_machine.travel(TUESDAY, tick=False):
        figures = dashboard_figures(
            city_office, year=2026, unit_id=demo.county.pk, today=datetime.date(2026, 11, 17)
        )
        client.force_login(city_office)
        page = client.get(reverse("dashboard"), {"unit": demo.county.pk})

    assert figures.stale and figures.counted_ahead and not figures.missing
    assert figures.computed_at == MONDAY
    assert figures.stats["unit_id"] == demo.county.pk
    assert figures.stats["totals"] == counted.stats["totals"]
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-stale="true"' in text and 'id="dashboard-stale"' in text
    assert "2026-11-16 09:30" in text  # as of when
    assert 'id="dashboard-data"' in text


def test_a_large_unit_filter_never_counted_is_told_so(demo, large, no_live_count, client):
    with time_machine.travel(MONDAY, tick=False):
        dashboard_rollup_rebuild(years=[2025])  # another year only
        city_office = demo.user("city_office")
        figures = dashboard_figures(city_office, year=2026, unit_id=demo.county.pk, today=MONDAY_DATE)
        client.force_login(city_office)
        page = client.get(reverse("dashboard"), {"unit": demo.county.pk})

    assert figures.missing and figures.stats == {} and figures.computed_at is None
    assert page.status_code == 200
    assert page.context["unit_id"] == demo.county.pk
    text = page.content.decode()
    assert 'id="dashboard-missing"' in text and 'id="dashboard-not-counted"' in text
    assert 'id="dashboard-data"' not in text


def test_a_small_unit_filter_is_still_counted_live(demo, large):
    with time_machine.travel(MONDAY, tick=False):
        dashboard_rollup_rebuild(years=[2026])
        office = demo.user("office")
        fgw = demo.departments["fgw"]

        figures = dashboard_figures(office, year=2026, unit_id=fgw.pk, today=MONDAY_DATE)
        live = dashboard_stats(office, year=2026, unit_id=fgw.pk, today=MONDAY_DATE)

    assert not figures.counted_ahead and not figures.stale and not figures.missing
    assert figures.stats == live and live["totals"]["items"] > 0


def test_a_filter_outside_the_choices_is_ignored_as_before(demo, large, no_live_count, client):
    """The city's office may filter on the units directly below the city only: the county's general office (a
    large unit the summary holds, but for the county's office) is ignored, and the whole scope is shown."""
    with time_machine.travel(MONDAY, tick=False):
        dashboard_rollup_rebuild(years=[2026])
        whole = DashboardRollup.objects.get(year=2026, government=demo.city, unit=None)
        client.force_login(demo.user("city_office"))

        page = client.get(reverse("dashboard"), {"unit": demo.general_office.pk})

    assert page.status_code == 200
    assert page.context["unit_id"] is None
    assert page.context["stats"]["unit_id"] is None
    assert page.context["stats"]["totals"] == whole.stats["totals"]


def test_a_unit_user_still_sees_their_own_unit_counted_live(demo, large):
    with time_machine.travel(MONDAY, tick=False):
        dashboard_rollup_rebuild(years=[2026])
        fgw_head = demo.user("fgw_head")

        figures = dashboard_figures(
            fgw_head, year=2026, unit_id=demo.departments["fgw"].pk, today=MONDAY_DATE
        )

    assert not figures.counted_ahead and figures.stats["unit_id"] == demo.departments["fgw"].pk


def test_the_command_and_the_periodic_refresh_count_the_filtered_rows(demo, large):
    with time_machine.travel(MONDAY, tick=False):
        call_command("dashboard_rollup", "--year", "2026", stdout=StringIO())
        assert filtered_keys(2026) == {
            (demo.city.pk, demo.county.pk),
            (demo.city.pk, demo.city_office.parent_id),
            (demo.county.pk, demo.general_office.pk),
        }

        DashboardRollup.objects.all().delete()
        dashboard_rollup_refresh()

        for year in rollup_years(MONDAY_DATE):
            assert len(filtered_keys(year)) == 3, year
        assert not DashboardRollup.objects.exclude(as_of=MONDAY_DATE).exists()


def test_the_recount_job_counts_the_filtered_rows(demo, large, monkeypatch):
    # As tests/workbench/test_dashboard_summary.py: a worker never runs inside a test's transaction.
    monkeypatch.setattr(jobs, "close_old_connections", lambda: None)
    with time_machine.travel(MONDAY, tick=False):
        job, _joined = dashboard_rebuild_start(actor=demo.user("office"))

        assert jobs.run(job.pk, heartbeat=False) == JobStatus.DONE

    job.refresh_from_db()
    for year in rollup_years(MONDAY_DATE):
        assert len(filtered_keys(year)) == 3, year
    assert job.result["rows"] == DashboardRollup.objects.count()
    county_rows = DashboardRollup.objects.filter(unit=demo.county)
    assert county_rows.count() == len(rollup_years(MONDAY_DATE))
    assert {row.stats["unit_id"] for row in county_rows} == {demo.county.pk}


def test_without_large_units_the_summary_holds_no_filtered_rows(demo):
    """The demo world as it is: every tree is small (LIVE_MAX_UNITS = 100), nothing filtered is counted ahead."""
    with time_machine.travel(MONDAY, tick=False):
        dashboard_rollup_rebuild(years=[2026])

    assert filtered_keys(2026) == set()
    assert DashboardRollup.objects.filter(year=2026, unit=None).count() > 0
