"""The workbench (工作台): the user's to-do list, an item's page with the actions open to the user now, and the
create/edit form. Thin views: forms parse, services write (a DomainError is shown next to the form that caused it,
with the user's input kept), selectors read and scope.

Every action posts to one endpoint, `items/<id>/act/<action>/`. A plain POST redirects back (PRG); an htmx POST
from the to-do list gets the updated row; on an error the item page is rendered again with that action's form
bound and the error beside it, with the error's status (400/403/409).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import prefetch_related_objects
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ducha.common import error_codes as codes
from ducha.common.errors import DomainError, NotFound, ValidationFailed
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
from ducha.orgs.models import Role, Unit, User
from ducha.reminders.selectors import item_reminder_log, item_timeline
from ducha.workbench import todo
from ducha.workbench.forms.items import (
    BLANK_ROWS,
    SOURCE_REFERENCE_HINTS,
    ActionForm,
    AssignForm,
    AttachmentForm,
    CommentForm,
    CoUnitFormSet,
    DelegateForm,
    DisputeCoordinateForm,
    DisputeEscalateForm,
    DisputeRuleForm,
    EmptyForm,
    ExtensionDecideForm,
    ExtensionRequestForm,
    ItemForm,
    MilestoneFormSet,
    ProgressForm,
    ReasonForm,
    ReportForm,
    ReviewForm,
    delegate_targets,
    government_units,
    grouped_unit_choices,
    item_initial,
)
from ducha.workcalendar import services as workdays

HTMX_TODO = "todo"


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))  # set by django_htmx's middleware


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _item_or_404(user: User, item_id: int, *, record_view: bool = True) -> Item:
    try:
        return selectors.get_item_for_user(user, item_id, record_view=record_view)
    except NotFound:
        raise Http404 from None


def _government(user: User) -> Unit:
    if user.unit is None or user.unit.government is None:
        raise PermissionDenied
    return user.unit.government


# --- the to-do list -------------------------------------------------------------------------------------------


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    today = timezone.localdate()
    sections = todo.todo_for_user(user, today)
    selectors.record_secret_reads([row.item for section in sections for row in section.rows], user)
    try:
        page = selectors.item_list_for_user(
            user,
            status=[s for s in request.GET.getlist("status") if s in ItemStatus.values],
            keyword=request.GET.get("q", "").strip(),
            cursor=request.GET.get("cursor") or None,
            limit=20,
        )
    except DomainError:
        page = selectors.item_list_for_user(user, limit=20)
    selectors.record_secret_reads(page.items, user)
    return render(
        request,
        "items/home.html",
        {
            "sections": sections,
            "waiting": sum(section.total for section in sections),
            "page": page,
            "today": today,
            "q": request.GET.get("q", ""),
            "may_create": user.has_role(Role.OFFICE),
        },
    )


# --- actions --------------------------------------------------------------------------------------------------

Run = Callable[[Item, User, dict[str, Any]], object]


@dataclass(frozen=True)
class ActionSpec:
    form_class: type[ActionForm]
    run: Run
    # Rarely used or far-reaching actions are folded away until opened (or until they fail).
    folded: bool = False


def _extension_decide(item: Item, user: User, data: dict[str, Any]) -> object:
    return services.item_extension_decide(
        item_id=item.pk,
        actor=user,
        grant=data["decision"] == ExtensionDecideForm.GRANT,
        comment=data.get("comment", ""),
        due_date=data.get("due_date"),
    )


def _review(item: Item, user: User, data: dict[str, Any]) -> object:
    return services.item_review(
        item_id=item.pk,
        actor=user,
        decision=data["decision"],
        opinion=data["opinion"],
        **{check: bool(data.get(check)) for check in ReviewForm.CHECKS},
    )


ACTIONS: dict[str, ActionSpec] = {
    "submit": ActionSpec(EmptyForm, lambda i, u, d: services.item_submit(item_id=i.pk, actor=u)),
    "approve": ActionSpec(
        CommentForm, lambda i, u, d: services.item_approve(item_id=i.pk, actor=u, comment=d["comment"])
    ),
    "reject": ActionSpec(
        ReasonForm, lambda i, u, d: services.item_reject(item_id=i.pk, actor=u, reason=d["reason"])
    ),
    "revise": ActionSpec(EmptyForm, lambda i, u, d: services.item_revise(item_id=i.pk, actor=u)),
    "assign": ActionSpec(
        AssignForm,
        lambda i, u, d: services.item_assign(
            item_id=i.pk, actor=u, deadline_workdays=d.get("deadline_workdays"), due_date=d.get("due_date")
        ),
    ),
    "sign": ActionSpec(EmptyForm, lambda i, u, d: services.item_sign(item_id=i.pk, actor=u)),
    "progress": ActionSpec(
        ProgressForm,
        lambda i, u, d: services.item_progress(
            item_id=i.pk, actor=u, text=d["text"], is_final=bool(d.get("is_final"))
        ),
    ),
    "report": ActionSpec(
        ReportForm, lambda i, u, d: services.item_report(item_id=i.pk, actor=u, text=d["text"])
    ),
    "report_approve": ActionSpec(
        CommentForm,
        lambda i, u, d: services.item_report_approve(item_id=i.pk, actor=u, comment=d["comment"]),
    ),
    "report_return": ActionSpec(
        ReasonForm, lambda i, u, d: services.item_report_return(item_id=i.pk, actor=u, reason=d["reason"])
    ),
    "review": ActionSpec(ReviewForm, _review),
    "close": ActionSpec(
        CommentForm, lambda i, u, d: services.item_close(item_id=i.pk, actor=u, comment=d["comment"])
    ),
    "archive": ActionSpec(EmptyForm, lambda i, u, d: services.item_archive(item_id=i.pk, actor=u)),
    "cancel": ActionSpec(
        ReasonForm,
        lambda i, u, d: services.item_cancel(item_id=i.pk, actor=u, reason=d["reason"]),
        folded=True,
    ),
    "cancel_approve": ActionSpec(
        CommentForm,
        lambda i, u, d: services.item_cancel_approve(item_id=i.pk, actor=u, comment=d["comment"]),
    ),
    "cancel_refuse": ActionSpec(
        ReasonForm, lambda i, u, d: services.item_cancel_refuse(item_id=i.pk, actor=u, reason=d["reason"])
    ),
    "extension_request": ActionSpec(
        ExtensionRequestForm,
        lambda i, u, d: services.item_extension_request(
            item_id=i.pk, actor=u, reason=d["reason"], proposed_due_date=d["proposed_due_date"]
        ),
        folded=True,
    ),
    "extension_decide": ActionSpec(ExtensionDecideForm, _extension_decide),
    "delegate": ActionSpec(
        DelegateForm,
        lambda i, u, d: services.item_delegate(
            item_id=i.pk,
            actor=u,
            unit_id=d["unit"],
            title=d.get("title", ""),
            content=d.get("content", ""),
            deadline_workdays=d.get("deadline_workdays"),
            due_date=d.get("due_date"),
        ),
        folded=True,
    ),
    "dispute_escalate": ActionSpec(
        DisputeEscalateForm,
        lambda i, u, d: services.item_dispute_escalate(item_id=i.pk, actor=u, description=d["description"]),
        folded=True,
    ),
    "dispute_coordinate": ActionSpec(
        DisputeCoordinateForm,
        lambda i, u, d: services.item_dispute_coordinate(
            item_id=i.pk, actor=u, coordination=d["coordination"]
        ),
    ),
    "dispute_rule": ActionSpec(
        DisputeRuleForm,
        lambda i, u, d: services.item_dispute_rule(item_id=i.pk, actor=u, ruling=d["ruling"]),
    ),
}


def last_progress_by_unit(reports: list[Report]) -> dict[int, Report]:
    """Each unit's latest progress report (reports come oldest first)."""
    latest: dict[int, Report] = {}
    for report in reports:
        if report.kind == ReportKind.PROGRESS:
            latest[report.assignment.unit_id] = report
    return latest


