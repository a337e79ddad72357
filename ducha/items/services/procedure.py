"""Steps of the procedure beside the lifecycle (issue 16): the office's switches for them on an item; on-site
verification before acceptance (现场核验, 002 art. 5(5)); the consolidated report of a complex item closed with the
leader's approval (002 art. 5(6)); the units' own implementation plans and milestones (004 §3(3)); the unit head's
check of progress reports (004 §3(4)); spot re-checks of closed items (001 §4, 003 §3(3)).

None of these moves the item's status, so they do not run through the lifecycle table: each locks the item row,
checks who and when itself, writes, and records its audit event. The review's guards that rest on them live in
review.acceptance_refusal.
"""

from __future__ import annotations

import datetime
import math
import random
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ducha.audit.models import EventType
from ducha.common import error_codes as codes
from ducha.common.errors import InvalidState, NotFound, NotPermitted
from ducha.common.inputs import bounded_text, choice, invalid
from ducha.items import lifecycle
from ducha.items.models import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    ConsolidatedReport,
    ConsolidatedStatus,
    Item,
    Milestone,
    Plan,
    Recheck,
    RecheckResult,
    Report,
    ReportKind,
    ReportStatus,
    SiteCheck,
    SiteCheckConclusion,
)
from ducha.items.services.attachments import attachment_store
from ducha.items.services.base import MilestoneInput, lock, record
from ducha.items.statuses import ItemStatus
from ducha.orgs.models import Role, User

S = ItemStatus

FINDINGS_MAX = 5000
REPORT_TEXT_MAX = 20000
PLAN_TEXT_MAX = 5000
COMMENT_MAX = 2000
MILESTONES_MAX = 50
PHOTOS_MAX = 20
RECHECK_DRAW_MAX = 500
BATCH_NAME_MAX = 40

Check = Callable[[Item, User], str | None]


def _allow(item: Item, user: User, *checks: Check) -> None:
    """Refused (403) unless one of `checks` lets `user` act on `item`; "not your unit" wins over "role required"."""
    results = [check(item, user) for check in checks]
    if any(result is None for result in results):
        return
    raise NotPermitted(codes.NOT_YOUR_UNIT if codes.NOT_YOUR_UNIT in results else results[0] or "")


def _in_status(item: Item, statuses: frozenset[str] | set[str]) -> None:
    if item.status not in statuses:
        raise InvalidState(codes.ACTION_NOT_ALLOWED)


def _text(value: str | None, *, code: str, field: str, limit: int, required: bool = True) -> str:
    return bounded_text(value, field, limit, required_code=code if required else None)


# --- the office's switches ---------------------------------------------------------------------------------------


@transaction.atomic
def item_procedure_set(
    *,
    item_id: int,
    actor: User,
    site_check_required: bool | None = None,
    is_complex: bool | None = None,
    progress_check_by_head: bool | None = None,
) -> Item:
    """The office turns the procedure's steps on or off for an item that is not finished (None: leave as is).
    Audit: item_updated with the old and new values of what changed."""
    item = lock(item_id)
    _allow(item, actor, lifecycle.office)
    if item.status in S.finished():
        raise InvalidState(codes.ACTION_NOT_ALLOWED)
    wanted = {
        "site_check_required": site_check_required,
        "is_complex": is_complex,
        "progress_check_by_head": progress_check_by_head,
    }
    old: dict[str, bool] = {}
    new: dict[str, bool] = {}
    for name, value in wanted.items():
        if value is not None and getattr(item, name) != value:
            old[name], new[name] = getattr(item, name), value
            setattr(item, name, value)
    if new:
        item.save(update_fields=[*new, "updated_at"])
        record(item, EventType.ITEM_UPDATED, actor, old=old, new=new)
    return item


# --- on-site verification ------------------------------------------------------------------------------------------


