"""驾驶舱 (dashboard): counts, rates and trends with charts, and the same figures as tables.

Thin: `ducha.workbench.dashboard` counts (scoped, in the database); this view parses the filters, hands the
figures to the template as tables and to `static/ducha/dashboard.js` as JSON, which draws them with ECharts served
by the app (`vendor/echarts/echarts.min.js`, installed from npm). Without that file the tables and a notice
remain.

Every item figure, in the tables and in the charts, opens the ledger filtered to exactly the items it counts (the
filters come from `dashboard.dashboard_ledger_filters`; here they become the ledger's addresses).

The units' scores (单位考核, issue 13): the latest computed scores of the year, read through
`ducha.evaluation.selectors.scores_for` — every unit's for the office and the leaders (per group the first three
and the last place), a unit's own score and place for the unit's people.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.functional import SimpleLazyObject
from django.utils.html import format_html, json_script
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ducha.common.errors import DomainError, InvalidState
from ducha.evaluation import selectors as evaluation
from ducha.evaluation.models import RunStatus, Score, ScoreGroup, ScoreRun
from ducha.evaluation.periods import Period
from ducha.items.models import Light
from ducha.items.selectors import load_unit
from ducha.orgs.models import UNIT_ROLES, Role, User
from ducha.workbench.dashboard import (
    YEAR_MIN,
    dashboard_figures,
    dashboard_ledger_filters,
    dashboard_unit_choices,
    dashboard_unit_for,
)
from ducha.workbench.dashboard_jobs import dashboard_rebuild_start, may_ask_for_rebuild
from ducha.workbench.forms.dashboard import DashboardForm
from ducha.workbench.forms.fields import cleaned
from ducha.workbench.fragments import cached, fragment_key
from ducha.workbench.ledger import LedgerFilter
from ducha.workbench.views.items.base import user_of

ECHARTS = "vendor/echarts/echarts.min.js"
YEARS_SHOWN = 6


def echarts_available() -> bool:
    return finders.find(ECHARTS) is not None


def chart_text() -> dict[str, Any]:
    """Every word the charts show, translated here so that dashboard.js holds no user-facing text."""
    return {
        "months": [str(MONTHS[month]) for month in range(1, 13)],
        "items": _("Items"),
        "assigned": _("Assigned"),
        "completed": _("Completed"),
        "on_time": _("Completed on time"),
        "on_time_rate": _("On-time rate (%)"),
        "no_data": _("No data"),
        "sign": {
            "in_time": _("Signed within one working day"),
            "late": _("Signed late or not yet signed after the day"),
            "pending": _("Not yet due"),
        },
    }


def ledger_links(filters: Any) -> Any:
    """`dashboard_ledger_filters`' filters as the ledger's addresses, in the same shape."""
    if isinstance(filters, LedgerFilter):
        query = filters.querystring
        return f"{reverse('ledger')}?{query}" if query else reverse("ledger")
    if isinstance(filters, dict):
        return {key: ledger_links(value) for key, value in filters.items()}
    if isinstance(filters, list):
        return [ledger_links(value) for value in filters]
    return filters


def drill(count: int, link: str) -> SafeString:
    """A figure as its link to the ledger (for figures inside a translated sentence)."""
    return format_html('<a class="drill" href="{}">{}</a>', link, count)


def _tables(stats: dict[str, Any], links: dict[str, Any]) -> dict[str, Any]:
    """The tables' rows, each with its links (the template cannot look a link up by the row's key)."""
    return {
        "status": [(row, links["by_status"][row["status"]]) for row in stats["by_status"]],
        "light": [(row, links["by_light"][row["light"]]) for row in stats["by_light"]],
        "monthly": list(zip(stats["monthly"], links["monthly"], strict=True)),
        "source": [(row, links["by_source"][row["source_type"]]) for row in stats["by_source"]],
        "units": [(row, links["units"][str(row["unit_id"])]) for row in stats["units"]],
        "on_time": drill(stats["totals"]["on_time"], links["totals"]["on_time"]),
        "completed": drill(stats["totals"]["completed"], links["totals"]["completed"]),
    }


def _render_figures(stats: dict[str, Any]) -> dict[str, str]:
    links = ledger_links(dashboard_ledger_filters(stats))
    context = {
        "stats": stats,
        "links": links,
        "tables": _tables(stats, links),
        "no_light_label": Light.NONE.label,
    }
    return {
        "kpis": render_to_string("dashboard/partials/kpis.html", context),
        "panels": render_to_string("dashboard/partials/panels.html", context),
        "data": json_script({"stats": stats, "links": links, "text": chart_text()}, "dashboard-data"),
    }


def figures_markup(stats: dict[str, Any]) -> dict[str, SafeString]:
    """The figures' markup — the key figures, the panels with their tables and ledger links, the charts' data —
    from the cache: a function of the figures alone (their scope, year and unit are among them), kept under a
    hash of them. The summary table's figures of a province are the same for every request until the next
    recount, and building their few hundred ledger links and tables is most of the page's work."""
    key = fragment_key("dashboard-figures", json.dumps(stats, sort_keys=True, default=str))
    return {part: mark_safe(html) for part, html in cached(key, lambda: _render_figures(stats)).items()}


