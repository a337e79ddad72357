"""The unit's own implementation plan and milestones (004 §3(3))."""

from __future__ import annotations

import datetime

import pytest

from ducha.audit.models import Event, EventType
from ducha.common import error_codes as codes
from ducha.common.errors import InvalidState, NotPermitted, ValidationFailed
from ducha.items import services
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Milestone, Plan
from ducha.items.services import MilestoneInput
from tests.helpers import item_in

pytestmark = pytest.mark.django_db


def test_the_unit_writes_replaces_its_plan_and_marks_milestones_done(world):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    fgw = world.user("fgw")
    first = item.due_date - datetime.timedelta(days=5)

    plan = services.item_plan_save(
        item_id=item.pk,
        actor=fgw,
        text="分三步推进。",
        milestones=[MilestoneInput("完成摸底", first), MilestoneInput("完成施工", item.due_date)],
    )
    own = list(Milestone.objects.filter(item=item, unit=world.departments["fgw"]))
    assert [m.title for m in own] == ["完成摸底", "完成施工"]
    services.item_milestone_done(milestone_id=own[0].pk, actor=world.user("fgw_liaison"))
    assert Event.objects.filter(subject_id=item.pk, event_type=EventType.ITEM_MILESTONE_DONE).exists()

    services.item_plan_save(
        item_id=item.pk,
        actor=fgw,
        text="调整为两步。",
        milestones=[MilestoneInput("完成摸底", first), MilestoneInput("验收", item.due_date)],
    )
    plan.refresh_from_db()
    assert plan.text == "调整为两步。" and Plan.objects.filter(assignment__item=item).count() == 1
    kept = {
        m.title: m.completed_at for m in Milestone.objects.filter(item=item, unit=world.departments["fgw"])
    }
    assert set(kept) == {"完成摸底", "验收"} and kept["完成摸底"] is not None and kept["验收"] is None
    assert Event.objects.filter(subject_id=item.pk, event_type=EventType.ITEM_PLAN_SAVED).count() == 2


def test_refusals_change_nothing(world):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    late = item.due_date + datetime.timedelta(days=1)
    with pytest.raises(ValidationFailed) as refused:
        services.item_plan_save(
            item_id=item.pk, actor=world.user("fgw"), text="计划", milestones=[MilestoneInput("晚了", late)]
        )
    assert refused.value.code == codes.PLAN_INVALID
    with pytest.raises(ValidationFailed):
        services.item_plan_save(item_id=item.pk, actor=world.user("fgw"), text=" ", milestones=[])
    # The co-unit has not signed; the office is no unit.
    with pytest.raises(InvalidState) as unsigned:
        services.item_plan_save(item_id=item.pk, actor=world.user("jyj"), text="计划", milestones=[])
    assert unsigned.value.code == codes.NOT_SIGNED
    with pytest.raises(NotPermitted):
        services.item_plan_save(item_id=item.pk, actor=world.user("office"), text="计划", milestones=[])
    assert not Plan.objects.exists() and not Milestone.objects.filter(unit__isnull=False).exists()

    services.item_plan_save(
        item_id=item.pk,
        actor=world.user("fgw"),
        text="计划",
        milestones=[MilestoneInput("摸底", item.due_date)],
    )
    milestone = Milestone.objects.get(item=item, unit__isnull=False)
    services.item_sign(item_id=item.pk, actor=world.user("jyj"))
    with pytest.raises(NotPermitted):
        services.item_milestone_done(milestone_id=milestone.pk, actor=world.user("jyj"))
    services.item_milestone_done(milestone_id=milestone.pk, actor=world.user("fgw"))
    with pytest.raises(InvalidState):
        services.item_milestone_done(milestone_id=milestone.pk, actor=world.user("fgw"))
    assert Event.objects.filter(event_type=EventType.ITEM_MILESTONE_DONE).count() == 1
