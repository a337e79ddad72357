"""Follow-up visits (回头看): scheduled when a rebound-prone finding's rectification is closed, and created as
proposed inspections when they fall due."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from ducha.audit.models import EventType
from ducha.inspections.models import FollowUp, Inspection, InspectionKind, InspectionRules, Rectification
from ducha.inspections.overlap import add_months
from ducha.inspections.services.base import TargetInput, record, write_targets
from ducha.orgs.models import User


def followup_schedule(rectification: Rectification, actor: User, *, scheduled_on: datetime.date) -> None:
    """The 回头看 of the rectification's finding when it is prone to rebound (once per finding), due N months after
    `scheduled_on`: the finding's own N, else the government's rule. Audit: inspection_followup_scheduled."""
    finding = rectification.finding
    if not finding.is_rebound_prone or FollowUp.objects.filter(finding=finding).exists():
        return
    months = (
        finding.followup_months
        or InspectionRules.for_government(rectification.inspection.government).followup_months
    )
    follow_up = FollowUp.objects.create(
        finding=finding,
        source_inspection=rectification.inspection,
        due_on=add_months(scheduled_on, months),
    )
    record(
        rectification.inspection,
        EventType.INSPECTION_FOLLOWUP_SCHEDULED,
        actor,
        new={"finding": finding.pk, "due_on": follow_up.due_on.isoformat()},
    )


@transaction.atomic
def followups_create(*, today: datetime.date | None = None) -> list[Inspection]:
    """Create the 回头看 that are due by `today` (default: today): one follow-up inspection per inspection followed
    up, proposed, of the findings' targets, with the findings as its basis; the office completes its 方案 and
    submits it. Safe to re-run: each scheduled follow-up is locked and marked with the inspection it produced in
    the same transaction, so a second run (or a concurrent one) creates nothing again.
    Audit: inspection_followup_created on both inspections."""
    today = today or timezone.localdate()
    due = list(
        FollowUp.objects.select_for_update()
        .filter(due_on__lte=today, created_inspection__isnull=True)
        .select_related("finding", "source_inspection__lead_unit", "source_inspection__government")
        .order_by("source_inspection_id", "id")
    )
    groups: dict[int, list[FollowUp]] = defaultdict(list)
    for follow_up in due:
        groups[follow_up.source_inspection_id].append(follow_up)
    created = []
    for follow_ups in groups.values():
        source = follow_ups[0].source_inspection
        findings = [f.finding for f in follow_ups]
        target_ids = list(dict.fromkeys(f.target_id for f in findings))
        topic = gettext("Follow-up visit: %(topic)s") % {"topic": source.topic}
        inspection = Inspection.objects.create(
            government=source.government,
            year=today.year,
            topic=topic[:200],
            kind=InspectionKind.FOLLOW_UP,
            basis="\n".join(f"{f.title}: {f.description}" for f in findings),
            follows_up=source,
            lead_unit=source.lead_unit,
            in_plan=source.in_plan,
            out_of_plan_reason=""
            if source.in_plan
            else gettext("Follow-up visit of findings prone to rebound"),
            start_date=today,
            end_date=today + datetime.timedelta(days=30),
            scope=source.scope,
        )
        write_targets(inspection, [TargetInput(pk) for pk in target_ids])
        FollowUp.objects.filter(pk__in=[f.pk for f in follow_ups]).update(
            created_inspection=inspection, updated_at=timezone.now()
        )
        details = {"source": source.pk, "findings": [f.pk for f in findings], "targets": target_ids}
        record(
            inspection,
            EventType.INSPECTION_FOLLOWUP_CREATED,
            None,
            new={"inspection": inspection.pk, **details},
        )
        record(
            source, EventType.INSPECTION_FOLLOWUP_CREATED, None, new={"inspection": inspection.pk, **details}
        )
        created.append(inspection)
    return created