def _action_form(
    action: str,
    item: Item,
    user: User,
    data: Any = None,
    *,
    reports: list[Report] | None = None,
) -> ActionForm:
    spec = ACTIONS[action]
    kwargs: dict[str, Any] = {"item": item, "prefix": action, "label_suffix": ""}
    if action == "progress":
        assignment = lifecycle.assignment_for(item, user)
        kwargs["may_be_final"] = assignment is not None and not assignment.is_lead
        if data is None and assignment is not None:
            own = last_progress_by_unit(reports or []).get(assignment.unit_id)
            kwargs["initial"] = {"text": own.text if own else ""}
    if action == "delegate":
        assert user.unit is not None
        kwargs["targets"] = delegate_targets(user.unit, item.government)
    if action == "extension_decide" and data is None:
        kwargs["initial"] = {"decision": ExtensionDecideForm.GRANT}
    return spec.form_class(data, **kwargs)


def _field_errors(form: Any, error: DomainError) -> None:
    """Put a service's field errors on the form's fields where the names match."""
    if not hasattr(form, "cleaned_data"):
        return
    for name, message in error.fields.items():
        form.add_error(name if name in form.fields else None, message)


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


def _item_page(
    request: HttpRequest,
    item: Item,
    *,
    failed: str | None = None,
    failed_form: ActionForm | None = None,
    error: DomainError | None = None,
    attachment_form: AttachmentForm | None = None,
    attachment_error: DomainError | None = None,
) -> HttpResponse:
    user = _user(request)
    today = timezone.localdate()
    reports = list(selectors.item_reports(item))
    page = ItemPage(
        panels=[],
        reports=reports,
        extensions=list(selectors.item_extensions(item)),
        disputes=list(selectors.item_disputes(item)),
        attachments=list(selectors.item_attachments(item)),
        children=list(selectors.item_children(item, user)),
        timeline=item_timeline(item),
    )
    for transition in lifecycle.available_actions(item, user):
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
                _action_form(transition.action, item, user, reports=reports),
                spec.folded,
            )
        page.panels.append(panel)
    own = lifecycle.assignment_for(item, user)
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
    assignments = list(item.assignments.all())
    prefetch_related_objects(assignments, "signed_by")
    for assignment in assignments:
        assignment.light_today = assignment.light_on(today)  # type: ignore[attr-defined]
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
            "item": item,
            "page": page,
            "actions": page.panels,
            "refused": refused,
            "may_attach": may_attach(item, user),
            "attachment_form": attachment_form or AttachmentForm(),
            "attachment_error": attachment_error,
            "facts": item_facts(item),
            "texts": item_texts(item),
            "assignments": assignments,
            "light": light,
            "days_left": days_left,
            "overdue_by": -days_left if days_left is not None and days_left < 0 else 0,
            "today": today,
            # 催办: the office chases the units of a running item; every reminder and chase is listed.
            "may_chase": item.status in ItemStatus.running() and lifecycle.office(item, user) is None,
            "reminder_log": item_reminder_log(item, limit=100),
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
    item = _item_or_404(_user(request), item_id)
    return _item_page(request, item)


