"""The dashboard page (/dashboard/): who sees what, the JSON the charts draw from, filters, the local ECharts file,
and the cache in front of the figures."""

from __future__ import annotations

import json
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ducha.items import services
from ducha.items.lifecycle import ItemStatus
from ducha.workbench.dashboard import dashboard_stats
from tests.helpers import item_in

DATA = re.compile(r'<script id="dashboard-data" type="application/json">(.*?)</script>', re.S)


@pytest.fixture(autouse=True)
def _no_cache(settings):
    settings.DUCHA_DASHBOARD_CACHE_SECONDS = 0
    cache.clear()


@pytest.fixture
def some_items(world):
    return [
        item_in(world, ItemStatus.ASSIGNED),
        item_in(world, ItemStatus.IN_PROGRESS),
        item_in(world, ItemStatus.CLOSED),
    ]


def chart_data(response) -> dict:
    match = DATA.search(response.content.decode())
    assert match, "the page carries no dashboard-data JSON"
    return json.loads(match.group(1))


def as_json(value):
    return json.loads(json.dumps(value))


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    response = client.get("/dashboard/")
    assert response.status_code == 302 and response["Location"] == "/login/?next=/dashboard/"


@pytest.mark.parametrize("username", ["office", "leader"])
def test_the_dashboard_renders_for_the_office_and_leaders(browser, world, some_items, username):
    response = browser(username).get("/dashboard/")

    assert response.status_code == 200
    assert response.templates[0].name == "dashboard/index.html"
    stats = response.context["stats"]
    assert stats["totals"]["items"] == 3 and stats["year"] == timezone.localdate().year
    html = response.content.decode()
    for chart in ("status", "light", "monthly", "source", "sign", "units"):
        assert f'id="chart-{chart}"' in html
    assert "县发展和改革局" in html  # the units table, readable without JavaScript


def test_the_chart_data_matches_the_statistics(browser, world, some_items):
    today = timezone.localdate()

    data = chart_data(browser("office").get("/dashboard/"))

    assert data["stats"] == as_json(dashboard_stats(world.user("office"), year=today.year, today=today))
    assert len(data["text"]["months"]) == 12
    assert set(data["text"]) >= {
        "items",
        "assigned",
        "completed",
        "on_time",
        "on_time_rate",
        "no_data",
        "sign",
    }


def test_the_year_filter(browser, world, some_items):
    client = browser("office")
    last_year = timezone.localdate().year - 1

    response = client.get("/dashboard/", {"year": last_year})

    assert response.context["year"] == last_year
    assert chart_data(response)["stats"]["year"] == last_year
    assert chart_data(response)["stats"]["totals"]["items"] == 0
    assert f'<option value="{last_year}" selected>' in response.content.decode()


def test_the_unit_filter(browser, world, some_items):
    zjj = world.departments["zjj"]
    services.item_create(
        actor=world.user("office"), title="住建局的事项", source_type="other", lead_unit_id=zjj.pk
    )
    jyj = world.departments["jyj"]  # co-unit on every item from the helpers

    for_jyj = browser("office").get("/dashboard/", {"unit": jyj.pk})
    for_zjj = browser("office").get("/dashboard/", {"unit": zjj.pk})

    assert for_jyj.context["unit_id"] == jyj.pk and for_jyj.context["stats"]["totals"]["items"] == 3
    assert for_zjj.context["stats"]["totals"]["items"] == 0  # its item is still a draft
    assert f'<option value="{jyj.pk}" selected>' in for_jyj.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        {"year": "abc"},
        {"year": "-1"},
        {"year": "1800"},
        {"year": "99999999999999999999999"},
        {"year": "2026.5"},
        {"unit": "abc"},
        {"unit": "999999999"},
        {"unit": "99999999999999999999999"},
        {"year": "", "unit": ""},
    ],
)
def test_bad_parameters_fall_back_to_the_defaults(browser, world, query):
    response = browser("office").get("/dashboard/", query)

    assert response.status_code == 200
    assert response.context["year"] == timezone.localdate().year
    assert response.context["unit_id"] is None


def test_a_unit_user_sees_their_own_unit_whatever_they_ask(browser, world, some_items):
    zjj = world.departments["zjj"]

    response = browser("fgw").get("/dashboard/", {"unit": zjj.pk})

    assert response.status_code == 200
    assert response.context["unit_id"] == world.departments["fgw"].pk
    assert response.context["unit_choices"] == []
    assert 'name="unit"' not in response.content.decode()
    assert chart_data(response)["stats"]["totals"]["items"] == 3


