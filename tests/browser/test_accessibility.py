"""Accessibility in a real browser, for every demo role: axe-core (installed from npm by `make install`, never
served to users) runs on every page the role reaches, desktop and phone; the skip link reaches 签收 in a few
Tabs; the main pages stay a sane length on a phone.

Run alone: `.venv/bin/pytest -q -p no:cacheprovider tests/browser/test_accessibility.py`.
Skipped where Chromium is absent (tests/browser/conftest.py); FAILS where Chromium is there but axe-core is not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from playwright.sync_api import Error as PlaywrightError

from ducha.devtools.demo.parts import demo_parts
from ducha.items.models import Item
from ducha.items.selectors import scope_q
from ducha.orgs.models import User
from tests.browser.conftest import default_run_only

AXE = Path(settings.NODE_MODULES) / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
# How tall a main page may be on a 390 px phone (document.body.scrollHeight).
PHONE_HEIGHT_LIMIT = 6_000
# The demo's size here: enough items for every account to have work in every stage, small enough for ~90 s.
DEMO_ITEMS = 60
# One account of each kind of user: office2 sees what office sees, county_head what leader sees, cgz what fgw sees
# (a handler), so they add page views and no page.
ROLES = (
    "office",
    "leader",
    "city_office",
    "city_leader",
    "fgw",
    "fgw_head",
    "fgw_liaison",
    "cgz_head",
    "clue_keeper",
    "admin",
)
# Families whose item pages look alike: an item page of each status is checked once per family.
FAMILY = {"office": "office", "city_office": "office", "leader": "leader", "city_leader": "leader"}
# Links never followed: leaving the product's pages, downloads, and actions that change state on GET.
SKIPPED_LINK = re.compile(
    r"^/(api|admin|logout|static|media|captcha)/|export|download|\.(xlsx|pdf|docx|csv)$|/print/|/pdf/|/preview"
)
# A guard against a page that links to endlessly many shapes; the demo's pages link to far fewer (54 shapes in all).
DEEPER_PER_ROLE = 100
PHONE_PAGES = re.compile(r"^/($|ledger/$|inbox/$)")

pytestmark = [
    pytest.mark.filterwarnings("ignore"),
    default_run_only,
]


@dataclass
class Sweep:
    violations: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    heights: dict[str, int] = field(default_factory=dict)
    seen_shapes: set[str] = field(default_factory=set)
    seen_statuses: set[tuple[str, str]] = field(default_factory=set)
    visited: int = 0


def _shape(url: str) -> str:
    """/items/12/ and /items/13/ are the same page for the sweep's purposes: one of each shape is enough."""
    return re.sub(r"\d+", "N", urlsplit(url).path)


def _axe(page, sweep: Sweep, role: str, label: str) -> None:
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated through the DevTools protocol: a <script> tag with its text is an inline script, which the
        # pages' Content-Security-Policy refuses.
        page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => ({id: v.id, impact: v.impact, targets: v.nodes.slice(0, 5).map(n => n.target.join(' ')),
                            count: v.nodes.length}));
        }"""
    )
    for violation in found:
        print(
            f"AXE {role} {label}: {violation['impact']} {violation['id']} at {violation['targets'][:2]}",
            flush=True,
        )
        sweep.violations.append(
            f"{role} {label}: {violation['impact']} {violation['id']} ×{violation['count']} "
            f"at {'; '.join(violation['targets'])}"
        )


def _visit(page, url: str, sweep: Sweep, role: str, *, phone: bool = False) -> list[str]:
    """Open `url`, run axe, return the page's own links (paths)."""
    try:
        response = page.goto(url)
    except PlaywrightError as error:
        if "Download is starting" in str(error):
            return []  # a file, not a page
        raise
    sweep.visited += 1
    print(f"VISIT {role} {url} {'phone' if phone else ''}", flush=True)
    label = f"{url} ({'phone' if phone else 'desktop'})"
    if response is None or response.status >= 400:
        if response is not None and response.status in (403, 404):
            return []  # not this role's page: the product says so; nothing to check
        sweep.errors.append(f"{role} {label}: HTTP {response.status if response else '—'}")
        return []
    _axe(page, sweep, role, label)
    if phone:
        sweep.heights[f"{role} {url}"] = page.evaluate("() => document.body.scrollHeight")
        return []
    return page.eval_on_selector_all(
        "a[href]",
        "links => links.map(a => a.getAttribute('href')).filter(h => h.startsWith('/'))",
    )


