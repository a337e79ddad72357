"""What the load scenario's users read from the pages, and the names their requests are counted under.

Plain Python (no Django): the locustfile runs in locust's process, which only talks HTTP to the target. The pages
are this project's own markup, so a few exact patterns find what a person would click — the rows of the to-do list
(`<tbody class="todo-item" data-item=… data-section=…>`), the ledger's rows and its next-page link, the dashboard's
drill-down links and unit choices — and a small parser reads a form's fields the way a browser would submit them.
The scenario's test (tests/devtools/test_loadtest.py) runs it against the real pages, so markup that drifts away
from these patterns fails there.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

# --- request names: locust's statistics group by these (one line per kind of page or action) ----------------------
SIGN_IN_PAGE = "sign-in page"
SIGN_IN = "sign in"
TODO = "to-do list"
ITEM = "item page"
SIGN = "sign for"
PROGRESS_FORM = "progress form"
PROGRESS = "report progress"
LEDGER = "ledger"
LEDGER_FILTERED = "ledger, filtered"
LEDGER_NEXT = "ledger, next page"
LEDGER_SEARCH = "ledger, search"
LEDGER_COUNT = "ledger count"
UNIT_OPTIONS = "ledger unit options"
DRILL_DOWN = "ledger, drill-down"
REVIEW = "review"
DASHBOARD = "dashboard"
DASHBOARD_UNIT = "dashboard, one unit"
INBOX = "inbox"
SESSION_STATUS = "session status"

# Every kind a run of the whole mix requests (the test checks each appears).
ALL_KINDS = (
    SIGN_IN_PAGE,
    SIGN_IN,
    TODO,
    ITEM,
    SIGN,
    PROGRESS_FORM,
    PROGRESS,
    LEDGER,
    LEDGER_FILTERED,
    LEDGER_NEXT,
    LEDGER_SEARCH,
    LEDGER_COUNT,
    UNIT_OPTIONS,
    DRILL_DOWN,
    REVIEW,
    DASHBOARD,
    DASHBOARD_UNIT,
    INBOX,
    SESSION_STATUS,
)

# The exit code of a run stopped because the target holds its users back (the second factor, a password to change,
# HTTPS only, a refused sign-in): measuring it would measure the wrong page.
EXIT_TARGET_UNFIT = 3

# The words the office searches the ledger for: common ones, so that the count is a request of its own.
SEARCH_WORDS = ("推进", "改造", "整治", "建设")

# --- where a signed-in request may land instead of the page asked for ----------------------------------------------
LOGIN_PATH = "/login/"
OTP_PATH = "/account/otp/"
PASSWORD_PATH = "/account/password/"
SESSION_STATUS_PATH = "/account/session/status/"

# The to-do list's sections whose rows a unit signs for, and those it reports progress on (ducha.workbench.todo).
SIGN_SECTIONS = frozenset({"sign"})
PROGRESS_SECTIONS = frozenset({"returned", "report_due", "in_hand"})
# The office's review queue on its to-do list.
REVIEW_SECTION = "review"
# Steps of an item's procedure that must be done before its report is accepted (an on-site verification, the
# consolidated report of a complex item: items.services.review.acceptance_refusal). The scenario does not act them
# out, so the office leaves such reports to them.
STEPS_BEFORE_ACCEPTANCE = frozenset({"site_check_required", "is_complex"})


def detour(location: str) -> str | None:
    """Why a signed-in page answered with a redirect to `location`, when it is one of the pages that hold a user
    back: "otp" (the second factor), "password" (a password that must be changed), "login" (the session ended)."""
    path = urlsplit(location).path
    if path.startswith(OTP_PATH):
        return "otp"
    if path.startswith(PASSWORD_PATH):
        return "password"
    if path.startswith(LOGIN_PATH):
        return "login"
    return None


# --- the patterns -------------------------------------------------------------------------------------------------
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_TODO_ROW = re.compile(r'<tbody class="todo-item[^"]*"[^>]*\bdata-item="(\d+)" data-section="([a-z_]+)"')
_ITEM_LINK = re.compile(r'href="/items/(\d+)/"')
_NEXT = re.compile(r'<a href="([^"]+)" id="ledger-next"')
_DRILL = re.compile(r'<a class="drill" href="([^"]+)"')
_COUNT_APART = re.compile(r'id="ledger-count"[^>]*\bhx-get="([^"]+)"')
_DONE = re.compile(r'\bdata-done="([a-z_]+)"')
_ERROR_CODE = re.compile(r'\bdata-error-code="([a-z_]+)"')
_STEP = re.compile(r'\bdata-step="([a-z_]+)"')
_FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.S)
_SELECT = r'<select\b[^>]*\bname="{name}"[^>]*>(.*?)</select>'
_OPTION = re.compile(r'<option value="(\d+)"')


@dataclass(frozen=True)
class TodoRow:
    item_id: int
    section: str


def csrf_token(text: str) -> str | None:
    """The CSRF token the page's forms carry (Django masks it per page; any of them is valid)."""
    match = _CSRF.search(text)
    return match.group(1) if match else None


