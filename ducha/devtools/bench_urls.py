"""Every URL at a million items (issue 19): each page of the workbench and each GET operation of the API, measured
as the provincial office.

`plan()` walks the URL resolver — every pattern of the site, the workbench (ducha/workbench/urls.py and what it
includes), the sign-in pages, the probes, the captcha and the API — and decides for each pattern one of three
things, so that no pattern is silently dropped:

- **measured**: its address, with every path parameter filled with a real id the office may see on this database
  (an item, a unit, a report, a document, an inspection, a clue, … found with queries);
- **skipped**, with the reason: a parameter no row of this database can fill (no evidence uploaded yet, …);
- **excluded**, with the reason: not something a person waits on with a GET — the view answers POST only (read from
  the view's `require_http_methods`), an API operation that writes, a download that is a background job (the ledger's
  export and imports, issue 19 parts A and C), signing out, the Django admin, the public captcha.

The API's GET operations are the ninja routes whose operation answers GET (the same list as its OpenAPI schema);
their required query parameters are filled too, or the operation is skipped with the reason.

`run()` signs in as the office (the newest `bench_office_<id>` of `ducha gendata` by default, as `ducha bench` and
`ducha bench_http` do) and requests each measured URL through Django's test client, in-process (the full middleware
and view stack, no network and no server: the figures are the server's time, not a browser's), once to warm up (kept
as the "first" figure: a fresh process's first request pays for templates, caches and connections) and then `runs`
times; p50/p95/p99/max per URL, slowest first, and the URLs over the limit (p99 above `limit_ms`). A response of 500
or more is a failure. Streamed responses are read to their end (at most STREAM_LIMIT bytes).
"""

from __future__ import annotations

import datetime
import functools
import re
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Model, Q
from django.test import Client
from django.test.utils import override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from ducha.orgs.models import Unit, User

MEASURED, SKIPPED, EXCLUDED = "measured", "skipped", "excluded"
STREAM_LIMIT = 20 * 1024 * 1024
API_PREFIX = "api/v1/"

BACKGROUND_JOB = "background job (issue 19, part A/C)"
# Patterns left out on purpose, by URL name, with the reason (what the view answers to POST only is found from the
# view itself, see `_view_methods`).
EXCLUDED_NAMES: dict[str, str] = {
    "ledger-export": BACKGROUND_JOB,
    "ledger-import": BACKGROUND_JOB,
    "ledger-import-confirm": BACKGROUND_JOB,
    "ledger-import-cancel": BACKGROUND_JOB,
    "ledger-import-template": BACKGROUND_JOB,
    "api-v1:export_detail": BACKGROUND_JOB,  # the ledger's export through the API (a job and its file)
    "api-v1:export_file": BACKGROUND_JOB,
    "logout": "signs the session out (POST only)",
    "captcha-image": "the public form's picture code (django-simple-captcha): a key lives for minutes, not a page",
    "captcha-image-2x": "the public form's picture code (django-simple-captcha): a key lives for minutes, not a page",
    "captcha-audio": "the public form's picture code read aloud: needs a live key and a speech engine",
    "captcha-refresh": "writes a new picture code on every GET (the public form's)",
}
EXCLUDED_PREFIXES: dict[str, str] = {
    "admin/": "the Django admin (master data for the administrator), not a workbench page",
}


@dataclass
class Planned:
    """One resolver pattern (or one API operation) and what the bench does with it."""

    pattern: str  # the route as the resolver holds it
    name: str  # the URL name (namespaced); for the API, `api-v1:<operation>`
    status: str  # MEASURED, SKIPPED or EXCLUDED
    url: str = ""  # the address requested (MEASURED)
    reason: str = ""  # SKIPPED or EXCLUDED: why

    @property
    def label(self) -> str:
        return f"{self.pattern} ({self.name})"


@dataclass
class Measured:
    planned: Planned
    first_ms: float
    samples: list[float] = field(default_factory=list)
    statuses: set[int] = field(default_factory=set)
    size: int = 0
    error: str = ""  # a server error's exception

    def percentile(self, share: float) -> float:
        ordered = sorted(self.samples)
        index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
        return ordered[index]

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        return self.percentile(0.95)

    @property
    def p99(self) -> float:
        return self.percentile(0.99)

    @property
    def worst(self) -> float:
        return max(self.samples)

    @property
    def failed(self) -> bool:
        """A server error: an exception (500). Other 5xx are answers by design (/readyz says 503 when the database
        is behind the code or a worker is missing)."""
        return 500 in self.statuses or bool(self.error)


