"""The item page's procedure sections: on-site verification, the consolidated report of a complex item, the units'
implementation plans and milestones, progress reports waiting for the unit head, spot re-checks — and the pages
and endpoints their forms post to (thin: form → one service → redirect; on an error the item page again, with the
form bound and the error beside it, under the error's status).

The spot re-checks page (/rechecks/) lists the office's re-checks by batch, with the draw form and a form per
re-check still to record."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ducha.common import error_codes as codes
from ducha.common.errors import DomainError, NotFound, ValidationFailed
from ducha.items import lifecycle, procedure_selectors, services
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import ConsolidatedStatus, Item, Milestone, Recheck, Report
from ducha.orgs.models import Role, User
from ducha.workbench.forms.procedure import (
    ConsolidatedDecideForm,
    ConsolidatedForm,
    PlanForm,
    ProcedureFlagsForm,
    ProgressCheckForm,
    RecheckDrawForm,
    RecheckRecordForm,
    SiteCheckForm,
)
from ducha.workbench.views.items.actions import field_errors
from ducha.workbench.views.items.base import item_or_404, user_of

# Set on the request by a failed POST, read by procedure_context: (form key, bound form, error).
_FAILED = "_procedure_failed"


def _ok(check: Callable[[Item, User], str | None], item: Item, user: User) -> bool:
    return check(item, user) is None


def procedure_context(
    request: HttpRequest, item: Item, user: User, *, data: procedure_selectors.ItemProcedure | None = None
) -> dict[str, Any]:
    """What the section's template reads; empty when it has nothing to show. `data`: the steps already read (the
    item's record, a copy of its own: the held progress reports are narrowed here), else read here."""
    if data is None:
        data = procedure_selectors.item_procedure(item)
    is_office = _ok(lifecycle.office, item, user)
    is_leader = _ok(lifecycle.leader, item, user)
    own = lifecycle.assignment_for(item, user)
    pending_consolidated = next(
        (r for r in data.consolidated_reports if r.status == ConsolidatedStatus.PENDING_LEADER), None
    )
    failed_key, failed_form, failed_error = getattr(request, _FAILED, (None, None, None))

    def form(key: str, form_class: type[Form], **kwargs: Any) -> Form:
        if key == failed_key and failed_form is not None:
            return failed_form
        return form_class(**kwargs)

    forms: dict[str, Any] = {}
    if is_office and item.status not in ItemStatus.finished():
        forms["flags"] = form(
            "flags",
            ProcedureFlagsForm,
            initial={
                "site_check_required": item.site_check_required,
                "is_complex": item.is_complex,
                "progress_check_by_head": item.progress_check_by_head,
            },
        )
    if (is_office or is_leader) and item.status in (ItemStatus.UNDER_REVIEW, ItemStatus.ACCEPTED):
        forms["site_check"] = form("site_check", SiteCheckForm)
    if (
        is_office
        and item.is_complex
        and item.status == ItemStatus.UNDER_REVIEW
        and pending_consolidated is None
    ):
        forms["consolidated"] = form("consolidated", ConsolidatedForm)
    if is_leader and pending_consolidated is not None:
        forms["consolidated_decide"] = form("consolidated_decide", ConsolidatedDecideForm)
    own_plan = next((p for p in data.plans if own is not None and p.assignment_id == own.pk), None)
    if own is not None and own.signed_at is not None and item.status in ItemStatus.running():
        own_milestones = [m for m in data.milestones if m.unit_id == own.unit_id]
        forms["plan"] = form(
            "plan",
            PlanForm,
            initial={
                "text": own_plan.text if own_plan else "",
                "milestones": "\n".join(f"{m.due_date.isoformat()} {m.title}" for m in own_milestones),
            },
        )
    # A progress report the head has not let through is its own unit's business only.
    data.held_progress = [
        r for r in data.held_progress if own is not None and r.assignment.unit_id == own.unit_id
    ]
    may_check = user.has_role(Role.UNIT_HEAD) and user.unit_id is not None
    checkable = [r for r in data.held_progress if may_check and r.assignment.unit_id == user.unit_id]
    for report in checkable:
        report.check_form = form(  # type: ignore[attr-defined]
            f"progress_check-{report.pk}", ProgressCheckForm, prefix=f"progress_check-{report.pk}"
        )
    shown = any(
        [
            data.site_checks,
            data.consolidated_reports,
            data.plans,
            data.milestones,
            data.held_progress,
            data.rechecks,
            forms,
            item.site_check_required,
            item.is_complex,
        ]
    )
    if not shown:
        return {}
    return {
        "procedure": {
            "data": data,
            "forms": forms,
            "error": failed_error,
            "error_key": failed_key,
            "pending_consolidated": pending_consolidated,
            "checkable": checkable,
            "own_unit_id": own.unit_id if own is not None else None,
            "may_mark_done": own is not None and item.status in ItemStatus.running(),
            "milestones_by_unit": _milestones_by_unit(data.milestones),
        }
    }