def _items_by_status(username: str, seen: set[tuple[str, str]]) -> list[str]:
    """One item page per status the user sees, skipping statuses another account of the same family was shown."""
    user = User.objects.get(username=username)
    family = FAMILY.get(username, "unit")
    first: dict[str, int] = {}
    for pk, status in Item.objects.filter(scope_q(user)).order_by("pk").values_list("pk", "status"):
        if (family, status) not in seen:
            first.setdefault(status, pk)
    seen.update((family, status) for status in first)
    return [f"/items/{pk}/" for pk in first.values()]


@pytest.fixture
def demo(world):
    for part in demo_parts():
        if not part.exists():
            part.create(world, items=DEMO_ITEMS)
    return world


def _require_axe() -> None:
    if not AXE.exists():
        pytest.fail(
            f"axe-core is missing ({AXE}): run `npm ci` (or `make install`) to install it.", pytrace=False
        )


def test_axe_finds_no_serious_violation_on_any_page_of_any_role(chromium, live_server, demo):
    _require_axe()
    sweep = Sweep()
    roles = [r for r in ROLES if User.objects.filter(username=r).exists()]
    assert "office" in roles and "fgw_liaison" in roles

    # the public site, signed out
    context = chromium.new_context(viewport=DESKTOP, locale="zh-CN", base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    for link in _visit(page, "/public/", sweep, "public"):
        path = urlsplit(link).path
        if (
            path.startswith("/public/")
            and not SKIPPED_LINK.search(path)
            and _shape(path) not in sweep.seen_shapes
        ):
            sweep.seen_shapes.add(_shape(path))
            for deeper_link in _visit(page, path, sweep, "public"):
                deeper_path = urlsplit(deeper_link).path
                if deeper_path.startswith("/public/") and _shape(deeper_path) not in sweep.seen_shapes:
                    sweep.seen_shapes.add(_shape(deeper_path))
                    _visit(page, deeper_path, sweep, "public")
    page.goto("/login/")
    _axe(page, sweep, "public", "/login/")
    context.close()

    from ducha.devtools.demo import DEMO_PASSWORD

    for role in roles:
        context = chromium.new_context(viewport=DESKTOP, locale="zh-CN", base_url=live_server.url)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto("/login/")
        page.fill("#id_username", role)
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")

        # every page of the top bar, the role's items (one per status) and the item form, each once per role
        main_pages = list(
            dict.fromkeys(
                [
                    "/",
                    *page.eval_on_selector_all("header a[href]", "as => as.map(a => a.getAttribute('href'))"),
                ]
            )
        )
        main_pages = [u for u in main_pages if u.startswith("/") and not SKIPPED_LINK.search(u)]
        items = _items_by_status(role, sweep.seen_statuses)
        main_pages += [*items, "/items/new/"]
        deeper: list[str] = []
        for url in main_pages:
            for link in _visit(page, url, sweep, role):
                path = urlsplit(link).path
                if SKIPPED_LINK.search(path) or path in main_pages or _shape(path) in sweep.seen_shapes:
                    continue
                sweep.seen_shapes.add(_shape(path))
                deeper.append(path)
        # one page of each other shape the main pages link to (an inspection, a clue, a bulletin …), once for all
        for url in deeper[:DEEPER_PER_ROLE]:
            _visit(page, url, sweep, role)
        # the phone: the main pages again at 390×844
        page.set_viewport_size(PHONE)
        for url in [*(u for u in main_pages if PHONE_PAGES.search(u)), *items[:1]]:
            _visit(page, url, sweep, role, phone=True)
        context.close()

    print(f"\naxe sweep: {sweep.visited} page views over {len(roles)} roles")
    for name, height in sorted(sweep.heights.items(), key=lambda kv: -kv[1])[:12]:
        print(f"  {height:>6} px  {name}")
    assert not sweep.errors, "pages that failed:\n" + "\n".join(sweep.errors)
    assert not sweep.violations, "axe found serious or critical violations:\n" + "\n".join(sweep.violations)
    too_tall = {name: h for name, h in sweep.heights.items() if h > PHONE_HEIGHT_LIMIT}
    assert not too_tall, f"pages taller than {PHONE_HEIGHT_LIMIT} px on a 390 px phone: {too_tall}"


def test_skip_link_then_sign_for_within_three_tabs(page_for, demo):
    _require_axe()
    page = page_for("fgw_liaison")
    assert page.locator("button[data-action=sign]").count() > 0, (
        "the demo gives the liaison something to sign for"
    )
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.get_attribute("href") is not None and skip.get_attribute("class") == "skip-link"
    assert skip.is_visible()  # shown when focused
    page.keyboard.press("Enter")
    for _ in range(3):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.dataset.action") == "sign":
            break
    assert page.evaluate("() => document.activeElement.dataset.action") == "sign"