@transaction.atomic
def item_site_check_record(
    *,
    item_id: int,
    actor: User,
    checked_on: datetime.date,
    inspectors: str,
    findings: str,
    conclusion: str,
    photos: Sequence[UploadedFile] = (),
) -> SiteCheck:
    """The office (or a leader) of the item's government records an on-site verification of a reported item
    (under_review or accepted): the day of the visit (not in the future), who went, what they found, their
    conclusion, and photos (JPEG or PNG, stored as attachments of the item pointing at the verification).
    Audit: item_site_checked."""
    item = lock(item_id)
    _allow(item, actor, lifecycle.office, lifecycle.leader)
    _in_status(item, {S.UNDER_REVIEW, S.ACCEPTED})
    if checked_on is None or checked_on > timezone.localdate():
        raise invalid(codes.SITE_CHECK_INVALID, "checked_on")
    who = _text(inspectors, code=codes.SITE_CHECK_INVALID, field="inspectors", limit=200)
    found = _text(findings, code=codes.SITE_CHECK_INVALID, field="findings", limit=FINDINGS_MAX)
    verdict = choice(conclusion, SiteCheckConclusion, "conclusion")
    if len(photos) > PHOTOS_MAX:
        raise invalid(codes.INVALID_INPUT, "photos")
    site_check = SiteCheck.objects.create(
        item=item,
        checked_on=checked_on,
        inspectors=who,
        findings=found,
        conclusion=verdict,
        recorded_by=actor,
    )
    stored = [
        attachment_store(
            item=item, actor=actor, upload=photo, site_check=site_check, images_only=True, field="photos"
        )
        for photo in photos
    ]
    record(
        item,
        EventType.ITEM_SITE_CHECKED,
        actor,
        new={
            "site_check": site_check.pk,
            "checked_on": checked_on.isoformat(),
            "conclusion": verdict,
            "photos": [attachment.pk for attachment in stored],
        },
        comment=found,
    )
    return site_check


# --- the consolidated report -----------------------------------------------------------------------------------


def unit_opinions(item: Item) -> list[dict[str, Any]]:
    """Each assigned unit's last report the office has (progress or completion; not one still with the unit
    head), lead unit first: what a consolidated report gathers."""
    latest: dict[int, Report] = {}
    reports = (
        Report.objects.filter(item=item)
        .exclude(status__in=[ReportStatus.PENDING_HEAD, ReportStatus.RETURNED_BY_HEAD])
        .order_by("created_at", "id")
    )
    for report in reports:
        latest[report.assignment_id] = report
    assignments = sorted(
        Assignment.objects.filter(item=item).select_related("unit"),
        key=lambda a: (a.role != AssignmentRole.LEAD, a.pk),
    )
    opinions = []
    for assignment in assignments:
        last = latest.get(assignment.pk)
        opinions.append(
            {
                "unit": assignment.unit_id,
                "unit_name": assignment.unit.name,
                "role": assignment.role,
                "kind": last.kind if last else "",
                "text": last.text if last else "",
                "reported_at": last.created_at.isoformat() if last else None,
            }
        )
    return opinions


@transaction.atomic
def item_consolidated_submit(*, item_id: int, actor: User, text: str) -> ConsolidatedReport:
    """The office writes the consolidated report of a complex item under review and sends it to the leader; the
    units' opinions (each unit's last report) are gathered into it as they stand. Refused while one waits.
    Audit: item_consolidated_submitted."""
    item = lock(item_id)
    _allow(item, actor, lifecycle.office)
    if not item.is_complex:
        raise InvalidState(
            codes.ACTION_NOT_ALLOWED,
            _("This item is not marked as complex: it needs no consolidated report."),
        )
    _in_status(item, {S.UNDER_REVIEW})
    body = _text(text, code=codes.TEXT_REQUIRED, field="text", limit=REPORT_TEXT_MAX)
    if item.consolidated_reports.filter(status=ConsolidatedStatus.PENDING_LEADER).exists():
        raise InvalidState(codes.CONSOLIDATED_PENDING)
    report = ConsolidatedReport.objects.create(
        item=item, text=body, opinions=unit_opinions(item), author=actor
    )
    record(
        item,
        EventType.ITEM_CONSOLIDATED_SUBMITTED,
        actor,
        new={"consolidated_report": report.pk, "units": [o["unit"] for o in report.opinions]},
        comment=body,
    )
    return report