def _milestones_by_unit(milestones: list[Milestone]) -> dict[int, list[Milestone]]:
    grouped: dict[int, list[Milestone]] = {}
    for milestone in milestones:
        assert milestone.unit_id is not None
        grouped.setdefault(milestone.unit_id, []).append(milestone)
    return grouped


def _item_of(user: User, model: type[Any], pk: int, item_id: int | None = None) -> Item:
    """The item of the row addressed by id, in the user's scope (and the one in the URL), else 404."""
    try:
        item = procedure_selectors.item_of_for_user(user, model, pk)
    except NotFound:
        raise Http404 from None
    if item_id is not None and item.pk != item_id:
        raise Http404
    return item


# --- the endpoints -----------------------------------------------------------------------------------------------


def _post(
    request: HttpRequest,
    item_id: int,
    key: str,
    form: Form,
    run: Callable[[User, dict[str, Any]], object],
    done: str,
) -> HttpResponse:
    """Validate `form`, run the service; redirect back to the section, or render the item page with the form."""
    from ducha.workbench.views.items.page import render_item_page  # the page imports this module

    user = user_of(request)
    item_or_404(user, item_id, record_view=False)
    error: DomainError | None = None
    if form.is_valid():
        try:
            run(user, form.cleaned_data)
        except DomainError as exc:
            error = exc
            field_errors(form, exc)
    else:
        error = ValidationFailed(codes.INVALID_INPUT)
    if error is None:
        messages.success(request, done)
        return redirect(reverse("item-detail", args=[item_id]) + "#procedure")
    setattr(request, _FAILED, (key, form, error))
    response = render_item_page(request, item_or_404(user, item_id, record_view=False))
    response.status_code = error.status
    return response


@login_required
@require_POST
def procedure_flags(request: HttpRequest, item_id: int) -> HttpResponse:
    return _post(
        request,
        item_id,
        "flags",
        ProcedureFlagsForm(request.POST),
        lambda user, data: services.item_procedure_set(item_id=item_id, actor=user, **data),
        _("The steps of the procedure were saved."),
    )


@login_required
@require_POST
def site_check_record(request: HttpRequest, item_id: int) -> HttpResponse:
    return _post(
        request,
        item_id,
        "site_check",
        SiteCheckForm(request.POST, request.FILES),
        lambda user, data: services.item_site_check_record(item_id=item_id, actor=user, **data),
        _("The on-site verification was recorded."),
    )


@login_required
@require_POST
def consolidated_submit(request: HttpRequest, item_id: int) -> HttpResponse:
    return _post(
        request,
        item_id,
        "consolidated",
        ConsolidatedForm(request.POST),
        lambda user, data: services.item_consolidated_submit(item_id=item_id, actor=user, text=data["text"]),
        _("The consolidated report was sent to the leader."),
    )


@login_required
@require_POST
def consolidated_decide(request: HttpRequest, item_id: int) -> HttpResponse:
    form = ConsolidatedDecideForm(request.POST)
    return _post(
        request,
        item_id,
        "consolidated_decide",
        form,
        lambda user, data: services.item_consolidated_decide(
            item_id=item_id, actor=user, approve=form.approve, comment=data["comment"]
        ),
        _("Your decision on the consolidated report was recorded."),
    )


@login_required
@require_POST
def plan_save(request: HttpRequest, item_id: int) -> HttpResponse:
    return _post(
        request,
        item_id,
        "plan",
        PlanForm(request.POST),
        lambda user, data: services.item_plan_save(
            item_id=item_id, actor=user, text=data["text"], milestones=data["milestones"]
        ),
        _("The implementation plan was saved."),
    )


@login_required
@require_POST
def milestone_done(request: HttpRequest, item_id: int, milestone_id: int) -> HttpResponse:
    user = user_of(request)
    _item_of(user, Milestone, milestone_id, item_id)
    return _post(
        request,
        item_id,
        "milestone",
        Form(request.POST),
        lambda user, data: services.item_milestone_done(milestone_id=milestone_id, actor=user),
        _("The milestone is marked done."),
    )


