"""The scores (考核得分): a period's stored scores, departments and townships ranked apart, with last place and
"last twice in a row" flagged, for the office and the leaders; a unit sees only its own score and place. Every
figure opens the facts behind it. "Compute now" queues the background job; the page shows the run's state.

Also the weights (the office's scheme) and the facts page of one unit and period.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ducha.common.errors import DomainError, InvalidState, NotFound
from ducha.evaluation import scoring, selectors
from ducha.evaluation.indicators import BY_CODE, INDICATORS
from ducha.evaluation.models import Score, ScoreGroup
from ducha.evaluation.periods import Period, period_of
from ducha.orgs.models import Role, Unit, User
from ducha.workbench.forms.evaluation import SchemeForm, YearForm, read_group, read_period
from ducha.workbench.forms.fields import RawTextField, cleaned
from ducha.workbench.views.evaluation.base import (
    checked_id,
    government_or_404,
    manager_or_403,
    refusal_of,
    render_refused,
    user_of,
)


def _period(request: HttpRequest) -> Period:
    today = timezone.localdate()
    year, quarter = read_period(request.GET, this_year=today.year, this_quarter=(today.month - 1) // 3 + 1)
    return Period(year, quarter)


def _query(period: Period, **extra: Any) -> str:
    return urlencode({"year": period.year, "quarter": period.quarter, **extra})


def _scores_context(user: User, government: Unit, period: Period, group: str) -> dict[str, Any]:
    manager = selectors.is_manager(user, government.pk)
    run = selectors.run_of(government.pk, period)
    rows: list[Score] = []
    own: Score | None = None
    group_size = 0
    computed = False
    try:
        scores = selectors.scores_for(user, period, group=group if manager else None)
    except InvalidState:
        pass
    else:
        computed = True
        rows = scores.rows
        if not manager:
            own = next(iter(rows), None)
            rows = []
            if own is not None:
                group_size = Score.objects.filter(run=scores.run, group=own.group).count()
    for row in [*rows, *([own] if own else [])]:
        row.cells = [  # type: ignore[attr-defined]
            {"code": indicator.code, **row.components.get(indicator.code, {})} for indicator in INDICATORS
        ]
    today = timezone.localdate()
    return {
        "government": government,
        "period": period,
        "query": _query(period),
        "group": group,
        "groups": ScoreGroup.choices,
        "manager": manager,
        "may_compute": manager and not (run is not None and run.frozen),
        "run": run,
        "computed": computed,
        "rows": rows,
        "own": own,
        "group_size": group_size,
        "indicators": INDICATORS,
        "years": sorted({*range(today.year, today.year - 4, -1), period.year}, reverse=True),
        "quarters": [(0, _("the whole year")), *[(q, _("quarter %(q)s") % {"q": q}) for q in range(1, 5)]],
    }


@login_required
@require_GET
def scores_page(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    government = government_or_404(user)
    context = _scores_context(user, government, _period(request), read_group(request.GET))
    return render(request, "evaluation/scores.html", context)


class ComputeForm(YearForm):
    quarter = RawTextField()


@login_required
@require_POST
def scores_compute(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    government = manager_or_403(user)
    data = cleaned(ComputeForm(request.POST))
    try:
        period = period_of(data["year"], data["quarter"])
        run, job = scoring.run_request(actor=user, government_id=government.pk, period=period)
    except DomainError as error:
        today = timezone.localdate()
        fallback = Period(today.year, (today.month - 1) // 3 + 1)
        context = _scores_context(user, government, fallback, ScoreGroup.DEPARTMENT) | {
            "refusal": refusal_of(error, "compute", values=request.POST)
        }
        return render_refused(request, "evaluation/scores.html", context, error)
    messages.success(
        request,
        _("The scores of %(period)s are being computed; they are shown here when done (%(status)s).")
        % {"period": period.label, "status": run.get_status_display()},
    )
    # The job's page follows the computation (progress, cancel); the inbox says when it is done.
    return redirect(reverse("job-detail", args=[job.pk]))


@login_required
@require_GET
def facts_page(request: HttpRequest, unit_id: int) -> HttpResponse:
    """The facts behind a unit's figures: per indicator its rule, its counts and the rows counted."""
    user = user_of(request)
    government_or_404(user)
    period = _period(request)
    try:
        found = selectors.facts_for(user, checked_id(unit_id), period)
    except NotFound:
        raise Http404 from None
    except InvalidState:
        unit = Unit.objects.filter(pk=unit_id).first()
        if unit is None or not (
            selectors.is_manager(user, unit.government_id or 0) or user.unit_id == unit.pk
        ):
            raise Http404 from None
        return render(request, "evaluation/facts.html", {"unit": unit, "period": period, "computed": False})
    indicators = []
    for indicator in INDICATORS:
        component = found.score.components.get(indicator.code, {})
        indicators.append(
            {
                "code": indicator.code,
                "label": indicator.label,
                "rule": indicator.rule,
                "component": component,
                "facts": found.facts.get(indicator.code, []),
            }
        )
    manager = selectors.is_manager(user, found.run.government_id)
    return render(
        request,
        "evaluation/facts.html",
        {
            "unit": found.score.unit,
            "score": found.score,
            "run": found.run,
            "period": period,
            "computed": True,
            "indicators": indicators,
            "back": reverse("evaluation-scores")
            + "?"
            + _query(period, **({"kind": found.score.group} if manager else {})),
        },
    )


# --- the weights -----------------------------------------------------------------------------------------------------


def _scheme_context(government: Unit, user: User, values: dict[str, Any]) -> dict[str, Any]:
    return {
        "government": government,
        "may_set": user.has_role(Role.OFFICE),
        "rows": [
            {"code": ind.code, "label": ind.label, "rule": ind.rule, "value": values.get(ind.code, "")}
            for ind in INDICATORS
        ],
        "total": sum(int(v) for v in values.values() if isinstance(v, int) or str(v).strip().isdigit()),
    }


@login_required
@require_http_methods(["GET", "POST"])
def scheme_page(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    government = manager_or_403(user)
    if request.method == "GET":
        return render(
            request,
            "evaluation/scheme.html",
            _scheme_context(government, user, scoring.weights_for(government.pk)),
        )
    if not user.has_role(Role.OFFICE):
        raise PermissionDenied
    form = SchemeForm(request.POST)
    try:
        cleaned(form)
        weights = form.weights()
        scoring.scheme_set(actor=user, government_id=government.pk, weights=weights)
    except DomainError as error:
        values = {code: request.POST.get(code, "") for code in BY_CODE}
        context = _scheme_context(government, user, values) | {"refusal": refusal_of(error, "scheme")}
        return render_refused(request, "evaluation/scheme.html", context, error)
    messages.success(request, _("The weights are saved; they count from the next computation."))
    return redirect("evaluation-scheme")
