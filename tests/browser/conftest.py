"""Browser tests: Playwright for Python driving Debian's Chromium against the live test server.

Never downloads a browser: it launches /usr/bin/chromium (installed by `make test` / `.ci/run` as root). Where
Chromium is missing, these tests are skipped with a printed notice. Screenshots go to test-artifacts/.

Every page any test opens is watched for Content-Security-Policy violations (the browser reports each one on the
console: "… violates the following Content Security Policy directive …"): one fails the test that caused it. A
test that provokes one on purpose takes the `csp_violations` fixture and empties it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ducha.devtools.demo import DEMO_PASSWORD
from tests import clock
from tests.clock import environment_without_faketime

CHROMIUM = os.environ.get("DUCHA_CHROMIUM", "/usr/bin/chromium")
# The sweeps over every page of the full demo (accessibility, phone heights) render the same on every date and
# database: they run once per CI, on SQLite at the suite's default instant — not again on PostgreSQL, at the real
# date, at the calendar's edges or under libfaketime.
default_run_only = pytest.mark.skipif(
    os.environ.get("DUCHA_TEST_NOW", "").strip() not in ("", clock.DEFAULT_INSTANT)
    or "postgres" in os.environ.get("DATABASE_URL", ""),
    reason="the page sweeps run on SQLite at the suite's default instant only",
)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# live_server runs Django in a thread while Playwright's sync API holds an event loop in this one.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _calendar_edge_pass() -> bool:
    """CI's passes pinned at the calendar's edges (New Year's Day, a make-up Saturday…) exist for the dates the
    services compute; the browser flows drive those same services and run at the default instant (SQLite and
    PostgreSQL), at the real date and under libfaketime — not a fourth and fifth time (two minutes each)."""
    instant = os.environ.get(clock.ENV, "").strip()
    return instant not in ("", clock.DEFAULT_INSTANT, clock.REAL)


def pytest_collection_modifyitems(config, items):
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM}: browser tests skipped")
    elif _calendar_edge_pass():
        skip = pytest.mark.skip(reason="the browser flows do not run at the calendar-edge instants")
    else:
        return
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(skip)


# --- Content-Security-Policy violations ---------------------------------------------------------------------------
# What the browser refused since the current test began: "<page address>: <console message>".
CSP_VIOLATIONS: list[str] = []


def _watch(page) -> None:
    """Collect the CSP violations the browser reports on this page's console (its frames' included)."""
    if getattr(page, "_ducha_csp_watched", False):
        return
    page._ducha_csp_watched = True

    def on_console(message) -> None:
        if "Content Security Policy" in message.text:
            CSP_VIOLATIONS.append(f"{page.url}: {message.text}")

    page.on("console", on_console)


class _WatchedBrowser:
    """The browser, every page of every context it opens watched (contexts made by the tests themselves too)."""

    def __init__(self, browser) -> None:
        self._browser = browser

    def __getattr__(self, name: str):
        return getattr(self._browser, name)

    def new_context(self, **options):
        context = self._browser.new_context(**options)
        context.on("page", _watch)
        return context

    def new_page(self, **options):
        page = self._browser.new_page(**options)
        _watch(page)
        page.context.on("page", _watch)
        return page


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    CSP_VIOLATIONS.clear()
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    if CSP_VIOLATIONS:
        found = "\n".join(dict.fromkeys(CSP_VIOLATIONS))
        CSP_VIOLATIONS.clear()
        pytest.fail(f"the browser refused content under the Content-Security-Policy:\n{found}", pytrace=False)
    return result


@pytest.fixture
def csp_violations() -> list[str]:
    """The violations collected so far in this test (live): a test that provokes one on purpose empties it."""
    return CSP_VIOLATIONS


@contextmanager
def _without_libfaketime() -> Iterator[None]:
    """The browser keeps the wall clock. CI also runs the suite under libfaketime, whose LD_PRELOAD every child
    inherits; Chromium does not load a page under it. The product's clock is the server's, which keeps the moved
    time; the pages take no date from the browser (cookies carry Max-Age, which does not depend on its clock)."""
    clean = environment_without_faketime()
    # Only what differs is touched (LD_PRELOAD and FAKETIME*): the live server's thread reads the environment too.
    saved = {name: value for name, value in os.environ.items() if clean.get(name) != value}
    for name in saved:
        del os.environ[name]
    os.environ.update({name: clean[name] for name in saved if name in clean})
    try:
        yield
    finally:
        for name in saved:
            os.environ.pop(name, None)
        os.environ.update(saved)


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with _without_libfaketime():
        manager = sync_playwright()
        playwright = manager.__enter__()
    try:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield _WatchedBrowser(browser)
        browser.close()
    finally:
        manager.__exit__(None, None, None)


@pytest.fixture
def page_for(chromium, live_server, world):
    """page_for("office") → a Playwright page signed in as that demo account; page_for("jyj", phone=True) gives
    a 390×844 phone viewport."""
    contexts = []

    def open_as(username: str, *, phone: bool = False):
        viewport = {"width": 390, "height": 844} if phone else {"width": 1366, "height": 900}
        context = chromium.new_context(viewport=viewport, locale="zh-CN", base_url=live_server.url)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto("/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        return page

    yield open_as
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot(request):
    """screenshot(page, "name") saves test-artifacts/<test>-<name>.png."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name: str) -> Path:
        path = ARTIFACTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
