"""The other clue pages: the answers waiting for review, every clue (newest first, filtered; the reporter always
masked), the import of an upper platform's or the hotline's batch, and the units' duties the router reads."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ducha.clues import intake, selectors, services
from ducha.clues.imports import read_rows
from ducha.clues.models import Category, Channel
from ducha.common import error_codes as codes
from ducha.common import uploads
from ducha.common.errors import DomainError, NotFound, ValidationFailed
from ducha.orgs.models import Role, Unit, User
from ducha.workbench.forms.fields import cleaned
from ducha.workbench.views.clues.base import (
    PAGE,
    checked_id,
    office_or_403,
    refusal_of,
    render_refused,
    units_of,
    user_of,
    viewer_or_403,
)
from ducha.workbench.views.clues.forms import ClueFilterForm, DutiesForm, ImportForm

IMPORT_MAX_BYTES = 20 * 1024 * 1024


@login_required
@require_GET
def answers_page(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    government = viewer_or_403(user)
    answers = list(selectors.answers_to_review(government)[:200])
    return render(request, "clues/answers.html", {"government": government, "answers": answers})


def _day(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value.strip())
    except ValueError:
        return None


@login_required
@require_GET
def clues_page(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    government = viewer_or_403(user)
    data = cleaned(ClueFilterForm(request.GET))
    rows = selectors.clues_for(government).order_by("-id")
    if data["channel"]:
        rows = rows.filter(channel=data["channel"])
    if data["category"]:
        rows = rows.filter(category=data["category"])
    if data["township"]:
        rows = rows.filter(township_id=data["township"])
    if data["urgent"]:
        rows = rows.exclude(urgent_reasons=[])
    since, until = _day(data["since"]), _day(data["until"])
    zone = timezone.get_current_timezone()
    if since is not None:
        rows = rows.filter(submitted_at__gte=datetime.datetime.combine(since, datetime.time(), zone))
    if until is not None:
        end = datetime.datetime.combine(until + datetime.timedelta(days=1), datetime.time(), zone)
        rows = rows.filter(submitted_at__lt=end)
    if data["before"]:
        rows = rows.filter(id__lt=data["before"])
    page = list(rows[: PAGE + 1])
    more = len(page) > PAGE
    page = page[:PAGE]
    kept: dict[str, str | int] = {
        name: request.GET[name]
        for name in ("channel", "category", "township", "urgent", "since", "until")
        if request.GET.get(name)
    }
    return render(
        request,
        "clues/clues.html",
        {
            "government": government,
            "clues": page,
            "filters": data | {"since": since, "until": until},
            "channels": Channel.choices,
            "categories": Category.choices,
            "townships": intake.townships_of(government.pk),
            "more": urlencode({**kept, "before": page[-1].pk}) if more and page else "",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    """Upload an .xlsx workbook or a .jsonl file; nothing is imported unless every row is good."""
    user = user_of(request)
    government = office_or_403(user)
    context: dict[str, Any] = {"government": government}
    if request.method == "GET":
        return render(request, "clues/import.html", context)
    try:
        upload = cleaned(ImportForm(request.POST, request.FILES))["file"]
        if upload is None or not upload.name:
            raise ValidationFailed(
                codes.CLUE_IMPORT_FORMAT, fields={"file": codes.message_for(codes.CLUE_IMPORT_FORMAT)}
            )
        if upload.size is None or upload.size > IMPORT_MAX_BYTES:
            raise ValidationFailed(
                codes.CLUE_IMPORT_FORMAT, fields={"file": _("The file may be at most 20 MB.")}
            )
        # The content against the extension (issue 17); read and dropped, so no quota.
        uploads.upload_check(
            upload,
            extensions=("xlsx", "jsonl"),
            max_bytes=IMPORT_MAX_BYTES,
            user=user,
            quota=False,
            type_code=codes.CLUE_IMPORT_FORMAT,
            size_code=codes.CLUE_IMPORT_FORMAT,
        )
        rows = read_rows(upload.name, upload.read())
        result = services.clues_import(actor=user, rows=rows)
    except DomainError as error:
        context["refusal"] = refusal_of(error, "import")
        return render_refused(request, "clues/import.html", context, error)
    context["result"] = {
        "name": upload.name,
        "created": len(result.created),
        "skipped": result.skipped,
        "cases": len({clue.case_id for clue in result.created}),
    }
    return render(request, "clues/import.html", context)


def _duties_context(government: Unit, user: User, **extra: Any) -> dict[str, Any]:
    units = list(units_of(government.pk).select_related("duties", "duties__updated_by"))
    for unit in units:
        try:
            unit.duties_text = unit.duties.text  # type: ignore[attr-defined]
            unit.duties_by = unit.duties.updated_by  # type: ignore[attr-defined]
            unit.duties_at = unit.duties.updated_at  # type: ignore[attr-defined]
        except ObjectDoesNotExist:
            unit.duties_text, unit.duties_by, unit.duties_at = "", None, None  # type: ignore[attr-defined]
    return {
        "government": government,
        "units": units,
        "is_office": user.has_role(Role.OFFICE),
        **extra,
    }


@login_required
@require_GET
def duties_page(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    government = viewer_or_403(user)
    return render(request, "clues/duties.html", _duties_context(government, user))


@login_required
@require_POST
def duties_set(request: HttpRequest, unit_id: int) -> HttpResponse:
    user = user_of(request)
    government = office_or_403(user)
    unit_id = checked_id(unit_id)
    try:
        services.duties_set(unit_id=unit_id, actor=user, text=cleaned(DutiesForm(request.POST))["text"])
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        context = _duties_context(government, user)
        # At the unit's form; at the top when the unit is not one of the page's.
        listed = any(unit.pk == unit_id for unit in context["units"])
        context["refusal"] = refusal_of(
            error, "duties", target=unit_id if listed else None, values=request.POST
        )
        return render_refused(request, "clues/duties.html", context, error)
    messages.success(request, _("The duties are saved; the routing suggestions follow them."))
    return redirect(f"{reverse('clues-duties')}#unit-{unit_id}")
