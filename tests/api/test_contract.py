"""The REST API end to end, only over HTTP with the demo accounts' bearer tokens: the whole lifecycle, the side
paths (returns, extensions, delegation, withdrawal, disagreements), attachments, filters, OpenAPI and query counts.
"""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ducha.workcalendar.services import add_workdays
from tests.api.support import (
    FOUR_CHECKS,
    NUMBER_RE,
    assignment,
    body,
    error,
    event_types,
    local_noon,
    unit_id,
)
from tests.helpers import item_in, make_item


def _in_progress(api, world, **fields) -> int:
    """An item signed for by the lead unit (发改局), co-unit 教育局; returns its id."""
    return item_in(world, "in_progress", **fields).pk


# --- the whole lifecycle over HTTP -------------------------------------------------------------------------------


def test_draft_to_archived_over_http(world, api, today):
    office, leader, fgw, fgw_head, jyj = (api(u) for u in ("office", "leader", "fgw", "fgw_head", "jyj"))
    fgw_id, jyj_id = unit_id(world, "fgw"), unit_id(world, "jyj")

    created = body(
        office.post(
            "/items/",
            {
                "title": "推进县城老旧小区改造（接口）",
                "content": "按照县政府常务会议决定，年内完成老旧小区改造。",
                "source_type": "meeting_decision",
                "source_reference": "县政府第12次常务会议",
                "approval_basis": "office_proposal",
                "urgency": "normal",
                "confidentiality": "internal",
                "lead_unit": fgw_id,
                "co_units": [{"unit": jyj_id, "share": 30, "share_note": "校舍部分"}],
            },
        ),
        201,
    )
    item_id = created["id"]
    assert created["status"] == "draft"
    assert created["number"] == "" and created["due_date"] is None and created["light"] == ""
    assert created["government"]["name"] == "示范县人民政府"
    assert [(a["unit"]["id"], a["role"], a["share"], a["share_note"]) for a in created["assignments"]] == [
        (fgw_id, "lead", None, ""),
        (jyj_id, "co", 30, "校舍部分"),
    ]

    assert body(office.post(f"/items/{item_id}/submit"))["status"] == "pending_approval"

    approved = body(leader.post(f"/items/{item_id}/approve", {"comment": "同意立项"}))
    assert approved["status"] == "registered"
    match = NUMBER_RE.match(approved["number"])
    assert match, approved["number"]
    assert int(match.group(1)) == today.year
    assert approved["approver"]["name"] == "陈副县长"
    assert approved["light"] == ""

    assigned = body(office.post(f"/items/{item_id}/assign"))
    assert assigned["status"] == "assigned"
    assert assigned["deadline_workdays"] == 15
    assert assigned["due_date"] == add_workdays(today, 15).isoformat()
    assert assigned["light"] == "green"
    assert all(a["notified_at"] and a["signed_at"] is None for a in assigned["assignments"])

    signed = body(fgw.post(f"/items/{item_id}/sign"))
    assert signed["status"] == "in_progress"
    assert assignment(signed, fgw_id)["signed_at"] and assignment(signed, fgw_id)["status"] == "signed"
    assert assignment(signed, jyj_id)["signed_at"] is None

    co_signed = body(jyj.post(f"/items/{item_id}/sign"))
    assert co_signed["status"] == "in_progress"
    assert assignment(co_signed, jyj_id)["signed_at"] is not None

    co_progress = body(
        jyj.post(f"/items/{item_id}/progress", {"text": "校舍部分已完成。", "is_final": True}), 201
    )
    assert (co_progress["kind"], co_progress["is_final"], co_progress["unit"]["id"]) == (
        "progress",
        True,
        jyj_id,
    )
    after_co = body(fgw.get(f"/items/{item_id}"))
    assert assignment(after_co, jyj_id)["status"] == "reported"
    assert assignment(after_co, jyj_id)["light"] == ""
    assert assignment(after_co, fgw_id)["light"] == "green"

    progress = body(fgw.post(f"/items/{item_id}/progress", {"text": "已完成八成。"}), 201)
    assert (progress["kind"], progress["is_final"], progress["author"]["name"]) == ("progress", False, "王伟")
    assert body(fgw.get(f"/items/{item_id}"))["latest_progress"] == "已完成八成。"

    report = body(fgw.post(f"/items/{item_id}/report", {"text": "已全部完成改造任务。"}), 201)
    assert (report["kind"], report["status"]) == ("completion", "pending_head")
    assert body(fgw.get(f"/items/{item_id}"))["status"] == "in_progress"

    checked = body(fgw_head.post(f"/items/{item_id}/report/approve", {"comment": "属实"}))
    assert checked["status"] == "under_review"
    assert checked["light"] == ""
    assert assignment(checked, fgw_id)["reported_at"] is not None

    review = body(
        office.post(
            f"/items/{item_id}/review", {"decision": "accept", "opinion": "同意办结。", **FOUR_CHECKS}
        )
    )
    assert review["decision"] == "accept" and review["item_status"] == "accepted"
    assert all(review[check] for check in FOUR_CHECKS)
    assert body(office.get(f"/items/{item_id}"))["closing_opinion"] == "同意办结。"

    assert body(leader.post(f"/items/{item_id}/close"))["status"] == "closed"
    archived = body(office.post(f"/items/{item_id}/archive"))
    assert archived["status"] == "archived"
    assert archived["number"] == approved["number"] and archived["light"] == ""

    timeline = body(office.get(f"/items/{item_id}/timeline"))
    assert [e["event_type"] for e in timeline] == [
        "item_created",
        "item_submitted",
        "item_approved",
        "item_assigned",
        "item_signed",
        "item_signed",
        "item_progress",
        "item_progress",
        "item_reported",
        "item_report_approved",
        "item_review_accepted",
        "item_closed",
        "item_archived",
    ]
    assert [e["actor"]["name"] for e in timeline] == [
        "周督查", "周督查", "陈副县长", "周督查", "王伟", "张敏", "张敏", "王伟", "王伟", "李建国", "周督查", "陈副县长",
        "周督查",
    ]  # fmt: skip
    assert timeline[4]["actor_unit"]["name"] == "县发展和改革局"
    assert [e["created_at"] for e in timeline] == sorted(e["created_at"] for e in timeline)
    assert timeline[2]["new"]["number"] == approved["number"]
    assert timeline[3]["new"]["due_date"] == assigned["due_date"]
    # The lead unit reads the same history.
    assert event_types(api, item_id, "fgw") == [e["event_type"] for e in timeline]


