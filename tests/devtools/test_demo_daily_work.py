"""The demo county shows every path of the daily work: each is there after `ducha demo`'s items part, on any date
the suite runs at (CI moves it to year ends, holidays and the small hours)."""

from __future__ import annotations

import pytest

from ducha.devtools.demo.items.daily_work import daily_work_items_create
from ducha.devtools.demo.items.handdown import handdown_items_create
from ducha.devtools.demo.items.sources import demo_sources_create
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import (
    ConsolidatedStatus,
    Instruction,
    Item,
    Milestone,
    Plan,
    ProgressCycle,
    Recheck,
    ReportKind,
    ReportStatus,
    SiteCheck,
    SourceRecord,
)

pytestmark = pytest.mark.django_db


def test_every_path_of_the_daily_work_is_in_the_demo(world):
    handdown_items_create(world)
    demo_sources_create(world)
    assert daily_work_items_create(world) == 6

    # 批示 on an item and on a report; the leader in charge
    assert Instruction.objects.filter(report__isnull=True).exists()
    assert Instruction.objects.filter(report__kind=ReportKind.COMPLETION).exists()
    assert Item.objects.filter(leader_in_charge=world.user("leader")).count() >= 6
    # an important item waiting for its on-site verification, and one verified
    waiting = Item.objects.get(title="城区农贸市场环境卫生整治")
    assert waiting.status == ItemStatus.UNDER_REVIEW and waiting.site_check_required
    assert not SiteCheck.objects.filter(item=waiting).exists()
    assert SiteCheck.objects.filter(item__title="城关镇背街小巷路面修复").exists()
    # a consolidated report waiting for the leader, with both units' opinions
    complex_item = Item.objects.get(is_complex=True)
    report = complex_item.consolidated_reports.get()
    assert report.status == ConsolidatedStatus.PENDING_LEADER and len(report.opinions) == 2
    # a unit's plan with milestones; a progress report waiting for the head
    assert Plan.objects.exists() and Milestone.objects.filter(unit__isnull=False).count() == 2
    assert (
        Item.objects.get(title="校园周边交通安全隐患集中整治")
        .reports.filter(kind=ReportKind.PROGRESS, status=ReportStatus.PENDING_HEAD)
        .exists()
    )
    # daily reporting, a re-check, the office-handled and handed-down items, a meeting split into items
    assert Item.objects.filter(progress_cycle=ProgressCycle.DAILY, status=ItemStatus.IN_PROGRESS).exists()
    assert Recheck.objects.exists()
    assert Item.objects.filter(assignments__unit=world.supervision_office).exists()
    assert Item.objects.filter(government=world.city, assignments__unit=world.county).exists()
    assert SourceRecord.objects.filter(kind="meeting_minutes").get().items.count() == 5
