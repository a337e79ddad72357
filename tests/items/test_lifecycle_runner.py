"""The lifecycle table and the item services cannot disagree: every transition of the table, with every one of
its outcomes, is taken once through its service, and each time the runner executed exactly that action and
outcome, and the status, the audit event and the notification are the ones the table names."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from ducha.audit.models import Event
from ducha.common import events
from ducha.common.lifecycle import Lifecycle
from ducha.items import services
from ducha.items.lifecycle import TRANSITIONS, ItemStatus
from ducha.items.models import Item, SourceType
from tests.helpers import item_in, make_item

S = ItemStatus
OUTCOMES = sum(len(transition.outcomes) for transition in TRANSITIONS.values())


@dataclass
class Step:
    """Put an item where the action can be taken, then take it: (item before, the call)."""

    action: str
    outcome: str
    prepare: Callable[[Any], tuple[Item, Callable[[Item], Any]]]


def later(item: Item, days: int = 10) -> datetime.date:
    return (item.due_date or timezone.localdate()) + datetime.timedelta(days=days)


def _extension(world, *, source_type: str = SourceType.MEETING_DECISION) -> Item:
    item = item_in(world, S.IN_PROGRESS, source_type=source_type)
    services.item_extension_request(
        item_id=item.pk, actor=world.user("fgw"), reason="汛期影响施工", proposed_due_date=later(item)
    )
    return item


def _escalated(world) -> Item:
    item = item_in(world, S.IN_PROGRESS)
    services.item_dispute_escalate(item_id=item.pk, actor=world.user("fgw"), description="分工有异议")
    return item


def _coordinated(world) -> Item:
    item = _escalated(world)
    services.item_dispute_coordinate(item_id=item.pk, actor=world.user("office"), coordination="已协调")
    return item


def _reported(world) -> Item:
    item = item_in(world, S.IN_PROGRESS)
    services.item_report(item_id=item.pk, actor=world.user("fgw"), text="已全部完成")
    return item


def _cancel_requested(world) -> Item:
    item = item_in(world, S.IN_PROGRESS)
    services.item_cancel(item_id=item.pk, actor=world.user("office"), reason="任务调整")
    return item


def steps(world) -> list[Step]:
    u = world.user
    review = {"opinion": "同意", "task_completed": True, "problem_solved": True}
    review |= {"conclusion_appropriate": True, "lawful_compliant": True}
    return [
        Step("update", "done", lambda w: (make_item(w), lambda i: services.item_update(
            item_id=i.pk, actor=u("office"), title="新标题"))),
        Step("submit", "done", lambda w: (make_item(w), lambda i: services.item_submit(
            item_id=i.pk, actor=u("office")))),
        Step("approve", "done", lambda w: (item_in(w, S.PENDING_APPROVAL), lambda i: services.item_approve(
            item_id=i.pk, actor=u("leader")))),
        Step("reject", "done", lambda w: (item_in(w, S.PENDING_APPROVAL), lambda i: services.item_reject(
            item_id=i.pk, actor=u("leader"), reason="依据不足"))),
        Step("revise", "done", lambda w: (item_in(w, S.REJECTED), lambda i: services.item_revise(
            item_id=i.pk, actor=u("office")))),
        Step("assign", "done", lambda w: (item_in(w, S.REGISTERED), lambda i: services.item_assign(
            item_id=i.pk, actor=u("office")))),
        Step("sign", "lead", lambda w: (item_in(w, S.ASSIGNED), lambda i: services.item_sign(
            item_id=i.pk, actor=u("fgw")))),
        Step("sign", "co", lambda w: (item_in(w, S.ASSIGNED), lambda i: services.item_sign(
            item_id=i.pk, actor=u("jyj")))),
        Step("progress", "done", lambda w: (item_in(w, S.IN_PROGRESS), lambda i: services.item_progress(
            item_id=i.pk, actor=u("fgw"), text="方案已制定"))),
        Step("report", "done", lambda w: (item_in(w, S.IN_PROGRESS), lambda i: services.item_report(
            item_id=i.pk, actor=u("fgw"), text="已全部完成"))),
        Step("report_approve", "done", lambda w: (_reported(w), lambda i: services.item_report_approve(
            item_id=i.pk, actor=u("fgw_head")))),
        Step("report_return", "done", lambda w: (_reported(w), lambda i: services.item_report_return(
            item_id=i.pk, actor=u("fgw_head"), reason="材料不全"))),
        Step("review", "accept", lambda w: (item_in(w, S.UNDER_REVIEW), lambda i: services.item_review(
            item_id=i.pk, actor=u("office"), decision="accept", **review))),
        Step("review", "return", lambda w: (item_in(w, S.UNDER_REVIEW), lambda i: services.item_review(
            item_id=i.pk, actor=u("office"), decision="return", opinion="证明材料不足"))),
        Step("close", "done", lambda w: (item_in(w, S.ACCEPTED), lambda i: services.item_close(
            item_id=i.pk, actor=u("leader")))),
        Step("archive", "done", lambda w: (item_in(w, S.CLOSED), lambda i: services.item_archive(
            item_id=i.pk, actor=u("office")))),
        Step("cancel", "withdrawn", lambda w: (item_in(w, S.IN_PROGRESS), lambda i: services.item_cancel(
            item_id=i.pk, actor=u("leader"), reason="上级统一部署"))),
        Step("cancel", "requested", lambda w: (item_in(w, S.IN_PROGRESS), lambda i: services.item_cancel(
            item_id=i.pk, actor=u("office"), reason="任务调整"))),
        Step("cancel_approve", "done", lambda w: (_cancel_requested(w), lambda i: services.item_cancel_approve(
            item_id=i.pk, actor=u("leader")))),
        Step("cancel_refuse", "done", lambda w: (_cancel_requested(w), lambda i: services.item_cancel_refuse(
            item_id=i.pk, actor=u("leader"), reason="继续办理"))),
        Step("extension_request", "done", lambda w: (
            item_in(w, S.IN_PROGRESS),
            lambda i: services.item_extension_request(
                item_id=i.pk, actor=u("fgw"), reason="汛期影响施工", proposed_due_date=later(i)),
        )),
        Step("extension_decide", "endorsed", lambda w: (
            _extension(w, source_type=SourceType.LEADER_INSTRUCTION),
            lambda i: services.item_extension_decide(item_id=i.pk, actor=u("office"), grant=True),
        )),
        Step("extension_decide", "granted", lambda w: (_extension(w), lambda i: services.item_extension_decide(
            item_id=i.pk, actor=u("office"), grant=True))),
        Step("extension_decide", "refused", lambda w: (_extension(w), lambda i: services.item_extension_decide(
            item_id=i.pk, actor=u("office"), grant=False, comment="理由不充分"))),
        Step("delegate", "done", lambda w: (item_in(w, S.IN_PROGRESS), lambda i: services.item_delegate(
            item_id=i.pk, actor=u("fgw"), unit_id=w.townships["cgz"].pk))),
        Step("dispute_escalate", "done", lambda w: (
            item_in(w, S.IN_PROGRESS),
            lambda i: services.item_dispute_escalate(item_id=i.pk, actor=u("fgw"), description="分工有异议"),
        )),
        Step("dispute_coordinate", "done", lambda w: (
            _escalated(w),
            lambda i: services.item_dispute_coordinate(item_id=i.pk, actor=u("office"), coordination="已协调"),
        )),
        Step("dispute_rule", "done", lambda w: (
            _coordinated(w),
            lambda i: services.item_dispute_rule(item_id=i.pk, actor=u("leader"), ruling="由发改局牵头"),
        )),
    ]  # fmt: skip


@pytest.fixture
def recorded(monkeypatch) -> dict[str, list]:
    """What the runner entered (table, action, outcome) and which notifications were published."""
    seen: dict[str, list] = {"entered": [], "published": []}
    enter = Lifecycle.enter

    def spy_enter(self, action, subject, actor, change=None):
        seen["entered"].append((self.name, action, change.outcome if change else "done", subject.pk))
        return enter(self, action, subject, actor, change)

    def spy_publish(name, **payload):
        seen["published"].append((name, payload))

    monkeypatch.setattr(Lifecycle, "enter", spy_enter)
    monkeypatch.setattr(events, "publish_on_commit", spy_publish)
    return seen


def test_the_steps_cover_every_outcome_of_the_table(world):
    table = {(action, outcome) for action, t in TRANSITIONS.items() for outcome in t.outcomes}
    assert {(step.action, step.outcome) for step in steps(world)} == table


@pytest.mark.parametrize("index", range(OUTCOMES))
def test_each_service_runs_its_transition_from_the_table(world, recorded, index):
    step = steps(world)[index]
    item, take = step.prepare(world)
    item.refresh_from_db()
    before, newest = item.status, Event.objects.order_by("-id").values_list("id", flat=True).first()
    recorded["entered"].clear()
    recorded["published"].clear()

    take(item)

    outcome = TRANSITIONS[step.action].outcome(step.outcome)
    item.refresh_from_db()
    assert ("item", step.action, step.outcome, item.pk) in recorded["entered"]
    assert item.status == (outcome.target or before)
    written = list(Event.objects.filter(id__gt=newest, subject_type="item", subject_id=item.pk))
    assert [event.event_type for event in written][-1] == outcome.event
    expected = [f"item.{outcome.notify}"] if outcome.notify else []
    assert [name for name, _payload in recorded["published"]] == expected