def test_draft_edit_reject_and_revise(world, api):
    office, leader = api("office"), api("leader")
    item_id = make_item(world).pk
    edited = body(
        office.patch(f"/items/{item_id}", {"title": "新标题", "urgency": "urgent", "deadline_workdays": 10})
    )
    assert (edited["title"], edited["urgency"], edited["deadline_workdays"]) == ("新标题", "urgent", 10)
    mixed = [unit_id(world, "jyj"), {"unit": unit_id(world, "czj"), "share": 20, "share_note": "资金"}]
    both = body(office.patch(f"/items/{item_id}", {"co_units": mixed}))
    assert [(a["unit"]["id"], a["role"], a["share"]) for a in both["assignments"]] == [
        (unit_id(world, "fgw"), "lead", None),
        (unit_id(world, "jyj"), "co", None),
        (unit_id(world, "czj"), "co", 20),
    ]
    moved = body(office.patch(f"/items/{item_id}", {"lead_unit": unit_id(world, "zjj"), "co_units": []}))
    assert [(a["unit"]["id"], a["role"]) for a in moved["assignments"]] == [(unit_id(world, "zjj"), "lead")]

    body(office.post(f"/items/{item_id}/submit"))
    rejected = body(leader.post(f"/items/{item_id}/reject", {"reason": "依据不足"}))
    assert (rejected["status"], rejected["rejection_reason"]) == ("rejected", "依据不足")
    assert body(office.post(f"/items/{item_id}/revise"))["status"] == "draft"
    assert event_types(api, item_id) == [
        "item_created", "item_updated", "item_updated", "item_updated", "item_submitted", "item_rejected",
        "item_revised",
    ]  # fmt: skip


def test_numbers_are_consecutive_and_rejection_takes_none(world, api, today):
    leader = api("leader")
    numbers = []
    for index in range(3):
        pending = item_in(world, "pending_approval", title=f"编号{index}").pk
        if index == 1:
            body(leader.post(f"/items/{pending}/reject", {"reason": "不予立项"}))
            assert body(api("office").get(f"/items/{pending}"))["number"] == ""
            continue
        numbers.append(body(leader.post(f"/items/{pending}/approve"))["number"])
    matches = [NUMBER_RE.match(number) for number in numbers]
    assert all(matches), numbers
    assert {int(m.group(1)) for m in matches} == {today.year}
    first, second = (int(m.group(2)) for m in matches)
    assert second == first + 1