def _scope_name(user: User, choices: list[Any], unit_id: int | None) -> str:
    chosen = next((unit.name for unit in choices if unit.pk == unit_id), "")
    if chosen or user.unit is None:
        return chosen
    government = user.unit.government
    if user.has_role(Role.OFFICE, Role.LEADER) and government is not None:
        return government.name
    return user.unit.name


# --- the units' scores ---------------------------------------------------------------------------------------

SCORES_TOP = 3


@dataclass
class ScoreGroupShown:
    """One comparable group (departments, townships) on the panel: its first places and its last place(s) not
    among them."""

    group: str
    label: str
    top: list[Score]
    last: list[Score]

    @property
    def rows(self) -> list[Score]:
        return [*self.top, *self.last]


@dataclass
class ScoresPanel:
    """The panel's content. `period` is None when no score of the year has been computed."""

    everyone: bool  # the office and the leaders: every unit's score; otherwise the unit's own
    scores_url: str
    period: Period | None = None
    run: ScoreRun | None = None
    groups: list[ScoreGroupShown] = field(default_factory=list)
    own: Score | None = None

    @property
    def query(self) -> str:
        """The period as the scores and facts pages read it."""
        if self.period is None:
            return ""
        return urlencode({"year": self.period.year, "quarter": self.period.quarter})


def latest_period(government_id: int, year: int) -> Period | None:
    """The period of the year's latest computed scores: the latest quarter with a finished run, else the year."""
    row = (
        ScoreRun.objects.filter(government_id=government_id, year=year, status=RunStatus.DONE)
        .order_by("-quarter")  # quarters 4 … 1 first, the year (0) last
        .values_list("year", "quarter")
        .first()
    )
    return Period(*row) if row is not None else None


def _groups_shown(rows: list[Score]) -> list[ScoreGroupShown]:
    shown = []
    for value, label in ScoreGroup.choices:
        members = [row for row in rows if row.group == value]
        if not members:
            continue
        top = members[:SCORES_TOP]
        last = [row for row in members[SCORES_TOP:] if row.last]
        shown.append(ScoreGroupShown(value, str(label), top, last))
    return shown


def scores_panel(user: User, today: datetime.date) -> ScoresPanel | None:
    """The units' scores of `user`'s government for the dashboard, or None when the user sees none (neither the
    office, a leader nor a unit's people, or without a government; a unit whose own score is not computed).

    At most three queries whatever the number of units: the year's latest finished run, then scores_for (the run
    of that period and its scores, within the reader's scope)."""
    unit = user.unit
    if unit is None or unit.government_id is None:
        return None
    everyone = evaluation.is_manager(user, unit.government_id)
    if not everyone and not user.has_role(*UNIT_ROLES):
        return None
    panel = ScoresPanel(everyone=everyone, scores_url=reverse("evaluation-scores"))
    period = latest_period(unit.government_id, today.year)
    if period is not None:
        try:
            scores = evaluation.scores_for(user, period)
        except InvalidState:  # recomputed (queued) meanwhile
            scores = None
        if scores is not None:
            panel.period, panel.run = period, scores.run
            if scores.everyone:
                panel.groups = _groups_shown(scores.rows)
            else:
                panel.own = next((row for row in scores.rows if row.unit_id == user.unit_id), None)
    if not everyone and panel.own is None:
        return None
    return panel


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    load_unit(user)
    today = timezone.localdate()
    choices = dashboard_unit_choices(user)
    shown = cleaned(DashboardForm(request.GET, today=today, unit_ids=[unit.pk for unit in choices]))
    year = shown["year"]
    unit_id = dashboard_unit_for(user, shown["unit"])
    figures = dashboard_figures(user, year=year, unit_id=unit_id, today=today)
    stats = figures.stats
    chooses_unit = user.has_role(Role.OFFICE, Role.LEADER)
    years = sorted(
        {year, *range(today.year, max(YEAR_MIN, today.year - YEARS_SHOWN + 1) - 1, -1)}, reverse=True
    )
    return render(
        request,
        "dashboard/index.html",
        {
            "user": user,  # itself, not the request's lazy stand-in (user_of)
            "stats": stats,
            # Rendered (or fetched) when the page reaches it; nothing when the summary holds no figures yet.
            "figures": None if figures.missing else SimpleLazyObject(lambda: figures_markup(stats)),
            "computed_at": figures.computed_at,
            "counted_ahead": figures.counted_ahead,
            "stale": figures.stale,
            "missing": figures.missing,
            "may_rebuild": may_ask_for_rebuild(user),
            "year": year,
            "years": years,
            "unit_id": unit_id,
            "unit_choices": choices if chooses_unit else [],
            "scope_name": _scope_name(user, choices, unit_id),
            "scores": scores_panel(user, today),
            "charts_available": echarts_available(),
            "echarts_path": ECHARTS,
        },
    )


@login_required
@require_POST
def dashboard_rebuild(request: HttpRequest) -> HttpResponse:
    """Ask for the summary to be counted again now, as a background job (the office or the administrator): its
    page follows the progress. An ask while a recount is queued or running follows that one."""
    try:
        job, _joined = dashboard_rebuild_start(actor=user_of(request))
    except DomainError as error:
        return render(request, "dashboard/refused.html", {"error": error}, status=error.status)
    return redirect(reverse("job-detail", args=[job.pk]))


urlpatterns = [
    path("dashboard/", dashboard, name="dashboard"),
    path("dashboard/rebuild/", dashboard_rebuild, name="dashboard-rebuild"),
]
