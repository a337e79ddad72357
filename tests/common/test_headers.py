"""Response headers (issue 17, 等保 2.0 level 3): a Content-Security-Policy without 'unsafe-inline' on every page —
so no template may carry inline code —, `Cache-Control: no-store` on everything a signed-in user sees, HSTS over
HTTPS only, and the TLS-terminating proxy's header recognised when configured.

The browser side (no page of the browser suite refused anything, none has inline code once rendered):
tests/browser/test_csp.py and the violation collector in tests/browser/conftest.py."""

from __future__ import annotations

import json
import re
import runpy
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.test import Client

PACKAGE = Path(__file__).resolve().parents[2] / "ducha"
TEMPLATES = PACKAGE / "templates"
SETTINGS_FILE = PACKAGE / "config" / "settings.py"

# --- inline code in the sources ------------------------------------------------------------------------------------
# A <script> element with a body (no src): only JSON data (json_script) is allowed, which the browser never runs.
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*\btype=[\"']application/json[\"'])[^>]*>", re.I)
# An event handler attribute (onclick=, onload=, …) or an htmx handler (hx-on:click=, hx-on::after-request=, …).
HANDLER_ATTRIBUTE = re.compile(
    r"<[a-zA-Z][^<>]*?\s(on[a-z]+|hx-on[-:][\w:.-]*|data-hx-on[-:][\w:.-]*)\s*=", re.I
)
STYLE_ATTRIBUTE = re.compile(r"<[a-zA-Z][^<>]*?\sstyle\s*=", re.I)
STYLE_ELEMENT = re.compile(r"<style\b", re.I)
# A string in Python code that opens a tag: where widgets and views build HTML.
HTML_IN_PYTHON = re.compile(r"[\"'][^\"'\n]*<[a-zA-Z][^\"'\n]*[\"']")


def inline_code_in(text: str) -> list[str]:
    """What a Content-Security-Policy without 'unsafe-inline' would refuse in this HTML (or template) text."""
    found = []
    for pattern, what in (
        (INLINE_SCRIPT, "inline <script>"),
        (HANDLER_ATTRIBUTE, "event handler attribute"),
        (STYLE_ATTRIBUTE, "style attribute"),
        (STYLE_ELEMENT, "<style> element"),
    ):
        for match in pattern.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append(f"line {line}: {what}: {match.group(0)[:80]!r}")
    return found


