"""The dashboard's summary table (DashboardRollup): counted ahead for every government, it must hold exactly the
figures `dashboard_stats` counts live, and be served only where it applies (an office's or leader's whole scope,
counted for today)."""

from __future__ import annotations

import datetime
import json

import pytest
from django.utils import timezone

from ducha.devtools.demo.items import demo_items_create
from ducha.items import services
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Confidentiality, Item
from ducha.orgs.models import Role, RoleGrant, User
from ducha.workbench.dashboard import (
    dashboard_figures,
    dashboard_rollup_for,
    dashboard_rollup_rebuild,
    dashboard_rollup_refresh,
    dashboard_stats,
    rollup_years,
)
from ducha.workbench.models import DashboardRollup
from tests.clock import moment
from tests.helpers import item_in

OFFICE_USERS = ("office", "leader", "city_office", "cgz_office")


def as_json(value):
    return json.loads(json.dumps(value))


@pytest.fixture
def demo(world):
    """The demo county's items (a secret one among them), a secret item of the county and one of a township, an
    ordinary item of the township, and an office account in the township: secret items are seen only by their
    own government's office, the others by every office above too."""
    demo_items_create(world, count=60)
    township = world.townships["cgz"]
    secret = item_in(world, ItemStatus.IN_PROGRESS, title="涉密事项")
    Item.objects.filter(pk=secret.pk).update(confidentiality=Confidentiality.SECRET)
    for confidentiality in (Confidentiality.SECRET, Confidentiality.INTERNAL):
        township_item = item_in(world, ItemStatus.ASSIGNED, title="乡镇事项")
        Item.objects.filter(pk=township_item.pk).update(government=township, confidentiality=confidentiality)
    township_office = User.objects.create(username="cgz_office", full_name="城关镇督查员", unit=township)
    RoleGrant.objects.create(user=township_office, role=Role.OFFICE)
    return world


def test_the_summary_holds_exactly_the_live_figures(demo):
    today = timezone.localdate()
    years = [today.year - 1, today.year]
    result = dashboard_rollup_rebuild(years=years)

    assert result.years == years
    assert result.rows == DashboardRollup.objects.count() > 0
    compared = 0
    for username in OFFICE_USERS:
        user = User.objects.get(username=username)
        for year in years:
            live = dashboard_stats(user, year=year, today=today)
            counted = dashboard_rollup_for(user, year=year, unit_id=None, today=today)
            assert counted is not None, (username, year)
            assert counted[0] == as_json(live), (username, year)
            compared += live["totals"]["items"]
    assert compared > 0  # the comparison covered real figures, not only zeros


def test_each_office_counts_its_own_scope(demo):
    today = timezone.localdate()
    dashboard_rollup_rebuild(years=[today.year])

    def items(username: str) -> int:
        counted = dashboard_rollup_for(
            User.objects.get(username=username), year=today.year, unit_id=None, today=today
        )
        assert counted is not None
        return counted[0]["totals"]["items"]

    this_year = Item.objects.filter(assigned_at__year=today.year)
    secret = this_year.filter(confidentiality=Confidentiality.SECRET)
    county_secret = secret.filter(government=demo.county).count()
    assert county_secret >= 1
    # the city sees everything of the year but the secret items (of the county and of the township)
    assert items("city_office") == this_year.count() - secret.count()
    # the county sees its own secret items too, not the township's
    assert items("office") == items("city_office") + county_secret
    # the township sees its two items, its own secret one included
    assert items("cgz_office") == 2


def test_changes_show_after_the_next_rebuild(world):
    today = timezone.localdate()
    office = world.user("office")
    dashboard_rollup_rebuild(years=[today.year])
    before = dashboard_figures(office, year=today.year, today=today)
    item_in(world, ItemStatus.ASSIGNED)

    stale = dashboard_figures(office, year=today.year, today=today)
    dashboard_rollup_rebuild(years=[today.year])
    fresh = dashboard_figures(office, year=today.year, today=today)

    assert before.counted_ahead and stale.counted_ahead and fresh.counted_ahead
    assert stale.stats["totals"]["items"] == before.stats["totals"]["items"]
    assert fresh.stats["totals"]["items"] == before.stats["totals"]["items"] + 1
    assert fresh.computed_at >= stale.computed_at


