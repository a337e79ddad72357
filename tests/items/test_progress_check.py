"""The unit head's check of progress reports where the office asks for it (004 §3(4))."""

from __future__ import annotations

import pytest

from ducha.audit.models import Event, EventType
from ducha.common import error_codes as codes
from ducha.common.errors import InvalidState, NotPermitted, ValidationFailed
from ducha.items import services
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import AssignmentStatus, ReportStatus
from tests.helpers import item_in

pytestmark = pytest.mark.django_db


def test_a_liaisons_report_waits_for_the_head_and_counts_once_approved(world):
    item = item_in(world, ItemStatus.IN_PROGRESS, progress_check_by_head=True)

    report = services.item_progress(item_id=item.pk, actor=world.user("fgw_liaison"), text="完成一半。")

    assert report.status == ReportStatus.PENDING_HEAD
    item.refresh_from_db()
    assert item.latest_progress == ""
    with pytest.raises(NotPermitted):
        services.item_progress_check(report_id=report.pk, actor=world.user("fgw"), approve=True)
    with pytest.raises(NotPermitted):
        services.item_progress_check(report_id=report.pk, actor=world.user("jyj_head"), approve=True)

    services.item_progress_check(report_id=report.pk, actor=world.user("fgw_head"), approve=True)

    report.refresh_from_db()
    item.refresh_from_db()
    assert report.status == ReportStatus.RECORDED and report.head_decided_by == world.user("fgw_head")
    assert item.latest_progress == "完成一半。"
    assert Event.objects.filter(subject_id=item.pk, event_type=EventType.ITEM_PROGRESS_CHECKED).exists()
    with pytest.raises(InvalidState) as again:
        services.item_progress_check(report_id=report.pk, actor=world.user("fgw_head"), approve=True)
    assert again.value.code == codes.PROGRESS_NOT_PENDING


def test_the_heads_own_report_goes_through_and_a_return_needs_a_reason(world):
    item = item_in(world, ItemStatus.IN_PROGRESS, progress_check_by_head=True)
    own = services.item_progress(item_id=item.pk, actor=world.user("fgw_head"), text="局长亲自调度。")
    assert own.status == ReportStatus.RECORDED
    item.refresh_from_db()
    assert item.latest_progress == "局长亲自调度。"

    held = services.item_progress(item_id=item.pk, actor=world.user("fgw"), text="数据有误的进展。")
    with pytest.raises(ValidationFailed):
        services.item_progress_check(report_id=held.pk, actor=world.user("fgw_head"), approve=False)
    held.refresh_from_db()
    assert held.status == ReportStatus.PENDING_HEAD
    services.item_progress_check(
        report_id=held.pk, actor=world.user("fgw_head"), approve=False, comment="核实数据"
    )
    held.refresh_from_db()
    item.refresh_from_db()
    assert held.status == ReportStatus.RETURNED_BY_HEAD and item.latest_progress == "局长亲自调度。"


def test_a_co_units_final_report_closes_its_share_only_once_approved(world):
    item = item_in(world, ItemStatus.IN_PROGRESS, progress_check_by_head=True)
    services.item_sign(item_id=item.pk, actor=world.user("jyj"))
    report = services.item_progress(
        item_id=item.pk, actor=world.user("jyj"), text="配合工作完成。", is_final=True
    )
    assignment = item.assignments.get(unit=world.departments["jyj"])
    assert assignment.status == AssignmentStatus.SIGNED

    services.item_progress_check(report_id=report.pk, actor=world.user("jyj_head"), approve=True)

    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.REPORTED


def test_without_the_flag_reports_go_straight_through(world):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    report = services.item_progress(item_id=item.pk, actor=world.user("fgw_liaison"), text="正常进展。")
    assert report.status == ReportStatus.RECORDED
    with pytest.raises(InvalidState):
        services.item_progress_check(report_id=report.pk, actor=world.user("fgw_head"), approve=True)
