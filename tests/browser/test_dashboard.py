"""The dashboard in a real browser: ECharts draws every chart from the page's JSON, and a phone gets stacked
charts with tables that scroll inside their own box, never the page sideways.

The page shows the current year: the tests run on 18 November 2026, when the demo's year has items in every
chart (on New Year's Day the new year's dashboard is, rightly, nearly empty)."""

from __future__ import annotations

import pytest

from ducha.devtools.demo.items import demo_items_create
from tests.clock import moment

pytestmark = pytest.mark.time_machine(moment(2026, 11, 18, 10))

CHARTS = ["status", "light", "monthly", "source", "sign", "units"]


@pytest.fixture
def demo_items(world, settings):
    settings.DUCHA_DASHBOARD_CACHE_SECONDS = 0
    return demo_items_create(world, count=80, seed=2026)


def wait_for_charts(page) -> None:
    for chart in CHARTS:
        page.wait_for_selector(f"#chart-{chart} canvas, #chart-{chart} svg", state="attached")


def test_the_dashboard_draws_its_charts(page_for, screenshot, demo_items):
    page = page_for("office")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto("/dashboard/")
    wait_for_charts(page)
    page.wait_for_timeout(600)  # let the entry animation finish before the screenshot

    assert errors == []
    assert page.evaluate("typeof window.echarts") == "object"
    for chart in CHARTS:
        box = page.locator(f"#chart-{chart}").bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 150, chart
    assert page.locator("table.data.units tbody tr").count() >= 3
    screenshot(page, "desktop")


def test_the_dashboard_fits_a_phone(page_for, screenshot, demo_items):
    page = page_for("leader", phone=True)

    page.goto("/dashboard/")
    wait_for_charts(page)
    page.wait_for_timeout(600)

    assert page.evaluate("document.documentElement.scrollWidth") <= page.evaluate("window.innerWidth")
    lefts = {round(page.locator(f"#chart-{chart}").bounding_box()["x"]) for chart in CHARTS}
    assert len(lefts) == 1, "the charts are stacked in one column"
    # The wide tables scroll inside their own box.
    months = page.locator("table.data.months").first
    assert months.evaluate("t => t.parentElement.scrollWidth >= t.parentElement.clientWidth")
    screenshot(page, "phone")


def test_a_unit_user_sees_their_units_dashboard(page_for, screenshot, demo_items):
    page = page_for("fgw")

    page.goto("/dashboard/")
    wait_for_charts(page)

    assert page.locator("select[name=unit]").count() == 0
    assert "县发展和改革局" in page.locator(".dash-badge").inner_text()
    screenshot(page, "unit")
