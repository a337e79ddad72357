"""Every action × every status × every kind of user, for the inspection and for its conclusions and rectifications:
the result, or the refusal (403 who / 409 status or guard) with nothing changed.

The expectations are written out from the specification (issue 5 and 条例 Art. 7, 11, 15-18), not derived from
ducha.inspections.lifecycle, so that a wrong entry in a table fails here.

The inspection (tests.inspections.helpers): led by the county's supervision office, of 城关镇 (cgz), outside the
plan with its reason; team leader `office`, member `zjj` (住建局), both trained.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.forms.models import model_to_dict

from ducha.audit.models import Event
from ducha.common.errors import DomainError
from ducha.inspections import services
from ducha.inspections.lifecycle import (
    CONCLUSION_TRANSITIONS,
    INSPECTION_TRANSITIONS,
    RECTIFICATION_TRANSITIONS,
    ConclusionStatus,
    InspectionStatus,
    RectificationStatus,
)
from ducha.inspections.models import (
    Conclusion,
    Finding,
    Inspection,
    InspectionTarget,
    Rectification,
    TeamMember,
)
from tests.inspections.helpers import inspection_in, photo

S = InspectionStatus
USERS = [
    "office",
    "office2",
    "leader",
    "county_head",
    "zjj",
    "cgz_head",
    "cgz",
    "fgw_head",
    "city_office",
    "admin",
]
OFFICE = {
    "office",
    "office2",
}  # the county's supervision office; city_office has the role, not for the county
LEADERS = {"leader", "county_head"}
TEAM_LEADER = {"office"}
TEAM = {"office", "zjj"}


def expected_inspection(action: str, status: str, user: str):
    """("ok", resulting status) or 403 / 409."""

    def rule(allowed: bool, statuses: set, result: str | None = None):
        if not allowed:
            return 403
        if status not in statuses:
            return 409
        return ("ok", result or status)

    office, leader = user in OFFICE, user in LEADERS
    office_or_team_leader = office or user in TEAM_LEADER
    table = {
        "update": (office, {S.PROPOSED}, None),
        "team_set": (office, {S.PROPOSED, S.APPROVED}, None),
        "train": (office_or_team_leader, {S.PROPOSED, S.PENDING_APPROVAL, S.APPROVED}, None),
        "submit": (office, {S.PROPOSED}, S.PENDING_APPROVAL),
        "approve": (leader, {S.PENDING_APPROVAL}, S.APPROVED),
        "reject": (leader, {S.PENDING_APPROVAL}, S.REJECTED),
        "revise": (office, {S.REJECTED}, S.PROPOSED),
        # widening the 方案 after approval waits for the leader: the status does not change
        "amend": (office_or_team_leader, {S.APPROVED, S.IN_FIELDWORK}, None),
        "start": (office_or_team_leader, {S.APPROVED}, S.IN_FIELDWORK),
        "finding_add": (office or user in TEAM, {S.IN_FIELDWORK}, None),
        "evidence_add": (office or user in TEAM, {S.IN_FIELDWORK, S.CONCLUDING}, None),
        "burden_record": (office, {S.APPROVED, S.IN_FIELDWORK, S.CONCLUDING, S.RECTIFYING}, None),
        "finish": (office_or_team_leader, {S.IN_FIELDWORK}, S.CONCLUDING),
        "conclusion_draft": (office_or_team_leader, {S.CONCLUDING}, None),
        "result_propose": (office, {S.CONCLUDING, S.RECTIFYING}, None),
    }
    if action in table:
        return rule(*table[action])
    if action == "amendment_decide":
        if not leader:
            return 403
        return 409  # nothing waits for a decision (in the right statuses: the guard; elsewhere: the status)
    if action == "close":
        if not leader:
            return 403
        # in rectifying the conclusion is issued but not yet acknowledged and final: the guard refuses
        return 409
    if action == "cancel":
        if not (office or leader):
            return 403
        if status not in {S.PROPOSED, S.PENDING_APPROVAL, S.REJECTED, S.APPROVED, S.IN_FIELDWORK}:
            return 409
        if office and status in {S.APPROVED, S.IN_FIELDWORK}:
            return 409  # once approved only the leader withdraws
        return ("ok", S.CANCELLED)
    raise AssertionError(f"no expectation for {action}")


def call_inspection(action: str, inspection: Inspection, actor, world):
    cgz = world.townships["cgz"].pk
    finding = Finding.objects.filter(inspection=inspection).first()
    kwargs = {
        "update": {"topic": "修改后的主题"},
        "team_set": {
            "members": [
                services.TeamMemberInput(user_id=world.user("office").pk, role="leader", is_trained=True)
            ]
        },
        "train": {
            "member_ids": list(TeamMember.objects.filter(inspection=inspection).values_list("pk", flat=True))
        },
        "reject": {"reason": "与其他督查重复"},
        "amend": {"reason": "扩大检查范围", "scope": "扩大到全部在建项目"},
        "amendment_decide": {"approve": True},
        "finding_add": {"target_id": cgz, "title": "台账不全", "description": "缺少3个月台账。"},
        "evidence_add": {"finding_id": finding.pk if finding else 0, "upload": photo()},
        "burden_record": {"unit_id": cgz, "forms_demanded": 2, "people_days": 6},
        "conclusion_draft": {"target_id": cgz, "facts": "事实", "judgement": "判断"},
        "result_propose": {"unit_id": cgz, "kind": "criticise", "reason": "推进不力"},
        "cancel": {"reason": "任务调整"},
    }.get(action, {})
    service = {
        "update": services.inspection_update,
        "team_set": services.inspection_team_set,
        "train": services.inspection_train,
        "submit": services.inspection_submit,
        "approve": services.inspection_approve,
        "reject": services.inspection_reject,
        "revise": services.inspection_revise,
        "amend": services.inspection_amend,
        "amendment_decide": services.inspection_amendment_decide,
        "start": services.inspection_start,
        "finding_add": services.finding_add,
        "evidence_add": services.finding_evidence_add,
        "burden_record": services.inspection_burden_record,
        "finish": services.inspection_finish,
        "conclusion_draft": services.conclusion_draft,
        "result_propose": services.result_propose,
        "close": services.inspection_close,
        "cancel": services.inspection_cancel,
    }[action]
    return service(inspection_id=inspection.pk, actor=actor, **kwargs)


class Rollback(Exception):
    pass


def _state(inspection_id: int) -> tuple:
    """Everything a refused action must leave as it was."""
    return (
        model_to_dict(Inspection.objects.get(pk=inspection_id)),
        list(InspectionTarget.objects.filter(inspection_id=inspection_id).order_by("id").values()),
        list(TeamMember.objects.filter(inspection_id=inspection_id).order_by("id").values()),
        list(Conclusion.objects.filter(inspection_id=inspection_id).order_by("id").values()),
        list(Rectification.objects.filter(inspection_id=inspection_id).order_by("id").values()),
        Finding.objects.filter(inspection_id=inspection_id).count(),
        Event.objects.count(),
    )


def attempt(run, inspection_id: int, status_of, before: tuple):
    """Run one action and roll it back; `before` is the state every attempt starts from (each is rolled back)."""
    try:
        with transaction.atomic():
            run()
            raise Rollback(status_of())
    except Rollback as done:
        return ("ok", done.args[0])
    except DomainError as error:
        # A refusal changes nothing.
        assert _state(inspection_id) == before
        return error.status


def _inspection_at(world, status: str) -> Inspection:
    inspection = inspection_in(world, status)
    if status == S.IN_FIELDWORK:
        # fieldwork has begun: there is something to attach evidence to
        services.finding_add(
            inspection_id=inspection.pk,
            actor=world.user("office"),
            target_id=world.townships["cgz"].pk,
            title="资金拨付滞后",
            description="抽查3个小区。",
        )
    return inspection


@pytest.mark.parametrize("status", list(S))
def test_inspection_transition_matrix(world, status):
    # given an inspection in `status`
    inspection = _inspection_at(world, status)
    before = _state(inspection.pk)
    # when every kind of user attempts every action
    results = {
        (action, user): attempt(
            lambda action=action, user=user: call_inspection(action, inspection, world.user(user), world),
            inspection.pk,
            lambda: Inspection.objects.get(pk=inspection.pk).status,
            before,
        )
        for action in INSPECTION_TRANSITIONS
        for user in USERS
    }
    # then each result is exactly what the specification says
    assert results == {
        (action, user): expected_inspection(action, status, user)
        for action in INSPECTION_TRANSITIONS
        for user in USERS
    }


# --- conclusions -----------------------------------------------------------------------------------------------

C = ConclusionStatus
CONCLUSION_USERS = [
    "office",
    "office2",
    "leader",
    "county_head",
    "zjj",
    "cgz_head",
    "cgz_liaison",
    "cgz",
    "fgw_head",
    "city_office",
]


def expected_conclusion(action: str, status: str, user: str):
    def rule(allowed: bool, statuses: set, result: str | None = None):
        if not allowed:
            return 403
        if status not in statuses:
            return 409
        return ("ok", result or status)

    office, leader = user in OFFICE, user in LEADERS
    table = {
        "conclusion_update": (office, {C.DRAFT}, None),
        "conclusion_submit": (office, {C.DRAFT}, C.PENDING_APPROVAL),
        # approved by the government's head (条例 Art. 16)
        "conclusion_approve": (leader, {C.PENDING_APPROVAL}, C.APPROVED),
        "conclusion_return": (leader, {C.PENDING_APPROVAL}, C.DRAFT),
        "conclusion_issue": (office, {C.APPROVED}, C.ISSUED),
        # receipt (知悉) by the target's head or liaison
        "acknowledge": (user in {"cgz_head", "cgz_liaison"}, {C.ISSUED}, C.ACKNOWLEDGED),
        # the objection is the target unit's own act, by its head, within the 30 days
        "object": (user == "cgz_head", {C.ACKNOWLEDGED}, C.UNDER_REVIEW),
    }
    return rule(*table[action])


def _conclusion_at(world, status: str) -> Conclusion:
    office, head, target = world.user("office"), world.user("county_head"), world.user("cgz_head")
    inspection = inspection_in(world, S.CONCLUDING)
    conclusion = services.conclusion_draft(
        inspection_id=inspection.pk,
        actor=office,
        target_id=world.townships["cgz"].pk,
        facts="事实",
        judgement="判断",
    )
    steps = [
        (C.PENDING_APPROVAL, lambda: services.conclusion_submit(conclusion_id=conclusion.pk, actor=office)),
        (C.APPROVED, lambda: services.conclusion_approve(conclusion_id=conclusion.pk, actor=head)),
        (C.ISSUED, lambda: services.conclusion_issue(conclusion_id=conclusion.pk, actor=office)),
        (C.ACKNOWLEDGED, lambda: services.conclusion_acknowledge(conclusion_id=conclusion.pk, actor=target)),
        (
            C.UNDER_REVIEW,
            lambda: services.conclusion_object(conclusion_id=conclusion.pk, actor=target, reasons="异议"),
        ),
    ]
    for reached, step in steps:
        if status == C.DRAFT:
            break
        step()
        if reached == status:
            break
    if status in (C.REVIEWED, C.WITHDRAWN):
        review = conclusion.review_request
        services.review_reviewers_assign(
            review_id=review.pk, actor=office, reviewer_ids=[world.user("office2").pk]
        )
        services.review_decide(
            review_id=review.pk,
            actor=world.user("office2"),
            outcome="upheld" if status == C.REVIEWED else "withdrawn",
            decision="决定",
        )
    conclusion.refresh_from_db()
    assert conclusion.status == status
    return conclusion


def call_conclusion(action: str, conclusion: Conclusion, actor):
    kwargs = {
        "conclusion_update": {"facts": "新的事实"},
        "conclusion_return": {"reason": "证据不足"},
        "object": {"reasons": "资金滞后系上级原因"},
    }.get(action, {})
    service = {
        "conclusion_update": services.conclusion_update,
        "conclusion_submit": services.conclusion_submit,
        "conclusion_approve": services.conclusion_approve,
        "conclusion_return": services.conclusion_return,
        "conclusion_issue": services.conclusion_issue,
        "acknowledge": services.conclusion_acknowledge,
        "object": services.conclusion_object,
    }[action]
    return service(conclusion_id=conclusion.pk, actor=actor, **kwargs)


@pytest.mark.parametrize("status", list(C))
def test_conclusion_transition_matrix(world, status):
    conclusion = _conclusion_at(world, status)
    before = _state(conclusion.inspection_id)
    results = {
        (action, user): attempt(
            lambda action=action, user=user: call_conclusion(action, conclusion, world.user(user)),
            conclusion.inspection_id,
            lambda: Conclusion.objects.get(pk=conclusion.pk).status,
            before,
        )
        for action in CONCLUSION_TRANSITIONS
        for user in CONCLUSION_USERS
    }
    assert results == {
        (action, user): expected_conclusion(action, status, user)
        for action in CONCLUSION_TRANSITIONS
        for user in CONCLUSION_USERS
    }


# --- rectifications ----------------------------------------------------------------------------------------------

R = RectificationStatus
RECTIFICATION_USERS = [
    "office",
    "office2",
    "leader",
    "zjj",
    "cgz_head",
    "cgz_liaison",
    "cgz",
    "fgw_head",
    "city_office",
]
TARGET_USERS = {"cgz_head", "cgz_liaison", "cgz"}


def expected_rectification(action: str, status: str, user: str):
    def rule(allowed: bool, statuses: set, result: str | None = None):
        if not allowed:
            return 403
        if status not in statuses:
            return 409
        return ("ok", result or status)

    office, target = user in OFFICE, user in TARGET_USERS
    table = {
        "rectification_plan": (target, {R.OPEN}, R.IN_PROGRESS),
        "rectification_progress": (target, {R.IN_PROGRESS}, None),
        "rectification_evidence": (target or office, {R.OPEN, R.IN_PROGRESS, R.REPORTED}, None),
        # the unit head, its first responsible person, reports the rectification complete
        "rectification_report": (user == "cgz_head", {R.IN_PROGRESS}, R.REPORTED),
        # 整改核查 by the office before 销号
        "rectification_verify": (office, {R.REPORTED}, R.VERIFIED),
        "rectification_close": (office, {R.VERIFIED}, R.CLOSED),
    }
    return rule(*table[action])


def _rectification_at(world, status: str) -> Rectification:
    office, head = world.user("office"), world.user("cgz_head")
    inspection = inspection_in(world, S.RECTIFYING)
    rectification = Rectification.objects.get(inspection=inspection)
    if status == R.CANCELLED:
        conclusion = rectification.conclusion
        services.conclusion_acknowledge(conclusion_id=conclusion.pk, actor=head)
        review = services.conclusion_object(conclusion_id=conclusion.pk, actor=head, reasons="异议")
        services.review_reviewers_assign(
            review_id=review.pk, actor=office, reviewer_ids=[world.user("office2").pk]
        )
        services.review_decide(
            review_id=review.pk, actor=world.user("office2"), outcome="withdrawn", decision="撤销结论"
        )
    steps = [
        (
            R.IN_PROGRESS,
            lambda: services.rectification_plan(rectification_id=rectification.pk, actor=head, plan="方案"),
        ),
        (
            R.REPORTED,
            lambda: services.rectification_report(rectification_id=rectification.pk, actor=head, text="完成"),
        ),
        (
            R.VERIFIED,
            lambda: services.rectification_verify(
                rectification_id=rectification.pk, actor=office, passed=True, note="属实"
            ),
        ),
        (R.CLOSED, lambda: services.rectification_close(rectification_id=rectification.pk, actor=office)),
    ]
    if status not in (R.OPEN, R.CANCELLED):
        for reached, step in steps:
            step()
            if reached == status:
                break
    rectification.refresh_from_db()
    assert rectification.status == status
    return rectification


def call_rectification(action: str, rectification: Rectification, actor):
    kwargs = {
        "rectification_plan": {"plan": "一个月内整改"},
        "rectification_progress": {"text": "已拨付一半"},
        "rectification_evidence": {"upload": photo(b"after photo " + actor.username.encode())},
        "rectification_report": {"text": "已全部拨付"},
        "rectification_verify": {"passed": True, "note": "实地核查属实"},
    }.get(action, {})
    service = {
        "rectification_plan": services.rectification_plan,
        "rectification_progress": services.rectification_progress,
        "rectification_evidence": services.rectification_evidence_add,
        "rectification_report": services.rectification_report,
        "rectification_verify": services.rectification_verify,
        "rectification_close": services.rectification_close,
    }[action]
    return service(rectification_id=rectification.pk, actor=actor, **kwargs)


@pytest.mark.parametrize("status", list(R))
def test_rectification_transition_matrix(world, status):
    rectification = _rectification_at(world, status)
    before = _state(rectification.inspection_id)
    results = {
        (action, user): attempt(
            lambda action=action, user=user: call_rectification(action, rectification, world.user(user)),
            rectification.inspection_id,
            lambda: Rectification.objects.get(pk=rectification.pk).status,
            before,
        )
        for action in RECTIFICATION_TRANSITIONS
        for user in RECTIFICATION_USERS
    }
    assert results == {
        (action, user): expected_rectification(action, status, user)
        for action in RECTIFICATION_TRANSITIONS
        for user in RECTIFICATION_USERS
    }


def test_the_tables_cover_every_status():
    """No status is a dead end except the final ones."""
    sources = {status for t in INSPECTION_TRANSITIONS.values() for status in t.sources}
    assert set(S) - sources == {S.CLOSED, S.CANCELLED}
