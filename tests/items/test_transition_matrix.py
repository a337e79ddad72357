"""Every action × every status × every kind of user: the result, or the refusal with nothing changed.

The expectations below are written out from the specification (issue: "Items and their lifecycle"), not derived
from ducha.items.lifecycle, so that a wrong entry in the lifecycle table fails here.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from ducha.audit.models import Event
from ducha.common.errors import DomainError
from ducha.items import services
from ducha.items.lifecycle import TRANSITIONS, ItemStatus
from ducha.items.models import Item
from tests.helpers import item_in

S = ItemStatus
USERS = ["office", "leader", "fgw", "fgw_liaison", "fgw_head", "jyj", "zjj", "city_office", "admin"]
LEAD = {"fgw", "fgw_liaison", "fgw_head"}  # 发改局 is the lead unit in tests.helpers.make_item
CO = {"jyj"}  # 教育局 is the co-unit
RUNNING = {S.ASSIGNED, S.IN_PROGRESS}
OPEN_AFTER_DRAFT = {S.PENDING_APPROVAL, S.REGISTERED, S.ASSIGNED, S.IN_PROGRESS, S.UNDER_REVIEW, S.ACCEPTED}
ALL_STATUSES = list(S)


def expected(action: str, status: str, user: str):
    """("ok", resulting status) or the HTTP-like refusal status (403 / 409)."""
    office = user == "office"  # city_office has the role but not for the county's items: 403
    leader = user == "leader"
    in_lead, in_co = user in LEAD, user in CO
    unit_user = in_lead or in_co

    def only(allowed_user: bool, statuses: set, result: str | None = None):
        if not allowed_user:
            return 403
        if status not in statuses:
            return 409
        return ("ok", result or status)

    simple = {
        "update": (office, {S.DRAFT}, None),
        "submit": (office, {S.DRAFT}, S.PENDING_APPROVAL),
        "approve": (leader, {S.PENDING_APPROVAL}, S.REGISTERED),
        "reject": (leader, {S.PENDING_APPROVAL}, S.REJECTED),
        "revise": (office, {S.REJECTED}, S.DRAFT),
        "assign": (office, {S.REGISTERED}, S.ASSIGNED),
        "review": (office, {S.UNDER_REVIEW}, S.ACCEPTED),
        "close": (leader, {S.ACCEPTED}, S.CLOSED),
        "archive": (office, {S.CLOSED}, S.ARCHIVED),
    }
    if action in simple:
        allowed_user, statuses, result = simple[action]
        return only(allowed_user, statuses, result)
    if action in ("extension_request", "dispute_escalate"):
        if not in_lead:
            return 403
        if status not in RUNNING:
            return 409
        return ("ok", status) if status == S.IN_PROGRESS else 409  # the lead unit must have signed first
    if action == "sign":
        if not unit_user:
            return 403
        if status not in RUNNING:
            return 409
        if in_lead:  # the lead unit signs once, in `assigned`; the helper signed it on the way to in_progress
            return ("ok", S.IN_PROGRESS) if status == S.ASSIGNED else 409
        return ("ok", status)  # the co-unit has not signed yet
    if action in ("progress", "delegate"):
        if not unit_user:
            return 403
        if status not in RUNNING:
            return 409
        signed = in_lead and status == S.IN_PROGRESS
        return ("ok", status) if signed else 409
    if action == "report":
        if not unit_user:
            return 403
        if in_co:
            return 403
        return ("ok", status) if status == S.IN_PROGRESS else 409
    if action in ("report_approve", "report_return"):
        if user != "fgw_head":
            return 403
        return 409  # in_progress with no report waiting, or another status
    if action == "cancel":
        if not (office or leader):
            return 403
        if status == S.DRAFT:
            return ("ok", S.CANCELLED)
        if status not in OPEN_AFTER_DRAFT:
            return 409
        return ("ok", S.CANCELLED) if leader else ("ok", status)  # the office only asks
    if action in ("cancel_approve", "cancel_refuse"):
        return 403 if not leader else 409  # nothing asked for
    if action == "extension_decide":
        if not (office or leader):
            return 403
        return 409  # nothing requested
    if action == "dispute_coordinate":
        return 403 if not office else 409
    if action == "dispute_rule":
        return 403 if not leader else 409
    raise AssertionError(f"no expectation for {action}")


def call(action: str, item: Item, actor, world):
    due = item.due_date or timezone.localdate() + datetime.timedelta(days=30)
    kwargs = {
        "update": {"title": "修改后的标题"},
        "reject": {"reason": "依据不足"},
        "review": {
            "decision": "accept",
            "opinion": "同意",
            "task_completed": True,
            "problem_solved": True,
            "conclusion_appropriate": True,
            "lawful_compliant": True,
        },
        "cancel": {"reason": "任务调整"},
        "cancel_refuse": {"reason": "继续办理"},
        "progress": {"text": "已完成方案制定"},
        "report": {"text": "已全部完成"},
        "report_return": {"reason": "材料不全"},
        "extension_request": {
            "reason": "汛期影响施工",
            "proposed_due_date": due + datetime.timedelta(days=10),
        },
        "extension_decide": {"grant": True},
        "delegate": {"unit_id": world.townships["cgz"].pk},
        "dispute_escalate": {"description": "协办单位对分工有异议"},
        "dispute_coordinate": {"coordination": "督查室已协调"},
        "dispute_rule": {"ruling": "由发改局牵头"},
    }.get(action, {})
    service = getattr(services, f"item_{action}")
    return service(item_id=item.pk, actor=actor, **kwargs)


class Rollback(Exception):
    pass


def attempt(action, item, actor, world):
    before_events = Event.objects.count()
    before = Item.objects.values().get(pk=item.pk)
    try:
        with transaction.atomic():
            call(action, item, actor, world)
            raise Rollback(Item.objects.get(pk=item.pk).status)
    except Rollback as done:
        return ("ok", done.args[0])
    except DomainError as error:
        # A refusal changes nothing: the item row and the audit log are as they were.
        assert Item.objects.values().get(pk=item.pk) == before
        assert Event.objects.count() == before_events
        return error.status


@pytest.mark.parametrize("status", ALL_STATUSES)
@pytest.mark.parametrize("action", sorted(TRANSITIONS))
def test_transition_matrix(world, status, action):
    # given an item in `status`
    item = item_in(world, status)
    # when each kind of user attempts `action`, then the result is exactly what the specification says
    results = {user: attempt(action, item, world.user(user), world) for user in USERS}
    assert results == {user: expected(action, status, user) for user in USERS}
