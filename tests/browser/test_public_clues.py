"""The public clue form on a phone with JavaScript turned off: fill it, send it, keep the tracking code, follow the
clue with it — and no page scrolls sideways."""

from __future__ import annotations

import re

import pytest

from ducha.clues.models import Clue, Place
from ducha.devtools.demo.places import VILLAGES
from tests.clock import moment

pytestmark = pytest.mark.time_machine(moment(2026, 11, 18, 10))

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def county(world, settings):
    settings.DUCHA_CLUE_CAPTCHA = False
    settings.DUCHA_CLUE_RATE_PER_SOURCE = "0"
    for code, names in VILLAGES.items():
        for name in names:
            Place.objects.get_or_create(
                township=world.townships[code], name=name, defaults={"government": world.county}
            )
    return world.county


@pytest.fixture
def phone_page(chromium, live_server):
    context = chromium.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        java_script_enabled=False,
        locale="zh-CN",
        base_url=live_server.url,
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def no_sideways_scroll(page) -> None:
    # Evaluated by Playwright through the DevTools protocol, which works with the page's scripts turned off.
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]


def test_a_clue_sent_from_a_phone_without_javascript_is_tracked_by_its_code(
    phone_page, county, world, screenshot
):
    page = phone_page
    page.goto("/public/")  # the only government served: straight to its page
    assert county.name in page.content()
    no_sideways_scroll(page)

    page.click(f"a[href='/public/{county.pk}/clues/new/']")
    page.wait_for_url(re.compile(rf"/public/{county.pk}/clues/new/$"))
    no_sideways_scroll(page)
    page.check("input[name=category][value=conduct]")
    page.select_option("select[name=township]", str(world.townships["cgz"].pk))
    page.select_option("select[name=place]", label="槐树村")
    page.fill("textarea[name=text]", "城关镇槐树村村口的路灯坏了三个月，晚上一片漆黑，村民多次反映没人修。")
    page.check("input[name=identity][value=anonymous]")
    # The honeypot is out of sight (placed off the page, left of it).
    box = page.locator("input[name=website]").bounding_box()
    assert box is not None and box["x"] + box["width"] <= 0
    screenshot(page, "form")
    page.click("button[type=submit]")

    page.wait_for_url(re.compile(r"/clues/sent/[A-Z0-9]+/$"))
    code = page.inner_text("#tracking-code").strip()
    assert re.fullmatch(r"[A-Z0-9]{12}", code)
    assert Clue.objects.filter(code=code, government=county, anonymous=True).exists()
    no_sideways_scroll(page)
    screenshot(page, "sent")

    page.goto("/public/track/")
    page.fill("input[name=code]", code.lower())
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(rf"/public/track/{code}/$"))
    assert page.get_attribute("#progress", "data-progress") == "received"
    assert code in page.content()
    no_sideways_scroll(page)
    screenshot(page, "progress")