@login_required
@require_POST
def progress_check(request: HttpRequest, item_id: int, report_id: int) -> HttpResponse:
    user = user_of(request)
    _item_of(user, Report, report_id, item_id)
    key = f"progress_check-{report_id}"
    form = ProgressCheckForm(request.POST, prefix=key)
    return _post(
        request,
        item_id,
        key,
        form,
        lambda user, data: services.item_progress_check(
            report_id=report_id, actor=user, approve=form.approve, comment=data["comment"]
        ),
        _("Your check of the progress report was recorded."),
    )


# --- the spot re-checks page ---------------------------------------------------------------------------------


def _office_only(user: User) -> None:
    if not user.has_role(Role.OFFICE) or user.unit is None:
        raise PermissionDenied


def _render_rechecks(
    request: HttpRequest,
    *,
    draw_form: RecheckDrawForm | None = None,
    failed: tuple[int, RecheckRecordForm] | None = None,
    error: DomainError | None = None,
) -> HttpResponse:
    user = user_of(request)
    batch = request.GET.get("batch", "")[:40]
    before = request.GET.get("before", "")
    before_id = int(before) if before.isdigit() and 0 < int(before) <= 2**63 - 1 else None
    rows = procedure_selectors.rechecks_for_user(user, batch=batch, before_id=before_id)
    for row in rows:
        if failed is not None and failed[0] == row.pk:
            row.record_form = failed[1]  # type: ignore[attr-defined]
        elif row.result == "pending":
            row.record_form = RecheckRecordForm(prefix=f"recheck-{row.pk}")  # type: ignore[attr-defined]
    more = len(rows) == procedure_selectors.RECHECK_PAGE
    return render(
        request,
        "items/rechecks.html",
        {
            "rows": rows,
            "batch": batch,
            "batches": procedure_selectors.recheck_batches(user),
            "draw_form": draw_form or RecheckDrawForm(),
            "error": error,
            "next_before": rows[-1].pk if more else None,
        },
        status=error.status if error else 200,
    )


@login_required
@require_GET
def rechecks_page(request: HttpRequest) -> HttpResponse:
    _office_only(user_of(request))
    return _render_rechecks(request)


@login_required
@require_POST
def rechecks_draw(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    _office_only(user)
    form = RecheckDrawForm(request.POST)
    error: DomainError = ValidationFailed(codes.INVALID_INPUT)
    if form.is_valid():
        try:
            draw = services.rechecks_draw(actor=user, **form.cleaned_data)
        except DomainError as exc:
            error = exc
            field_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(count)s items drawn for batch %(batch)s (seed %(seed)s).")
                % {"count": len(draw.rechecks), "batch": draw.batch, "seed": draw.seed},
            )
            return redirect(reverse("rechecks") + "?batch=" + draw.batch)
    return _render_rechecks(request, draw_form=form, error=error)


@login_required
@require_POST
def recheck_record(request: HttpRequest, recheck_id: int) -> HttpResponse:
    user = user_of(request)
    _office_only(user)
    _item_of(user, Recheck, recheck_id)
    form = RecheckRecordForm(request.POST, prefix=f"recheck-{recheck_id}")
    error: DomainError = ValidationFailed(codes.INVALID_INPUT)
    if form.is_valid():
        try:
            services.recheck_record(recheck_id=recheck_id, actor=user, **form.cleaned_data)
        except DomainError as exc:
            error = exc
            field_errors(form, exc)
        else:
            messages.success(request, _("The re-check result was recorded."))
            return redirect(reverse("rechecks"))
    return _render_rechecks(request, failed=(recheck_id, form), error=error)


urlpatterns = [
    path("items/<int:item_id>/procedure/", procedure_flags, name="item-procedure-flags"),
    path("items/<int:item_id>/site-checks/", site_check_record, name="item-site-check"),
    path("items/<int:item_id>/consolidated/", consolidated_submit, name="item-consolidated"),
    path("items/<int:item_id>/consolidated/decide/", consolidated_decide, name="item-consolidated-decide"),
    path("items/<int:item_id>/plan/", plan_save, name="item-plan"),
    path(
        "items/<int:item_id>/milestones/<int:milestone_id>/done/", milestone_done, name="item-milestone-done"
    ),
    path("items/<int:item_id>/progress/<int:report_id>/check/", progress_check, name="item-progress-check"),
    path("rechecks/", rechecks_page, name="rechecks"),
    path("rechecks/draw/", rechecks_draw, name="rechecks-draw"),
    path("rechecks/<int:recheck_id>/", recheck_record, name="recheck-record"),
]