def test_deadline_from_create_patch_or_assign(world, api, today):
    office = api("office")
    fixed = add_workdays(today, 30)

    def create(**fields) -> int:
        payload = {"title": "期限", "source_type": "other", "lead_unit": unit_id(world, "fgw"), **fields}
        return body(office.post("/items/", payload), 201)["id"]

    def assign(item_id: int, **payload) -> dict:
        body(office.post(f"/items/{item_id}/submit"))
        body(api("leader").post(f"/items/{item_id}/approve"))
        return body(office.post(f"/items/{item_id}/assign", payload))

    by_workdays = assign(create(deadline_workdays=5))
    assert (by_workdays["deadline_workdays"], by_workdays["due_date"]) == (5, str(add_workdays(today, 5)))
    by_date = assign(create(due_date=str(fixed)))
    assert by_date["due_date"] == str(fixed) and by_date["deadline_workdays"] is None
    overridden = assign(create(deadline_workdays=5), deadline_workdays=3)
    assert overridden["due_date"] == str(add_workdays(today, 3))
    patched = create(deadline_workdays=5)
    body(office.patch(f"/items/{patched}", {"due_date": str(fixed)}))
    assert assign(patched)["due_date"] == str(fixed)

    milestone = {"title": "完成设计", "due_date": str(fixed - datetime.timedelta(days=1))}
    with_milestone = body(office.get(f"/items/{create(due_date=str(fixed), milestones=[milestone])}"))
    assert [(m["title"], m["due_date"]) for m in with_milestone["milestones"]] == [tuple(milestone.values())]
    late = {"title": "太晚", "due_date": str(fixed + datetime.timedelta(days=1))}
    payload = {"title": "期限", "source_type": "other", "lead_unit": unit_id(world, "fgw")}
    error(
        office.post("/items/", {**payload, "due_date": str(fixed), "milestones": [late]}),
        400,
        "milestone_invalid",
    )


def test_actions_list_what_the_caller_may_do_now(world, api):
    draft = make_item(world).pk
    assert {a["action"] for a in body(api("office").get(f"/items/{draft}/actions"))} == {
        "update",
        "submit",
        "cancel",
    }
    pending = item_in(world, "pending_approval").pk
    leader_actions = {a["action"] for a in body(api("leader").get(f"/items/{pending}/actions"))}
    assert {"approve", "reject"} <= leader_actions
    assigned = item_in(world, "assigned").pk
    assert [a["action"] for a in body(api("jyj").get(f"/items/{assigned}/actions"))] == ["sign"]
    lead_actions = [a["action"] for a in body(api("fgw").get(f"/items/{assigned}/actions"))]
    assert "sign" in lead_actions and "progress" not in lead_actions and "report" not in lead_actions
    assert all(
        isinstance(a["label"], str) and a["label"]
        for a in body(api("office").get(f"/items/{assigned}/actions"))
    )


# --- returns --------------------------------------------------------------------------------------------------


def test_review_return_then_report_again(world, api):
    office, fgw, fgw_head = api("office"), api("fgw"), api("fgw_head")
    item_id = item_in(world, "under_review").pk
    returned = body(
        office.post(f"/items/{item_id}/review", {"decision": "return", "opinion": "数据不全，重报。"})
    )
    assert (returned["decision"], returned["item_status"]) == ("return", "in_progress")
    item = body(fgw.get(f"/items/{item_id}"))
    assert item["status"] == "in_progress"
    assert assignment(item, unit_id(world, "fgw"))["status"] == "signed"

    body(fgw.post(f"/items/{item_id}/report", {"text": "补充数据后重报。"}), 201)
    assert body(fgw_head.post(f"/items/{item_id}/report/approve"))["status"] == "under_review"
    accepted = body(
        office.post(f"/items/{item_id}/review", {"decision": "accept", "opinion": "同意。", **FOUR_CHECKS})
    )
    assert accepted["item_status"] == "accepted"
    assert event_types(api, item_id)[-4:] == [
        "item_review_returned",
        "item_reported",
        "item_report_approved",
        "item_review_accepted",
    ]


def test_report_returned_by_unit_head(world, api):
    fgw, fgw_head = api("fgw"), api("fgw_head")
    item_id = _in_progress(api, world)
    body(fgw.post(f"/items/{item_id}/report", {"text": "初稿"}), 201)
    error(fgw.post(f"/items/{item_id}/report", {"text": "再报"}), 409, "report_pending")
    error(fgw.post(f"/items/{item_id}/report/approve"), 403, "role_required")  # a handler is not the head

    back = body(fgw_head.post(f"/items/{item_id}/report/return", {"reason": "请补充佐证材料"}))
    assert back["status"] == "in_progress"
    error(fgw_head.post(f"/items/{item_id}/report/approve"), 409, "no_pending_report")

    body(fgw.post(f"/items/{item_id}/report", {"text": "补充后再报"}), 201)
    assert body(fgw_head.post(f"/items/{item_id}/report/approve"))["status"] == "under_review"
    timeline = body(api("office").get(f"/items/{item_id}/timeline"))
    returned = next(e for e in timeline if e["event_type"] == "item_report_returned")
    assert returned["comment"] == "请补充佐证材料" and returned["actor"]["name"] == "李建国"


# --- extensions -----------------------------------------------------------------------------------------------