@transaction.atomic
def item_consolidated_decide(
    *,
    actor: User,
    approve: bool,
    comment: str = "",
    report_id: int | None = None,
    item_id: int | None = None,
) -> ConsolidatedReport:
    """The leader of the item's government approves the consolidated report waiting for them, or returns it to
    the office with a reason. Give the report or the item. Audit: item_consolidated_approved / _returned."""
    if item_id is None:
        if report_id is None:
            raise NotFound()
        found = ConsolidatedReport.objects.filter(pk=report_id).values_list("item_id", flat=True).first()
        if found is None:
            raise NotFound()
        item_id = found
    item = lock(item_id)
    _allow(item, actor, lifecycle.leader)
    waiting = item.consolidated_reports.filter(status=ConsolidatedStatus.PENDING_LEADER)
    if report_id is not None:
        waiting = waiting.filter(pk=report_id)
    report = waiting.first()
    if report is None:
        raise InvalidState(codes.CONSOLIDATED_NOT_PENDING)
    said = _text(
        comment, code=codes.REASON_REQUIRED, field="comment", limit=COMMENT_MAX, required=not approve
    )
    report.status = ConsolidatedStatus.APPROVED if approve else ConsolidatedStatus.RETURNED
    report.decided_by = actor
    report.decided_at = timezone.now()
    report.leader_comment = said
    report.save(update_fields=["status", "decided_by", "decided_at", "leader_comment", "updated_at"])
    event = EventType.ITEM_CONSOLIDATED_APPROVED if approve else EventType.ITEM_CONSOLIDATED_RETURNED
    record(item, event, actor, new={"consolidated_report": report.pk}, comment=said)
    return report


# --- the units' implementation plans ----------------------------------------------------------------------------


def _own_assignment(item: Item, actor: User) -> Assignment:
    _allow(item, actor, lifecycle.assigned_unit)
    assignment = lifecycle.assignment_for(item, actor)
    assert assignment is not None
    return assignment


@transaction.atomic
def item_plan_save(*, item_id: int, actor: User, text: str, milestones: Sequence[MilestoneInput]) -> Plan:
    """An assigned unit that has signed for a running item writes or replaces its implementation plan and its
    own milestones (none later than the item's due date; a milestone kept with the same name and date stays
    done). Audit: item_plan_saved."""
    item = lock(item_id)
    assignment = _own_assignment(item, actor)
    _in_status(item, S.running())
    if assignment.signed_at is None:
        raise InvalidState(codes.NOT_SIGNED)
    body = _text(text, code=codes.PLAN_INVALID, field="text", limit=PLAN_TEXT_MAX)
    if len(milestones) > MILESTONES_MAX:
        raise invalid(codes.PLAN_INVALID, "milestones")
    for milestone in milestones:
        title = milestone.title.strip()
        late = item.due_date is not None and milestone.due_date > item.due_date
        if not title or len(title) > 200 or milestone.due_date is None or late:
            raise invalid(codes.PLAN_INVALID, "milestones")
    plan, created = Plan.objects.update_or_create(
        assignment=assignment, defaults={"text": body, "author": actor}
    )
    own = Milestone.objects.filter(item=item, unit_id=assignment.unit_id)
    done = {(m.title, m.due_date): m.completed_at for m in own if m.completed_at is not None}
    own.delete()
    Milestone.objects.bulk_create(
        [
            Milestone(
                item=item,
                unit_id=assignment.unit_id,
                title=m.title.strip(),
                due_date=m.due_date,
                completed_at=done.get((m.title.strip(), m.due_date)),
            )
            for m in milestones
        ]
    )
    record(
        item,
        EventType.ITEM_PLAN_SAVED,
        actor,
        new={
            "plan": plan.pk,
            "unit": assignment.unit_id,
            "milestones": [
                {"title": m.title.strip(), "due_date": m.due_date.isoformat()} for m in milestones
            ],
            "created": created,
        },
    )
    return plan


