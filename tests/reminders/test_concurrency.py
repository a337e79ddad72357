"""Two sweeps at the same moment in two threads (two connections, two transactions) on PostgreSQL: each reminder
is written and sent once. With the advisory lock (as deployed) and without it (the unique key alone)."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection, connections

from ducha.reminders import services
from ducha.reminders.models import Delivery, Message, Reminder, WebhookEndpoint
from ducha.reminders.services import sweeper

from .support import running_item

D = datetime.date


def _two_sweeps_at_once(at: datetime.datetime) -> list:
    barrier = threading.Barrier(2)
    results: list = []
    errors: list = []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(services.sweep(at=at))
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("with_lock", [True, False], ids=["advisory-lock", "unique-key-only"])
def test_two_concurrent_sweeps_send_each_reminder_once(world, travel, http_server, monkeypatch, with_lock):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL (SQLite serialises writers; see test_crash.py)")
    if not with_lock:
        monkeypatch.setattr(sweeper, "_sweep_lock", lambda: None)
    WebhookEndpoint.objects.create(name="robot", url=f"{http_server.url}/robot")
    for username in ("fgw", "fgw_liaison"):
        services.preferences_set(user=world.user(username), channels_enabled={"webhook": True})
    travel(2026, 11, 2, 10)
    for n in range(8):
        running_item(world, due=D(2026, 11, 13), title=f"事项{n}")
    at = travel(2026, 11, 13, 9)
    http_server.requests.clear()  # the assignment notices went out already

    results = _two_sweeps_at_once(at)

    assert sorted(result.reminders for result in results) == [0, 16]
    assert Reminder.objects.filter(kind="due_today").count() == 16
    assert Message.objects.filter(run__source="sweep").count() == 2
    assert Delivery.objects.filter(message__run__source="sweep", status="sent").count() == 2
    assert len(http_server.requests) == 2