def test_extension_requested_and_granted_by_the_office(world, api):
    office, fgw = api("office"), api("fgw")
    item_id = _in_progress(api, world)
    old_due = datetime.date.fromisoformat(body(fgw.get(f"/items/{item_id}"))["due_date"])
    proposed = old_due + datetime.timedelta(days=10)

    requested = body(
        fgw.post(
            f"/items/{item_id}/extensions", {"reason": "需等待资金下达", "proposed_due_date": str(proposed)}
        ),
        201,
    )
    assert requested["status"] == "pending" and requested["requires_leader"] is False
    assert (requested["old_due_date"], requested["proposed_due_date"]) == (str(old_due), str(proposed))
    assert requested["granted_due_date"] is None and requested["item_due_date"] == str(old_due)
    error(
        fgw.post(f"/items/{item_id}/extensions", {"reason": "再申请", "proposed_due_date": str(proposed)}),
        409,
        "extension_pending",
    )

    granted = body(office.post(f"/items/{item_id}/extensions/decide", {"grant": True, "comment": "同意"}))
    assert granted["status"] == "granted"
    assert granted["granted_due_date"] == granted["item_due_date"] == str(proposed)
    assert granted["old_due_date"] == str(old_due)
    item = body(fgw.get(f"/items/{item_id}"))
    assert item["due_date"] == str(proposed) and item["light"] == "green"

    timeline = body(office.get(f"/items/{item_id}/timeline"))
    asked = next(e for e in timeline if e["event_type"] == "item_extension_requested")
    assert (asked["new"]["old_due_date"], asked["new"]["proposed_due_date"]) == (str(old_due), str(proposed))
    done = next(e for e in timeline if e["event_type"] == "item_extension_granted")
    assert (done["old"]["due_date"], done["new"]["due_date"]) == (str(old_due), str(proposed))


def test_extension_refused_needs_a_reason_and_keeps_the_date(world, api):
    office, fgw = api("office"), api("fgw")
    item_id = _in_progress(api, world)
    due = body(fgw.get(f"/items/{item_id}"))["due_date"]
    error(
        fgw.post(f"/items/{item_id}/extensions", {"reason": "来不及", "proposed_due_date": due}),
        400,
        "extension_date_not_later",
    )
    later = str(datetime.date.fromisoformat(due) + datetime.timedelta(days=3))
    body(fgw.post(f"/items/{item_id}/extensions", {"reason": "来不及", "proposed_due_date": later}), 201)
    error(office.post(f"/items/{item_id}/extensions/decide", {"grant": False}), 400, "reason_required")
    refused = body(
        office.post(f"/items/{item_id}/extensions/decide", {"grant": False, "comment": "理由不充分"})
    )
    assert refused["status"] == "refused" and refused["item_due_date"] == due
    assert body(fgw.get(f"/items/{item_id}"))["due_date"] == due


def test_extension_of_a_leader_instruction_needs_the_leader(world, api):
    office, leader, fgw = api("office"), api("leader"), api("fgw")
    item_id = _in_progress(api, world, source_type="leader_instruction")
    old_due = body(fgw.get(f"/items/{item_id}"))["due_date"]
    proposed = str(datetime.date.fromisoformat(old_due) + datetime.timedelta(days=7))
    requested = body(
        fgw.post(f"/items/{item_id}/extensions", {"reason": "工程量大", "proposed_due_date": proposed}), 201
    )
    assert requested["requires_leader"] is True

    error(leader.post(f"/items/{item_id}/extensions/decide", {"grant": True}), 409, "extension_not_pending")
    endorsed = body(office.post(f"/items/{item_id}/extensions/decide", {"grant": True, "comment": "拟同意"}))
    assert endorsed["status"] == "endorsed" and endorsed["item_due_date"] == old_due
    assert body(fgw.get(f"/items/{item_id}"))["due_date"] == old_due
    error(office.post(f"/items/{item_id}/extensions/decide", {"grant": True}), 409, "extension_not_pending")

    granted = body(leader.post(f"/items/{item_id}/extensions/decide", {"grant": True, "comment": "同意"}))
    assert granted["status"] == "granted" and granted["item_due_date"] == proposed
    assert body(fgw.get(f"/items/{item_id}"))["due_date"] == proposed
    assert [t for t in event_types(api, item_id) if t.startswith("item_extension")] == [
        "item_extension_requested",
        "item_extension_endorsed",
        "item_extension_granted",
    ]


def test_extension_after_the_due_date_is_refused(world, api):
    fgw = api("fgw")
    item_id = _in_progress(api, world)
    due = datetime.date.fromisoformat(body(fgw.get(f"/items/{item_id}"))["due_date"])
    with time_machine.travel(local_noon(due + datetime.timedelta(days=1))):
        late = body(fgw.get(f"/items/{item_id}"))
        assert late["light"] == "red"
        error(
            fgw.post(
                f"/items/{item_id}/extensions",
                {"reason": "晚了", "proposed_due_date": str(due + datetime.timedelta(days=20))},
            ),
            409,
            "extension_after_due",
        )


# --- delegation -----------------------------------------------------------------------------------------------


