"""An item's page: the item, its assignments with their lights, reports, extensions, disputes, attachments, child
items and timeline, with a form for each action open to the user now; the endpoint those forms post to; the
attachments.

A plain POST redirects back (PRG); an htmx POST from the to-do list gets the updated row; on an error the item
page is rendered again with that action's form bound and the error beside it, with the error's status
(400/403/409).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ducha.common import error_codes as codes
from ducha.common.errors import DomainError, ValidationFailed
from ducha.common.lifecycle import Transition
from ducha.items import lifecycle, selectors, services
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import (
    DeadlineBasis,
    Dispute,
    ExtensionStatus,
    Item,
    Report,
    ReportKind,
    ReportStatus,
)
from ducha.orgs.models import User
from ducha.workbench.forms.fields import cleaned
from ducha.workbench.forms.items import ActionContextForm, ActionForm, AttachmentForm
from ducha.workbench.views.items.actions import (
    ACTIONS,
    UNCHECKED_PROGRESS,
    action_form,
    done_message,
    field_errors,
    last_progress_by_unit,
)
from ducha.workbench.views.items.base import HTMX_TODO, is_htmx, item_or_404, user_of
from ducha.workbench.views.items.instructions import instructions_context
from ducha.workbench.views.items.procedure import procedure_context
from ducha.workbench.views.items.record import ItemRecord, NotVisible, cached_record, load_record
from ducha.workbench.views.items.todo_list import render_todo_row
from ducha.workcalendar import services as workdays


@dataclass
class ActionPanel:
    action: str
    label: Any
    form: ActionForm | None  # None: the action is a page of its own (editing)
    folded: bool
    error: DomainError | None = None
    is_refused: bool = False  # shown only to keep the user's input after a refusal; cannot be sent again


@dataclass
class ItemPage:
    """What the item page shows beside the item itself."""

    panels: list[ActionPanel]
    reports: list[Report]
    extensions: list[Any]
    disputes: list[Dispute]
    attachments: list[Any]
    children: list[Item]
    timeline: list[Any]
    others_progress: list[Report] = field(default_factory=list)
    pending_report: Report | None = None
    submitted_report: Report | None = None
    open_extension: Any = None
    open_dispute: Dispute | None = None


def may_attach(item: Item, user: User) -> bool:
    return lifecycle.attach_refusal(item, user) is None


def open_actions(item: Item, user: User) -> list[Transition]:
    """lifecycle.available_actions, with the actions whose statuses the item is not in left out first: a refusal
    checks who may act before the status (for the error it gives), so the table's every row would otherwise check
    the user's units on every page view (tests/workbench/test_item_record_cache.py holds the two to the same
    list)."""
    return [
        transition
        for transition in lifecycle.TRANSITIONS.values()
        if item.status in transition.sources and lifecycle.refusal(transition.action, item, user) is None
    ]


def render_item_page(
    request: HttpRequest,
    item: Item,
    *,
    record: ItemRecord | None = None,
    failed: str | None = None,
    failed_form: ActionForm | None = None,
    error: DomainError | None = None,
    attachment_form: AttachmentForm | None = None,
    attachment_error: DomainError | None = None,
) -> HttpResponse:
    """The item page: the item's record (`record`, from the cache, or read now) with what `user` may do and see
    of it worked out for this request."""
    user = user_of(request)
    today = timezone.localdate()
    if record is None:
        record = load_record(item, today=today)
    item = record.item
    own = lifecycle.assignment_for(item, user)
    reports = [
        report
        for report in record.reports
        if not (
            report.kind == ReportKind.PROGRESS
            and report.status in UNCHECKED_PROGRESS
            and (own is None or own.unit_id != report.assignment.unit_id)
        )
    ]
    page = ItemPage(
        panels=[],
        reports=reports,
        extensions=record.extensions,
        disputes=record.disputes,
        attachments=record.attachments,
        children=list(selectors.item_children(item, user)) if record.has_children else [],
        timeline=[],
    )
    for transition in open_actions(item, user):
        if transition.action not in ACTIONS:  # "update": a link to the edit page, no form here
            page.panels.append(ActionPanel(transition.action, transition.label, None, False))
            continue
        spec = ACTIONS[transition.action]
        if transition.action == failed and failed_form is not None:
            panel = ActionPanel(transition.action, transition.label, failed_form, spec.folded, error)
        else:
            panel = ActionPanel(
                transition.action,
                transition.label,
                action_form(transition.action, item, user, reports=reports),
                spec.folded,
            )
        page.panels.append(panel)
    page.others_progress = [
        report
        for unit_id, report in last_progress_by_unit(reports).items()
        if own is None or unit_id != own.unit_id
    ]
    completions = [r for r in reports if r.kind == ReportKind.COMPLETION]
    page.pending_report = next((r for r in completions if r.status == ReportStatus.PENDING_HEAD), None)
    page.submitted_report = next(
        (r for r in reversed(completions) if r.status in (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED)),
        None,
    )
    page.open_extension = next(
        (e for e in page.extensions if e.status in (ExtensionStatus.PENDING, ExtensionStatus.ENDORSED)), None
    )
    page.open_dispute = next((d for d in page.disputes if d.status != "ruled"), None)
    light = item.light_on(today)
    days_left = workdays.workdays_between(today, item.due_date) if item.due_date and light else None
    status = error.status if error else attachment_error.status if attachment_error else 200
    # An action that is not (or no longer) open to the user: its error on top, with what the user typed beside it
    # (read-only, to copy), so nothing typed is lost.
    refused = None
    if error and failed and not any(p.action == failed for p in page.panels):
        label = lifecycle.TRANSITIONS[failed].label if failed in lifecycle.TRANSITIONS else failed
        refused = ActionPanel(failed, label, failed_form, False, error, is_refused=True)
    return render(
        request,
        "items/detail.html",
        {
            "user": user,  # itself, not the request's lazy stand-in (user_of)
            "item": item,
            "page": page,
            "actions": page.panels,
            "refused": refused,
            "may_attach": may_attach(item, user),
            "attachment_form": attachment_form or AttachmentForm(),
            "attachment_error": attachment_error,
            # The record's sections, rendered once for everyone who may see the item (record.py).
            "record_html": {name: mark_safe(html) for name, html in record.html.items()},
            "light": light,
            "days_left": days_left,
            "overdue_by": -days_left if days_left is not None and days_left < 0 else 0,
            "today": today,
            # 催办: the office chases the units of a running item; every reminder and chase is listed.
            "may_chase": item.status in ItemStatus.running() and lifecycle.office(item, user) is None,
            # The sections of the daily work (批示, procedure steps), each from its own module.
            **instructions_context(
                request, item, user, instructions=record.instructions, reports=record.reports
            ),
            **procedure_context(request, item, user, data=record.procedure),
        },
        status=status,
    )


def _label(name: str) -> Any:
    return getattr(Item._meta.get_field(name), "verbose_name", name)


def _date(value: datetime.date | None) -> str:
    return value.isoformat() if value else ""


def _moment(value: datetime.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def item_facts(item: Item) -> list[tuple[Any, Any]]:
    """The item's short fields, labelled with the model's verbose names, in the order a reader wants them."""
    deadline = (
        _("%(days)s working days from assignment") % {"days": item.deadline_workdays}
        if item.deadline_basis == DeadlineBasis.WORKDAYS and item.deadline_workdays
        else item.get_deadline_basis_display()
    )
    facts: list[tuple[Any, Any]] = [
        (_label("number"), item.number),
        (_label("status"), item.get_status_display()),
        (_label("government"), item.government.name),
        (_label("source_type"), item.get_source_type_display()),
        (_label("source_reference"), item.source_reference),
        (_label("source_date"), _date(item.source_date)),
        (_label("approval_basis"), item.get_approval_basis_display()),
        (_label("approver"), item.approver.display_name if item.approver else ""),
        (_label("leader_in_charge"), item.leader_in_charge.display_name if item.leader_in_charge else ""),
        (_label("approved_at"), _moment(item.approved_at)),
        (_label("urgency"), item.get_urgency_display()),
        (_label("confidentiality"), item.get_confidentiality_display()),
        (_label("deadline_basis"), deadline),
        (_label("due_date"), _date(item.due_date)),
        (_label("warn_date"), _date(item.warn_date)),
        (_label("assigned_at"), _moment(item.assigned_at)),
        (_label("progress_cycle"), item.get_progress_cycle_display() if item.progress_cycle else ""),
        (_label("completed_at"), _moment(item.completed_at)),
        (_label("closed_at"), _moment(item.closed_at)),
        (_label("archived_at"), _moment(item.archived_at)),
        (_label("created_by"), item.created_by.display_name),
        (_label("created_at"), _moment(item.created_at)),
    ]
    if item.parent_id:
        assert item.parent is not None
        facts.insert(3, (_label("parent"), f"{item.parent.number} {item.parent.title}".strip()))
        facts.insert(
            4, (_label("delegating_unit"), item.delegating_unit.name if item.delegating_unit else "")
        )
    return facts


def item_texts(item: Item) -> list[tuple[Any, str]]:
    """The item's long texts that have something in them."""
    texts = [
        (_label("content"), item.content),
        (_label("requirements"), item.requirements),
        (_label("latest_progress"), item.latest_progress),
        (_label("closing_opinion"), item.closing_opinion),
        (_label("rejection_reason"), item.rejection_reason),
        (_label("cancel_reason"), item.cancel_reason),
    ]
    return [(label, text) for label, text in texts if text]


