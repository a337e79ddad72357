"""The year's ledger (年度台账): 年初建账 — the office opens a year, picks its tasks and submits it, the leader
approves or returns it, each unit confirms its own list in one click or objects; 年中查账 — the mid-year check with
its report, per-unit figures and the entries a unit must explain; the office's stage notes; 年终结账 — carrying
unfinished tasks over with a reason, closing the year, the frozen figures' digest (and corrections after the
close).

Thin views: selectors.ledger_for decides who sees the ledger (404 otherwise), the ledger services decide what may
be done; a refusal is shown beside the form that caused it, with the input kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from ducha.common import error_codes as codes
from ducha.common.errors import DomainError, NotFound, ValidationFailed
from ducha.evaluation import ledger as services
from ducha.evaluation import selectors
from ducha.evaluation.models import (
    ConfirmationStatus,
    ExplanationRequest,
    LedgerConfirmation,
    LedgerEntry,
    LedgerStatus,
    LedgerYear,
    MidYearCheck,
    Settlement,
)
from ducha.items.models import Item
from ducha.orgs.models import Role, User
from ducha.workbench.forms.evaluation import (
    AnswerForm,
    CommentForm,
    EmptyForm,
    ItemsForm,
    NoteForm,
    ObjectionForm,
    ReasonForm,
    ReplyForm,
    YearForm,
)
from ducha.workbench.forms.fields import cleaned
from ducha.workbench.views.evaluation.base import (
    checked_id,
    refusal_of,
    render_refused,
    user_of,
)

STATE_LABELS = {
    "done": gettext_lazy("done"),
    "done_late": gettext_lazy("done late"),
    "on_time": gettext_lazy("on time"),
    "at_risk": gettext_lazy("at risk"),
    "late": gettext_lazy("late"),
    "cancelled": gettext_lazy("withdrawn"),
}
_UNFINISHED = ("on_time", "at_risk", "late")


# --- the list of years ---------------------------------------------------------------------------------------------


def _list_context(user: User) -> dict[str, Any]:
    unit = user.unit
    government_id = unit.government_id if unit is not None else None
    return {
        "ledgers": list(selectors.ledgers_for(user)),
        "can_open": government_id is not None and user.has_role(Role.OFFICE),
        "is_manager": government_id is not None and selectors.is_manager(user, government_id),
        "next_year": timezone.localdate().year,
    }


@login_required
@require_GET
def ledger_list(request: HttpRequest) -> HttpResponse:
    return render(request, "evaluation/ledgers.html", _list_context(user_of(request)))


@login_required
@require_POST
def ledger_open(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    form = YearForm(request.POST)
    try:
        data = cleaned(form)
        if user.unit is None or user.unit.government_id is None:
            raise NotFound()
        ledger = services.ledger_open(actor=user, government_id=user.unit.government_id, year=data["year"])
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        context = _list_context(user) | {"refusal": refusal_of(error, "open", values=request.POST)}
        return render_refused(request, "evaluation/ledgers.html", context, error)
    messages.success(request, _("The ledger of %(year)s is opened.") % {"year": ledger.year})
    return redirect("evaluation-ledger", ledger.pk)


# --- one year's ledger ---------------------------------------------------------------------------------------------


def _ledger_or_404(user: User, ledger_id: int) -> LedgerYear:
    try:
        return selectors.ledger_for(user, checked_id(ledger_id))
    except NotFound:
        raise Http404 from None


def _ledger_context(user: User, ledger: LedgerYear) -> dict[str, Any]:
    manager = selectors.is_manager(user, ledger.government_id)
    is_office = manager and user.has_role(Role.OFFICE)
    is_leader = manager and user.has_role(Role.LEADER)
    today = timezone.localdate()
    entries = list(selectors.entries_for(user, ledger).select_related("carried_from"))
    for entry in entries:
        entry.state = services.entry_state(entry.item, today)  # type: ignore[attr-defined]
        entry.state_label = STATE_LABELS.get(entry.state, entry.state)  # type: ignore[attr-defined]
        entry.unfinished = entry.state in _UNFINISHED  # type: ignore[attr-defined]
    confirmations = list(selectors.confirmations_for(user, ledger))
    answers_for_unit = user.has_role(Role.UNIT_HEAD, Role.LIAISON) and user.unit_id is not None
    own = next((c for c in confirmations if c.unit_id == user.unit_id), None) if answers_for_unit else None
    check = MidYearCheck.objects.filter(ledger_year=ledger).first()
    check_units: list[dict[str, Any]] = []
    explanations: list[ExplanationRequest] = []
    if check is not None:
        check_units = [
            {"unit_id": int(unit_id), **figures}
            for unit_id, figures in check.figures.get("units", {}).items()
            if manager or int(unit_id) == user.unit_id
        ]
        check_units.sort(key=lambda row: (-row["late"], -row["at_risk"], row["name"]))
        rows = check.explanations.select_related("entry__item", "unit", "answered_by")
        explanations = list(rows if manager else rows.filter(unit_id=user.unit_id or 0))
    is_open = ledger.status == LedgerStatus.OPEN
    return {
        "ledger": ledger,
        "manager": manager,
        "is_office": is_office,
        "is_leader": is_leader,
        "entries": entries,
        "confirmations": confirmations,
        "own_confirmation": own,
        "check": check,
        "check_units": check_units,
        "explanations": explanations,
        "may_explain": is_open and user.unit_id is not None,
        "notes": list(ledger.notes.select_related("entry__item", "author")) if manager else [],
        "may_add": is_office and ledger.status in (LedgerStatus.DRAFT, LedgerStatus.OPEN),
        "may_submit": is_office and ledger.status == LedgerStatus.DRAFT,
        "may_decide": is_leader and ledger.status == LedgerStatus.PENDING_APPROVAL,
        "may_check": is_office and is_open and check is None,
        "may_note": is_office,
        "may_close": is_office and is_open,
        "may_carry": is_office and is_open,
        "may_answer": is_office and is_open,
        "may_confirm": own is not None and is_open,
        "candidates": services.pick_candidates(ledger)
        .filter(source_type__in=list(services.PICKED_SOURCES))
        .count()
        if is_office and ledger.status in (LedgerStatus.DRAFT, LedgerStatus.OPEN)
        else 0,
        "frozen_intact": services.frozen_intact(ledger) if ledger.is_closed else None,
        "objected": ConfirmationStatus.OBJECTED,
        "confirmed": ConfirmationStatus.CONFIRMED,
        "carried_over": Settlement.CARRIED_OVER,
    }


@login_required
@require_GET
def ledger_page(request: HttpRequest, ledger_id: int) -> HttpResponse:
    user = user_of(request)
    ledger = _ledger_or_404(user, ledger_id)
    return render(request, "evaluation/ledger.html", _ledger_context(user, ledger))


def _item_ids(ledger: LedgerYear, tokens: list[str]) -> list[int]:
    """The items typed as their numbers (the government's) or ids; an unknown number is refused by name."""
    if not tokens:
        raise ValidationFailed(
            codes.LEDGER_ENTRY_INVALID, fields={"items": _("Enter the items' numbers or ids.")}
        )
    by_number = dict(
        Item.objects.filter(government_id=ledger.government_id, number__in=tokens).values_list("number", "id")
    )
    ids: list[int] = []
    unknown: list[str] = []
    for token in tokens:
        if token in by_number:
            ids.append(by_number[token])
        elif token.isdigit() and len(token) <= 18:
            ids.append(int(token))
        else:
            unknown.append(token)
    if unknown:
        raise ValidationFailed(
            codes.LEDGER_ENTRY_INVALID,
            _("No item has these numbers: %(numbers)s") % {"numbers": "、".join(unknown)},
        )
    return ids


def _added(entries: list[LedgerEntry]) -> str:
    if not entries:
        return _("No task was added: every one is on the ledger already.")
    return _("%(count)s tasks added to the ledger.") % {"count": len(entries)}


# run(the form, the ledger, the user) takes the step; the message is what it answers when that is a text (how many
# tasks were added), else the action's own.
Run = Callable[[Any, LedgerYear, User], Any]

LEDGER_ACTIONS: dict[str, tuple[type[forms.Form], Run, Any]] = {
    "pick": (
        EmptyForm,
        lambda f, ledger, u: _added(services.ledger_entries_add(actor=u, ledger_id=ledger.pk)),
        None,
    ),
    "add": (
        ItemsForm,
        lambda f, ledger, u: _added(
            services.ledger_entries_add(actor=u, ledger_id=ledger.pk, item_ids=_item_ids(ledger, f.tokens()))
        ),
        None,
    ),
    "submit": (
        EmptyForm,
        lambda f, ledger, u: services.ledger_submit(actor=u, ledger_id=ledger.pk),
        gettext_lazy("The ledger is submitted to the leader."),
    ),
    "approve": (
        CommentForm,
        lambda f, ledger, u: services.ledger_approve(
            actor=u, ledger_id=ledger.pk, comment=f.cleaned_data["comment"]
        ),
        gettext_lazy("The ledger is approved: the units are asked to confirm their lists."),
    ),
    "return": (
        ReasonForm,
        lambda f, ledger, u: services.ledger_return(
            actor=u, ledger_id=ledger.pk, reason=f.cleaned_data["reason"]
        ),
        gettext_lazy("The ledger is returned to the office."),
    ),
    "confirm": (
        EmptyForm,
        lambda f, ledger, u: services.ledger_confirm(actor=u, ledger_id=ledger.pk),
        gettext_lazy("Your unit's list is confirmed."),
    ),
    "object": (
        ObjectionForm,
        lambda f, ledger, u: services.ledger_object(
            actor=u, ledger_id=ledger.pk, objection=f.cleaned_data["objection"]
        ),
        gettext_lazy("Your objection is sent to the office."),
    ),
    "check": (
        EmptyForm,
        lambda f, ledger, u: services.mid_year_check(actor=u, ledger_id=ledger.pk),
        gettext_lazy("The mid-year check is done."),
    ),
    "note": (
        NoteForm,
        lambda f, ledger, u: services.note_add(
            actor=u, ledger_id=ledger.pk, text=f.cleaned_data["text"], entry_id=f.cleaned_data["entry"]
        ),
        gettext_lazy("The record is kept."),
    ),
    "close": (
        EmptyForm,
        lambda f, ledger, u: services.ledger_close(actor=u, ledger_id=ledger.pk),
        gettext_lazy("The year is closed and its figures are frozen."),
    ),
}


def _refused(
    request: HttpRequest, user: User, ledger_id: int, error: DomainError, form: str, target: int | None = None
) -> HttpResponse:
    ledger = LedgerYear.objects.get(pk=ledger_id)  # the services changed nothing: read it again as it is
    context = _ledger_context(user, ledger) | {
        "refusal": refusal_of(error, form, target, values=request.POST)
    }
    return render_refused(request, "evaluation/ledger.html", context, error)


@login_required
@require_POST
def ledger_act(request: HttpRequest, ledger_id: int, action: str) -> HttpResponse:
    user = user_of(request)
    ledger = _ledger_or_404(user, ledger_id)
    if action not in LEDGER_ACTIONS:
        raise Http404
    form_class, run, done = LEDGER_ACTIONS[action]
    form = form_class(request.POST)
    try:
        cleaned(form)
        answer = run(form, ledger, user)
        message = answer if isinstance(answer, str) else str(done)
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        return _refused(request, user, ledger.pk, error, action)
    messages.success(request, message)
    return redirect(reverse("evaluation-ledger", args=[ledger.pk]) + f"#{action}")


ENTRY_ACTIONS: dict[str, tuple[Callable[[User, int, str], Any], Any]] = {
    "remove": (
        lambda u, entry_id, reason: services.ledger_entry_remove(actor=u, entry_id=entry_id, reason=reason),
        gettext_lazy("The task is taken off the ledger."),
    ),
    "carry": (
        lambda u, entry_id, reason: services.carry_over(actor=u, entry_id=entry_id, reason=reason),
        gettext_lazy("The task is carried over to next year, with its reason."),
    ),
}


@login_required
@require_POST
def entry_act(request: HttpRequest, entry_id: int, action: str) -> HttpResponse:
    user = user_of(request)
    entry = LedgerEntry.objects.filter(pk=checked_id(entry_id)).first()
    if entry is None or action not in ENTRY_ACTIONS:
        raise Http404
    ledger = _ledger_or_404(user, entry.ledger_year_id)
    if not selectors.entries_for(user, ledger).filter(pk=entry.pk).exists():
        raise Http404
    data = cleaned(ReasonForm(request.POST))
    try:
        run, done = ENTRY_ACTIONS[action]
        run(user, entry.pk, data["reason"])
        message = str(done)
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        return _refused(request, user, ledger.pk, error, action, entry.pk)
    messages.success(request, message)
    return redirect(reverse("evaluation-ledger", args=[ledger.pk]) + "#entries")


@login_required
@require_POST
def objection_answer(request: HttpRequest, confirmation_id: int) -> HttpResponse:
    user = user_of(request)
    confirmation = LedgerConfirmation.objects.filter(pk=checked_id(confirmation_id)).first()
    if confirmation is None:
        raise Http404
    ledger = _ledger_or_404(user, confirmation.ledger_year_id)
    if not selectors.confirmations_for(user, ledger).filter(pk=confirmation.pk).exists():
        raise Http404
    data = cleaned(ReplyForm(request.POST))
    try:
        services.objection_answer(actor=user, confirmation_id=confirmation.pk, reply=data["reply"])
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        return _refused(request, user, ledger.pk, error, "answer", confirmation.pk)
    messages.success(request, _("The answer is sent; the unit is asked to confirm again."))
    return redirect(reverse("evaluation-ledger", args=[ledger.pk]) + "#confirmations")


@login_required
@require_POST
def explanation_answer(request: HttpRequest, explanation_id: int) -> HttpResponse:
    user = user_of(request)
    explanation = (
        ExplanationRequest.objects.select_related("mid_year_check")
        .filter(pk=checked_id(explanation_id))
        .first()
    )
    if explanation is None:
        raise Http404
    ledger = _ledger_or_404(user, explanation.mid_year_check.ledger_year_id)
    data = cleaned(AnswerForm(request.POST))
    try:
        services.explanation_give(actor=user, explanation_id=explanation.pk, answer=data["answer"])
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        return _refused(request, user, ledger.pk, error, "explain", explanation.pk)
    messages.success(request, _("Your explanation is sent to the office."))
    return redirect(reverse("evaluation-ledger", args=[ledger.pk]) + "#explanations")