def test_figures_counted_for_another_day_are_not_served(world):
    today = timezone.localdate()
    item_in(world, ItemStatus.ASSIGNED)
    yesterday = timezone.now() - datetime.timedelta(days=1)
    dashboard_rollup_rebuild(years=[today.year], now=yesterday)

    figures = dashboard_figures(world.user("office"), year=today.year, today=today)

    assert not figures.counted_ahead
    assert figures.stats["totals"]["items"] == 1


def test_a_year_not_counted_is_counted_live(world):
    today = timezone.localdate()
    dashboard_rollup_rebuild(years=[today.year])
    assert dashboard_rollup_for(world.user("office"), year=today.year - 3, unit_id=None, today=today) is None


def test_unit_filters_and_unit_users_are_counted_live(world):
    today = timezone.localdate()
    item_in(world, ItemStatus.ASSIGNED)
    dashboard_rollup_rebuild(years=[today.year])
    office = world.user("office")
    fgw = world.departments["fgw"]

    assert dashboard_figures(office, year=today.year, today=today).counted_ahead
    filtered = dashboard_figures(office, year=today.year, unit_id=fgw.pk, today=today)
    assert not filtered.counted_ahead and filtered.stats["unit_id"] == fgw.pk
    assert not dashboard_figures(world.user("fgw_head"), year=today.year, today=today).counted_ahead
    # an office user who also works in a unit sees more than the government's scope: counted live
    both = User.objects.get(pk=office.pk)
    RoleGrant.objects.create(user=both, role=Role.LIAISON)
    both = User.objects.get(pk=office.pk)
    assert not dashboard_figures(both, year=today.year, today=today).counted_ahead


def test_the_summary_follows_the_items_services(world):
    """Counted from the items as the services leave them: a signature moves an item from 待签收 to 办理中."""
    today = timezone.localdate()
    item = item_in(world, ItemStatus.ASSIGNED)
    services.item_sign(item_id=item.pk, actor=world.user("fgw"))
    dashboard_rollup_rebuild(years=[today.year])
    counted = dashboard_rollup_for(world.user("office"), year=today.year, unit_id=None, today=today)
    assert counted is not None
    statuses = {row["status"]: row["count"] for row in counted[0]["by_status"]}
    assert statuses["assigned"] == 0 and statuses["in_progress"] == 1


@pytest.mark.parametrize(
    ("now", "years"),
    [
        pytest.param(moment(2026, 6, 15, 10), [2021, 2022, 2023, 2024, 2025, 2026], id="mid-year"),
        # 00:30 on New Year's Day (still 31 December in UTC): 2027 comes in, 2021 leaves.
        pytest.param(
            moment(2027, 1, 1, 0, 30), [2022, 2023, 2024, 2025, 2026, 2027], id="new-years-day-00:30"
        ),
    ],
)
def test_the_periodic_refresh_counts_past_years_once_a_day(world, time_machine, now, years):
    time_machine.move_to(now, tick=False)
    dashboard_rollup_rebuild(now=now - datetime.timedelta(days=1))  # yesterday's summary, one row a year

    first = dashboard_rollup_refresh()
    again = dashboard_rollup_refresh()

    assert first.years == rollup_years(now.date()) == years
    assert again.years == [now.year]
    assert set(DashboardRollup.objects.values_list("year", "as_of").distinct()) == {
        (year, now.date()) for year in years
    }


def test_the_command_counts_the_years_asked_for(world):
    from io import StringIO

    from django.core.management import call_command

    today = timezone.localdate()
    item_in(world, ItemStatus.ASSIGNED)
    out = StringIO()
    call_command("dashboard_rollup", "--year", str(today.year), stdout=out)

    assert f"years {today.year}," in out.getvalue()
    assert set(DashboardRollup.objects.values_list("year", flat=True)) == {today.year}
    counted = dashboard_rollup_for(world.user("office"), year=today.year, unit_id=None, today=today)
    assert counted is not None and counted[0]["totals"]["items"] == 1
