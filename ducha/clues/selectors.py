"""The reads of 互联网+督查, scoped: the office and the leaders of a government see its clues and cases (the
reporter masked; the name and phone only through services.reporter_reveal); the public sees one clue by its
tracking code — its progress and the published answer, nothing about anyone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from ducha.clues.models import Answer, AnswerStatus, Case, CaseStatus, Clue, ClueStatus
from ducha.items.models import Item
from ducha.items.statuses import ItemStatus
from ducha.orgs.models import Role, Unit, User

# What a reporter reads about the progress of their clue.
PUBLIC_STATUS = {
    "received": _("Received, waiting to be handled"),
    "accepted": _("Accepted"),
    "in_progress": _("Being handled by the responsible unit"),
    "checking": _("Being checked on the spot"),
    "done": _("Handled; the answer is being prepared"),
    "answered": _("Answered"),
    "closed": _("Closed"),
    "rejected": _("Not accepted"),
}
ITEM_DONE = (ItemStatus.ACCEPTED, ItemStatus.CLOSED, ItemStatus.ARCHIVED)


def may_view(user: User) -> bool:
    """The office, the leaders and the keeper of identities of a government see its clues."""
    return user.unit is not None and user.has_role(Role.OFFICE, Role.LEADER, Role.CLUE_KEEPER)


def cases_for(government: Unit) -> QuerySet[Case]:
    return Case.objects.filter(government=government).select_related("township", "place", "unit", "item")


def clues_for(government: Unit) -> QuerySet[Clue]:
    return Clue.objects.filter(government=government).select_related("township", "place", "case")


def queue(government: Unit) -> QuerySet[Case]:
    """The triage queue: the cases waiting for a decision, urgent first, then the oldest."""
    return cases_for(government).filter(status=CaseStatus.NEW).order_by("-urgent", "first_at", "id")


def answers_to_review(government: Unit) -> QuerySet[Answer]:
    return (
        Answer.objects.filter(case__government=government, status=AnswerStatus.SUBMITTED)
        .select_related("case", "drafted_by")
        .order_by("updated_at")
    )


def progress_of(case: Case | None, item: Item | None) -> str:
    """The public progress of a case (a key of PUBLIC_STATUS)."""
    if case is None:
        return "received"
    if case.status == CaseStatus.ANSWERED:
        return "answered"
    if case.status == CaseStatus.CLOSED:
        return "closed"
    if case.status == CaseStatus.ROUTED:
        return "done" if item is not None and item.status in ITEM_DONE else "in_progress"
    if case.status == CaseStatus.CHECKING:
        return "checking"
    if case.status == CaseStatus.ACCEPTED:
        return "accepted"
    return "received"


@dataclass(frozen=True)
class PublicView:
    code: str
    submitted_at: Any
    category: str
    place: str
    progress: str
    progress_label: str
    answer: str
    answered_at: Any
    reason: str


def public_view(code: str) -> PublicView | None:
    """What the tracking code shows: when and what kind, where, the progress, the published answer or the
    reason for closing — never the reporter, the text of other clues or who handles it inside."""
    clue = (
        Clue.objects.select_related("case", "case__item", "township", "place")
        .filter(code=(code or "").strip().upper())
        .first()
    )
    if clue is None:
        return None
    case = clue.case
    if clue.status == ClueStatus.REJECTED:
        progress, reason = "rejected", clue.reject_reason
    else:
        progress = progress_of(case, case.item if case is not None else None)
        reason = case.close_reason if case is not None and progress == "closed" else ""
    answer = (
        Answer.objects.filter(case=case, status=AnswerStatus.PUBLISHED).first() if case is not None else None
    )
    township = (clue.township.short_name or clue.township.name) if clue.township is not None else ""
    place = " ".join(part for part in (township, clue.place.name if clue.place is not None else "") if part)
    return PublicView(
        code=clue.code,
        submitted_at=clue.submitted_at,
        category=clue.get_category_display(),
        place=place,
        progress=progress,
        progress_label=str(PUBLIC_STATUS[progress]),
        answer=answer.text if answer is not None else "",
        answered_at=answer.published_at if answer is not None else None,
        reason=reason,
    )
