"""The dashboard's figures kept in the cache as markup (views/dashboard.py figures_markup, issue 18): the markup is
a function of the figures alone and kept under a hash of them, so a recount that changes a figure is on the next
page load, and two offices with different figures never share markup. On any database."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from ducha.items.lifecycle import ItemStatus
from ducha.workbench.dashboard import dashboard_rollup_rebuild
from ducha.workbench.views import dashboard as dashboard_view
from tests.helpers import item_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_fragments")]


def kpi(html: str, label_position: int) -> str:
    """The value of the key figures' `label_position`th figure (0: items assigned, 1: open, 2: overdue)."""
    values = re.findall(r'<span class="kpi-value">(.*?)</span>', html, re.S)
    return re.sub(r"<[^>]+>", "", values[label_position]).strip()


def test_a_recount_with_new_figures_is_on_the_next_page_load(browser, world):
    item_in(world, ItemStatus.ASSIGNED)
    dashboard_rollup_rebuild(years=[timezone.localdate().year])
    client = browser("office")
    first = client.get("/dashboard/")
    assert first.context["counted_ahead"]
    again = client.get("/dashboard/")
    assert kpi(again.content.decode(), 0) == kpi(first.content.decode(), 0) == "1"

    item_in(world, ItemStatus.ASSIGNED)
    kept = client.get("/dashboard/")  # the summary was counted before: the page says as of when
    dashboard_rollup_rebuild(years=[timezone.localdate().year])
    recounted = client.get("/dashboard/")

    assert kpi(kept.content.decode(), 0) == "1"
    assert kpi(recounted.content.decode(), 0) == "2"


def test_offices_with_different_figures_never_share_markup(browser, world):
    item_in(world, ItemStatus.ASSIGNED, confidentiality="secret")  # the county's own: not the city's
    item_in(world, ItemStatus.ASSIGNED)
    dashboard_rollup_rebuild(years=[timezone.localdate().year])

    county = browser("office").get("/dashboard/").content.decode()
    city = browser("city_office").get("/dashboard/").content.decode()
    county_again = browser("office").get("/dashboard/").content.decode()

    assert kpi(county, 0) == kpi(county_again, 0) == "2"
    assert kpi(city, 0) == "1"


def test_the_markup_is_built_once_for_the_same_figures(world, monkeypatch):
    stats = {"year": 2026, "unit_id": None, "by_status": [], "by_light": [], "monthly": [], "by_source": []}
    built = []
    monkeypatch.setattr(
        dashboard_view, "_render_figures", lambda figures: built.append(figures) or {"kpis": "k"}
    )

    assert dashboard_view.figures_markup(stats)["kpis"] == "k"
    assert dashboard_view.figures_markup(dict(stats))["kpis"] == "k"
    assert dashboard_view.figures_markup({**stats, "year": 2025})["kpis"] == "k"

    assert len(built) == 2  # the same figures once, other figures again
