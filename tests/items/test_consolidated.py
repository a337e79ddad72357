"""The consolidated report of a complex item (002 art. 5(6)): the units' opinions gathered, closed with the
leader's approval before the office may accept."""

from __future__ import annotations

import pytest

from ducha.audit.models import Event, EventType
from ducha.common import error_codes as codes
from ducha.common.errors import InvalidState, NotPermitted, ValidationFailed
from ducha.items import services
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import ConsolidatedReport, ConsolidatedStatus
from tests.helpers import advance, make_item

pytestmark = pytest.mark.django_db

ACCEPT = dict(
    decision="accept",
    opinion="同意办结。",
    task_completed=True,
    problem_solved=True,
    conclusion_appropriate=True,
    lawful_compliant=True,
)


def _complex_under_review(world):
    item = advance(world, make_item(world, is_complex=True), ItemStatus.IN_PROGRESS)
    services.item_sign(item_id=item.pk, actor=world.user("jyj"))
    services.item_progress(item_id=item.pk, actor=world.user("jyj"), text="教育局配合完成校园周边整治。")
    return advance(world, item, ItemStatus.UNDER_REVIEW)


def test_the_office_gathers_opinions_the_leader_approves_then_the_item_may_be_accepted(world):
    item = _complex_under_review(world)
    office, leader = world.user("office"), world.user("leader")

    with pytest.raises(InvalidState) as refused:
        services.item_review(item_id=item.pk, actor=office, **ACCEPT)
    assert refused.value.code == codes.CONSOLIDATED_REQUIRED

    report = services.item_consolidated_submit(
        item_id=item.pk, actor=office, text="综合各单位意见，任务已完成。"
    )
    assert [(o["unit"], o["role"], o["text"]) for o in report.opinions] == [
        (world.departments["fgw"].pk, "lead", "已全部完成改造任务。"),
        (world.departments["jyj"].pk, "co", "教育局配合完成校园周边整治。"),
    ]
    with pytest.raises(InvalidState) as twice:
        services.item_consolidated_submit(item_id=item.pk, actor=office, text="再报一次")
    assert twice.value.code == codes.CONSOLIDATED_PENDING
    with pytest.raises(InvalidState):
        services.item_review(item_id=item.pk, actor=office, **ACCEPT)

    services.item_consolidated_decide(item_id=item.pk, actor=leader, approve=True, comment="同意。")
    report.refresh_from_db()
    assert report.status == ConsolidatedStatus.APPROVED and report.decided_by == leader
    assert Event.objects.filter(subject_id=item.pk, event_type=EventType.ITEM_CONSOLIDATED_APPROVED).exists()

    services.item_review(item_id=item.pk, actor=office, **ACCEPT)
    item.refresh_from_db()
    assert item.status == ItemStatus.ACCEPTED


def test_a_returned_report_does_not_open_acceptance_and_needs_a_reason(world):
    item = _complex_under_review(world)
    office, leader = world.user("office"), world.user("leader")
    report = services.item_consolidated_submit(item_id=item.pk, actor=office, text="综合报告")

    with pytest.raises(ValidationFailed):
        services.item_consolidated_decide(report_id=report.pk, actor=leader, approve=False, comment=" ")
    report.refresh_from_db()
    assert report.status == ConsolidatedStatus.PENDING_LEADER

    services.item_consolidated_decide(report_id=report.pk, actor=leader, approve=False, comment="补充数据")
    report.refresh_from_db()
    assert report.status == ConsolidatedStatus.RETURNED and report.leader_comment == "补充数据"
    with pytest.raises(InvalidState) as refused:
        services.item_review(item_id=item.pk, actor=office, **ACCEPT)
    assert refused.value.code == codes.CONSOLIDATED_REQUIRED
    with pytest.raises(InvalidState) as nothing:
        services.item_consolidated_decide(report_id=report.pk, actor=leader, approve=True)
    assert nothing.value.code == codes.CONSOLIDATED_NOT_PENDING


def test_refusals_change_nothing(world):
    item = _complex_under_review(world)
    for username in ("fgw", "leader", "city_office"):
        with pytest.raises(NotPermitted):
            services.item_consolidated_submit(item_id=item.pk, actor=world.user(username), text="综合报告")
    plain = advance(world, make_item(world), ItemStatus.UNDER_REVIEW)
    with pytest.raises(InvalidState):
        services.item_consolidated_submit(item_id=plain.pk, actor=world.user("office"), text="综合报告")
    running = advance(world, make_item(world, is_complex=True), ItemStatus.IN_PROGRESS)
    with pytest.raises(InvalidState):
        services.item_consolidated_submit(item_id=running.pk, actor=world.user("office"), text="综合报告")
    assert not ConsolidatedReport.objects.exists()

    report = services.item_consolidated_submit(item_id=item.pk, actor=world.user("office"), text="综合报告")
    for username in ("office", "fgw_head"):
        with pytest.raises(NotPermitted):
            services.item_consolidated_decide(report_id=report.pk, actor=world.user(username), approve=True)
    report.refresh_from_db()
    assert report.status == ConsolidatedStatus.PENDING_LEADER
