"""The office handles an item itself (直接办理, 002 art. 5(2)): with the supervision office as lead unit, its staff
sign for it and report on it, the leader checks the completion report as the unit head would, and the office
reviews it."""

from __future__ import annotations

import pytest

from ducha.common import error_codes as codes
from ducha.common.errors import NotPermitted
from ducha.items import lifecycle, services
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Assignment, Item, Report, ReportStatus
from tests.helpers import advance


def office_item(world, **fields) -> Item:
    """An item of the county with the county supervision office as lead unit, assigned."""
    item = services.item_create(
        actor=world.user("office"),
        title=fields.pop("title", "督查室直接办理：清理拖欠企业账款情况核查"),
        source_type="leader_instruction",
        content="县政府主要领导批示：由县督查室直接核查拖欠企业账款问题。",
        lead_unit_id=world.supervision_office.pk,
        **fields,
    )
    return advance(world, item, ItemStatus.ASSIGNED)


def review(world, item, username, decision="accept"):
    return services.item_review(
        item_id=item.pk,
        actor=world.user(username),
        decision=decision,
        opinion="核查属实，同意办结。",
        task_completed=True,
        problem_solved=True,
        conclusion_appropriate=True,
        lawful_compliant=True,
    )


def test_the_office_signs_reports_and_the_leader_checks_and_closes(world):
    item = office_item(world)
    office, office2, leader = world.user("office"), world.user("office2"), world.user("leader")
    assert lifecycle.refusal("sign", item, office) is None

    services.item_sign(item_id=item.pk, actor=office)
    services.item_progress(item_id=item.pk, actor=office, text="已约谈三家拖欠单位，制定还款计划。")
    report = services.item_report(item_id=item.pk, actor=office, text="拖欠账款已全部清偿。")
    services.item_report_approve(item_id=item.pk, actor=leader, comment="同意上报。")
    review(world, item, "office2")
    services.item_close(item_id=item.pk, actor=leader)

    item.refresh_from_db()
    assert item.status == ItemStatus.CLOSED
    assert item.latest_progress == "已约谈三家拖欠单位，制定还款计划。"
    assignment = Assignment.objects.get(item=item)
    assert assignment.signed_by == office and assignment.unit == world.supervision_office
    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED and report.head_decided_by == leader
    assert office2.pk != office.pk


def test_the_office_delegates_its_own_item_and_reviews_the_child(world):
    item = office_item(world)
    office = world.user("office")
    services.item_sign(item_id=item.pk, actor=office)
    child = services.item_delegate(item_id=item.pk, actor=office, unit_id=world.townships["cgz"].pk)
    assert child.government == world.county and child.delegating_unit == world.supervision_office
    services.item_sign(item_id=child.pk, actor=world.user("cgz"))
    services.item_report(item_id=child.pk, actor=world.user("cgz"), text="城关镇已核实。")
    services.item_report_approve(item_id=child.pk, actor=world.user("cgz_head"))
    review(world, child, "office2")
    services.item_close(item_id=child.pk, actor=world.user("leader"))
    child.refresh_from_db()
    assert child.status == ItemStatus.CLOSED


@pytest.mark.parametrize(
    ("action", "username", "code"),
    [
        ("sign", "fgw", codes.NOT_YOUR_UNIT),  # a department is not the office
        ("sign", "leader", codes.ROLE_REQUIRED),  # the leader checks, the office works
        ("sign", "city_office", codes.ROLE_REQUIRED),  # another government's office
    ],
)
def test_only_the_office_signs_its_own_item_and_nothing_changes(world, action, username, code):
    item = office_item(world)
    with pytest.raises(NotPermitted) as refused:
        services.item_sign(item_id=item.pk, actor=world.user(username))
    assert refused.value.code == code
    item.refresh_from_db()
    assert item.status == ItemStatus.ASSIGNED
    assert Assignment.objects.get(item=item).signed_at is None


def test_the_office_cannot_check_its_own_report_and_nothing_changes(world):
    item = office_item(world)
    office = world.user("office")
    services.item_sign(item_id=item.pk, actor=office)
    report = services.item_report(item_id=item.pk, actor=office, text="已办结。")
    for username in ("office", "office2", "fgw_head", "city_office"):
        with pytest.raises(NotPermitted):
            services.item_report_approve(item_id=item.pk, actor=world.user(username))
    report.refresh_from_db()
    item.refresh_from_db()
    assert report.status == ReportStatus.PENDING_HEAD and report.head_decided_by is None
    assert item.status == ItemStatus.IN_PROGRESS
    assert Report.objects.filter(item=item).count() == 1


def test_unit_users_act_exactly_as_before(world):
    item = advance(
        world,
        services.item_create(
            actor=world.user("office"),
            title="发改局事项",
            source_type="other",
            lead_unit_id=world.departments["fgw"].pk,
        ),
        ItemStatus.ASSIGNED,
    )
    item = Item.objects.prefetch_related("assignments__unit").get(pk=item.pk)
    assert lifecycle.assignment_for(item, world.user("fgw")).unit == world.departments["fgw"]
    assert lifecycle.assignment_for(item, world.user("office")) is None
    assert lifecycle.refusal("sign", item, world.user("office")).code == codes.ROLE_REQUIRED
    assert lifecycle.refusal("sign", item, world.user("jyj")).code == codes.NOT_YOUR_UNIT
