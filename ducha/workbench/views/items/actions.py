"""The actions open on an item (ducha.items.lifecycle): for each, the form that reads it (ducha.workbench.forms.items)
and the service it calls. The item page shows a form per action available to the user; every form posts to the
one endpoint `items/<id>/act/<action>/` (item_page.item_act)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from ducha.common.errors import DomainError
from ducha.items import lifecycle, services
from ducha.items.models import Item, Report, ReportKind, ReportStatus
from ducha.items.services.review import unsigned_co_units
from ducha.orgs.models import User
from ducha.workbench.forms.items import (
    ActionForm,
    AssignForm,
    CommentForm,
    DelegateForm,
    DisputeCoordinateForm,
    DisputeEscalateForm,
    DisputeRuleForm,
    EmptyForm,
    ExtensionDecideForm,
    ExtensionRequestForm,
    ProgressForm,
    ReasonForm,
    ReportForm,
    ReviewForm,
    delegate_targets,
)

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


# --- actions with outcomes: one submit button per outcome, and a message per outcome ------------------------


@dataclass(frozen=True)
class Outcome:
    """One way an action can end: its submit button says what will happen, its message what was done."""

    value: str  # the value of the form's outcome field
    button: Promise
    done: Promise
    is_danger: bool = False


# The form field that carries the outcome; with buttons it is sent by the button pressed, so it needs no radio
# and no script (a form without JavaScript still works).
OUTCOME_FIELD = "decision"
OUTCOMES: dict[str, tuple[Outcome, ...]] = {
    "review": (
        Outcome(
            "accept",
            pgettext_lazy("review button", "Accept"),
            pgettext_lazy("review done", "Accepted."),
        ),
        Outcome(
            "return",
            pgettext_lazy("review button", "Return to be redone"),
            pgettext_lazy("review done", "Returned to be redone."),
            is_danger=True,
        ),
    ),
    "extension_decide": (
        Outcome(
            ExtensionDecideForm.GRANT,
            pgettext_lazy("extension button", "Grant the extension"),
            pgettext_lazy("extension done", "The extension is granted."),
        ),
        Outcome(
            ExtensionDecideForm.REFUSE,
            pgettext_lazy("extension button", "Refuse the extension"),
            pgettext_lazy("extension done", "The extension is refused."),
            is_danger=True,
        ),
    ),
}


def done_message(action: str, label: object, data: dict[str, Any]) -> str:
    """The flash message after an action succeeded: what was done, per outcome where the action has several."""
    chosen = data.get(OUTCOME_FIELD)
    for outcome in OUTCOMES.get(action, ()):
        if outcome.value == chosen:
            return str(outcome.done)
    return _("Done: %(action)s.") % {"action": label}


# A progress report the unit head has not let through (004 §3(4)): its own unit sees it, nobody else.
UNCHECKED_PROGRESS = frozenset({ReportStatus.PENDING_HEAD, ReportStatus.RETURNED_BY_HEAD})


def last_progress_by_unit(reports: list[Report]) -> dict[int, Report]:
    """Each unit's latest progress report that counts (reports come oldest first): one still waiting for, or
    returned by, the unit head's check does not."""
    latest: dict[int, Report] = {}
    for report in reports:
        if report.kind == ReportKind.PROGRESS and report.status not in UNCHECKED_PROGRESS:
            latest[report.assignment.unit_id] = report
    return latest


def action_form(
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
        # The unit the user acts for passes the item on (the government, when its office acts for it).
        acting = lifecycle.acting_unit(item, user)
        kwargs["targets"] = delegate_targets(acting, item.government) if acting is not None else []
    if action == "extension_decide" and data is None:
        kwargs["initial"] = {"decision": ExtensionDecideForm.GRANT}
    form = spec.form_class(data, **kwargs)
    if action == "review":
        review_warning(form, item)
    # The outcome buttons replace the outcome field in the panel (items/partials/action_panel.html).
    form.outcomes = OUTCOMES.get(action, ())  # type: ignore[attr-defined]
    form.outcome_name = form.add_prefix(OUTCOME_FIELD)  # type: ignore[attr-defined]
    shown = [name for name in form.fields if not (form.outcomes and name == OUTCOME_FIELD)]  # type: ignore[attr-defined]
    form.has_required = any(  # type: ignore[attr-defined]
        form.fields[name].required and not form.fields[name].widget.is_hidden for name in shown
    )
    return form


def review_warning(form: ActionForm, item: Item) -> None:
    """Before the office accepts: the co-units that never signed for the item. Acceptance is not refused (the
    review's audit event records them), but the reviewer is told, beside the opinion they write."""
    unsigned = unsigned_co_units(item)
    form.unsigned_co_units = unsigned  # type: ignore[attr-defined]
    if unsigned and "opinion" in form.fields:
        names = "、".join(assignment.unit.name for assignment in unsigned)
        form.fields["opinion"].help_text = _(
            "Warning: these co-units never signed for the item: %(units)s. Accepting records this."
        ) % {"units": names}


def field_errors(form: Any, error: DomainError) -> None:
    """Put a service's field errors on the form's fields where the names match."""
    if not hasattr(form, "cleaned_data"):
        return
    for name, message in error.fields.items():
        form.add_error(name if name in form.fields else None, message)