def _safe_next(request: HttpRequest, default: str) -> str:
    return reverse("home") if request.POST.get("return_to") == "home" else default


def _todo_row(
    request: HttpRequest,
    item_id: int,
    *,
    done: str = "",
    error: DomainError | None = None,
    typed: str | None = None,
) -> HttpResponse:
    user = _user(request)
    section = todo.known_section(request.POST.get("section", ""))
    row = todo.todo_row_for_item(user, item_id, section, timezone.localdate())
    return render(
        request,
        "items/partials/todo_row.html",
        {"row": row, "done": done, "row_error": error, "typed": typed},
        status=error.status if error else 200,
    )


@login_required
@require_POST
def item_act(request: HttpRequest, item_id: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    user = _user(request)
    item = _item_or_404(user, item_id, record_view=False)
    form = _action_form(action, item, user, request.POST)
    error: DomainError | None = lifecycle.refusal(action, item, user)
    if error is None:
        if form.is_valid():
            try:
                ACTIONS[action].run(item, user, form.cleaned_data)
            except DomainError as exc:
                error = exc
                _field_errors(form, exc)
        else:
            error = ValidationFailed(codes.INVALID_INPUT)
    from_todo = request.POST.get("context") == HTMX_TODO
    if error is None:
        label = lifecycle.TRANSITIONS[action].label
        if _is_htmx(request) and from_todo:
            return _todo_row(request, item_id, done=action)
        messages.success(request, _("Done: %(action)s.") % {"action": label})
        return redirect(_safe_next(request, reverse("item-detail", args=[item_id]) + "#item-status"))
    if _is_htmx(request) and from_todo:
        return _todo_row(request, item_id, error=error, typed=request.POST.get(f"{action}-text"))
    item = _item_or_404(user, item_id, record_view=False)
    return _item_page(request, item, failed=action, failed_form=form, error=error)


@login_required
@require_GET
def todo_progress_form(request: HttpRequest, item_id: int) -> HttpResponse:
    """The inline progress form of a to-do row (htmx), pre-filled with the unit's last progress text."""
    user = _user(request)
    section = todo.known_section(request.GET.get("section", ""))
    try:
        row = todo.todo_row_for_item(user, item_id, section, timezone.localdate())
    except NotFound:
        raise Http404 from None
    return render(request, "items/partials/todo_progress_form.html", {"row": row})


# --- attachments ----------------------------------------------------------------------------------------------


@login_required
@require_POST
def attachment_upload(request: HttpRequest, item_id: int) -> HttpResponse:
    user = _user(request)
    item = _item_or_404(user, item_id, record_view=False)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.item_attachment_add(item_id=item.pk, actor=user, upload=form.cleaned_data["file"])
        except DomainError as exc:
            _field_errors(form, exc)
            return _item_page(request, item, attachment_form=form, attachment_error=exc)
        messages.success(request, _("The file was attached."))
        return redirect(reverse("item-detail", args=[item_id]) + "#attachments")
    return _item_page(
        request, item, attachment_form=form, attachment_error=ValidationFailed(codes.INVALID_INPUT)
    )


@login_required
@require_GET
def attachment_download(request: HttpRequest, item_id: int, attachment_id: int) -> FileResponse:
    item = _item_or_404(_user(request), item_id, record_view=False)
    attachment = (
        selectors.item_attachments(item).filter(pk=attachment_id).first()
        if attachment_id <= selectors.MAX_ID
        else None
    )
    if attachment is None:
        raise Http404
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name)