def test_delegation_to_a_township(world, api):
    office, fgw, fgw_head, cgz, cgz_head = (api(u) for u in ("office", "fgw", "fgw_head", "cgz", "cgz_head"))
    parent_id = _in_progress(api, world)
    parent = body(office.get(f"/items/{parent_id}"))
    cgz_id = world.townships["cgz"].pk

    error(
        fgw.post(f"/items/{parent_id}/delegate", {"unit": unit_id(world, "zjj")}),
        400,
        "delegate_target_invalid",
    )
    late = str(datetime.date.fromisoformat(parent["due_date"]) + datetime.timedelta(days=1))
    error(
        fgw.post(f"/items/{parent_id}/delegate", {"unit": cgz_id, "due_date": late}),
        400,
        "delegate_deadline_after_parent",
    )

    child = body(fgw.post(f"/items/{parent_id}/delegate", {"unit": cgz_id, "title": "城关镇片区改造"}), 201)
    child_id = child["id"]
    assert child["status"] == "assigned" and child["parent"] == parent_id
    assert child["title"] == "城关镇片区改造"
    assert child["number"] == f"{parent['number']}-1"
    assert child["delegating_unit"]["id"] == unit_id(world, "fgw")
    assert child["due_date"] == parent["due_date"]
    assert [(a["unit"]["id"], a["role"]) for a in child["assignments"]] == [(cgz_id, "lead")]

    assert body(cgz.get(f"/items/{child_id}"))["id"] == child_id
    assert child_id in {i["id"] for i in body(cgz.get("/items/"))["items"]}
    assert body(fgw.get(f"/items/{child_id}"))["id"] == child_id
    assert [c["id"] for c in body(fgw.get(f"/items/{parent_id}/children"))] == [child_id]
    error(cgz.get(f"/items/{parent_id}"), 404, "not_found")  # the township sees its own part only

    # The parent cannot be reported complete while the child is open; nothing is written.
    before = event_types(api, parent_id)
    error(fgw.post(f"/items/{parent_id}/report", {"text": "已完成"}), 409, "open_child_items")
    assert event_types(api, parent_id) == before
    assert "item_delegated" in before and event_types(api, child_id) == ["item_delegated"]

    # The child runs its course; the delegating unit reviews and closes it.
    assert body(cgz.post(f"/items/{child_id}/sign"))["status"] == "in_progress"
    body(cgz.post(f"/items/{child_id}/report", {"text": "城关镇部分完成"}), 201)
    assert body(cgz_head.post(f"/items/{child_id}/report/approve"))["status"] == "under_review"
    accept = {"decision": "accept", "opinion": "同意", **FOUR_CHECKS}
    error(office.post(f"/items/{child_id}/review", accept), 403, "role_required")  # the delegator reviews
    review = body(fgw.post(f"/items/{child_id}/review", accept))
    assert review["item_status"] == "accepted"
    assert body(fgw_head.post(f"/items/{child_id}/close"))["status"] == "closed"

    body(fgw.post(f"/items/{parent_id}/report", {"text": "含城关镇部分，已全部完成"}), 201)


def test_withdrawing_a_parent_does_not_leave_its_child_running(world, api):
    fgw, cgz, leader = api("fgw"), api("cgz"), api("leader")
    parent_id = _in_progress(api, world)
    child_id = body(fgw.post(f"/items/{parent_id}/delegate", {"unit": world.townships["cgz"].pk}), 201)["id"]
    body(cgz.post(f"/items/{child_id}/sign"))
    response = leader.post(f"/items/{parent_id}/cancel", {"reason": "任务取消"})
    if response.status_code == 409:
        error(response, 409, "open_child_items")
        assert body(fgw.get(f"/items/{parent_id}"))["status"] == "in_progress"
    else:
        assert body(response)["status"] == "cancelled"
        assert body(cgz.get(f"/items/{child_id}"))["status"] == "cancelled"


# --- withdrawal and disagreements -----------------------------------------------------------------------------


def test_cancel_requested_by_the_office_and_approved_by_the_leader(world, api):
    office, leader, fgw = api("office"), api("leader"), api("fgw")
    item_id = _in_progress(api, world)
    error(fgw.post(f"/items/{item_id}/cancel", {"reason": "不想办"}), 403, "role_required")
    error(office.post(f"/items/{item_id}/cancel"), 400, "reason_required")
    error(leader.post(f"/items/{item_id}/cancel/approve"), 409, "no_cancel_request")

    asked = body(office.post(f"/items/{item_id}/cancel", {"reason": "已由上级统一部署"}))
    assert (asked["status"], asked["cancel_requested"], asked["cancel_reason"]) == (
        "in_progress",
        True,
        "已由上级统一部署",
    )
    error(office.post(f"/items/{item_id}/cancel", {"reason": "再次申请"}), 409, "cancel_pending")
    done = body(leader.post(f"/items/{item_id}/cancel/approve", {"comment": "同意撤销"}))
    assert done["status"] == "cancelled" and done["light"] == ""
    assert event_types(api, item_id)[-2:] == ["item_cancel_requested", "item_cancelled"]
    error(fgw.post(f"/items/{item_id}/progress", {"text": "继续"}), 409, "action_not_allowed_in_status")