def todo_rows(text: str) -> list[TodoRow]:
    """The rows of the to-do list, in page order."""
    return [TodoRow(int(item_id), section) for item_id, section in _TODO_ROW.findall(text)]


def item_ids(text: str) -> list[int]:
    """The items the page links to, each once, in page order."""
    return list(dict.fromkeys(int(item_id) for item_id in _ITEM_LINK.findall(text)))


def next_page(text: str) -> str | None:
    """The ledger's next-page link (a keyset cursor), if there is a next page."""
    match = _NEXT.search(text)
    return html.unescape(match.group(1)) if match else None


def drill_links(text: str) -> list[str]:
    """The dashboard's figures that open the ledger on their items, each once."""
    return list(dict.fromkeys(html.unescape(link) for link in _DRILL.findall(text)))


def count_apart(text: str) -> str | None:
    """The ledger page's count, when the page leaves it to a request of its own (a keyword search)."""
    match = _COUNT_APART.search(text)
    return html.unescape(match.group(1)) if match else None


def select_options(text: str, name: str) -> list[int]:
    """The non-empty choices of the page's <select name=…> (the dashboard's units)."""
    match = re.search(_SELECT.format(name=re.escape(name)), text, re.S)
    return [int(value) for value in _OPTION.findall(match.group(1))] if match else []


def done_marker(text: str) -> str | None:
    """The action a to-do row answered as done (`data-done`), if any."""
    match = _DONE.search(text)
    return match.group(1) if match else None


def error_code(text: str) -> str | None:
    """The stable error code a refused action shows beside its form (`data-error-code`), if any."""
    match = _ERROR_CODE.search(text)
    return match.group(1) if match else None


def procedure_steps(text: str) -> set[str]:
    """The steps of the procedure the item page lists for the item (`data-step`)."""
    return set(_STEP.findall(text))


# --- forms --------------------------------------------------------------------------------------------------------
@dataclass
class Form:
    """A form as a browser would submit it: its fields with their current values, the checkboxes one may tick,
    and the submit buttons that carry a value (an outcome, e.g. review-decision=accept)."""

    action: str
    fields: dict[str, str] = field(default_factory=dict)
    checkboxes: list[str] = field(default_factory=list)
    buttons: dict[str, list[str]] = field(default_factory=dict)  # button name → its values

    def submission(self, values: dict[str, str], *, tick: bool = False) -> dict[str, str]:
        """The fields to post: the form's own (hidden ones, the CSRF token, pre-filled text), `values` over them,
        and every checkbox ticked when `tick`."""
        data = dict(self.fields)
        if tick:
            data.update({name: "on" for name in self.checkboxes})
        data.update(values)
        return data


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.form: Form | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        name = attributes.get("name", "")
        if tag == "form" and self.form is None:
            self.form = Form(action=attributes.get("action", ""))
        elif self.form is None:
            return
        elif tag == "input" and name:
            kind = attributes.get("type", "text").lower()
            if kind == "checkbox":
                self.form.checkboxes.append(name)
                if "checked" in attributes:
                    self.form.fields[name] = attributes.get("value") or "on"
            elif kind not in ("submit", "button", "file", "radio"):
                self.form.fields[name] = attributes.get("value", "")
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "button" and name:
            self.form.buttons.setdefault(name, []).append(attributes.get("value", ""))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea is not None and self.form is not None:
            # A browser drops the one newline that may follow <textarea>.
            self.form.fields[self._textarea] = "".join(self._text).removeprefix("\n")
            self._textarea = None


def form_posting_to(text: str, action: str) -> Form | None:
    """The page's form that posts to `action` (e.g. /items/58/act/review/), read as a browser would submit it."""
    marker = f'action="{action}"'
    for match in _FORM.finditer(text):
        opening = match.group(0)[: match.group(0).find(">") + 1]
        if marker in opening:
            parser = _FormParser()
            parser.feed(match.group(0))
            parser.close()
            return parser.form
    return None
