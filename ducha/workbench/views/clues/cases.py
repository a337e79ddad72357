"""The triage queue and the case page: the cases waiting for a decision (urgent first, with what the engine
suggests), the other statuses by tab; one case with its clues (reporter masked; the keeper alone may reveal one,
each read logged), the similar cases a clue may be merged into, and the office's decisions — accept, route to a
unit as a supervision item, open a clue check, close, refuse a clue — with the public answer and its review."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ducha.clues import selectors, services
from ducha.clues.models import (
    SETTLED,
    Answer,
    AnswerStatus,
    Case,
    CaseStatus,
    Category,
    Clue,
    CluePhoto,
    ClueStatus,
    Urgency,
)
from ducha.common import error_codes as codes
from ducha.common.errors import DomainError, NotFound
from ducha.common.inputs import invalid
from ducha.orgs.models import Role, Unit, User
from ducha.workbench.forms.fields import cleaned
from ducha.workbench.views.clues.base import (
    PAGE,
    case_or_404,
    checked_id,
    named_suggestions,
    refusal_of,
    render_refused,
    unit_names,
    units_of,
    user_of,
    viewer_or_403,
)
from ducha.workbench.views.clues.forms import (
    AnswerForm,
    CheckForm,
    EmptyForm,
    MoveForm,
    QueueFilterForm,
    ReasonForm,
    RejectForm,
    RouteForm,
)

URGENCY = dict(Urgency.choices)
CATEGORY = dict(Category.choices)

# --- the queue --------------------------------------------------------------------------------------------------


def _queue_rows(cases: list[Case]) -> None:
    """Each case's suggestion (from its first clue) and urgency kinds (from every active clue): two queries for
    the page, whatever its length."""
    first: dict[int, dict[str, Any]] = {}
    urgency: dict[int, list[str]] = {}
    rows = (
        Clue.objects.filter(case_id__in=[case.pk for case in cases], status=ClueStatus.ACTIVE)
        .order_by("case_id", "submitted_at", "id")
        .values("case_id", "suggested_units", "suggested_category", "urgent_reasons")
    )
    for row in rows:
        first.setdefault(row["case_id"], dict(row))
        kinds = urgency.setdefault(row["case_id"], [])
        kinds.extend(kind for kind in row["urgent_reasons"] or [] if kind not in kinds)
    names = unit_names(
        entry["unit_id"]
        for row in first.values()
        for entry in row["suggested_units"] or []
        if isinstance(entry, dict) and isinstance(entry.get("unit_id"), int)
    )
    for case in cases:
        lead: dict[str, Any] = first.get(case.pk) or {}
        case.suggestions = named_suggestions(lead.get("suggested_units"), names)[:1]  # type: ignore[attr-defined]
        case.suggested_category = CATEGORY.get(lead.get("suggested_category") or "", "")  # type: ignore[attr-defined]
        case.urgency = [URGENCY.get(kind, kind) for kind in urgency.get(case.pk, [])]  # type: ignore[attr-defined]


@login_required
@require_GET
def queue_page(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    government = viewer_or_403(user)
    data = cleaned(QueueFilterForm(request.GET))
    status = data["status"] or CaseStatus.NEW
    if status == CaseStatus.NEW:
        cases = selectors.queue(government)
    else:
        cases = selectors.cases_for(government).filter(status=status).order_by("-last_at", "-id")
    text = data["q"].strip()[:100]
    if text:
        matching = Clue.objects.filter(government=government, text__icontains=text).values("case_id")
        cases = cases.filter(Q(title__icontains=text) | Q(number__icontains=text) | Q(pk__in=matching))
    page = max(1, min(data["page"] or 1, 10_000))
    rows = list(cases[(page - 1) * PAGE : page * PAGE + 1])
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    _queue_rows(rows)
    counts = dict(selectors.cases_for(government).order_by().values_list("status").annotate(n=Count("id")))
    kept = {"status": status, **({"q": text} if text else {})}
    return render(
        request,
        "clues/queue.html",
        {
            "government": government,
            "cases": rows,
            "status": status,
            "tabs": [(value, label, counts.get(value, 0)) for value, label in CaseStatus.choices],
            "q": text,
            "page": page,
            "newer": urlencode({**kept, "page": page - 1}) if page > 1 else "",
            "more": urlencode({**kept, "page": page + 1}) if more else "",
        },
    )


# --- the case page ----------------------------------------------------------------------------------------------


def _similar(case: Case, clues: list[Clue], government: Unit) -> list[dict[str, Any]]:
    """The other cases the clues' similar clues belong to (one query), best score first, per clue."""
    ids = {
        entry["id"]
        for clue in clues
        for entry in clue.similar or []
        if isinstance(entry, dict) and isinstance(entry.get("id"), int)
    }
    found = {
        row["pk"]: row
        for row in Clue.objects.filter(pk__in=ids, government=government)
        .filter(case__isnull=False)
        .exclude(case_id=case.pk)
        .values("pk", "case_id", "case__number", "case__title", "case__status")
    }
    statuses = dict(CaseStatus.choices)
    overall: dict[int, dict[str, Any]] = {}
    for clue in clues:
        best: dict[int, dict[str, Any]] = {}
        for entry in clue.similar or []:
            row = (
                found.get(entry["id"])
                if isinstance(entry, dict) and isinstance(entry.get("id"), int)
                else None
            )
            if row is None:
                continue
            score = float(entry.get("score") or 0)
            current = best.get(row["case_id"])
            if current is None or score > current["score"]:
                best[row["case_id"]] = {
                    "case_id": row["case_id"],
                    "number": row["case__number"],
                    "title": row["case__title"],
                    "status": statuses.get(row["case__status"], row["case__status"]),
                    "open": row["case__status"] not in SETTLED,
                    "score": score,
                    "percent": round(score * 100),
                }
        clue.similar_cases = sorted(best.values(), key=lambda item: -item["score"])  # type: ignore[attr-defined]
        for item in clue.similar_cases:  # type: ignore[attr-defined]
            if item["case_id"] not in overall or item["score"] > overall[item["case_id"]]["score"]:
                overall[item["case_id"]] = item
    return sorted(overall.values(), key=lambda item: -item["score"])