def test_cancel_refused_by_the_leader(world, api):
    office, leader = api("office"), api("leader")
    item_id = _in_progress(api, world)
    body(office.post(f"/items/{item_id}/cancel", {"reason": "重复交办"}))
    error(leader.post(f"/items/{item_id}/cancel/refuse"), 400, "reason_required")
    refused = body(leader.post(f"/items/{item_id}/cancel/refuse", {"reason": "仍需办理"}))
    assert (refused["status"], refused["cancel_requested"]) == ("in_progress", False)
    assert event_types(api, item_id)[-2:] == ["item_cancel_requested", "item_cancel_refused"]


def test_leader_withdraws_at_once(world, api):
    item_id = item_in(world, "assigned").pk
    assert (
        body(api("leader").post(f"/items/{item_id}/cancel", {"reason": "情况变化"}))["status"] == "cancelled"
    )
    assert event_types(api, item_id)[-1] == "item_cancelled"


def test_disagreement_escalated_coordinated_and_ruled(world, api):
    office, leader, fgw, jyj = api("office"), api("leader"), api("fgw"), api("jyj")
    item_id = _in_progress(api, world)
    error(jyj.post(f"/items/{item_id}/disputes", {"description": "分工不清"}), 403, "not_lead_unit")
    error(
        office.post(f"/items/{item_id}/disputes/coordinate", {"coordination": "x"}), 409, "dispute_not_open"
    )

    dispute = body(fgw.post(f"/items/{item_id}/disputes", {"description": "教育局不认可分工"}), 201)
    assert (dispute["status"], dispute["description"]) == ("open", "教育局不认可分工")
    error(fgw.post(f"/items/{item_id}/disputes", {"description": "再提"}), 409, "dispute_not_open")
    error(
        leader.post(f"/items/{item_id}/disputes/rule", {"ruling": "先裁定"}), 409, "dispute_not_coordinated"
    )
    error(
        fgw.post(f"/items/{item_id}/disputes/coordinate", {"coordination": "我来协调"}), 403, "role_required"
    )

    coordinated = body(office.post(f"/items/{item_id}/disputes/coordinate", {"coordination": "按七三分工"}))
    assert (coordinated["status"], coordinated["coordination"]) == ("coordinated", "按七三分工")
    error(leader.post(f"/items/{item_id}/disputes/rule", {"ruling": ""}), 400, "text_required")
    ruled = body(leader.post(f"/items/{item_id}/disputes/rule", {"ruling": "按督查室意见执行"}))
    assert (ruled["status"], ruled["ruling"], ruled["id"]) == ("ruled", "按督查室意见执行", dispute["id"])
    assert [t for t in event_types(api, item_id) if t.startswith("item_dispute")] == [
        "item_dispute_escalated",
        "item_dispute_coordinated",
        "item_dispute_ruled",
    ]


def test_disagreement_needs_co_units(world, api):
    item_id = item_in(world, "in_progress", co_units=()).pk
    error(api("fgw").post(f"/items/{item_id}/disputes", {"description": "无协办"}), 409, "no_co_units")


# --- attachments ----------------------------------------------------------------------------------------------


def test_attachment_upload(world, api):
    import hashlib

    fgw = api("fgw")
    item_id = _in_progress(api, world)
    content = "整改台账".encode() * 10
    response = fgw.client.post(
        f"/api/v1/items/{item_id}/attachments",
        {"file": SimpleUploadedFile("台账.txt", content, content_type="text/plain")},
        headers=fgw.headers,
    )
    attachment = body(response, 201)
    assert attachment["name"] == "台账.txt" and attachment["size"] == len(content)
    assert attachment["sha256"] == hashlib.sha256(content).hexdigest() and attachment["report"] is None
    assert event_types(api, item_id)[-1] == "item_attachment_added"

    report_id = body(fgw.post(f"/items/{item_id}/report", {"text": "附材料"}), 201)["id"]
    on_report = fgw.client.post(
        f"/api/v1/items/{item_id}/attachments",
        {"file": SimpleUploadedFile("报告.pdf", b"%PDF-1.4"), "report": report_id},
        headers=fgw.headers,
    )
    assert body(on_report, 201)["report"] == report_id

    before = event_types(api, item_id)
    bad = fgw.client.post(
        f"/api/v1/items/{item_id}/attachments",
        {"file": SimpleUploadedFile("run.exe", b"MZ")},
        headers=fgw.headers,
    )
    error(bad, 400, "attachment_type_not_allowed")
    assert event_types(api, item_id) == before


def _upload(client, item_id: int, name: str, content: bytes, **form):
    return client.client.post(
        f"/api/v1/items/{item_id}/attachments",
        {"file": SimpleUploadedFile(name, content), **form},
        headers=client.headers,
    )


