"""ducha.common.events: a listener that fails after commit is logged and leaves the write and the caller alone."""

from __future__ import annotations

import logging

import pytest
from django.db import transaction

from ducha.common import events
from ducha.orgs.models import Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def failing_listener():
    name = "test.happened"
    calls: list[dict] = []

    def broken(**payload):
        calls.append(payload)
        raise RuntimeError("the listener broke")

    events.listen(name, broken)
    yield name, calls
    events._listeners.pop(name, None)


def test_a_failing_listener_is_logged_by_its_event_and_listener_not_raised(
    failing_listener, caplog, django_capture_on_commit_callbacks
):
    name, calls = failing_listener
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        events.publish_on_commit(name, item_id=7)
    assert calls == [{"item_id": 7}]
    assert "event test.happened" in caplog.text and "broken" in caplog.text


def test_a_failing_listener_after_commit_leaves_the_write(
    failing_listener, world, django_capture_on_commit_callbacks
):
    name, calls = failing_listener
    unit = Unit.objects.filter(parent__isnull=False).first()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        Unit.objects.filter(pk=unit.pk).update(name="改过的名称")
        events.publish_on_commit(name, unit_id=unit.pk)
    assert calls == [{"unit_id": unit.pk}]
    assert Unit.objects.get(pk=unit.pk).name == "改过的名称"
