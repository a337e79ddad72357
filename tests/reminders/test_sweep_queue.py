"""Issue 17: every sweep queued every pending delivery again (18,772 task rows for 3,126 deliveries). With the
queue a real one (django-tasks-db, no worker running, so the tasks wait), sweeps leave one task per delivery; a
delivery whose task was lost is queued again once."""

from __future__ import annotations

import datetime

import pytest
from django_tasks_db.models import DBTaskResult

from ducha.reminders import services
from ducha.reminders.models import Delivery

from .support import running_item, sweep

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def _tasks_per_delivery() -> dict[int, int]:
    counts = {delivery_id: 0 for delivery_id in Delivery.objects.values_list("id", flat=True)}
    for args_kwargs in DBTaskResult.objects.values_list("args_kwargs", flat=True):
        [delivery_id] = args_kwargs["args"]
        counts[delivery_id] += 1
    return counts


def _pending_deliveries(world, travel, capture) -> list[Delivery]:
    travel(2026, 11, 2, 10)
    for number in range(3):
        running_item(world, due=D(2026, 11, 13), title=f"老旧小区改造{number}")
    for username in ("fgw", "fgw_liaison"):
        user = world.user(username)
        user.email = f"{username}@example.gov.cn"
        user.save(update_fields=["email"])
        services.preferences_set(user=user, channels_enabled={"email": True})
    sweep(travel, capture, 2026, 11, 13, 9)
    deliveries = list(Delivery.objects.order_by("id"))
    assert len(deliveries) == 2 and {d.status for d in deliveries} == {"pending"}
    return deliveries


def test_sweeps_leave_one_task_per_pending_delivery(
    world, travel, django_capture_on_commit_callbacks, database_queue
):
    # given two deliveries queued by the 9:00 sweep, their tasks waiting behind a busy worker
    deliveries = _pending_deliveries(world, travel, django_capture_on_commit_callbacks)
    assert _tasks_per_delivery() == {d.pk: 1 for d in deliveries}

    # when three more sweeps pass, each long after REQUEUE_AFTER
    for hour in (10, 11, 12):
        result = sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 13, hour)
        assert result.dispatched == 0

    # then still one task per delivery, and nothing sent twice or lost
    assert _tasks_per_delivery() == {d.pk: 1 for d in deliveries}
    assert set(Delivery.objects.values_list("status", flat=True)) == {"pending"}


def test_a_delivery_whose_task_was_lost_is_queued_again_once(
    world, travel, django_capture_on_commit_callbacks, database_queue
):
    lost, kept = _pending_deliveries(world, travel, django_capture_on_commit_callbacks)
    # the queue lost one task (a flushed queue, a deleted row)
    DBTaskResult.objects.filter(args_kwargs__args=[lost.pk]).delete()
    assert _tasks_per_delivery() == {lost.pk: 0, kept.pk: 1}

    # too soon to call it lost: not queued again yet
    sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 13, 9, 5)
    assert _tasks_per_delivery() == {lost.pk: 0, kept.pk: 1}

    first = sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 13, 10)
    second = sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 13, 11)
    third = sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 13, 12)

    assert (first.dispatched, second.dispatched, third.dispatched) == (1, 0, 0)
    assert _tasks_per_delivery() == {lost.pk: 1, kept.pk: 1}
    lost.refresh_from_db()
    assert lost.task_id and lost.status == "pending"


def test_a_task_that_ran_without_sending_is_replaced(
    world, travel, django_capture_on_commit_callbacks, database_queue
):
    # a worker picked the task up and died before claiming the delivery: the task row is no longer waiting
    delivery, _other = _pending_deliveries(world, travel, django_capture_on_commit_callbacks)
    DBTaskResult.objects.filter(args_kwargs__args=[delivery.pk]).update(status="FAILED")

    result = sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 13, 10)

    assert result.dispatched == 1
    assert DBTaskResult.objects.filter(args_kwargs__args=[delivery.pk], status="READY").count() == 1
