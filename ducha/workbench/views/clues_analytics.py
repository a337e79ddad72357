"""The clues' analytics pages (the office and the leaders of a government; 403 for a unit): the hotspots by topic,
township and week with the early warnings (each with its clues; the office marks one seen), and the weekly 社情民意
briefs — the office edits a draft and sends it to the leaders, who read the sent ones."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ducha.clues import analytics, services
from ducha.clues.models import Brief, BriefStatus, Clue, EarlyWarning
from ducha.common.errors import DomainError
from ducha.orgs.models import Role, Unit, User
from ducha.workbench.views.evaluation.base import (
    checked_id,
    government_or_404,
    refusal_of,
    render_refused,
    user_of,
)

WEEKS = (4, 8, 13, 26, 52)
DEFAULT_WEEKS = 8


def manager_or_403(user: User) -> Unit:
    """The user's government, for its office and leaders; 403 for everyone else."""
    government = government_or_404(user)
    if not user.has_role(Role.OFFICE, Role.LEADER):
        raise PermissionDenied
    return government


def _weeks(value: str | None) -> int:
    try:
        weeks = int(value or DEFAULT_WEEKS)
    except ValueError:
        return DEFAULT_WEEKS
    return weeks if weeks in WEEKS else DEFAULT_WEEKS


@login_required
@require_GET
def analytics_page(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    government = manager_or_403(user)
    weeks = _weeks(request.GET.get("weeks"))
    current = analytics.this_week()
    start = current - datetime.timedelta(weeks=weeks - 1)
    end = current + datetime.timedelta(days=7)
    spots = analytics.hotspots(government, start, end)
    warnings = list(
        EarlyWarning.objects.filter(government=government, week_start__gte=start)
        .select_related("township", "seen_by")
        .order_by("-week_start", "seen_by_id", "-count", "id")[:100]
    )
    wanted = {pk for warning in warnings for pk in warning.clue_ids[:50]}
    clues = {
        clue.pk: clue
        for clue in Clue.objects.filter(government=government, pk__in=wanted).select_related(
            "case", "township", "place"
        )
    }
    names = dict(Unit.objects.filter(parent=government).values_list("pk", "short_name"))
    for warning in warnings:
        warning.clues = [clues[pk] for pk in warning.clue_ids[:50] if pk in clues]  # type: ignore[attr-defined]
        warning.week_label = analytics.week_label(warning.week_start)  # type: ignore[attr-defined]
        warning.township_names = [names.get(pk, "") for pk in warning.townships]  # type: ignore[attr-defined]
    peak = max((n for _m, _l, n in spots.by_week), default=0)
    return render(
        request,
        "clues/analytics.html",
        {
            "government": government,
            "spots": spots,
            "weeks": weeks,
            "week_choices": WEEKS,
            "peak": peak or 1,
            "warnings": warnings,
            "is_office": user.has_role(Role.OFFICE),
            "last_day": end - datetime.timedelta(days=1),
        },
    )


@login_required
@require_POST
def warning_seen(request: HttpRequest, warning_id: int) -> HttpResponse:
    user = user_of(request)
    manager_or_403(user)
    try:
        services.warning_seen(warning_id=checked_id(warning_id), actor=user)
    except DomainError as error:
        if error.status == 404:
            raise Http404 from error
        if error.status == 403:
            raise PermissionDenied from error
        messages.error(request, error.message)
    return redirect(f"{reverse('clues-analytics')}#warning-{warning_id}")


def _briefs_of(user: User, government: Unit):  # type: ignore[no-untyped-def]
    briefs = Brief.objects.filter(government=government)
    if not user.has_role(Role.OFFICE):  # the leaders read what the office sent them
        briefs = briefs.filter(status=BriefStatus.SENT)
    return briefs.select_related("edited_by", "sent_by").order_by("-week_start")


@login_required
@require_GET
def briefs_page(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    government = manager_or_403(user)
    briefs = list(_briefs_of(user, government)[:104])
    for brief in briefs:
        brief.week_label = analytics.week_label(brief.week_start)  # type: ignore[attr-defined]
    return render(
        request,
        "clues/briefs.html",
        {"government": government, "briefs": briefs, "is_office": user.has_role(Role.OFFICE)},
    )


def _brief_context(user: User, government: Unit, brief_id: int) -> dict[str, Any]:
    brief = _briefs_of(user, government).filter(pk=checked_id(brief_id)).first()
    if brief is None:
        raise Http404
    brief.week_label = analytics.week_label(brief.week_start)  # type: ignore[attr-defined]
    is_office = user.has_role(Role.OFFICE)
    return {
        "government": government,
        "brief": brief,
        "figures": brief.figures or {},
        "is_office": is_office,
        "may_edit": is_office and brief.status == BriefStatus.DRAFT,
    }


@login_required
@require_GET
def brief_page(request: HttpRequest, brief_id: int) -> HttpResponse:
    user = user_of(request)
    government = manager_or_403(user)
    return render(request, "clues/brief.html", _brief_context(user, government, brief_id))


@login_required
@require_POST
def brief_act(request: HttpRequest, brief_id: int, action: str) -> HttpResponse:
    user = user_of(request)
    government = manager_or_403(user)
    context = _brief_context(user, government, brief_id)
    brief = context["brief"]
    try:
        if action == "edit":
            services.brief_edit(
                brief_id=brief.pk,
                actor=user,
                title=request.POST.get("title", ""),
                text=request.POST.get("text", ""),
            )
            messages.success(request, _("The brief is saved."))
        elif action == "send":
            services.brief_send(brief_id=brief.pk, actor=user)
            messages.success(request, _("The brief is sent to the leaders."))
        else:
            raise Http404
    except DomainError as error:
        if error.status == 403:
            raise PermissionDenied from error
        context["refusal"] = refusal_of(
            error,
            action,
            values={"title": request.POST.get("title", ""), "text": request.POST.get("text", "")},
        )
        return render_refused(request, "clues/brief.html", context, error)
    return redirect("clues-brief", brief_id=brief.pk)


urlpatterns = [
    path("clues/analytics/", analytics_page, name="clues-analytics"),
    path("clues/analytics/warnings/<int:warning_id>/seen/", warning_seen, name="clues-warning-seen"),
    path("clues/briefs/", briefs_page, name="clues-briefs"),
    path("clues/briefs/<int:brief_id>/", brief_page, name="clues-brief"),
    path("clues/briefs/<int:brief_id>/<str:action>/", brief_act, name="clues-brief-act"),
]