# --- create and edit ------------------------------------------------------------------------------------------


@dataclass
class ItemForms:
    item: ItemForm
    co_units: Any
    milestones: Any
    error: DomainError | None = None
    co_units_error: str = ""
    milestones_error: str = ""
    show_errors: bool = True

    def is_valid(self) -> bool:
        # All three, so that every mistake shows at once.
        results = [self.item.is_valid(), self.co_units.is_valid(), self.milestones.is_valid()]
        return all(results)

    def service_input(self) -> dict[str, Any]:
        data = dict(self.item.cleaned_data)
        lead = data.pop("lead_unit")
        data.pop("deadline_basis")
        data["progress_cycle"] = data.get("progress_cycle") or ""
        co_units = [
            services.CoUnit(unit_id=row["unit"], share=row.get("share"), share_note=row.get("share_note", ""))
            for row in self.co_units.cleaned_data
            if row.get("unit")
        ]
        milestones = [
            services.MilestoneInput(title=row["title"], due_date=row["due_date"])
            for row in self.milestones.cleaned_data
            if row.get("title")
        ]
        return {"fields": data, "lead_unit_id": lead, "co_units": co_units, "milestones": milestones}

    def show(self, error: DomainError) -> None:
        self.error = error
        for name, message in error.fields.items():
            if name == "co_units":
                self.co_units_error = message
            elif name == "milestones":
                self.milestones_error = message
            else:
                self.item.add_error(name if name in self.item.fields else None, message)