# --- the patterns -------------------------------------------------------------------------------------------------


def _walk(
    patterns: list[Any], prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = namespace + (f"{entry.namespace}:" if entry.namespace else "")
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        else:
            yield prefix + str(entry.pattern), namespace + (entry.name or ""), entry


def resolver_patterns() -> list[tuple[str, str, URLPattern]]:
    """Every pattern of the site: (route, namespaced name, pattern)."""
    return list(_walk(get_resolver().url_patterns))


def _view_methods(view: Any) -> list[str] | None:
    """The HTTP methods a view answers, when it says (Django's `require_http_methods` and its shortcuts keep the
    list in their closure; a class-based view has its handlers); None when it takes any method."""
    seen: set[int] = set()
    while view is not None and id(view) not in seen:
        seen.add(id(view))
        view_class = getattr(view, "view_class", None)
        if view_class is not None:
            return [name.upper() for name in view_class.http_method_names if hasattr(view_class, name)]
        for cell in getattr(view, "__closure__", None) or ():
            try:
                value = cell.cell_contents
            except ValueError:
                continue
            if isinstance(value, list) and value and all(isinstance(x, str) and x.isupper() for x in value):
                return list(value)
        view = getattr(view, "__wrapped__", None)
    return None


def _api_operation(pattern: URLPattern) -> Any | None:
    """The ninja operation a resolver pattern of the API stands for (its PathView holds every method of the
    route; the pattern's name is its operation's)."""
    for cell in getattr(pattern.callback, "__closure__", None) or ():
        path_view = cell.cell_contents
        for operation in getattr(path_view, "operations", None) or ():
            name = getattr(operation, "url_name", None) or operation.view_func.__name__
            if name == pattern.name:
                return operation
    return None


# --- the ids the office may see -------------------------------------------------------------------------------


class Ids:
    """Real rows of this database in the office's view, found once each (None: none here)."""

    def __init__(self, user: User) -> None:
        self.user = user
        assert user.unit is not None and user.unit.government is not None
        self.government: Unit = user.unit.government
        self.today = timezone.localdate()
        self._found: dict[str, Any] = {}

    def _within(self, prefix: str = "government") -> Q:
        """Rows of a government in the office's tree."""
        return Q(**{f"{prefix}__path__startswith": self.government.path})

    def _one(self, key: str, find: Callable[[], Any]) -> Any:
        if key not in self._found:
            self._found[key] = find()
        return self._found[key]

    @staticmethod
    def _spread(queryset: Any) -> Any:
        """A row from the middle of the id range (not the first rows a generator wrote, nor the newest)."""
        bounds = queryset.order_by("id").values_list("id", flat=True)
        first, last = bounds.first(), bounds.order_by("-id").first()
        if first is None:
            return None
        return (
            queryset.filter(id__gte=(first + last) // 2).order_by("id").values_list("id", flat=True).first()
        )

    def item(self) -> int | None:
        from ducha.devtools.bench_http import sample_items

        def find() -> int | None:
            try:
                chosen = sample_items(self.user, 1)
            except RuntimeError:  # no item at all
                return None
            return chosen[0].pk if chosen else None

        return self._one("item", find)

    def of(self, model: type[Model], *, where: Q | None = None, spread: bool = False) -> int | None:
        """The id of a `model` row in the office's view: its government (or its item's, its inspection's, …) in
        the office's tree — the office's own government's rows first (a ledger, a sanction, a clue are seen by the
        office of their own government only)."""
        names = {f.name for f in model._meta.get_fields()}
        if "government" in names:
            own = model._default_manager.filter(government=self.government)  # type: ignore[attr-defined]
            scope = Q(government=self.government) if own.exists() else self._within()
        elif "item" in names:
            scope = self._within("item__government")
        elif "inspection" in names:
            scope = self._within("inspection__government")
        elif "clue" in names:
            scope = self._within("clue__government")
        else:
            scope = Q()
        queryset = model._default_manager.filter(scope & (where or Q()))  # type: ignore[attr-defined]
        key = f"{model._meta.label}:{where}:{spread}"
        if spread:
            return self._one(key, lambda: self._spread(queryset))
        return self._one(key, lambda: queryset.order_by("-id").values_list("id", flat=True).first())

    def pair(self, model: type[Model], parent: str, *, where: Q | None = None) -> tuple[int, int] | None:
        """(parent id, id) of a `model` row whose `parent` is in the office's view."""
        queryset = model._default_manager.filter(  # type: ignore[attr-defined]
            self._within(f"{parent}__government") & (where or Q())
        )
        return self._one(
            f"{model._meta.label}:{parent}:{where}",
            lambda: queryset.order_by("-id").values_list(f"{parent}_id", "id").first(),
        )


Filled = dict[str, Any] | str  # the path's parameters, or why they cannot be filled


def _document_kind(subject_type: str) -> str:
    from ducha.documents.kinds import kinds_for

    kinds = kinds_for(subject_type)
    return kinds[0].name if kinds else ""


def fill(route: str, name: str, parameters: list[str], ids: Ids) -> Filled:
    """The values of a pattern's path parameters, or the reason they cannot be filled."""
    from ducha.accountability.models import Bulletin, Commendation, Proposal, Sanction
    from ducha.clues.models import Brief as ClueBrief
    from ducha.clues.models import Case, Clue, CluePhoto, EarlyWarning
    from ducha.documents.models import Document, DocumentBatch
    from ducha.evaluation.models import LedgerYear, PeriodReport, Score
    from ducha.inspections.models import AnnualPlan, EvidenceUse, Inspection
    from ducha.items.models import Attachment, SourceRecord
    from ducha.jobs.models import Job
    from ducha.reminders.models import Message

    values: dict[str, Any] = {}
    wanted = set(parameters)
    # Two ids that belong together.
    if {"item_id", "attachment_id"} <= wanted:
        found = ids.pair(Attachment, "item")
        if found is None:
            return "no attachment on an item in the office's view"
        values["item_id"], values["attachment_id"] = found
    if {"inspection_id", "evidence_id"} <= wanted:
        found = ids.pair(EvidenceUse, "inspection")
        if found is None:
            return "no evidence on an inspection in the office's view"
        values["inspection_id"], values["evidence_id"] = found
    subject = ""
    if "subject_id" in wanted:
        subject = next(
            (kind for kind in ("item", "inspection", "plan", "government") if name.endswith(kind)), ""
        )
    if "kind" in wanted:
        subject = subject or next(
            (kind for kind, part in (("item", "items/"), ("inspection", "inspections/{"), ("plan", "plans/"))
             if part in route.replace("<", "{")),
            "government",
        )  # fmt: skip
        if "plans/" in route:
            subject = "plan"
        kind = _document_kind(subject)
        if not kind:
            return f"no document kind for a {subject}"
        values["kind"] = kind
    finders: dict[str, Callable[[], Any]] = {
        "item_id": ids.item,
        "inspection_id": lambda: ids.of(Inspection, spread=True),
        "source_record_id": lambda: ids.of(SourceRecord, spread=True),
        "document_id": lambda: ids.of(Document),
        "batch_id": lambda: ids.of(DocumentBatch),
        "ledger_id": lambda: ids.of(LedgerYear),
        # a report submitted to the office's government (one can never be its own at the top), else any in view
        "report_id": lambda: ids.of(PeriodReport, where=Q(recipient=ids.government)) or ids.of(PeriodReport),
        "message_id": lambda: ids._one(
            "message",
            lambda: (
                Message.objects.filter(recipient=ids.user)
                .order_by("-id")
                .values_list("id", flat=True)
                .first()
            ),
        ),
        "unit_id": lambda: ids._one(
            "score-unit",
            lambda: (
                Score.objects.filter(run__government=ids.government)
                .order_by("-run_id", "id")
                .values_list("unit_id", flat=True)
                .first()
            ),
        ),
        "case_id": lambda: ids.of(Case, spread=True),
        "clue_id": lambda: ids.of(Clue, spread=True),
        "photo_id": lambda: ids.of(CluePhoto),
        "brief_id": lambda: ids.of(ClueBrief),
        "warning_id": lambda: ids.of(EarlyWarning),
        "job_id": lambda: ids._one(
            "job",
            lambda: Job.objects.filter(owner=ids.user).order_by("-id").values_list("id", flat=True).first(),
        ),
        "government_id": lambda: ids.government.pk,
        "year": lambda: ids.today.year,
        "code": lambda: ids._one(
            "clue-code",
            lambda: Clue.objects.filter(ids._within()).order_by("-id").values_list("code", flat=True).first(),
        ),
    }
    for model, parameter in (
        (Sanction, "sanction_id"),
        (Bulletin, "bulletin_id"),
        (Commendation, "commendation_id"),
        (Proposal, "proposal_id"),
    ):
        finders[parameter] = functools.partial(ids.of, model)
    if subject:
        finders["subject_id"] = {
            "item": ids.item,
            "inspection": finders["inspection_id"],
            "plan": lambda: ids._one(
                "plan",
                lambda: (
                    AnnualPlan.objects.filter(government=ids.government)
                    .order_by("-year")
                    .values_list("id", flat=True)
                    .first()
                ),
            ),
            "government": lambda: ids.government.pk,
        }[subject]
        if "plans/" in route and API_PREFIX in route:
            finders["year"] = lambda: ids._one(
                "plan-year",
                lambda: (
                    AnnualPlan.objects.filter(government=ids.government)
                    .order_by("-year")
                    .values_list("year", flat=True)
                    .first()
                ),
            )
    for parameter in parameters:
        if parameter in values:
            continue
        finder = finders.get(parameter)
        if finder is None:
            return f"no rule to fill <{parameter}>"
        value = finder()
        if value is None:
            return f"no row for <{parameter}> in the office's view on this database"
        values[parameter] = value
    return values


# --- the plan -------------------------------------------------------------------------------------------------

PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>|\(\?P<(?P<regex_name>\w+)>[^)]*\)")


def _parameters(route: str) -> list[str]:
    return [match.group("name") or match.group("regex_name") for match in PARAMETER.finditer(route)]


def _address(route: str, values: dict[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        return str(values[match.group("name") or match.group("regex_name")])

    return "/" + PARAMETER.sub(value, route).replace("^", "").replace("$", "")


# Required query parameters of GET operations and pages, filled with a value that means something here.
QUERY_VALUES: dict[str, Callable[[Ids], Any]] = {
    "year": lambda ids: ids.today.year,
    "q": lambda ids: "路",
    "unit": lambda ids: ids.user.unit_id,
    "government_id": lambda ids: ids.government.pk,
    "text": lambda ids: "道路",
}


@functools.cache
def _api_get_queries() -> dict[str, list[str]]:
    """The required query parameters of every GET operation of the API, by its path in the OpenAPI schema."""
    from ducha.api.urls import api

    schema = api.get_openapi_schema()
    return {
        path: [
            p["name"] for p in ops["get"].get("parameters", []) if p["in"] == "query" and p.get("required")
        ]
        for path, ops in schema["paths"].items()
        if "get" in ops
    }


def _api_query(route: str, ids: Ids) -> str | dict[str, Any]:
    """The required query parameters of the API's GET operation at `route`, filled, or why they cannot be."""
    path = "/" + re.sub(r"<(?:[^>:]+:)?([^>]+)>", r"{\1}", route)
    values: dict[str, Any] = {}
    for name in _api_get_queries().get(path, []):
        if name not in QUERY_VALUES:
            return f"required query parameter {name!r} has no value here"
        values[name] = QUERY_VALUES[name](ids)
    return values


def plan(user: User) -> list[Planned]:
    """Every resolver pattern of the site, each measured, skipped or excluded (see the module's docstring)."""
    from urllib.parse import urlencode

    ids = Ids(user)
    planned: list[Planned] = []
    for route, name, pattern in resolver_patterns():
        prefix = next((p for p in EXCLUDED_PREFIXES if route.startswith(p)), None)
        if prefix is not None:
            planned.append(Planned(route, name, EXCLUDED, reason=EXCLUDED_PREFIXES[prefix]))
            continue
        if name in EXCLUDED_NAMES:
            planned.append(Planned(route, name, EXCLUDED, reason=EXCLUDED_NAMES[name]))
            continue
        query: str | dict[str, Any] = {}
        operation = _api_operation(pattern) if route.startswith(API_PREFIX) else None
        if operation is not None:
            methods = list(operation.methods)
            if "GET" not in methods:
                planned.append(
                    Planned(
                        route, name, EXCLUDED, reason=f"an API operation that writes ({', '.join(methods)})"
                    )
                )
                continue
            query = _api_query(route, ids)
        else:
            methods = _view_methods(pattern.callback) or ["GET"]
            if "GET" not in methods:
                planned.append(Planned(route, name, EXCLUDED, reason=f"{'/'.join(methods)} only: a write"))
                continue
        if isinstance(query, str):
            planned.append(Planned(route, name, SKIPPED, reason=query))
            continue
        filled = fill(route, name, _parameters(route), ids)
        if isinstance(filled, str):
            planned.append(Planned(route, name, SKIPPED, reason=filled))
            continue
        url = _address(route, filled)
        if query:
            url += "?" + urlencode(query)
        planned.append(Planned(route, name, MEASURED, url=url))
    return planned


# --- measuring --------------------------------------------------------------------------------------------------


def office_user(username: str = "", prefix: str = "bench_office_") -> User:
    """The account measured: `username`, else the newest `bench_office_<id>` of `ducha gendata`."""
    from ducha.devtools.bench import bench_user

    if username:
        user = User.objects.select_related("unit__government").filter(username=username).first()
        if user is None:
            raise RuntimeError(f"no account {username!r}")
        return user
    found = bench_user(prefix)
    return User.objects.select_related("unit__government").get(pk=found.pk)


def _request(client: Client, url: str) -> tuple[float, int, int, str]:
    """One GET: milliseconds until the whole body was read, the status, the body's size and, for a server error,
    the exception's last line."""
    started = time.perf_counter()
    response = client.get(url, secure=True)
    error = ""
    if response.status_code >= 500 and getattr(response, "exc_info", None):
        exception = response.exc_info[1]  # type: ignore[attr-defined]
        error = (
            f"{type(exception).__name__}: {str(exception).strip().splitlines()[0] if str(exception) else ''}"
        )
    size = 0
    if getattr(response, "streaming", False):
        for chunk in response.streaming_content:  # type: ignore[attr-defined]
            size += len(chunk)
            if size > STREAM_LIMIT:
                break
        response.close()
    else:
        size = len(response.content)
    return (time.perf_counter() - started) * 1000, response.status_code, size, error


def measure(
    planned: list[Planned], user: User, *, runs: int, write: Callable[[str], None] = lambda line: None
) -> list[Measured]:
    """Each measured URL once to warm up, then `runs` times, as `user` (signed in once, in-process)."""
    # Production settings but for what an in-process client cannot give: the office's second factor (a flag in the
    # session, not measured here), and the redirect of plain HTTP (the client asks over HTTPS).
    with override_settings(DUCHA_OTP_REQUIRED_ROLES=[], DUCHA_PASSWORD_MAX_AGE_DAYS=0):
        # A view's exception is a 500 in the table (with its message), not the end of the run.
        client = Client(raise_request_exception=False, HTTP_HOST=_host())
        client.force_login(user)
        results = []
        for entry in planned:
            if entry.status != MEASURED:
                continue
            first, status, size, error = _request(client, entry.url)
            taken = Measured(entry, first_ms=first, statuses={status}, size=size, error=error)
            for _run in range(runs):
                elapsed, status, size, error = _request(client, entry.url)
                taken.samples.append(elapsed)
                taken.statuses.add(status)
                taken.error = taken.error or error
            results.append(taken)
            write(f"  {taken.p99:>8.0f} ms p99  {'/'.join(map(str, sorted(taken.statuses)))}  {entry.url}")
    return results


def _host() -> str:
    hosts = [host for host in settings.ALLOWED_HOSTS if host and "*" not in host and not host.startswith(".")]
    return "127.0.0.1" if "127.0.0.1" in hosts or not hosts else hosts[0]


# --- the report ----------------------------------------------------------------------------------------------------


def slowest_first(results: list[Measured]) -> list[Measured]:
    return sorted(results, key=lambda taken: (taken.p99, taken.worst), reverse=True)


def over_limit(results: list[Measured], limit_ms: float) -> list[Measured]:
    return [taken for taken in slowest_first(results) if taken.p99 > limit_ms]


def results_table(results: list[Measured], *, top: int | None = None) -> str:
    lines = [
        "| URL | pattern | status | first ms | p50 ms | p95 ms | p99 ms | max ms | bytes |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for taken in slowest_first(results)[:top]:
        lines.append(
            f"| `{taken.planned.url}` | {taken.planned.name} | {'/'.join(map(str, sorted(taken.statuses)))} | "
            f"{taken.first_ms:.0f} | {taken.p50:.0f} | {taken.p95:.0f} | {taken.p99:.0f} | {taken.worst:.0f} | "
            f"{taken.size} |"
        )
    return "\n".join(lines)


def others_table(planned: list[Planned], status: str) -> str:
    chosen = [entry for entry in planned if entry.status == status]
    # The admin's hundreds of patterns share one reason: one line for all of them.
    lines, admin = [], [entry for entry in chosen if entry.reason == EXCLUDED_PREFIXES["admin/"]]
    if admin:
        lines.append(f"- `admin/…` ({len(admin)} patterns): {admin[0].reason}")
    lines += [f"- `{entry.pattern}` ({entry.name}): {entry.reason}" for entry in chosen if entry not in admin]
    return "\n".join(lines) or "- none"


@dataclass
class Outcome:
    planned: list[Planned]
    results: list[Measured]
    limit_ms: float

    @property
    def over(self) -> list[Measured]:
        return over_limit(self.results, self.limit_ms)

    @property
    def failures(self) -> list[Measured]:
        return [taken for taken in self.results if taken.failed]

    @property
    def ok(self) -> bool:
        return not self.over and not self.failures


def run(
    *,
    runs: int,
    limit_ms: float,
    username: str = "",
    only: str = "",
    top: int | None = None,
    write: Callable[[str], None] = print,
) -> Outcome:
    from django.db import connection

    from ducha.items.models import Item

    user = office_user(username)
    started = datetime.datetime.now(tz=datetime.UTC)
    planned = plan(user)
    if only:
        pattern = re.compile(only)
        planned = [
            entry
            for entry in planned
            if entry.status != MEASURED or pattern.search(entry.url) or pattern.search(entry.name)
        ]
    counts = {
        status: sum(1 for e in planned if e.status == status) for status in (MEASURED, SKIPPED, EXCLUDED)
    }
    write(
        f"database: {connection.vendor}, items: {Item.objects.count()}; signed in as {user.username} "
        f"({user.unit}); DEBUG={settings.DEBUG}; in-process test client, {runs} runs per URL after one warm-up"
    )
    write(
        f"patterns: {len(planned)} — measured {counts[MEASURED]}, skipped {counts[SKIPPED]}, "
        f"excluded {counts[EXCLUDED]} (planned in {(datetime.datetime.now(tz=datetime.UTC) - started).seconds} s)"
    )
    results = measure(planned, user, runs=runs, write=write)
    outcome = Outcome(planned, results, limit_ms)
    write(f"\nslowest first (p99 over {limit_ms:g} ms: {len(outcome.over)}):")
    write(results_table(results, top=top))
    write(f"\nover {limit_ms:g} ms at p99: {len(outcome.over)}")
    for taken in outcome.over:
        write(f"- {taken.planned.url} ({taken.planned.name}): p99 {taken.p99:.0f} ms")
    cold = [taken for taken in results if taken.first_ms > limit_ms]
    write(
        f"\nfirst request (the warm-up, not in the percentiles: a cold cache, a fresh process) over {limit_ms:g} ms: "
        f"{len(cold)}"
    )
    for taken in sorted(cold, key=lambda taken: taken.first_ms, reverse=True):
        write(f"- {taken.planned.url} ({taken.planned.name}): {taken.first_ms:.0f} ms")
    if outcome.failures:
        write("\nserver errors:")
        for taken in outcome.failures:
            write(f"- {taken.planned.url} ({taken.planned.name}): {sorted(taken.statuses)} {taken.error}")
    write("\nskipped:")
    write(others_table(planned, SKIPPED))
    write("\nexcluded:")
    write(others_table(planned, EXCLUDED))
    return outcome