def test_a_user_of_another_county_unit_sees_nothing(browser, world, some_items):
    response = browser("zjj").get("/dashboard/")

    assert response.status_code == 200
    assert chart_data(response)["stats"]["totals"]["items"] == 0


def test_echarts_is_served_by_the_app(browser, world):
    html = browser("office").get("/dashboard/").content.decode()

    assert '<script src="/static/vendor/echarts/echarts.min.js" defer></script>' in html
    assert '<script src="/static/ducha/dashboard.js" defer></script>' in html
    # Nothing is loaded from elsewhere: every script and stylesheet address is this site's. (The page also holds a
    # random CSRF token, so a search for "cdn" in the whole text failed by chance now and then.)
    addresses = re.findall(r'<(?:script|link)\b[^>]*\b(?:src|href)="([^"]*)"', html)
    assert addresses and all(
        address.startswith("/") and not address.startswith("//") for address in addresses
    )


def test_echarts_file_is_found_by_the_static_finders(client, world):
    # The path the page refers to is served (DEBUG finders / whitenoise in tests).
    from django.contrib.staticfiles import finders

    assert finders.find("vendor/echarts/echarts.min.js") is not None


def test_without_echarts_the_page_keeps_its_tables_and_says_so(browser, world, some_items, monkeypatch):
    from ducha.workbench.views import dashboard as view

    monkeypatch.setattr(view, "echarts_available", lambda: False)
    response = browser("office").get("/dashboard/")
    html = response.content.decode()

    assert response.status_code == 200
    assert "echarts.min.js" not in html
    assert 'class="notice"' in html and "no-charts" in html
    assert "县发展和改革局" in html


def test_the_page_query_count_does_not_grow_with_items(browser, world):
    client = browser("office")
    item_in(world, ItemStatus.ASSIGNED)
    client.get("/dashboard/")
    with CaptureQueriesContext(connection) as one:
        client.get("/dashboard/")
    for _ in range(4):
        item_in(world, ItemStatus.IN_PROGRESS)
    with CaptureQueriesContext(connection) as five:
        client.get("/dashboard/")

    assert len(one) == len(five)


def test_figures_are_cached_until_an_item_changes(browser, world, settings):
    settings.DUCHA_DASHBOARD_CACHE_SECONDS = 300
    client = browser("office")
    item = item_in(world, ItemStatus.ASSIGNED)

    first = client.get("/dashboard/")
    with CaptureQueriesContext(connection) as again:
        second = client.get("/dashboard/")
    services.item_sign(item_id=item.pk, actor=world.user("fgw"))  # the item row changes
    third = client.get("/dashboard/")

    assert second.context["computed_at"] == first.context["computed_at"]
    assert not any("GROUP BY" in query["sql"] for query in again.captured_queries)
    assert {row["status"]: row["count"] for row in chart_data(first)["stats"]["by_status"]}["assigned"] == 1
    counts = {row["status"]: row["count"] for row in chart_data(third)["stats"]["by_status"]}
    assert counts["assigned"] == 0 and counts["in_progress"] == 1


def test_expensive_figures_are_served_until_they_expire(browser, world, settings, monkeypatch):
    from ducha.workbench import dashboard

    settings.DUCHA_DASHBOARD_CACHE_SECONDS = 300
    monkeypatch.setattr(dashboard, "EXPENSIVE_SECONDS", 0.0)  # every computation counts as expensive
    client = browser("office")
    item = item_in(world, ItemStatus.ASSIGNED)

    first = client.get("/dashboard/")
    services.item_sign(item_id=item.pk, actor=world.user("fgw"))
    second = client.get("/dashboard/")
    cache.clear()  # expired
    third = client.get("/dashboard/")

    assert second.context["computed_at"] == first.context["computed_at"]
    assert chart_data(second)["stats"] == chart_data(first)["stats"]
    assert third.context["computed_at"] > first.context["computed_at"]
    counts = {row["status"]: row["count"] for row in chart_data(third)["stats"]["by_status"]}
    assert counts["in_progress"] == 1


def test_figures_from_the_summary_say_so(browser, world):
    from ducha.workbench.dashboard import dashboard_rollup_rebuild

    item_in(world, ItemStatus.ASSIGNED)
    live = browser("office").get("/dashboard/")
    dashboard_rollup_rebuild(years=[timezone.localdate().year])
    counted = browser("office").get("/dashboard/")

    assert not live.context["counted_ahead"] and counted.context["counted_ahead"]
    assert chart_data(counted)["stats"] == chart_data(live)["stats"]
    assert 'data-counted-ahead="true"' in counted.content.decode()
    assert "预先汇总、定期更新的数据，此后的变动尚未计入" in counted.content.decode()
    assert "预先汇总" not in live.content.decode()
