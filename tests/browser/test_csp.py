"""The Content-Security-Policy in a real browser (issue 17): every page of several roles carries the header, has
no inline script once loaded and no style attribute in the HTML served, and the browser refuses nothing on it (the
collector in conftest.py fails any test of this suite that causes a refusal). The policy does hold: a script put
into a page is refused.

The pages are opened as each role works with them: htmx fragments loaded, a chart's tooltip shown, the API's
documentation drawn by Swagger UI, the administration's lists and forms."""

from __future__ import annotations

import pytest

from ducha.clues.models import Place
from ducha.devtools.demo.items import demo_items_create
from ducha.documents import services
from ducha.documents.kinds import KINDS
from ducha.items.lifecycle import ItemStatus
from tests.clock import moment
from tests.common.test_headers import inline_code_served
from tests.helpers import item_in

pytestmark = pytest.mark.time_machine(moment(2026, 11, 18, 10))

INLINE_SCRIPTS = "document.querySelectorAll(\"script:not([src]):not([type='application/json'])\").length"


def check_page(page, path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.ok, path
    policy = response.headers.get("content-security-policy", "")
    script_src = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert script_src.split() == ["script-src", "'self'"], path
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy, path
    assert inline_code_served(response.text()) == [], path
    page.wait_for_load_state("networkidle")  # htmx's fragments (hx-trigger="load") are in
    assert page.evaluate(INLINE_SCRIPTS) == 0, path


@pytest.fixture
def pages(world):
    item = item_in(world, ItemStatus.IN_PROGRESS, title="推进县城污水管网改造", co_units=("jyj",))
    office = world.user("office")
    return {
        "office": [
            "/",
            "/ledger/",
            "/ledger/import/",
            f"/items/{item.pk}/",
            "/items/new/",
            "/sources/",
            "/inspections/",
            "/inspections/burden/",
            "/evaluation/ledgers/",
            "/evaluation/reports/received/",
            "/accountability/",
            "/clues/",
            "/documents/bulletins/",
            "/documents/batches/",
            "/calendar/",
            "/inbox/",
        ],
        "leader": ["/", "/ledger/", "/inspections/"],
        "jyj": ["/", "/ledger/", f"/items/{item.pk}/", "/inbox/", "/evaluation/ledgers/"],
        "admin": ["/", "/admin/", "/admin/orgs/user/", f"/admin/orgs/user/{office.pk}/change/", "/audit/"],
    }


@pytest.mark.parametrize("role", ["office", "leader", "jyj", "admin"])
def test_no_page_of_a_role_has_inline_code_or_is_refused_anything(page_for, pages, role):
    page = page_for(role)
    for path in pages[role]:
        check_page(page, path)


def test_the_public_pages_and_the_sign_in_page(chromium, live_server, world, settings):
    settings.DUCHA_CLUE_CAPTCHA = True  # its picture is an image from this site
    county = world.county
    Place.objects.get_or_create(
        township=world.townships["cgz"], name="城东村", defaults={"government": county}
    )
    context = chromium.new_context(base_url=live_server.url, locale="zh-CN")
    try:
        page = context.new_page()
        for path in [
            "/login/",
            "/admin/login/",
            "/public/",
            "/public/track/",
            f"/public/{county.pk}/clues/new/",
        ]:
            check_page(page, path)
        assert (
            page.evaluate("document.querySelector('img.captcha, img[src*=\"/captcha/\"]').naturalWidth") > 0
        )
    finally:
        context.close()


def test_the_dashboard_and_its_tooltips(page_for, world, settings):
    """ECharts draws through the CSSOM (allowed); its tooltips are drawn on the canvas, not as HTML with style
    attributes (refused: the collector would fail this test)."""
    settings.DUCHA_DASHBOARD_CACHE_SECONDS = 0
    demo_items_create(world, count=40, seed=2026)
    page = page_for("office")
    check_page(page, "/dashboard/")
    if page.evaluate("typeof window.echarts") != "object":
        pytest.skip("the chart library is not installed")
    for chart in ("status", "light", "monthly", "units"):
        page.wait_for_selector(f"#chart-{chart} canvas", state="attached")
    page.wait_for_timeout(600)  # the entry animation
    for chart in ("status", "light", "monthly", "units"):
        box = page.locator(f"#chart-{chart}").bounding_box()
        assert box is not None
        for x, y in ((0.5, 0.7), (0.3, 0.5), (0.6, 0.4), (0.5, 0.45)):
            page.mouse.move(box["x"] + box["width"] * x, box["y"] + box["height"] * y)
            page.wait_for_timeout(150)
    shown = page.evaluate(
        "['status', 'light', 'monthly', 'units'].some(id => "
        "echarts.getInstanceByDom(document.getElementById('chart-' + id)).getOption().tooltip[0].renderMode"
        " === 'richText')"
    )
    assert shown


def test_the_api_documentation(page_for):
    page = page_for("admin")
    response = page.goto("/api/v1/docs")
    assert response is not None and response.ok
    page.wait_for_selector("#swagger-ui .opblock-tag", state="attached", timeout=30_000)
    page.wait_for_timeout(500)
    assert page.evaluate(INLINE_SCRIPTS) == 0


def test_a_script_put_into_a_page_is_refused(page_for, csp_violations):
    """The policy holds (and the collector sees it): code injected as an inline script does not run."""
    page = page_for("office")
    page.goto("/ledger/")

    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.injected = true";
            document.body.append(script);
            const div = document.createElement("div");
            div.innerHTML = '<img src="x" onerror="window.injected = true">';
            document.body.append(div);
        }"""
    )
    page.wait_for_timeout(300)

    assert page.evaluate("window.injected === undefined")
    assert any("script" in violation for violation in csp_violations)
    csp_violations.clear()  # provoked on purpose


def test_the_print_page_frames_its_pdf_and_prints_it(page_for, world, pdf_engine):
    """The one framed page: the issued PDF inside its print page (frame-ancestors 'self' for that view alone; a
    refusal to frame it would be collected), printed by the page's script once shown."""
    item = item_in(world, ItemStatus.ASSIGNED)
    document = services.document_issue(
        kind=KINDS["supervision_notice"],
        subject=item,
        actor=world.user("office"),
        inputs={"contact_name": "王明", "contact_phone": "0931-1234567"},
    )
    page = page_for("office")
    # Headless Chromium crashes on a real print of a PDF: every frame's print() only counts its calls.
    page.add_init_script("window.print = function () { window.printed = (window.printed || 0) + 1; };")

    with page.expect_response(
        lambda response: response.url.endswith(f"/documents/{document.pk}.pdf")
    ) as framed:
        check_page(page, f"/documents/{document.pk}/print/")
    page.wait_for_timeout(1000)

    pdf = framed.value
    assert pdf.ok and pdf.header_value("content-type") == "application/pdf"
    assert "frame-ancestors 'self'" in (pdf.header_value("content-security-policy") or "")
    frames = [frame for frame in page.frames if frame.url.endswith(f"/documents/{document.pk}.pdf")]
    assert frames
    printed = [frame.evaluate("window.printed || 0") for frame in frames] + [
        page.evaluate("window.printed || 0")
    ]
    assert sum(printed) == 1