@transaction.atomic
def item_milestone_done(*, milestone_id: int, actor: User) -> Milestone:
    """The unit marks one of its own milestones done while the item runs. Audit: item_milestone_done."""
    item_id = Milestone.objects.filter(pk=milestone_id).values_list("item_id", flat=True).first()
    if item_id is None:
        raise NotFound()
    item = lock(item_id)
    milestone = Milestone.objects.get(pk=milestone_id)
    assignment = _own_assignment(item, actor)
    if milestone.unit_id != assignment.unit_id:
        raise NotPermitted(codes.NOT_YOUR_UNIT)
    _in_status(item, S.running())
    if milestone.completed_at is not None:
        raise InvalidState(codes.ACTION_NOT_ALLOWED, _("This milestone is marked done already."))
    milestone.completed_at = timezone.now()
    milestone.save(update_fields=["completed_at", "updated_at"])
    record(
        item,
        EventType.ITEM_MILESTONE_DONE,
        actor,
        new={"milestone": milestone.pk, "unit": milestone.unit_id, "title": milestone.title},
    )
    return milestone


# --- the unit head's check of progress reports ----------------------------------------------------------------


@transaction.atomic
def item_progress_check(*, report_id: int, actor: User, approve: bool, comment: str = "") -> Report:
    """The head of the reporting unit checks a progress report held for them (item.progress_check_by_head):
    approved, it counts — the lead unit's becomes the item's latest progress, a co-unit's final one closes its
    share; returned (with a reason), it goes back to the writer. Audit: item_progress_checked / _returned."""
    item_id = (
        Report.objects.filter(pk=report_id, kind=ReportKind.PROGRESS)
        .values_list("item_id", flat=True)
        .first()
    )
    if item_id is None:
        raise NotFound()
    item = lock(item_id)
    report = Report.objects.select_related("assignment").get(pk=report_id)
    if not actor.has_role(Role.UNIT_HEAD):
        raise NotPermitted(codes.ROLE_REQUIRED)
    if actor.unit_id is None or actor.unit_id != report.assignment.unit_id:
        raise NotPermitted(codes.NOT_YOUR_UNIT)
    if report.status != ReportStatus.PENDING_HEAD:
        raise InvalidState(codes.PROGRESS_NOT_PENDING)
    said = _text(
        comment, code=codes.REASON_REQUIRED, field="comment", limit=COMMENT_MAX, required=not approve
    )
    now = timezone.now()
    report.status = ReportStatus.RECORDED if approve else ReportStatus.RETURNED_BY_HEAD
    report.head_decided_by = actor
    report.head_decided_at = now
    report.head_comment = said
    report.save(update_fields=["status", "head_decided_by", "head_decided_at", "head_comment", "updated_at"])
    assignment = report.assignment
    if approve and report.is_final and assignment.status != AssignmentStatus.REPORTED:
        assignment.status = AssignmentStatus.REPORTED
        assignment.reported_at = now
        assignment.save(update_fields=["status", "reported_at", "updated_at"])
    if approve and assignment.is_lead and item.status in S.running():
        item.latest_progress = report.text
        item.latest_progress_at = now
        item.save(update_fields=["latest_progress", "latest_progress_at", "updated_at"])
    event = EventType.ITEM_PROGRESS_CHECKED if approve else EventType.ITEM_PROGRESS_RETURNED
    record(item, event, actor, new={"report": report.pk, "unit": assignment.unit_id}, comment=said)
    return report


# --- spot re-checks -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecheckDraw:
    batch: str
    seed: int
    rechecks: list[Recheck]


def _office_government_id(actor: User) -> int:
    if not actor.has_role(Role.OFFICE):
        raise NotPermitted(codes.ROLE_REQUIRED)
    if actor.unit is None or actor.unit.government_id is None:
        raise NotPermitted(codes.NO_GOVERNMENT)
    return actor.unit.government_id