def _case_context(user: User, government: Unit, case: Case, **extra: Any) -> dict[str, Any]:
    clues = list(
        case.clues.select_related("township", "place")
        .prefetch_related("photos")
        .order_by("submitted_at", "id")
    )
    revealed = extra.pop("revealed", {})
    for clue in clues:
        clue.identity = revealed.get(clue.pk)  # type: ignore[attr-defined]
        clue.urgency_labels = [URGENCY.get(kind, kind) for kind in clue.urgent_reasons or []]  # type: ignore[attr-defined]
    active = [clue for clue in clues if clue.status == ClueStatus.ACTIVE]
    lead = active[0] if active else (clues[0] if clues else None)
    names = unit_names(
        entry["unit_id"]
        for entry in (lead.suggested_units if lead is not None else [])
        if isinstance(entry, dict) and isinstance(entry.get("unit_id"), int)
    )
    suggestions = named_suggestions(lead.suggested_units if lead is not None else [], names)
    urgency: list[str] = []
    for clue in active:
        urgency.extend(kind for kind in clue.urgent_reasons or [] if kind not in urgency)
    similar = _similar(case, clues, government)
    office = user.has_role(Role.OFFICE)
    settled = case.status in SETTLED
    units = list(units_of(government.pk))
    suggested_ids = [row["unit_id"] for row in suggestions]
    by_id = {unit.pk: unit for unit in units}
    unit_choices = [by_id[pk] for pk in suggested_ids if pk in by_id] + [
        unit for unit in units if unit.pk not in suggested_ids
    ]
    answers = list(case.answers.select_related("drafted_by", "reviewed_by").order_by("-id"))
    working = next(
        (
            a
            for a in answers
            if a.status in (AnswerStatus.DRAFT, AnswerStatus.RETURNED, AnswerStatus.SUBMITTED)
        ),
        None,
    )
    published = next((a for a in answers if a.status == AnswerStatus.PUBLISHED), None)
    reviewer = (
        working is not None
        and working.status == AnswerStatus.SUBMITTED
        and user.has_role(Role.OFFICE, Role.LEADER)
        and working.drafted_by_id != user.pk
        and not settled
    )
    return {
        "government": government,
        "case": case,
        "clues": clues,
        "suggestions": suggestions,
        "suggested_category": CATEGORY.get(lead.suggested_category, "") if lead is not None else "",
        "urgency": [URGENCY.get(kind, kind) for kind in urgency],
        "similar": similar,
        "is_office": office,
        "is_keeper": user.has_role(Role.CLUE_KEEPER),
        "settled": settled,
        "may_accept": office and case.status == CaseStatus.NEW,
        "may_route": office and case.status in (CaseStatus.NEW, CaseStatus.ACCEPTED) and case.item_id is None,
        "may_check": office
        and case.status in (CaseStatus.NEW, CaseStatus.ACCEPTED)
        and case.inspection_id is None,
        "may_close": office and not settled,
        "may_move": office and not settled,
        "may_draft": office and case.status in services.ANSWERABLE,
        "may_submit": office
        and not settled
        and working is not None
        and working.status in (AnswerStatus.DRAFT, AnswerStatus.RETURNED),
        "may_review": reviewer,
        "units": unit_choices,
        "preselected": suggested_ids[0] if suggested_ids else None,
        "answers": answers,
        "working": working,
        "published": published,
        "categories": Category.choices,
        **extra,
    }


