"""Reads: the subject a user may see, the kinds it offers and the documents issued about it.

Whoever sees an item sees its issued documents. Of an inspection, those with the full view (team, office,
leaders, lead department) see all; a target unit sees only the documents addressed to it (its 整改通知, 约谈通知,
复核决定) and the report. Drafts and the issue form are the office's (`services.may_issue`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from ducha.common.errors import NotFound
from ducha.documents import pdf
from ducha.documents.kinds import Kind, kinds_for
from ducha.documents.models import Document
from ducha.documents.services import government_of_subject, may_issue
from ducha.inspections import selectors as inspection_selectors
from ducha.items import selectors as item_selectors
from ducha.orgs.models import User
from ducha.orgs.selectors import government_of

SUBJECT_TYPES = ("item", "inspection", "plan", "government")


def subject_for_user(user: User, subject_type: str, subject_id: int) -> Any:
    """The subject if the user may see it, else NotFound. Reading a secret item's documents is a read of the item
    (and of a running unannounced inspection's): logged as the subject's own page logs it."""
    if subject_type == "item":
        return item_selectors.get_item_for_user(user, subject_id)
    if subject_type == "inspection":
        return inspection_selectors.get_inspection_for_user(user, subject_id)
    if subject_type == "plan":
        return inspection_selectors.get_plan_for_user(user, subject_id)
    if subject_type == "government":
        government = government_of(user)
        if government.pk != subject_id:
            raise NotFound()
        return government
    raise NotFound()


def _visible_q(subject: Any, subject_type: str, user: User) -> Q:
    if subject_type != "inspection" or inspection_selectors.has_full_view(subject, user):
        return Q()
    own = f"target:{user.unit_id}" if user.unit_id else "-"
    return Q(part=own) | Q(kind="inspection_report")


def documents_for(user: User, subject: Any, subject_type: str) -> QuerySet[Document]:
    """Every version issued about the subject that the user may see, newest first."""
    return (
        Document.objects.filter(subject_type=subject_type, subject_id=subject.pk)
        .filter(_visible_q(subject, subject_type, user))
        .select_related("issued_by", "previous")
        .order_by("-issued_at", "-id")
    )


def get_document_for_user(user: User, subject: Any, subject_type: str, document_id: int) -> Document:
    document = documents_for(user, subject, subject_type).filter(pk=document_id).first()
    if document is None:
        raise NotFound()
    return document


def current_document(user: User, subject: Any, subject_type: str, kind: Kind) -> Document | None:
    """The latest issued version of the kind about the subject (for a repeatable kind, the latest issued)."""
    return documents_for(user, subject, subject_type).filter(kind=kind.name).first()


@dataclass(frozen=True)
class KindState:
    """One kind as the subject's page and the API offer it."""

    kind: Kind
    unavailable: str | None  # why it cannot be made now, or None
    can_issue: bool  # the user may draft and issue it
    issued: list[Document]


def kinds_state(user: User, subject: Any, subject_type: str) -> list[KindState]:
    documents = list(documents_for(user, subject, subject_type))
    issuer = may_issue(user, government_of_subject(subject, subject_type))
    states = []
    for kind in kinds_for(subject_type):
        issued = [document for document in documents if document.kind == kind.name]
        if not issuer and not issued:
            continue
        states.append(
            KindState(kind=kind, unavailable=kind.unavailable(subject), can_issue=issuer, issued=issued)
        )
    return states


def pdf_unavailable() -> str | None:
    return pdf.pdf_unavailable()