def test_attachment_list_and_download_are_scoped(world, api, settings):
    fgw, office, zjj = api("fgw"), api("office"), api("zjj")
    item_id = _in_progress(api, world)
    other_id = _in_progress(api, world)
    first = body(_upload(fgw, item_id, "现场照片.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00jpeg"), 201)
    elsewhere = body(_upload(fgw, other_id, "其他.txt", b"other"), 201)

    listed = body(office.get(f"/items/{item_id}/attachments"))
    assert [a["id"] for a in listed] == [first["id"]]
    download = office.client.get(f"/api/v1/items/{item_id}/attachments/{first['id']}", headers=office.headers)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"\xff\xd8\xff\xe0\x00\x10JFIF\x00jpeg"
    assert "attachment" in download["Content-Disposition"]

    # Another item's attachment through this item's path, an out-of-scope caller: 404, the same body.
    wrong_item = error(fgw.get(f"/items/{item_id}/attachments/{elsewhere['id']}"), 404, "not_found")
    assert error(zjj.get(f"/items/{item_id}/attachments/{first['id']}"), 404, "not_found") == wrong_item
    error(zjj.get(f"/items/{item_id}/attachments"), 404, "not_found")
    error(_upload(zjj, item_id, "x.txt", b"x"), 404, "not_found")

    settings.DUCHA_ATTACHMENT_MAX_BYTES = 10
    error(_upload(fgw, item_id, "大文件.pdf", b"%PDF" + b"0" * 100), 400, "attachment_too_large")
    assert len(body(office.get(f"/items/{item_id}/attachments"))) == 1


def test_reports_and_extension_history(world, api):
    fgw, fgw_head, jyj, office = api("fgw"), api("fgw_head"), api("jyj"), api("office")
    item_id = _in_progress(api, world)
    body(jyj.post(f"/items/{item_id}/sign"))
    body(jyj.post(f"/items/{item_id}/progress", {"text": "教育局部分完成", "is_final": True}), 201)
    body(fgw.post(f"/items/{item_id}/report", {"text": "汇总报告"}), 201)
    body(fgw_head.post(f"/items/{item_id}/report/approve", {"comment": "核实无误"}))
    reports = body(office.get(f"/items/{item_id}/reports"))
    assert [(r["kind"], r["unit"]["id"], r["text"]) for r in reports] == [
        ("progress", unit_id(world, "jyj"), "教育局部分完成"),
        ("completion", unit_id(world, "fgw"), "汇总报告"),
    ]
    assert reports[1]["head_decided_by"]["name"] == "李建国" and reports[1]["head_comment"] == "核实无误"

    running = _in_progress(api, world)
    due = datetime.date.fromisoformat(body(fgw.get(f"/items/{running}"))["due_date"])
    first, second = due + datetime.timedelta(days=5), due + datetime.timedelta(days=9)
    body(fgw.post(f"/items/{running}/extensions", {"reason": "一", "proposed_due_date": str(first)}), 201)
    body(office.post(f"/items/{running}/extensions/decide", {"grant": False, "comment": "不同意"}))
    body(fgw.post(f"/items/{running}/extensions", {"reason": "二", "proposed_due_date": str(second)}), 201)
    body(office.post(f"/items/{running}/extensions/decide", {"grant": True}))
    history = body(fgw.get(f"/items/{running}/extensions"))
    assert [
        (e["status"], e["old_due_date"], e["proposed_due_date"], e["granted_due_date"]) for e in history
    ] == [
        ("refused", str(due), str(first), None),
        ("granted", str(due), str(second), str(second)),
    ]
    assert history[0]["decision_comment"] == "不同意" and history[0]["requested_by"]["name"] == "王伟"
    error(api("zjj").get(f"/items/{running}/extensions"), 404, "not_found")
    error(api("zjj").get(f"/items/{item_id}/reports"), 404, "not_found")


# --- filters, lights ------------------------------------------------------------------------------------------


def test_list_filters_status_unit_and_keyword(world, api):
    office = api("office")
    draft = make_item(world, title="乡村道路硬化").pk
    running = item_in(world, "in_progress", title="学校食堂改造", co_units=("zjj",)).pk
    closed = item_in(world, "closed", title="农贸市场提升").pk

    def ids(**params) -> set[int]:
        return {i["id"] for i in body(office.get("/items/", **params))["items"]}

    assert ids() >= {draft, running, closed}
    assert ids(status="draft") == {draft}
    assert ids(status="in_progress,closed") == {running, closed}
    assert ids(unit=unit_id(world, "zjj")) == {running}
    assert ids(q="食堂") == {running}
    number = body(office.get(f"/items/{closed}"))["number"]
    assert ids(q=number) == {closed}


def test_lights_green_yellow_red_and_light_filter(world, api, today):
    office = api("office")
    green = item_in(world, "in_progress").pk
    yellow = item_in(world, "registered").pk
    tomorrow = add_workdays(today, 1)
    assert body(office.post(f"/items/{yellow}/assign", {"due_date": str(tomorrow)}))["light"] == "yellow"
    draft = make_item(world).pk

    def ids(light: str) -> set[int]:
        return {i["id"] for i in body(office.get("/items/", light=light))["items"]}

    assert body(office.get(f"/items/{green}"))["light"] == "green"
    assert (ids("green"), ids("yellow"), ids("red")) == ({green}, {yellow}, set())
    assert draft in ids("none") and green not in ids("none")
    with time_machine.travel(local_noon(tomorrow + datetime.timedelta(days=1))):
        assert body(office.get(f"/items/{yellow}"))["light"] == "red"
        assert ids("red") == {yellow}