@login_required
@require_GET
def case_page(request: HttpRequest, case_id: int) -> HttpResponse:
    user = user_of(request)
    government = viewer_or_403(user)
    case = case_or_404(government, case_id)
    return render(request, "clues/case.html", _case_context(user, government, case))


# run(the form's data, the case, the user) → the success message.
Run = Callable[[dict[str, Any], Case, User], str]


def _accept(data: dict[str, Any], case: Case, user: User) -> str:
    services.case_accept(case_id=case.pk, actor=user)
    return _("The case is accepted.")


def _route(data: dict[str, Any], case: Case, user: User) -> str:
    if data["unit"] is None:
        raise invalid(codes.CLUE_UNIT_INVALID, "unit")
    item = services.case_route(
        case_id=case.pk,
        actor=user,
        unit_id=data["unit"],
        title=data["title"],
        requirements=data["requirements"],
        due_date=data["due_date"],
    )
    return _("The case is assigned as supervision item %(number)s, waiting for the leader's approval.") % {
        "number": item.number or item.pk
    }


def _check(data: dict[str, Any], case: Case, user: User) -> str:
    if data["unit"] is None:
        raise invalid(codes.CLUE_UNIT_INVALID, "unit")
    if data["start_date"] is None:
        raise invalid(codes.INVALID_INPUT, "start_date")
    if data["end_date"] is None:
        raise invalid(codes.INVALID_INPUT, "end_date")
    services.case_check(
        case_id=case.pk,
        actor=user,
        unit_id=data["unit"],
        start_date=data["start_date"],
        end_date=data["end_date"],
        topic=data["topic"],
    )
    return _("A clue check is proposed for approval.")


def _close(data: dict[str, Any], case: Case, user: User) -> str:
    services.case_close(case_id=case.pk, actor=user, reason=data["reason"])
    return _("The case is closed.")


def _working(case: Case) -> Answer:
    answer = case.answers.filter(
        status__in=(AnswerStatus.DRAFT, AnswerStatus.RETURNED, AnswerStatus.SUBMITTED)
    ).first()
    if answer is None:
        raise NotFound()
    return answer


def _draft(data: dict[str, Any], case: Case, user: User) -> str:
    services.answer_draft(case_id=case.pk, actor=user, text=data["text"])
    return _("The answer is saved as a draft.")


def _submit(data: dict[str, Any], case: Case, user: User) -> str:
    services.answer_submit(answer_id=_working(case).pk, actor=user)
    return _("The answer is submitted for review.")


def _publish(data: dict[str, Any], case: Case, user: User) -> str:
    services.answer_publish(answer_id=_working(case).pk, actor=user)
    return _("The answer is published; the reporters are told.")


def _return(data: dict[str, Any], case: Case, user: User) -> str:
    services.answer_return(answer_id=_working(case).pk, actor=user, reason=data["reason"])
    return _("The answer is returned to its drafter.")


CASE_ACTIONS: dict[str, tuple[type[forms.Form], Run]] = {
    "accept": (EmptyForm, _accept),
    "route": (RouteForm, _route),
    "check": (CheckForm, _check),
    "close": (ReasonForm, _close),
    "draft": (AnswerForm, _draft),
    "submit": (EmptyForm, _submit),
    "publish": (EmptyForm, _publish),
    "return": (ReasonForm, _return),
}


