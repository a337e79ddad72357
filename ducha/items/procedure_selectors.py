"""Reads for the procedure's steps (services/procedure.py): what an item's procedure section shows, the spot
re-checks of the office's government, and the scope check for the rows addressed by their own id (a report, a
milestone, a re-check): anything out of the caller's scope is not found."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Max, Model, Prefetch, QuerySet

from ducha.common.errors import NotFound
from ducha.items import selectors
from ducha.items.models import (
    Attachment,
    ConsolidatedReport,
    Item,
    Milestone,
    Plan,
    Recheck,
    Report,
    ReportKind,
    ReportStatus,
    SiteCheck,
)
from ducha.orgs.models import Role, User

RECHECK_PAGE = 50


@dataclass
class ItemProcedure:
    site_checks: list[SiteCheck] = field(default_factory=list)
    consolidated_reports: list[ConsolidatedReport] = field(default_factory=list)
    plans: list[Plan] = field(default_factory=list)
    milestones: list[Milestone] = field(default_factory=list)  # the units' own
    held_progress: list[Report] = field(default_factory=list)  # progress waiting for a unit head
    rechecks: list[Recheck] = field(default_factory=list)


def item_procedure(item: Item) -> ItemProcedure:
    """Everything of the procedure's steps on `item` (already fetched in scope), in a fixed number of queries."""
    return ItemProcedure(
        site_checks=list(
            SiteCheck.objects.filter(item=item)
            .select_related("recorded_by")
            .prefetch_related(Prefetch("photos", queryset=Attachment.objects.order_by("id")))
        ),
        consolidated_reports=list(
            ConsolidatedReport.objects.filter(item=item).select_related("author", "decided_by")
        ),
        plans=list(
            Plan.objects.filter(assignment__item=item)
            .select_related("assignment__unit", "author")
            .order_by("assignment__role", "assignment_id")
        ),
        milestones=list(Milestone.objects.filter(item=item, unit__isnull=False).select_related("unit")),
        held_progress=list(
            Report.objects.filter(item=item, kind=ReportKind.PROGRESS, status=ReportStatus.PENDING_HEAD)
            .select_related("assignment__unit", "author")
            .order_by("created_at", "id")
        ),
        rechecks=list(Recheck.objects.filter(item=item).select_related("item", "checked_by").order_by("-id")),
    )


def item_of_for_user(user: User, model: type[Model], pk: int) -> Item:
    """The item a row of `model` (with an `item` foreign key) belongs to, if `user` may see it; else NotFound."""
    if not 1 <= pk <= selectors.MAX_ID:
        raise NotFound()
    item_id = model._default_manager.filter(pk=pk).values_list("item_id", flat=True).first()
    if item_id is None:
        raise NotFound()
    return selectors.get_item_for_user(user, item_id, record_view=False)


def rechecks_for_user(
    user: User, *, batch: str = "", before_id: int | None = None, limit: int = RECHECK_PAGE
) -> list[Recheck]:
    """The spot re-checks of the office's government, newest first, a page at a time by keyset (`before_id`)."""
    return list(_rechecks(user, batch=batch, before_id=before_id)[:limit])


def _rechecks(user: User, *, batch: str, before_id: int | None) -> QuerySet[Recheck]:
    if not user.has_role(Role.OFFICE) or user.unit is None or user.unit.government_id is None:
        return Recheck.objects.none()
    queryset = Recheck.objects.filter(item__government_id=user.unit.government_id).select_related(
        "item", "checked_by"
    )
    if batch:
        queryset = queryset.filter(batch=batch)
    if before_id is not None:
        queryset = queryset.filter(pk__lt=before_id)
    return queryset.order_by("-id")


def recheck_batches(user: User, *, limit: int = 100) -> list[str]:
    """The batch names of the office's government, the latest first."""
    queryset = _rechecks(user, batch="", before_id=None).order_by()
    latest = queryset.values("batch").annotate(last=Max("id")).order_by("-last")[:limit]
    return [row["batch"] for row in latest]
