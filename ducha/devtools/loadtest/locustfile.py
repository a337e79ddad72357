"""The load scenario: a county's (or a province's) morning on Ducha, for locust.

    locust -f ducha/devtools/loadtest/locustfile.py --headless --host http://127.0.0.1:8000 \
        --accounts var/load/accounts-demo.json -u 30 -r 3 -t 2m           # or `make load` (docs/benchmarks.md)

Three kinds of people, each signed in once with an account of the accounts file (`ducha load_accounts`) and
keeping its session, with a think time between actions (`--think`, "2-6" seconds; "0" for a benchmark):

- `UnitUser` (weight 10: most of the traffic) — a unit's handler or liaison: the to-do list, an item's page, signing
  for an item waiting on the unit (签收, one click on the to-do list), reporting progress on one in hand (the
  list's inline form, sometimes the item page's), the ledger, the inbox;
- `OfficeUser` (weight 3) — the supervision office: the ledger's first page, its filters, a keyword search (whose
  count the page asks for apart), the next pages by keyset, an item's page, the review queue on its to-do list
  (审核: accepting most reports, returning some to be redone), the dashboard;
- `LeaderUser` (weight 1) — the dashboard, one unit's figures, a figure's drill-down into the ledger, the to-do
  list, an item's page.

Each person starts the morning with one round of all they do (so that even a short run requests every kind of
page), then chooses by the tasks' weights.

Every page a browser loads is followed by the session script's status request, and the ledger's unit options are
fetched once and revalidated after five minutes, as the browser's cache does. Requests are named by the kind of
page or action (ducha.devtools.loadtest.pages), so the statistics read "item page", "ledger", "sign for"…
Weights change with locust's own `--config-users` (e.g. `{"user_class_name": "LeaderUser", "weight": 2}`).

Forms are posted as a browser posts them: the page's CSRF token, its hidden fields, the button pressed. Actions
someone else took first (a colleague of the same unit signed for the item a moment earlier, another officer
reviewed it) are answered by the server with their error code; they are counted and reported at the end, not as
failures. Everything else that is not the expected answer is a failure, and a target that holds its users back —
the second factor (OTP), a password to change, HTTPS only, a refused sign-in — stops the whole run at once with
exit code 3 and the reason: start the target with DUCHA_OTP_REQUIRED_ROLES="" (and over plain HTTP
DUCHA_SECURE_COOKIES=0 DUCHA_SSL_REDIRECT=0), never measure the OTP page instead of the work.
"""

from __future__ import annotations

import logging
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, NoReturn
from urllib.parse import urlencode

import gevent
from locust import FastHttpUser, events, task
from locust.env import Environment

from ducha.devtools.loadtest import pages
from ducha.devtools.loadtest.accounts import AccountPool, AccountsFileError, read_accounts
from ducha.devtools.loadtest.pages import EXIT_TARGET_UNFIT, TodoRow

logger = logging.getLogger("ducha.load")

# Refusals that mean someone else took the action first: the server is right, the page was a few seconds old.
EXPECTED_CONFLICTS = frozenset({"already_signed", "action_not_allowed_in_status"})
UNIT_OPTIONS_MAX_AGE = 300  # seconds: the ledger's unit options are cached by the browser this long
REDIRECTS = frozenset({301, 302, 303, 307, 308})
STOP_DELAY = 1.5  # seconds between a stop for an unfit target and the end of the run (see Person.stop_run)

# The office's filters on the ledger: statuses, lights, urgency, the built-in "overdue", a sort.
LEDGER_FILTERS = (
    "status=in_progress",
    "light=red",
    "light=yellow",
    "status=in_progress&light=red",
    "preset=overdue",
    "urgency=urgent",
    "status=under_review",
    "sort=due&dir=asc",
)
PROGRESS_TEXTS = (
    "已制定工作方案，正在推进。",
    "已完成摸底排查，正在组织实施。",
    "主体工程已完工，正在组织验收。",
    "已召开专题会议研究部署，明确责任人和时间节点。",
    "已完成阶段性任务，下一步加快推进剩余工作。",
)
REVIEW_OPINIONS = {"accept": "材料齐全，同意通过审核。", "return": "佐证材料不足，请补充后重新报送。"}