# --- OpenAPI and the docs page --------------------------------------------------------------------------------

CONTRACT_PATHS = [
    "/units/", "/me", "/items/", "/items/{item_id}", "/items/{item_id}/submit", "/items/{item_id}/approve",
    "/items/{item_id}/reject", "/items/{item_id}/revise", "/items/{item_id}/assign", "/items/{item_id}/sign",
    "/items/{item_id}/progress", "/items/{item_id}/report", "/items/{item_id}/report/approve",
    "/items/{item_id}/report/return", "/items/{item_id}/review", "/items/{item_id}/close",
    "/items/{item_id}/archive", "/items/{item_id}/extensions", "/items/{item_id}/extensions/decide",
    "/items/{item_id}/delegate", "/items/{item_id}/cancel", "/items/{item_id}/cancel/approve",
    "/items/{item_id}/cancel/refuse", "/items/{item_id}/disputes", "/items/{item_id}/disputes/coordinate",
    "/items/{item_id}/disputes/rule", "/items/{item_id}/timeline", "/items/{item_id}/actions",
    "/items/{item_id}/children", "/items/{item_id}/attachments", "/items/{item_id}/attachments/{attachment_id}",
    "/items/{item_id}/reports",
]  # fmt: skip


def test_openapi_document(client, db):
    response = client.get("/api/v1/openapi.json")
    document = body(response)
    assert document["openapi"].startswith("3")
    paths = document["paths"]
    missing = [p for p in CONTRACT_PATHS if f"/api/v1{p}" not in paths]
    assert not missing
    assert set(paths["/api/v1/items/"]) == {"get", "post"}
    assert "patch" in paths["/api/v1/items/{item_id}"]
    assert paths["/api/v1/items/{item_id}/sign"]["post"]["summary"] == "签收"
    assert "409" in paths["/api/v1/items/{item_id}/sign"]["post"]["responses"]
    assert "BearerToken" in document["components"]["securitySchemes"]


def test_openapi_chinese_is_not_escaped(client, db):
    # Was a bug: ninja's own openapi view escaped Chinese (\u7b7e\u6536); fixed in ducha/api/base.py.
    raw = client.get("/api/v1/openapi.json").content
    assert "签收".encode() in raw
    assert b"\\u7b7e" not in raw


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_docs_page_uses_no_external_host(client, world, signed_in):
    if signed_in:
        client.force_login(world.user("office"))
    response = client.get("/api/v1/docs")
    assert response.status_code == 200  # the page is public; the operations themselves need a token
    html = response.content.decode()
    assert "/api/v1/openapi.json" in html
    references = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assert references, html
    for reference in references:
        assert reference.startswith("/") and not reference.startswith("//"), reference
    lowered = html.lower()
    assert "cdn" not in lowered and "http://" not in lowered and "https://" not in lowered
    for reference in references:
        if reference.startswith("/static/"):
            assert finders.find(reference.removeprefix("/static/")), reference


# --- query counts ---------------------------------------------------------------------------------------------


def _list_queries(office) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        page = body(office.get("/items/", limit=50))
    return len(page["items"]), len(queries)


def test_item_list_query_count_is_constant(world, api):
    office = api("office")
    for index in range(5):
        item_in(world, "in_progress", title=f"事项{index}")
    # The token's first use in a minute writes last_used_at: keep that write out of the counts.
    body(office.get("/me"))
    count5, queries5 = _list_queries(office)
    for index in range(15):
        item_in(
            world, "in_progress" if index % 2 else "closed", title=f"更多事项{index}", co_units=("jyj", "zjj")
        )
    count20, queries20 = _list_queries(office)
    assert (count5, count20) == (5, 20)
    assert queries20 == queries5, (queries5, queries20)
    assert queries20 <= 10


def test_me_and_units(world, api):
    me = body(api("fgw").get("/me"))
    assert me["username"] == "fgw" and me["roles"] == ["handler"]
    assert me["unit"] == {"id": unit_id(world, "fgw"), "name": "县发展和改革局"}
    assert me["government"]["name"] == "示范县人民政府"
    office_me = body(api("office").get("/me"))
    assert office_me["roles"] == ["office"] and office_me["unit"]["name"] == "示范县人民政府督查室"
    units = body(api("jyj").get("/units/"))["units"]
    county = next(u for u in units if u["name"] == "示范县人民政府")
    assert county == {
        "id": world.county.pk,
        "name": "示范县人民政府",
        "level": "county",
        "kind": "government",
        "parent": world.city.pk,
    }
    assert {"城关镇人民政府", "县发展和改革局", "示范市人民政府督查室"} <= {u["name"] for u in units}
