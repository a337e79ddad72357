"""Batch work in the browser: the office opens a meeting's source record, ticks its registered items and assigns
them in one action; a leader batch-approves from the to-do list."""

from __future__ import annotations

import datetime

from playwright.sync_api import expect

from ducha.items import services
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Item
from tests.helpers import item_in


def test_office_assigns_a_meetings_items_in_one_action(page_for, world):
    record = services.source_record_create(
        actor=world.user("office"),
        kind="meeting_minutes",
        title="县政府第12次常务会议纪要",
        reference="示政纪〔2026〕12号",
        issued_on=datetime.date(2026, 11, 10),
    )
    items = [item_in(world, ItemStatus.REGISTERED, title=f"会议事项{n}") for n in range(1, 4)]
    Item.objects.filter(pk__in=[i.pk for i in items]).update(source_record=record)

    office = page_for("office")
    office.goto("/")
    office.locator('[data-nav="sources"]').click()
    office.get_by_role("link", name="县政府第12次常务会议纪要").click()
    for item in items[:2]:
        office.locator(f"#tick-{item.pk}").check()
    office.locator('[data-batch-action="assign"]').click()
    office.wait_for_load_state()

    expect(office.locator(".message.success")).to_be_visible()
    statuses = dict(Item.objects.filter(pk__in=[i.pk for i in items]).values_list("pk", "status"))
    assert [statuses[i.pk] for i in items] == ["assigned", "assigned", "registered"]


def test_leader_batch_approves_from_the_todo_list(page_for, world):
    first, second = item_in(world, ItemStatus.PENDING_APPROVAL), item_in(world, ItemStatus.PENDING_APPROVAL)

    leader = page_for("leader")
    leader.goto("/")
    leader.locator(f"#tick-todo-approval-{first.pk}").check()
    leader.locator(f"#tick-todo-approval-{second.pk}").check()
    leader.locator('[data-batch-action="approve"]').click()
    leader.wait_for_load_state()

    expect(leader.locator(".message.success")).to_be_visible()
    assert set(Item.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)) == {
        "registered"
    }