def _more_rows(data: Any, prefix: str) -> Any:
    data = data.copy()
    key = f"{prefix}-TOTAL_FORMS"
    try:
        data[key] = str(min(int(data.get(key, 0)) + BLANK_ROWS, 50))
    except ValueError:
        data[key] = str(BLANK_ROWS)
    return data


def _item_forms(
    government: Unit,
    data: Any = None,
    *,
    initial: tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]] | None = None,
) -> ItemForms:
    choices = grouped_unit_choices(government_units(government))
    fields, co_units, milestones = initial or ({}, [], [])
    co_initial = co_units + [{}] * BLANK_ROWS if data is None else None
    ms_initial = milestones + [{}] * BLANK_ROWS if data is None else None
    return ItemForms(
        item=ItemForm(data, initial=fields or None, unit_choices=choices, label_suffix=""),
        co_units=CoUnitFormSet(
            data, initial=co_initial, prefix="co", form_kwargs={"unit_choices": choices, "label_suffix": ""}
        ),
        milestones=MilestoneFormSet(data, initial=ms_initial, prefix="ms", form_kwargs={"label_suffix": ""}),
    )


def _render_item_form(
    request: HttpRequest, forms: ItemForms, *, item: Item | None, status: int = 200
) -> HttpResponse:
    today = timezone.localdate()
    return render(
        request,
        "items/item_form.html",
        {
            "forms": forms,
            "form": forms.item,
            "item": item,
            "preview": deadline_preview_text(
                basis=forms.item["deadline_basis"].value(),
                workdays_text=forms.item["deadline_workdays"].value(),
                due_text=forms.item["due_date"].value(),
                source_type=forms.item["source_type"].value(),
                urgency=forms.item["urgency"].value(),
                today=today,
            ),
            "source_hints": SOURCE_REFERENCE_HINTS,
        },
        status=status,
    )