@dataclass
class Settings:
    """The run's settings, read from locust's options when it starts (events.init)."""

    think_low: float = 2.0
    think_high: float = 6.0
    password: str = ""
    pool: AccountPool | None = None

    def think(self) -> float:
        return random.uniform(self.think_low, self.think_high) if self.think_high > 0 else 0.0


SETTINGS = Settings()
CONFLICTS: Counter[tuple[str, str]] = Counter()
_stopping = False


def parse_think(text: str) -> tuple[float, float]:
    """The think time's bounds in seconds: "2-6" → (2, 6); one number ("0", "1.5") → that, always."""
    low, _, high = text.strip().partition("-")
    bounds = (float(low), float(high or low))
    if bounds[0] < 0 or bounds[1] < bounds[0]:
        raise ValueError(text)
    return bounds


@events.init_command_line_parser.add_listener
def _options(parser: Any) -> None:
    parser.add_argument(
        "--accounts",
        env_var="LOAD_ACCOUNTS",
        default="",
        help="the accounts file written by `ducha load_accounts` (default var/load/accounts-<set>.json)",
    )
    parser.add_argument(
        "--account-set",
        env_var="LOAD_SET",
        default="",
        choices=["", "demo", "bench"],
        help="the account set the file must hold: demo (the demo county) or bench (`ducha gendata`)",
    )
    parser.add_argument(
        "--think",
        env_var="LOAD_THINK",
        default="2-6",
        help='think time between one person\'s actions, in seconds: "MIN-MAX" or one number ("0": none)',
    )
    parser.add_argument(
        "--password",
        env_var="LOAD_PASSWORD",
        default="",
        is_secret=True,
        help="the accounts' password, if not the one in the accounts file",
    )


def _give_up(message: str) -> NoReturn:
    """The run cannot start as asked (options, accounts file): say why and exit 2, as for a wrong option."""
    logger.error("Ducha load: %s", message)
    raise SystemExit(2)


@events.init.add_listener
def _configure(environment: Environment, **_kwargs: Any) -> None:
    options = environment.parsed_options
    if options is None:  # an Environment made in code: the caller sets SETTINGS itself
        return
    try:
        SETTINGS.think_low, SETTINGS.think_high = parse_think(options.think)
    except ValueError:
        _give_up(f"--think must be seconds as MIN-MAX or one number, not {options.think!r}")
    path = options.accounts or f"var/load/accounts-{options.account_set or 'demo'}.json"
    try:
        accounts = read_accounts(path, expected_set=options.account_set)
    except AccountsFileError as error:
        _give_up(str(error))
    SETTINGS.password = options.password or accounts.password
    SETTINGS.pool = AccountPool(accounts)
    for user_class in environment.user_classes:
        persona = getattr(user_class, "persona", "")
        if persona and not SETTINGS.pool.has(persona):
            _give_up(
                f"the accounts file {path} has no account for {user_class.__name__} ({persona}): "
                f"leave it out of the run (name the others on the command line) or write the file again",
            )
    logger.info(
        "Ducha load: %d accounts of the %s set from %s, think time %s s",
        len(accounts.accounts),
        accounts.set,
        path,
        options.think,
    )


@events.quitting.add_listener
def _report_conflicts(environment: Environment, **_kwargs: Any) -> None:
    for (name, code), count in sorted(CONFLICTS.items()):
        logger.info("Ducha load: %d × %r answered %s (someone had done it first)", count, name, code)