@login_required
def item_detail(request: HttpRequest, item_id: int) -> HttpResponse:
    user = user_of(request)
    try:
        record = cached_record(user, item_id)
    except NotVisible:
        raise Http404 from None
    if record is not None:
        return render_item_page(request, record.item, record=record)
    return render_item_page(request, item_or_404(user, item_id))


def _safe_next(taken_from: dict[str, Any], default: str) -> str:
    return reverse("home") if taken_from["return_to"] == "home" else default


@login_required
@require_POST
def item_act(request: HttpRequest, item_id: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    user = user_of(request)
    item = item_or_404(user, item_id, record_view=False)
    form = action_form(action, item, user, request.POST)
    error: DomainError | None = lifecycle.refusal(action, item, user)
    if error is None:
        if form.is_valid():
            try:
                ACTIONS[action].run(item, user, form.cleaned_data)
            except DomainError as exc:
                error = exc
                field_errors(form, exc)
        else:
            error = ValidationFailed(codes.INVALID_INPUT)
    taken_from = cleaned(ActionContextForm(request.POST))
    from_todo = taken_from["context"] == HTMX_TODO
    if error is None:
        label = lifecycle.TRANSITIONS[action].label
        if is_htmx(request) and from_todo:
            return render_todo_row(request, item_id, done=action)
        messages.success(request, done_message(action, label, form.cleaned_data))
        return redirect(_safe_next(taken_from, reverse("item-detail", args=[item_id]) + "#item-status"))
    if is_htmx(request) and from_todo:
        typed = form["text"].value() if "text" in form.fields else None
        return render_todo_row(request, item_id, error=error, typed=typed)
    item = item_or_404(user, item_id, record_view=False)
    return render_item_page(request, item, failed=action, failed_form=form, error=error)


# --- attachments ----------------------------------------------------------------------------------------------


@login_required
@require_POST
def attachment_upload(request: HttpRequest, item_id: int) -> HttpResponse:
    user = user_of(request)
    item = item_or_404(user, item_id, record_view=False)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.item_attachment_add(item_id=item.pk, actor=user, upload=form.cleaned_data["file"])
        except DomainError as exc:
            field_errors(form, exc)
            return render_item_page(request, item, attachment_form=form, attachment_error=exc)
        messages.success(request, _("The file was attached."))
        return redirect(reverse("item-detail", args=[item_id]) + "#attachments")
    return render_item_page(
        request, item, attachment_form=form, attachment_error=ValidationFailed(codes.INVALID_INPUT)
    )


@login_required
@require_GET
def attachment_download(request: HttpRequest, item_id: int, attachment_id: int) -> FileResponse:
    item = item_or_404(user_of(request), item_id, record_view=False)
    attachment = (
        selectors.item_attachments(item).filter(pk=attachment_id).first()
        if attachment_id <= selectors.MAX_ID
        else None
    )
    if attachment is None:
        raise Http404
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name)