def _save_item(request: HttpRequest, forms: ItemForms, item: Item | None) -> HttpResponse:
    user = _user(request)
    if not forms.is_valid():
        forms.error = ValidationFailed(codes.INVALID_INPUT)
        return _render_item_form(request, forms, item=item, status=400)
    given = forms.service_input()
    try:
        if item is None:
            saved = services.item_create(
                actor=user,
                lead_unit_id=given["lead_unit_id"],
                co_units=given["co_units"],
                milestones=given["milestones"],
                **given["fields"],
            )
        else:
            saved = services.item_update(
                item_id=item.pk,
                actor=user,
                lead_unit_id=given["lead_unit_id"],
                co_units=given["co_units"],
                milestones=given["milestones"],
                **given["fields"],
            )
    except DomainError as exc:
        forms.show(exc)
        return _render_item_form(request, forms, item=item, status=exc.status)
    if request.POST.get("intent") == "submit":
        try:
            services.item_submit(item_id=saved.pk, actor=user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Saved and submitted for approval."))
    else:
        messages.success(request, _("Saved as a draft."))
    return redirect("item-detail", saved.pk)


@login_required
def item_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not user.has_role(Role.OFFICE):
        raise PermissionDenied
    government = _government(user)
    if request.method != "POST":
        return _render_item_form(request, _item_forms(government), item=None)
    if "more" in request.POST:
        forms = _item_forms(government, _more_rows(request.POST, request.POST["more"]))
        forms.show_errors = False
        return _render_item_form(request, forms, item=None)
    return _save_item(request, _item_forms(government, request.POST), None)


@login_required
def item_edit(request: HttpRequest, item_id: int) -> HttpResponse:
    user = _user(request)
    item = _item_or_404(user, item_id, record_view=request.method != "POST")
    refusal = lifecycle.refusal("update", item, user)
    if refusal is not None:
        return render(request, "items/refused.html", {"item": item, "error": refusal}, status=refusal.status)
    if request.method != "POST":
        return _render_item_form(request, _item_forms(item.government, initial=item_initial(item)), item=item)
    if "more" in request.POST:
        forms = _item_forms(item.government, _more_rows(request.POST, request.POST["more"]))
        forms.show_errors = False
        return _render_item_form(request, forms, item=item)
    return _save_item(request, _item_forms(item.government, request.POST), item)


# --- live helpers of the form (htmx GET) --------------------------------------------------------------------------


@dataclass(frozen=True)
class DeadlinePreview:
    text: str
    due_date: datetime.date | None = None
    workdays: int | None = None
    is_provisional: bool = False
    provisional_note: str = ""
    is_error: bool = False


def deadline_preview_text(
    *,
    basis: Any,
    workdays_text: Any,
    due_text: Any,
    source_type: Any,
    urgency: Any,
    today: datetime.date,
) -> DeadlinePreview:
    """What the deadline would be if the item were assigned today."""
    provisional_note = _(
        "This rests on a provisional calendar: the State Council's holiday arrangement for that year has not "
        "been entered yet, so the date may still change."
    )
    if basis == DeadlineBasis.DATE:
        due = due_text if isinstance(due_text, datetime.date) else parse_date(str(due_text or ""))
        if due is None:
            return DeadlinePreview(_("Choose the due date."))
        if due <= today:
            return DeadlinePreview(str(codes.message_for(codes.DEADLINE_IN_PAST)), is_error=True)
        count = workdays.workdays_between_detailed(today, due)
        return DeadlinePreview(
            _("Due %(date)s: %(days)s working days from today.")
            % {"date": due.isoformat(), "days": count.number},
            due_date=due,
            workdays=count.number,
            is_provisional=count.is_provisional,
            provisional_note=provisional_note if count.is_provisional else "",
        )
    try:
        number = int(workdays_text) if str(workdays_text or "").strip() else None
    except ValueError:
        return DeadlinePreview(str(codes.message_for(codes.DEADLINE_WORKDAYS_RANGE)), is_error=True)
    if number is None:
        number = services.deadline_default_workdays(
            source_type=str(source_type or ""), urgency=str(urgency or "normal")
        )
    if not 1 <= number <= services.MAX_DEADLINE_WORKDAYS:
        return DeadlinePreview(str(codes.message_for(codes.DEADLINE_WORKDAYS_RANGE)), is_error=True)
    result = workdays.add_workdays_detailed(today, number)
    return DeadlinePreview(
        _("If assigned today, the due date is %(date)s (%(days)s working days).")
        % {"date": result.date.isoformat(), "days": number},
        due_date=result.date,
        workdays=number,
        is_provisional=result.is_provisional,
        provisional_note=provisional_note if result.is_provisional else "",
    )


@login_required
@require_GET
def deadline_preview(request: HttpRequest) -> HttpResponse:
    preview = deadline_preview_text(
        basis=request.GET.get("deadline_basis", DeadlineBasis.WORKDAYS),
        workdays_text=request.GET.get("deadline_workdays", ""),
        due_text=request.GET.get("due_date", ""),
        source_type=request.GET.get("source_type", ""),
        urgency=request.GET.get("urgency", ""),
        today=timezone.localdate(),
    )
    return render(request, "items/partials/deadline_preview.html", {"preview": preview})


@login_required
@require_GET
def source_hint(request: HttpRequest) -> HttpResponse:
    hint = SOURCE_REFERENCE_HINTS.get(request.GET.get("source_type", ""), "")
    return render(request, "items/partials/source_hint.html", {"hint": hint})


urlpatterns = [
    path("", home, name="home"),
    path("items/new/", item_create, name="item-create"),
    path("items/deadline-preview/", deadline_preview, name="deadline-preview"),
    path("items/source-hint/", source_hint, name="source-hint"),
    path("items/<int:item_id>/", item_detail, name="item-detail"),
    path("items/<int:item_id>/edit/", item_edit, name="item-edit"),
    path("items/<int:item_id>/act/<str:action>/", item_act, name="item-act"),
    path("items/<int:item_id>/todo-progress/", todo_progress_form, name="item-todo-progress"),
    path("items/<int:item_id>/attachments/", attachment_upload, name="item-attachment-upload"),
    path(
        "items/<int:item_id>/attachments/<int:attachment_id>/",
        attachment_download,
        name="item-attachment-download",
    ),
]