def sign_in_refusal(status: int, username: str) -> str:
    """Why the sign-in form's answer (`status`) is not a signed-in session, or "" when it is (the redirect)."""
    if status == 302:
        return ""
    if status == 403:
        return (
            "the sign-in was refused by the CSRF check: over plain HTTP the target must run with "
            "DUCHA_SECURE_COOKIES=0 (a secure cookie is never sent back over http://)"
        )
    if status == 429:
        return f"{username} is locked out after failed sign-ins (the office lifts the lockout)"
    return f"{username} could not sign in (HTTP {status}): a wrong password, or no such account"


@dataclass(frozen=True)
class Reply:
    status: int
    text: str
    location: str


class Person(FastHttpUser):
    """One person at work: signs in once, keeps the session, thinks between actions."""

    abstract = True
    persona: ClassVar[str] = ""
    # Under load a page may take long: it is measured, not abandoned.
    network_timeout = 120.0
    connection_timeout = 30.0

    def wait_time(self) -> float:
        return SETTINGS.think()

    def on_start(self) -> None:
        assert SETTINGS.pool is not None, "the accounts were not read (events.init)"
        self.account = SETTINGS.pool.next(self.persona)
        self.csrf = ""
        self.ledger_items: list[int] = []
        self.next_link: str | None = None
        self.options_etag = ""
        self.options_at = -float(UNIT_OPTIONS_MAX_AGE)
        self.sign_in()
        # The morning starts with one round of everything the person does (so that even a short run requests
        # every kind of page); then the tasks are chosen by their weights.
        for action in self.first_round():
            self.wait()
            action()

    def first_round(self) -> list[Callable[[], None]]:
        return []

    # --- requests ---------------------------------------------------------------------------------------------

    def send(
        self,
        method: str,
        path: str,
        name: str,
        *,
        data: dict[str, str] | None = None,
        htmx: bool = False,
        accept: tuple[int, ...] = (200,),
        headers: dict[str, str] | None = None,
        check: Callable[[Reply], str | None] | None = None,
    ) -> Reply | None:
        """One request, redirects not followed (so a detour to the OTP or password page is seen). Answered with an
        accepted status (and passing `check`, which returns what is wrong or None) it succeeds and is returned;
        an action someone took first is counted apart; anything else is a failure. A detour that holds the user
        back stops the run."""
        sent = dict(headers or {})
        if htmx:
            sent.update({"HX-Request": "true", "HX-Current-URL": f"{self.host}/"})
        body = None
        if data is not None:
            body = urlencode(data)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        unfit = ""
        with self.client.request(
            method, path, name=name, data=body, headers=sent, allow_redirects=False, catch_response=True
        ) as response:
            status = response.status_code
            text = (response.text or "") if status else ""
            found = response.headers or {}
            location = (found.get("HX-Redirect") or found.get("Location") or "").partition("#")[0]
            if status in accept and not (htmx and found.get("HX-Redirect")):
                problem = check(Reply(status, text, location)) if check else None
                if problem is None:
                    response.success()
                    if token := pages.csrf_token(text):
                        self.csrf = token
                    return Reply(status, text, location)
                response.failure(problem)
                return None
            detour = pages.detour(location) if location else None
            code = pages.error_code(text)
            if detour in ("otp", "password"):
                unfit = (
                    f"{self.account.username} ({self.account.role}) is sent to the "
                    + (
                        "second factor (OTP): start the target with DUCHA_OTP_REQUIRED_ROLES=''"
                        if detour == "otp"
                        else "password page (expired or to be changed first): renew the accounts' passwords"
                    )
                    + f" — {method} {path} → {location}"
                )
                response.failure(unfit)
            elif status == 409 and code in EXPECTED_CONFLICTS:
                CONFLICTS[(name, code)] += 1
                response.success()
                return None
            elif detour == "login":
                response.failure(f"signed out: {status} → {location}")
            elif status in REDIRECTS or location:
                response.failure(f"redirected: {status} → {location}")
            else:
                response.failure(f"HTTP {status}" + (f" {code}" if code else ""))
        if unfit:
            self.stop_run(unfit)
        return None

    def page(self, path: str, name: str) -> str | None:
        """A page as a browser loads it: the page, then the session script's status request."""
        reply = self.send("GET", path, name)
        if reply is None:
            return None
        self.send(
            "GET", pages.SESSION_STATUS_PATH, pages.SESSION_STATUS, headers={"Accept": "application/json"}
        )
        return reply.text

    def stop_run(self, reason: str) -> NoReturn:
        """The target is not fit to be measured: end this person and the whole run, exit with EXIT_TARGET_UNFIT.
        The run ends a moment later, once locust's CSV files (written every second) hold the failure."""
        global _stopping
        logger.error("Ducha load stopped: %s", reason)
        self.environment.process_exit_code = EXIT_TARGET_UNFIT
        runner = self.environment.runner
        if not _stopping and runner is not None:
            _stopping = True
            gevent.spawn_later(STOP_DELAY, runner.quit)
        # Ends this person quietly (StopUser raised in on_start would be logged as an error with its traceback).
        raise gevent.GreenletExit()

    # --- signing in -------------------------------------------------------------------------------------------

    def sign_in(self) -> None:
        """The sign-in page, the form posted with its CSRF token, then the page it leads to: the to-do list."""
        refused = ""
        with self.client.get(
            pages.LOGIN_PATH, name=pages.SIGN_IN_PAGE, allow_redirects=False, catch_response=True
        ) as response:
            token = pages.csrf_token(response.text or "") if response.status_code == 200 else None
            if token is None:
                location = (response.headers or {}).get("Location", "")
                refused = (
                    f"the sign-in page redirects to {location}: over plain HTTP start the target with "
                    "DUCHA_SSL_REDIRECT=0 DUCHA_SECURE_COOKIES=0 (or give LOAD_HOST as https://)"
                    if location.startswith("https://")
                    else f"no sign-in form at {pages.LOGIN_PATH} (HTTP {response.status_code})"
                )
                response.failure(refused)
        if token is None:
            self.stop_run(refused)
        form = {
            "csrfmiddlewaretoken": token,
            "username": self.account.username,
            "password": SETTINGS.password,
        }
        with self.client.post(
            pages.LOGIN_PATH,
            name=pages.SIGN_IN,
            data=urlencode({**form, "next": ""}),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            allow_redirects=False,
            catch_response=True,
        ) as response:
            refused = sign_in_refusal(response.status_code, self.account.username)
            if refused:
                response.failure(refused)
        if refused:
            self.stop_run(refused)
        text = self.page("/", pages.TODO)
        if text is not None:
            self.after_sign_in(text)

    def after_sign_in(self, landing: str) -> None:
        """What the person does with the page they land on (the to-do list)."""

    # --- the ledger, shared by the office and the leaders -----------------------------------------------------

    def ledger_page(self, path: str, name: str) -> str | None:
        text = self.page(path, name)
        if text is None:
            return None
        self.ledger_items = pages.item_ids(text) or self.ledger_items
        self.next_link = pages.next_page(text)
        if count := pages.count_apart(text):
            self.send("GET", count, pages.LEDGER_COUNT, htmx=True)
        if time.monotonic() - self.options_at >= UNIT_OPTIONS_MAX_AGE:
            self.unit_options()
        return text

    def unit_options(self) -> None:
        """The unit filters' options, as the browser fetches them once and revalidates them by ETag."""
        headers = {"If-None-Match": self.options_etag} if self.options_etag else {}
        with self.client.get(
            "/ledger/unit-options/",
            name=pages.UNIT_OPTIONS,
            headers={**headers, "HX-Request": "true"},
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code in (200, 304):
                response.success()
                self.options_etag = (response.headers or {}).get("ETag", "") or self.options_etag
                self.options_at = time.monotonic()
            else:
                response.failure(f"HTTP {response.status_code}")

    def item_page(self, item_id: int) -> str | None:
        return self.page(f"/items/{item_id}/", pages.ITEM)


def _done(action: str) -> Callable[[Reply], str | None]:
    def check(reply: Reply) -> str | None:
        marker = pages.done_marker(reply.text)
        return (
            None if marker == action else f"the row did not answer {action} as done ({marker or 'no marker'})"
        )

    return check


def _redirected(reply: Reply) -> str | None:
    return None if reply.location else "no redirect after the action"


class UnitUser(Person):
    """A unit's handler or liaison on the to-do list: signs for what waits, reports on what is in hand."""

    persona = "unit"
    weight = 10

    def on_start(self) -> None:
        self.rows: list[TodoRow] = []
        self.listed: list[int] = []
        self.reports = 0
        super().on_start()

    def after_sign_in(self, landing: str) -> None:
        self.remember(landing)

    def first_round(self) -> list[Callable[[], None]]:
        return [self.sign_for, self.report_progress, self.open_item, self.ledger, self.inbox]

    def remember(self, text: str) -> None:
        self.rows = pages.todo_rows(text)
        self.listed = pages.item_ids(text)

    @task(4)
    def to_do_list(self) -> None:
        text = self.page("/", pages.TODO)
        if text is not None:
            self.remember(text)

    @task(3)
    def open_item(self) -> None:
        candidates = [row.item_id for row in self.rows] or self.listed
        if not candidates:
            self.to_do_list()
            return
        item_id = random.choice(candidates)
        text = self.item_page(item_id)
        # Now and then the progress is written on the item page rather than on the list.
        if text is not None and random.random() < 0.25:
            form = pages.form_posting_to(text, f"/items/{item_id}/act/progress/")
            if form is not None:
                reply = self.send(
                    "POST",
                    form.action,
                    pages.PROGRESS,
                    data=form.submission({"progress-text": self.progress_text()}),
                    accept=(302,),
                    check=_redirected,
                )
                if reply is not None:
                    self.page(reply.location, pages.ITEM)  # the browser follows the redirect

    @task(2)
    def sign_for(self) -> None:
        row = next((row for row in self.rows if row.section in pages.SIGN_SECTIONS), None)
        if row is None:
            self.to_do_list()  # nothing waits to be signed for: look again
            return
        self.rows.remove(row)
        reply = self.send(
            "POST",
            f"/items/{row.item_id}/act/sign/",
            pages.SIGN,
            data={
                "csrfmiddlewaretoken": self.csrf,
                "context": "todo",
                "section": row.section,
                "return_to": "home",
            },
            htmx=True,
            check=_done("sign"),
        )
        if reply is not None:
            self.rows.append(TodoRow(row.item_id, "in_hand"))

    @task(3)
    def report_progress(self) -> None:
        rows = [row for row in self.rows if row.section in pages.PROGRESS_SECTIONS]
        if not rows:
            self.to_do_list()
            return
        row = random.choice(rows)
        action = f"/items/{row.item_id}/act/progress/"
        found: dict[str, pages.Form] = {}

        def has_form(reply: Reply) -> str | None:
            form = pages.form_posting_to(reply.text, action)
            if form is None:
                return "no progress form in the answer"
            found["form"] = form
            return None

        reply = self.send(
            "GET",
            f"/items/{row.item_id}/todo-progress/?section={row.section}",
            pages.PROGRESS_FORM,
            htmx=True,
            check=has_form,
        )
        if reply is None:
            return
        self.send(
            "POST",
            action,
            pages.PROGRESS,
            data=found["form"].submission({"progress-text": self.progress_text()}),
            htmx=True,
            check=_done("progress"),
        )

    @task(1)
    def ledger(self) -> None:
        self.ledger_page("/ledger/", pages.LEDGER)

    @task(1)
    def inbox(self) -> None:
        self.page("/inbox/", pages.INBOX)

    def progress_text(self) -> str:
        self.reports += 1
        return f"{random.choice(PROGRESS_TEXTS)}（第{self.reports}次报送）"


class OfficeUser(Person):
    """The supervision office: the ledger and its filters and pages, items, the review queue, the dashboard."""

    persona = "office"
    weight = 3

    def first_round(self) -> list[Callable[[], None]]:
        return [
            self.review,
            self.ledger_first_page,
            self.ledger_next_page,
            self.open_item,
            self.ledger_filtered,
            self.ledger_search,
            self.dashboard,
        ]

    @task(3)
    def ledger_first_page(self) -> None:
        self.ledger_page("/ledger/", pages.LEDGER)

    @task(2)
    def ledger_filtered(self) -> None:
        self.ledger_page(f"/ledger/?{random.choice(LEDGER_FILTERS)}", pages.LEDGER_FILTERED)

    @task(1)
    def ledger_search(self) -> None:
        self.ledger_page(
            "/ledger/?" + urlencode({"q": random.choice(pages.SEARCH_WORDS)}), pages.LEDGER_SEARCH
        )

    @task(2)
    def ledger_next_page(self) -> None:
        if self.next_link is None:
            self.ledger_first_page()
        else:
            self.ledger_page(self.next_link, pages.LEDGER_NEXT)

    @task(2)
    def open_item(self) -> None:
        if not self.ledger_items:
            self.ledger_first_page()
        if self.ledger_items:
            self.item_page(random.choice(self.ledger_items))

    @task(1)
    def review(self) -> None:
        """The review queue on the to-do list; one report reviewed: most accepted, some returned to be redone.
        A report whose item needs a step of its procedure first (an on-site verification, a consolidated report)
        is left to it: the officer opens it, sees the step and takes the next (up to three)."""
        text = self.page("/", pages.TODO)
        if text is None:
            return
        waiting = [row.item_id for row in pages.todo_rows(text) if row.section == pages.REVIEW_SECTION]
        for item_id in random.sample(waiting, min(len(waiting), 3)):
            page = self.item_page(item_id)
            if page is None or pages.procedure_steps(page) & pages.STEPS_BEFORE_ACCEPTANCE:
                continue
            form = pages.form_posting_to(page, f"/items/{item_id}/act/review/")
            if form is None:  # reviewed by a colleague meanwhile
                continue
            decision = "accept" if random.random() < 0.8 else "return"
            reply = self.send(
                "POST",
                form.action,
                pages.REVIEW,
                data=form.submission(
                    {"review-opinion": REVIEW_OPINIONS[decision], "review-decision": decision}, tick=True
                ),
                accept=(302,),
                check=_redirected,
            )
            if reply is not None:
                self.page(reply.location, pages.ITEM)
            return

    @task(1)
    def dashboard(self) -> None:
        self.page("/dashboard/", pages.DASHBOARD)


class LeaderUser(Person):
    """A leader: the dashboard, one unit's figures, a drill-down into the ledger, the to-do list, an item."""

    persona = "leader"
    weight = 1

    def on_start(self) -> None:
        self.units: list[int] = []
        self.drills: list[str] = []
        super().on_start()

    def first_round(self) -> list[Callable[[], None]]:
        return [self.dashboard, self.dashboard_unit, self.drill_down, self.open_item]

    def remember(self, text: str) -> None:
        self.units = pages.select_options(text, "unit") or self.units
        self.drills = pages.drill_links(text) or self.drills

    @task(3)
    def dashboard(self) -> None:
        text = self.page("/dashboard/", pages.DASHBOARD)
        if text is not None:
            self.remember(text)

    @task(2)
    def dashboard_unit(self) -> None:
        if not self.units:
            self.dashboard()
        if self.units:
            text = self.page(f"/dashboard/?unit={random.choice(self.units)}", pages.DASHBOARD_UNIT)
            if text is not None:
                self.remember(text)

    @task(2)
    def drill_down(self) -> None:
        if not self.drills:
            self.dashboard()
        if self.drills:
            self.ledger_page(random.choice(self.drills), pages.DRILL_DOWN)

    @task(1)
    def to_do_list(self) -> None:
        self.page("/", pages.TODO)

    @task(1)
    def open_item(self) -> None:
        if self.ledger_items:
            self.item_page(random.choice(self.ledger_items))
        else:
            self.drill_down()