@transaction.atomic
def rechecks_draw(
    *,
    actor: User,
    closed_from: datetime.date,
    closed_to: datetime.date,
    batch: str,
    share_percent: int | None = None,
    count: int | None = None,
    seed: int | None = None,
) -> RecheckDraw:
    """The office draws a random sample of its government's items closed in [closed_from, closed_to] (closed or
    archived), leaving out those already drawn in `batch`: `count` items, or `share_percent` of them (rounded
    up). The draw is reproducible: `random.Random(seed)` over the candidates in id order, the seed kept in each
    item's audit event. Audit: item_recheck_drawn per item."""
    government_id = _office_government_id(actor)
    name = (batch or "").strip()
    if not name or len(name) > BATCH_NAME_MAX:
        raise invalid(codes.INVALID_INPUT, "batch")
    if closed_from is None or closed_to is None or closed_from > closed_to:
        raise invalid(codes.INVALID_INPUT, "closed_to")
    if (share_percent is None) == (count is None):
        raise invalid(codes.INVALID_INPUT, "count")
    if share_percent is not None and not 1 <= share_percent <= 100:
        raise invalid(codes.INVALID_INPUT, "share_percent")
    if count is not None and not 1 <= count <= RECHECK_DRAW_MAX:
        raise invalid(codes.INVALID_INPUT, "count")
    start = timezone.make_aware(datetime.datetime.combine(closed_from, datetime.time.min))
    end = timezone.make_aware(
        datetime.datetime.combine(closed_to + datetime.timedelta(days=1), datetime.time.min)
    )
    candidates = list(
        Item.objects.filter(
            government_id=government_id,
            status__in=[S.CLOSED, S.ARCHIVED],
            closed_at__gte=start,
            closed_at__lt=end,
        )
        .exclude(rechecks__batch=name)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not candidates:
        raise InvalidState(codes.RECHECK_NONE_CLOSED)
    wanted = count if count is not None else math.ceil(len(candidates) * (share_percent or 0) / 100)
    wanted = max(1, min(wanted, len(candidates), RECHECK_DRAW_MAX))
    if seed is None:
        seed = secrets.randbits(32)
    drawn = sorted(random.Random(seed).sample(candidates, wanted))
    rechecks = Recheck.objects.bulk_create(
        [Recheck(item_id=item_id, batch=name, drawn_by=actor) for item_id in drawn]
    )
    period = {"closed_from": closed_from.isoformat(), "closed_to": closed_to.isoformat()}
    for recheck in rechecks:
        record(
            Item(pk=recheck.item_id),
            EventType.ITEM_RECHECK_DRAWN,
            actor,
            new={"recheck": recheck.pk, "batch": name, "seed": seed, "candidates": len(candidates), **period},
        )
    return RecheckDraw(batch=name, seed=seed, rechecks=rechecks)


@transaction.atomic
def recheck_record(*, recheck_id: int, actor: User, result: str, findings: str = "") -> Recheck:
    """The office records what a spot re-check found: the result holds, or problems (described). Once only.
    Audit: item_rechecked."""
    item_id = Recheck.objects.filter(pk=recheck_id).values_list("item_id", flat=True).first()
    if item_id is None:
        raise NotFound()
    item = lock(item_id)
    _allow(item, actor, lifecycle.office)
    recheck = Recheck.objects.get(pk=recheck_id)
    if recheck.result != RecheckResult.PENDING:
        raise InvalidState(codes.RECHECK_DONE)
    if result not in (RecheckResult.CONFIRMED, RecheckResult.PROBLEMS):
        raise invalid(codes.INVALID_INPUT, "result")
    found = _text(
        findings,
        code=codes.TEXT_REQUIRED,
        field="findings",
        limit=FINDINGS_MAX,
        required=result == RecheckResult.PROBLEMS,
    )
    recheck.result = result
    recheck.findings = found
    recheck.checked_by = actor
    recheck.checked_at = timezone.now()
    recheck.save(update_fields=["result", "findings", "checked_by", "checked_at", "updated_at"])
    record(
        item, EventType.ITEM_RECHECKED, actor, new={"recheck": recheck.pk, "result": result}, comment=found
    )
    return recheck
