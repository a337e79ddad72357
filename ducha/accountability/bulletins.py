"""Bulletins (督查通报) drafted from the facts of a period, issued as the office's numbered 公文, and the
causes-and-fixes requests they put on the criticised units as items of their own.

The draft names what the record shows — the units whose tasks came due and were late, by how much, the units
last in the period's ranking, the ones that delivered everything on time — never a secret item; the office edits
the text before the leader approves it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ducha.accountability.models import Bulletin, BulletinKind, BulletinRole
from ducha.accountability.triggers import NOT_COUNTED
from ducha.documents import services as documents
from ducha.documents.kinds import KINDS
from ducha.documents.models import Document
from ducha.evaluation.models import RunStatus, Score
from ducha.evaluation.periods import Period
from ducha.items import services as items
from ducha.items.models import ApprovalBasis, Assignment, Confidentiality, SourceType
from ducha.orgs.models import Unit, User


def _late_units(government_id: int, period: Period, today: Any) -> list[dict[str, Any]]:
    """Units whose tasks (as lead) fell due in the period and were not done by then: how many, the longest delay."""
    until = min(period.end_day, today)
    rows: Any = (
        Assignment.objects.filter(
            item__government_id=government_id,
            role="lead",
            item__due_date__gte=period.first_day,
            item__due_date__lt=until,
        )
        .exclude(item__status__in=NOT_COUNTED)
        .exclude(item__confidentiality=Confidentiality.SECRET)
        .values("unit_id", "unit__name")
        .annotate(
            due=Count("id"),
            late=Count(
                "id", filter=Q(reported_at__isnull=True) | Q(reported_at__date__gt=F("item__due_date"))
            ),
            last_due=Max("item__due_date", filter=Q(reported_at__isnull=True)),
        )
        .order_by("-late", "unit__name")
    )
    return list(rows)


def _ranking(government_id: int, period: Period) -> list[Score]:
    return list(
        Score.objects.filter(
            run__government_id=government_id,
            run__year=period.year,
            run__quarter=period.quarter,
            run__status=RunStatus.DONE,
        )
        .select_related("unit")
        .order_by("group", "rank", "unit_id")
    )


def draft_text(
    government_id: int, kind: str, year: int, quarter: int
) -> tuple[str, str, dict[str, Any], list[tuple[int, str]]]:
    """(title, text, evidence, named units with their role) of a bulletin of the period."""
    period = Period(year, quarter)
    today = timezone.localdate()
    government = Unit.objects.get(pk=government_id)
    late = _late_units(government_id, period, today)
    scores = _ranking(government_id, period)
    evidence: dict[str, Any] = {
        "period": {"year": year, "quarter": quarter},
        "as_of": today.isoformat(),
        "late": [
            {**row, "last_due": row["last_due"].isoformat() if row["last_due"] else None} for row in late
        ],
        "scores": [
            {
                "unit": s.unit_id,
                "name": s.unit.name,
                "group": s.group,
                "score": str(s.score),
                "rank": s.rank,
                "last": s.last,
            }
            for s in scores
        ],
    }
    named: list[tuple[int, str]] = []
    lines: list[str] = []
    on_time = [row for row in late if row["late"] == 0]
    behind = [row for row in late if row["late"] > 0]
    if kind in (BulletinKind.SITUATION, BulletinKind.PRAISE):
        praised = [row for row in on_time][:10]
        if praised:
            lines.append(
                _("These units delivered every task due in %(period)s on time: %(units)s.")
                % {"period": period.label, "units": "、".join(row["unit__name"] for row in praised)}
            )
        top = [s for s in scores if s.rank == 1]
        if top:
            lines.append(
                _("First in the period's evaluation: %(units)s.")
                % {"units": "、".join(f"{s.unit.name}（{s.score}）" for s in top)}
            )
        if kind == BulletinKind.PRAISE:
            named.extend((row["unit_id"], BulletinRole.PRAISED) for row in praised)
            named.extend(
                (s.unit_id, BulletinRole.PRAISED) for s in top if s.unit_id not in {u for u, _r in named}
            )
    if kind in (BulletinKind.SITUATION, BulletinKind.CRITICISM):
        for row in behind:
            lines.append(
                _("%(unit)s: %(late)s of its %(due)s tasks due in the period were not done on time.")
                % {"unit": row["unit__name"], "late": row["late"], "due": row["due"]}
            )
        last = [s for s in scores if s.last]
        if last:
            lines.append(
                _("Last in the period's evaluation: %(units)s.")
                % {"units": "、".join(f"{s.unit.name}（{s.score}）" for s in last)}
            )
        if kind == BulletinKind.CRITICISM:
            named.extend((row["unit_id"], BulletinRole.CRITICISED) for row in behind)
            named.extend(
                (s.unit_id, BulletinRole.CRITICISED) for s in last if s.unit_id not in {u for u, _r in named}
            )
            lines.append(
                _(
                    "The units criticised are to report the causes and their fixes to the supervision office by the date set."
                )
            )
    if not lines:
        lines.append(_("Nothing to report for %(period)s.") % {"period": period.label})
    titles = {
        BulletinKind.PRAISE: _("Bulletin of praise on the delivery of supervised work, %(period)s"),
        BulletinKind.CRITICISM: _("Bulletin of criticism on the delivery of supervised work, %(period)s"),
        BulletinKind.SITUATION: _("Bulletin on the delivery of supervised work, %(period)s"),
    }
    title = titles[BulletinKind(kind)] % {"period": period.label}
    text = "\n".join([f"{government.name}：", *lines])
    return title, text, evidence, named


def issue_document(
    actor: User, bulletin: Bulletin, *, contact_name: str = "", contact_phone: str = ""
) -> Document:
    """The bulletin as the office's numbered 督查通报 (documents' bulletin kind), addressed to the units named."""
    named = list(bulletin.units.select_related("unit").order_by("role", "unit__sort_order"))
    inputs = {"title": bulletin.title, "body": bulletin.text}
    if named:
        inputs["copy_to"] = "，".join(row.unit.name for row in named)
    if contact_name:
        inputs["contact_name"] = contact_name
    if contact_phone:
        inputs["contact_phone"] = contact_phone
    return documents.document_issue(
        kind=KINDS["bulletin"], subject=bulletin.government, actor=actor, inputs=inputs
    )


def fixes_items_create(actor: User, bulletin: Bulletin) -> None:
    """Each criticised unit's causes-and-fixes request: an item approved with the bulletin by its leader, assigned
    with the bulletin's due date — chased like any other."""
    for row in bulletin.units.filter(role=BulletinRole.CRITICISED).select_related("unit"):
        item = items.item_create(
            actor=actor,
            title=(_("Causes and fixes: %(title)s") % {"title": bulletin.title})[:200],
            source_type=SourceType.LEADER_ASSIGNMENT,
            lead_unit_id=row.unit_id,
            content=_(
                "The bulletin %(number)s criticised your unit. Report the causes and the fixes you have made by %(day)s."
            )
            % {
                "number": bulletin.number,
                "day": bulletin.fixes_due.isoformat() if bulletin.fixes_due else "",
            },
            source_reference=bulletin.number,
            approval_basis=ApprovalBasis.HEAD_INSTRUCTION,
            due_date=bulletin.fixes_due,
        )
        items.item_submit(item_id=item.pk, actor=actor)
        assert bulletin.approved_by is not None
        items.item_approve(
            item_id=item.pk,
            actor=bulletin.approved_by,
            comment=_("Approved with the bulletin %(number)s.") % {"number": bulletin.number},
        )
        items.item_assign(item_id=item.pk, actor=actor, due_date=bulletin.fixes_due)
        row.fixes_item = item
        row.save(update_fields=["fixes_item"])