@login_required
@require_POST
def case_act(request: HttpRequest, case_id: int, action: str) -> HttpResponse:
    user = user_of(request)
    government = viewer_or_403(user)
    case = case_or_404(government, case_id)
    if action not in CASE_ACTIONS:
        raise Http404
    form_class, run = CASE_ACTIONS[action]
    try:
        message = run(cleaned(form_class(request.POST)), case, user)
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        case = case_or_404(government, case.pk)
        context = _case_context(
            user, government, case, refusal=refusal_of(error, action, values=request.POST)
        )
        return render_refused(request, "clues/case.html", context, error)
    messages.success(request, message)
    return redirect("clues-case", case.pk)


# --- one clue: refuse, merge into another case, split out, reveal its reporter ------------------------------------


def _clue_or_404(government: Unit, clue_id: int) -> Clue:
    clue = Clue.objects.filter(pk=checked_id(clue_id), government=government).first()
    if clue is None or clue.case_id is None:
        raise Http404
    return clue


@login_required
@require_POST
def clue_act(request: HttpRequest, clue_id: int, action: str) -> HttpResponse:
    user = user_of(request)
    government = viewer_or_403(user)
    clue = _clue_or_404(government, clue_id)
    case_id = clue.case_id
    assert case_id is not None
    try:
        if action == "reject":
            data = cleaned(RejectForm(request.POST))
            services.clue_reject(
                clue_id=clue.pk, actor=user, reason=data["reason"], block_days=data["block_days"] or 0
            )
            message = _("Clue %(code)s is not accepted.") % {"code": clue.code}
        elif action == "move":
            data = cleaned(MoveForm(request.POST))
            if data["case"] is None:
                raise Http404
            target = case_or_404(government, data["case"])
            services.clue_move(clue_id=clue.pk, actor=user, case_id=target.pk)
            message = _("Clue %(code)s is merged into case %(number)s.") % {
                "code": clue.code,
                "number": target.number,
            }
            case_id = target.pk
        elif action == "split":
            cleaned(EmptyForm(request.POST))
            moved = services.clue_move(clue_id=clue.pk, actor=user, case_id=None)
            message = _("Clue %(code)s is split out into a case of its own.") % {"code": clue.code}
            case_id = moved.case_id or case_id
        else:
            raise Http404
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        case = case_or_404(government, clue.case_id or case_id)
        context = _case_context(
            user, government, case, refusal=refusal_of(error, action, target=clue.pk, values=request.POST)
        )
        return render_refused(request, "clues/case.html", context, error)
    messages.success(request, message)
    return redirect("clues-case", case_id)


@login_required
@require_POST
def clue_reveal(request: HttpRequest, clue_id: int) -> HttpResponse:
    """The keeper reads a reporter's name and phone: shown on this response only, never stored in the page's
    address or a message; the service logs the read. htmx swaps in the reporter cell; without it, the page."""
    user = user_of(request)
    government = viewer_or_403(user)
    if not user.has_role(Role.CLUE_KEEPER):
        raise PermissionDenied
    clue = _clue_or_404(government, clue_id)
    try:
        name, phone = services.reporter_reveal(clue_id=clue.pk, actor=user)
    except NotFound:
        raise Http404 from None
    revealed = {clue.pk: {"name": name, "phone": phone}}
    if request.headers.get("HX-Request"):
        clue.identity = revealed[clue.pk]  # type: ignore[attr-defined]
        response = render(request, "clues/partials/reporter.html", {"clue": clue, "is_keeper": True})
    else:
        assert clue.case_id is not None
        case = case_or_404(government, clue.case_id)
        response = render(
            request, "clues/case.html", _case_context(user, government, case, revealed=revealed)
        )
    response["Cache-Control"] = "no-store"
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_GET
def photo(request: HttpRequest, photo_id: int) -> FileResponse:
    """A clue's photo, for whoever may see its case: never a public media address."""
    user = user_of(request)
    government = viewer_or_403(user)
    record = CluePhoto.objects.filter(pk=checked_id(photo_id), clue__government=government).first()
    if record is None:
        raise Http404
    try:
        handle = record.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, content_type=record.content_type or "application/octet-stream")
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
