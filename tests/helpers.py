"""Drive items through the lifecycle with the real services, as the demo accounts would."""

from __future__ import annotations

from ducha.devtools.demo import DemoWorld
from ducha.items import services
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Item

# The path from draft to archived: (status reached, action that leads there from the previous one).
HAPPY_PATH = [
    ItemStatus.DRAFT,
    ItemStatus.PENDING_APPROVAL,
    ItemStatus.REGISTERED,
    ItemStatus.ASSIGNED,
    ItemStatus.IN_PROGRESS,
    ItemStatus.UNDER_REVIEW,
    ItemStatus.ACCEPTED,
    ItemStatus.CLOSED,
    ItemStatus.ARCHIVED,
]


def make_item(world: DemoWorld, *, co_units: tuple[str, ...] = ("jyj",), **fields) -> Item:
    defaults = {
        "title": "推进县城老旧小区改造",
        "source_type": "meeting_decision",
        "content": "按照县政府常务会议决定，年内完成老旧小区改造。",
        "source_reference": "县政府第12次常务会议",
    }
    defaults.update(fields)
    return services.item_create(
        actor=world.user("office"),
        lead_unit_id=world.departments["fgw"].pk,
        co_units=[services.CoUnit(unit_id=world.departments[code].pk, share=30) for code in co_units],
        **defaults,
    )


def advance(world: DemoWorld, item: Item, target: str) -> Item:
    """Move `item` along the happy path (or to rejected/cancelled) until it reaches `target`."""
    office, leader = world.user("office"), world.user("leader")
    fgw, fgw_head = world.user("fgw"), world.user("fgw_head")
    item.refresh_from_db()
    if target == ItemStatus.REJECTED:
        advance(world, item, ItemStatus.PENDING_APPROVAL)
        services.item_reject(item_id=item.pk, actor=leader, reason="依据不足")
        item.refresh_from_db()
        return item
    if target == ItemStatus.CANCELLED:
        advance(world, item, ItemStatus.IN_PROGRESS)
        services.item_cancel(item_id=item.pk, actor=leader, reason="任务已由上级统一部署")
        item.refresh_from_db()
        return item
    steps = {
        ItemStatus.PENDING_APPROVAL: lambda: services.item_submit(item_id=item.pk, actor=office),
        ItemStatus.REGISTERED: lambda: services.item_approve(item_id=item.pk, actor=leader),
        ItemStatus.ASSIGNED: lambda: services.item_assign(item_id=item.pk, actor=office),
        ItemStatus.IN_PROGRESS: lambda: services.item_sign(item_id=item.pk, actor=fgw),
        ItemStatus.UNDER_REVIEW: lambda: (
            services.item_report(item_id=item.pk, actor=fgw, text="已全部完成改造任务。"),
            services.item_report_approve(item_id=item.pk, actor=fgw_head),
        ),
        ItemStatus.ACCEPTED: lambda: services.item_review(
            item_id=item.pk,
            actor=office,
            decision="accept",
            opinion="同意办结。",
            task_completed=True,
            problem_solved=True,
            conclusion_appropriate=True,
            lawful_compliant=True,
        ),
        ItemStatus.CLOSED: lambda: services.item_close(item_id=item.pk, actor=leader),
        ItemStatus.ARCHIVED: lambda: services.item_archive(item_id=item.pk, actor=office),
    }
    position = HAPPY_PATH.index(ItemStatus(item.status))
    for status in HAPPY_PATH[position + 1 : HAPPY_PATH.index(ItemStatus(target)) + 1]:
        steps[status]()
    item.refresh_from_db()
    assert item.status == target, (item.status, target)
    return item


def item_in(world: DemoWorld, status: str, **fields) -> Item:
    return advance(world, make_item(world, **fields), status)