class _ServedHtml(HTMLParser):
    """The same, parsed as a browser would from a served page (attributes by name, whatever the quoting)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name.lower(): value for name, value in attrs}
        if tag == "script" and "src" not in names and (names.get("type") or "") != "application/json":
            self.found.append(f"inline <script> at line {self.getpos()[0]}")
        if tag == "style":
            self.found.append(f"<style> element at line {self.getpos()[0]}")
        for name in names:
            if name == "style" or re.fullmatch(r"on[a-z]+|(data-)?hx-on[-:].*", name):
                self.found.append(f"<{tag} {name}=…> at line {self.getpos()[0]}")


def inline_code_served(html: str) -> list[str]:
    parser = _ServedHtml()
    parser.feed(html)
    parser.close()
    return parser.found


def test_the_detector_finds_what_the_policy_refuses():
    """Guard for the checks below: each kind of inline code is found, JSON data and external scripts are not."""
    offending = (
        '<script>alert(1)</script>\n<button onclick="go()">\n<div class="x" style="color:red">\n'
        '<style>p{}</style>\n<form hx-on:submit="x()">\n<script type="module">x()</script>'
    )
    assert len(inline_code_in(offending)) == 6
    assert len(inline_code_served(offending)) == 6
    allowed = (
        '<script src="/static/js/ledger.js" defer></script>\n<script type="application/json" id="d">{}</script>\n'
        '<p class="one" data-on="1">the sentence goes on=like this</p><a hx-get="/x" hx-trigger="load">'
    )
    assert inline_code_in(allowed) == []
    assert inline_code_served(allowed) == []


def test_no_template_carries_inline_script_handler_or_style():
    offences = {}
    for template in sorted(TEMPLATES.rglob("*.html")):
        found = inline_code_in(template.read_text(encoding="utf-8"))
        if found:
            offences[str(template.relative_to(TEMPLATES))] = found
    assert offences == {}


def test_no_python_code_builds_html_with_inline_script_handler_or_style():
    """Widgets and views that build HTML in Python (format_html, mark_safe) follow the same rule."""
    offences = {}
    for module in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in module.parts:
            continue
        strings = "\n".join(
            match.group(0) for match in HTML_IN_PYTHON.finditer(module.read_text(encoding="utf-8"))
        )
        found = inline_code_in(strings.replace("\\'", "'").replace('\\"', '"'))
        if found:
            offences[str(module.relative_to(PACKAGE))] = found
    assert offences == {}


# --- Content-Security-Policy -------------------------------------------------------------------------------------


def policy_of(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def assert_strict(policy: dict[str, list[str]]) -> None:
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    everything = [source for sources in policy.values() for source in sources]
    assert "'unsafe-inline'" not in everything
    assert "'unsafe-eval'" not in everything
    assert "*" not in everything


PAGES = [
    (None, "/login/"),
    (None, "/public/"),
    ("office", "/"),
    ("office", "/ledger/"),
    ("office", "/dashboard/"),
    ("office", "/inspections/"),
    ("office", "/evaluation/reports/received/"),
    ("leader", "/dashboard/"),
    ("jyj", "/"),
    ("jyj", "/inbox/"),
    ("admin", "/admin/"),
    ("admin", "/admin/orgs/user/"),
]


@pytest.mark.parametrize(("username", "path"), PAGES, ids=[f"{u or 'anonymous'} {p}" for u, p in PAGES])
def test_every_page_has_a_strict_policy_and_no_inline_code(client, world, username, path):
    if username:
        client.force_login(world.user(username))

    response = client.get(path)

    assert response.status_code == 200
    assert_strict(policy_of(response))
    assert "img-src" in policy_of(response)
    assert inline_code_served(response.content.decode()) == []
    if username and not path.startswith("/admin/"):  # the administration has no htmx
        # htmx reads the first htmx-config only: whichever it is, it injects no style, evaluates nothing and never
        # copies a style attribute while settling a swap (each would be refused under the policy).
        first = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", response.content.decode())
        assert first is not None
        config = json.loads(first.group(1))
        assert config["includeIndicatorStyles"] is False and config["allowEval"] is False
        assert "style" not in config["attributesToSettle"]


def test_the_policy_is_sent_on_errors_and_api_answers_too(client, world):
    client.force_login(world.user("jyj"))

    assert_strict(policy_of(client.get("/items/999999999/")))
    assert_strict(policy_of(client.get("/api/v1/items/")))


def test_the_pdf_may_be_framed_by_its_own_print_page_only(client, world):
    """The one page whose policy differs: the issued PDF (shown in the print page's frame). Without a PDF engine
    it answers with a page saying so, under the same policy."""
    from ducha.documents import services
    from ducha.documents.kinds import KINDS
    from ducha.items.lifecycle import ItemStatus
    from tests.helpers import item_in

    item = item_in(world, ItemStatus.ASSIGNED)
    document = services.document_issue(
        kind=KINDS["supervision_notice"],
        subject=item,
        actor=world.user("office"),
        inputs={"contact_name": "王明", "contact_phone": "0931-1234567"},
    )
    client.force_login(world.user("office"))

    response = client.get(f"/documents/{document.pk}.pdf")
    print_page = client.get(f"/documents/{document.pk}/print/")

    assert response.status_code == 409  # no PDF engine in this test
    assert_strict(policy_of(print_page))
    policy = policy_of(response)
    assert policy["frame-ancestors"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in [source for sources in policy.values() for source in sources]


# --- Cache-Control: no-store ---------------------------------------------------------------------------------------


def assert_not_stored(response) -> None:
    cache_control = {part.strip() for part in response.headers.get("Cache-Control", "").split(",")}
    assert "no-store" in cache_control
    assert "private" in cache_control
    assert "public" not in cache_control
    assert response.headers.get("Pragma") == "no-cache"


@pytest.mark.parametrize(
    "path", ["/", "/ledger/", "/dashboard/", "/inbox/", "/ledger/export.xlsx", "/admin/"]
)
def test_nothing_a_signed_in_user_sees_is_stored(client, world, path):
    client.force_login(world.user("admin" if path.startswith("/admin/") else "office"))

    response = client.get(path)

    assert response.status_code == 200
    assert_not_stored(response)


def test_api_answers_are_not_stored(api, client):
    assert_not_stored(api("office").get("/items/"))
    assert_not_stored(client.get("/api/v1/items/"))  # refused (401): not stored either


@pytest.mark.parametrize("path", ["/login/", "/admin/login/"])
def test_the_sign_in_pages_are_not_stored(client, db, path):
    assert_not_stored(client.get(path))


def test_a_public_page_to_an_anonymous_visitor_keeps_its_own_caching(client, db):
    response = client.get("/public/")

    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    assert "Pragma" not in response.headers


def test_static_files_keep_their_caching_for_a_signed_in_user(settings, world):
    settings.WHITENOISE_USE_FINDERS = True  # read when the client's handler is built, at its first request
    client = Client()
    client.force_login(world.user("office"))

    response = client.get("/static/ducha/ducha.css")

    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    assert "Pragma" not in response.headers


# --- HSTS and the proxy's header ---------------------------------------------------------------------------------

YEAR = 365 * 24 * 3600


@pytest.fixture
def production_transport(settings):
    settings.SECURE_HSTS_SECONDS = YEAR
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.SECURE_SSL_REDIRECT = False
    return settings


def test_hsts_is_sent_over_https(client, db, production_transport):
    response = client.get("/login/", secure=True)

    assert response.headers["Strict-Transport-Security"] == f"max-age={YEAR}; includeSubDomains; preload"


def test_no_hsts_over_plain_http(client, db, production_transport):
    response = client.get("/login/")

    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers


def settings_with(monkeypatch, **environment: str) -> dict:
    """The settings module as it reads under this environment (production: a secret key, no debug)."""
    monkeypatch.setenv("DUCHA_SECRET_KEY", "x" * 64)
    monkeypatch.setenv("DUCHA_DEBUG", "0")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


def test_production_settings_send_hsts_and_redirect_to_https(monkeypatch):
    production = settings_with(monkeypatch)

    assert production["SECURE_HSTS_SECONDS"] >= YEAR
    assert production["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SESSION_COOKIE_SECURE"] is True
    assert production["CSRF_COOKIE_SECURE"] is True
    assert production["SECURE_PROXY_SSL_HEADER"] is None  # trusted only when the deployment names it
    assert_strict(
        {name: list(sources) for name, sources in production["CONTENT_SECURITY_POLICY"]["DIRECTIVES"].items()}
    )


def test_the_proxy_header_is_read_from_the_environment(monkeypatch):
    production = settings_with(monkeypatch, DUCHA_PROXY_SSL_HEADER="X-Forwarded-Proto")

    assert production["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")


def test_behind_the_proxy_a_forwarded_https_request_counts_as_secure(client, db, production_transport):
    production_transport.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    production_transport.SECURE_SSL_REDIRECT = True

    forwarded = client.get("/login/", headers={"X-Forwarded-Proto": "https"})
    plain = client.get("/login/")
    forged_without_proxy_setting = Client(headers={"X-Forwarded-Proto": "https"})

    assert forwarded.status_code == 200
    assert forwarded.headers["Strict-Transport-Security"].startswith(f"max-age={YEAR}")
    assert plain.status_code == 301
    assert plain.headers["Location"] == "https://testserver/login/"
    production_transport.SECURE_PROXY_SSL_HEADER = None
    unconfigured = forged_without_proxy_setting.get("/login/")
    assert unconfigured.status_code == 301  # the header means nothing unless the deployment names it
