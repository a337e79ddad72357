"""Spot re-checks of closed items (001 §4, 003 §3(3)): a reproducible random draw, then the results."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from ducha.audit.models import Event, EventType
from ducha.common import error_codes as codes
from ducha.common.errors import InvalidState, NotPermitted, ValidationFailed
from ducha.items import services
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Recheck, RecheckResult
from tests.helpers import item_in

pytestmark = pytest.mark.django_db


def _period():
    today = timezone.localdate()
    return today - datetime.timedelta(days=1), today


def test_the_draw_is_reproducible_from_its_seed_and_skips_items_drawn_in_the_batch(world):
    closed = [item_in(world, ItemStatus.CLOSED, title=f"事项{n}") for n in range(4)]
    item_in(world, ItemStatus.IN_PROGRESS, title="仍在办理")
    office = world.user("office")
    start, end = _period()

    first = services.rechecks_draw(
        actor=office, closed_from=start, closed_to=end, batch="2026-1", count=2, seed=7
    )

    assert len(first.rechecks) == 2 and first.seed == 7
    drawn = {r.item_id for r in first.rechecks}
    assert drawn <= {item.pk for item in closed}
    event = Event.objects.filter(event_type=EventType.ITEM_RECHECK_DRAWN, subject_id__in=drawn).first()
    assert event.new["seed"] == 7 and event.new["batch"] == "2026-1"
    # The same seed over the same candidates draws the same items (in another batch).
    again = services.rechecks_draw(
        actor=office, closed_from=start, closed_to=end, batch="again", count=2, seed=7
    )
    assert {r.item_id for r in again.rechecks} == drawn
    # The rest of the batch: half of what is left, rounded up, never one drawn before.
    rest = services.rechecks_draw(
        actor=office, closed_from=start, closed_to=end, batch="2026-1", share_percent=50, seed=1
    )
    assert len(rest.rechecks) == 1 and not {r.item_id for r in rest.rechecks} & drawn


def test_none_left_and_invalid_draws_are_refused(world):
    office = world.user("office")
    start, end = _period()
    with pytest.raises(InvalidState) as none:
        services.rechecks_draw(actor=office, closed_from=start, closed_to=end, batch="b", count=1)
    assert none.value.code == codes.RECHECK_NONE_CLOSED
    item_in(world, ItemStatus.CLOSED)
    for kwargs in (
        {"count": 1, "share_percent": 10},
        {},
        {"count": 0},
        {"share_percent": 101},
    ):
        with pytest.raises(ValidationFailed):
            services.rechecks_draw(actor=office, closed_from=start, closed_to=end, batch="b", **kwargs)
    with pytest.raises(ValidationFailed):
        services.rechecks_draw(actor=office, closed_from=end, closed_to=start, batch="b", count=1)
    with pytest.raises(NotPermitted):
        services.rechecks_draw(actor=world.user("fgw"), closed_from=start, closed_to=end, batch="b", count=1)
    assert not Recheck.objects.exists()


def test_recording_a_result_once(world):
    item = item_in(world, ItemStatus.ARCHIVED)
    start, end = _period()
    draw = services.rechecks_draw(
        actor=world.user("office"), closed_from=start, closed_to=end, batch="b", count=1
    )
    recheck = draw.rechecks[0]
    with pytest.raises(ValidationFailed):
        services.recheck_record(
            recheck_id=recheck.pk, actor=world.user("office"), result="problems", findings=""
        )
    with pytest.raises(NotPermitted):
        services.recheck_record(recheck_id=recheck.pk, actor=world.user("fgw"), result="confirmed")
    recheck.refresh_from_db()
    assert recheck.result == RecheckResult.PENDING

    services.recheck_record(
        recheck_id=recheck.pk, actor=world.user("office"), result="problems", findings="部分楼栋未完工"
    )
    recheck.refresh_from_db()
    assert recheck.result == RecheckResult.PROBLEMS and recheck.checked_by == world.user("office")
    assert Event.objects.filter(subject_id=item.pk, event_type=EventType.ITEM_RECHECKED).count() == 1
    with pytest.raises(InvalidState) as done:
        services.recheck_record(recheck_id=recheck.pk, actor=world.user("office"), result="confirmed")
    assert done.value.code == codes.RECHECK_DONE
