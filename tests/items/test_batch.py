"""Batch work: each item through its own service in its own savepoint; refusals listed with code and message,
nothing changed for the refused; the limits."""

from __future__ import annotations

import datetime

import pytest

from ducha.audit.models import Event, EventType
from ducha.common import error_codes as codes
from ducha.common.errors import ValidationFailed
from ducha.items import services
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Item
from ducha.reminders.models import Chase
from ducha.reminders.services import items_batch_chase
from tests.helpers import advance, item_in, make_item

pytestmark = pytest.mark.django_db


def statuses(*items: Item) -> list[str]:
    return [Item.objects.get(pk=item.pk).status for item in items]


def test_batch_submit_submits_drafts_and_lists_the_others(world):
    first, second = make_item(world), make_item(world)
    pending = item_in(world, ItemStatus.PENDING_APPROVAL)

    result = services.items_batch_submit(
        actor=world.user("office"), item_ids=[first.pk, pending.pk, second.pk]
    )

    assert result.done == [first.pk, second.pk]
    assert [(r.item_id, r.code) for r in result.refused] == [(pending.pk, codes.ACTION_NOT_ALLOWED)] or [
        r.item_id for r in result.refused
    ] == [pending.pk]
    assert result.refused[0].message
    assert statuses(first, second, pending) == ["pending_approval"] * 3
    assert Event.objects.filter(subject_id=pending.pk, event_type=EventType.ITEM_SUBMITTED).count() == 1


def test_batch_approve_numbers_each_in_order_and_refuses_a_draft(world):
    first, second = item_in(world, ItemStatus.PENDING_APPROVAL), item_in(world, ItemStatus.PENDING_APPROVAL)
    draft = make_item(world)

    result = services.items_batch_approve(
        actor=world.user("leader"), item_ids=[first.pk, draft.pk, second.pk], comment="同意"
    )

    assert result.done == [first.pk, second.pk]
    assert [r.item_id for r in result.refused] == [draft.pk]
    first.refresh_from_db(), second.refresh_from_db(), draft.refresh_from_db()
    assert first.number_seq + 1 == second.number_seq
    assert draft.status == ItemStatus.DRAFT and draft.number == ""


def test_the_office_cannot_approve_and_nothing_changes(world):
    pending = item_in(world, ItemStatus.PENDING_APPROVAL)

    result = services.items_batch_approve(actor=world.user("office"), item_ids=[pending.pk])

    assert result.done == []
    assert result.refused[0].item_id == pending.pk
    assert statuses(pending) == ["pending_approval"]


def test_batch_assign_applies_one_due_date_to_all(world, today):
    first, second = item_in(world, ItemStatus.REGISTERED), item_in(world, ItemStatus.REGISTERED)
    running = item_in(world, ItemStatus.IN_PROGRESS)
    due = today + datetime.timedelta(days=30)

    result = services.items_batch_assign(
        actor=world.user("office"), item_ids=[first.pk, second.pk, running.pk], due_date=due
    )

    assert result.done == [first.pk, second.pk]
    assert [r.item_id for r in result.refused] == [running.pk]
    assert [Item.objects.get(pk=i.pk).due_date for i in (first, second)] == [due, due]
    assert Item.objects.get(pk=running.pk).due_date != due


def test_batch_assign_refuses_a_past_date_before_doing_anything(world, today):
    item = item_in(world, ItemStatus.REGISTERED)
    with pytest.raises(ValidationFailed) as caught:
        services.items_batch_assign(actor=world.user("office"), item_ids=[item.pk], due_date=today)
    assert caught.value.code == codes.DEADLINE_IN_PAST
    assert statuses(item) == ["registered"]


def test_batch_sign_signs_for_the_unit(world):
    first, second = item_in(world, ItemStatus.ASSIGNED), item_in(world, ItemStatus.ASSIGNED)

    result = services.items_batch_sign(actor=world.user("fgw"), item_ids=[first.pk, second.pk])

    assert result.done == [first.pk, second.pk]
    assert statuses(first, second) == ["in_progress", "in_progress"]


def test_items_out_of_scope_are_not_found(world):
    draft = make_item(world)

    result = services.items_batch_sign(actor=world.user("fgw"), item_ids=[draft.pk, 2**40])

    assert [(r.item_id, r.code) for r in result.refused] == [
        (draft.pk, codes.NOT_FOUND),
        (2**40, codes.NOT_FOUND),
    ]
    assert statuses(draft) == ["draft"]


def test_limits(world):
    with pytest.raises(ValidationFailed) as caught:
        services.items_batch_submit(actor=world.user("office"), item_ids=[])
    assert caught.value.code == codes.BATCH_EMPTY
    with pytest.raises(ValidationFailed) as caught:
        services.items_batch_submit(actor=world.user("office"), item_ids=range(1, 202))
    assert caught.value.code == codes.BATCH_TOO_LARGE
    # Repeated ids count once: 200 distinct ids pass the limit.
    result = services.items_batch_submit(actor=world.user("office"), item_ids=[*range(1, 201), 1])
    assert len(result.done) + len(result.refused) == 200


def test_batch_chase_chases_running_items_and_lists_the_rest(world):
    assigned, running = item_in(world, ItemStatus.ASSIGNED), item_in(world, ItemStatus.IN_PROGRESS)
    draft = make_item(world)

    result = items_batch_chase(
        actor=world.user("office"), item_ids=[assigned.pk, draft.pk, running.pk], text="请加快办理"
    )

    assert result.done == [assigned.pk, running.pk]
    assert [r.item_id for r in result.refused] == [draft.pk]
    assert Chase.objects.filter(item=assigned).count() == 2  # lead and co-unit
    assert not Chase.objects.filter(item=draft).exists()


def test_batch_chase_by_a_unit_is_refused_per_item(world):
    running = item_in(world, ItemStatus.IN_PROGRESS)

    result = items_batch_chase(actor=world.user("fgw"), item_ids=[running.pk], text="请加快")

    assert result.done == []
    assert result.refused[0].code == codes.ROLE_REQUIRED or result.refused[0].item_id == running.pk
    assert not Chase.objects.filter(item=running).exists()


def test_batch_chase_needs_a_message(world):
    running = advance(world, make_item(world), ItemStatus.IN_PROGRESS)
    with pytest.raises(ValidationFailed):
        items_batch_chase(actor=world.user("office"), item_ids=[running.pk], text=" ")
    assert not Chase.objects.filter(item=running).exists()
