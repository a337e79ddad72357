"""The inspection tables and their services cannot disagree: every transition of every table — the inspection, the
annual plan, a conclusion, a review request, a rectification, a result proposal, and the consequences the system
takes on them — is taken once through its service with each of its outcomes, and each time the runner executed
exactly that action and outcome on that subject, and the status, the audit event and the notification are the
ones the table names.

A consequence (the inspection moving to rectifying, a conclusion settled on review, a rectification cancelled with
its conclusion) is taken by the service of the action it follows from (`by`): its event is written before that
action's own, which is the newest, and the notification published is that action's."""

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
from ducha.inspections import services
from ducha.inspections.lifecycle import (
    RUNNER_TABLES,
    TABLES,
    ConclusionStatus,
    InspectionStatus,
    RectificationStatus,
    ReviewStatus,
)
from ducha.inspections.models import AnnualPlan, Conclusion, Inspection, Rectification, ResultProposal
from tests.inspections.helpers import _finish_everything, inspection_in, make_inspection, photo

S, C, R = InspectionStatus, ConclusionStatus, RectificationStatus
YEAR = timezone.localdate().year + 1  # a plan of its own, whatever the demo county holds


@dataclass
class Step:
    """Bring a subject to where the action can be taken, then take it: (subject before, the call)."""

    runner: str
    action: str
    outcome: str
    prepare: Callable[[Any], tuple[Any, Callable[[Any], Any]]]
    # A consequence: the (runner, action, outcome) whose service takes it.
    by: tuple[str, str, str] | None = None


# --- subjects where an action can be taken ------------------------------------------------------------------------


def _in_fieldwork_with_finding(w) -> Inspection:
    inspection = inspection_in(w, S.IN_FIELDWORK)
    services.finding_add(
        inspection_id=inspection.pk,
        actor=w.user("office"),
        target_id=w.townships["cgz"].pk,
        title="资金拨付滞后",
        description="抽查3个小区。",
    )
    return inspection


def _finding_evidence(w, inspection: Inspection) -> Any:
    return services.finding_evidence_add(
        inspection_id=inspection.pk,
        finding_id=inspection.findings.get().pk,
        actor=w.user("office"),
        upload=photo(),
    )


def _widening_asked(w) -> Inspection:
    inspection = inspection_in(w, S.APPROVED)
    services.inspection_amend(
        inspection_id=inspection.pk, actor=w.user("office"), reason="扩大检查范围", scope="扩大到全部在建项目"
    )
    return inspection


def _plan(w, *proposals: str) -> tuple[AnnualPlan, list[Any]]:
    """A plan of next year with one proposal by the office per topic."""
    plan = services.annual_plan_create(actor=w.user("office"), year=YEAR)
    made = [
        services.plan_proposal_add(
            plan_id=plan.pk,
            actor=w.user("office"),
            topic=topic,
            kind="special",
            reason="年度重点工作",
            start_date=datetime.date(YEAR, 3, 1),
            end_date=datetime.date(YEAR, 3, 11),
            target_ids=[w.townships["cgz"].pk],
        )
        for topic in proposals
    ]
    return plan, made


def _decide_proposal(w, plan: AnnualPlan, proposal: Any, decision: str) -> None:
    services.plan_proposal_decide(
        plan_id=plan.pk, proposal_id=proposal.pk, actor=w.user("office"), decision=decision
    )


def _two_proposals(w, *, decide_both: bool = False) -> tuple[AnnualPlan, Any, Any]:
    """A plan with the first of two proposals on one matter accepted (and the second cut, if `decide_both`)."""
    plan, (first, second) = _plan(w, "老旧小区改造专项督查", "老旧小区改造资金督查")
    _decide_proposal(w, plan, first, "accept")
    if decide_both:
        _decide_proposal(w, plan, second, "cut")
    return plan, first, second


def _submitted_plan(w) -> AnnualPlan:
    plan = _two_proposals(w, decide_both=True)[0]
    services.annual_plan_submit(plan_id=plan.pk, actor=w.user("office"))
    return plan


def _conclusion(w, status: str, *, inspection: Inspection | None = None) -> Conclusion:
    """The conclusion for 城关镇 of the standard inspection (concluding), brought to `status`."""
    office, head, target = w.user("office"), w.user("county_head"), w.user("cgz_head")
    inspection = inspection or inspection_in(w, S.CONCLUDING)
    conclusion = Conclusion.objects.filter(inspection=inspection, target=w.townships["cgz"]).first()
    if conclusion is None:
        conclusion = services.conclusion_draft(
            inspection_id=inspection.pk,
            actor=office,
            target_id=w.townships["cgz"].pk,
            facts="改造资金拨付滞后两个月。",
            judgement="工作推进不力，需限期整改。",
        )
    pk = conclusion.pk
    steps = {
        C.DRAFT: lambda: services.conclusion_submit(conclusion_id=pk, actor=office),
        C.PENDING_APPROVAL: lambda: services.conclusion_approve(conclusion_id=pk, actor=head),
        C.APPROVED: lambda: services.conclusion_issue(conclusion_id=pk, actor=office),
        C.ISSUED: lambda: services.conclusion_acknowledge(conclusion_id=pk, actor=target),
        C.ACKNOWLEDGED: lambda: services.conclusion_object(conclusion_id=pk, actor=target, reasons="异议"),
    }
    while conclusion.status != status:
        steps[conclusion.status]()
        conclusion.refresh_from_db()
    return conclusion


def _review(w, status: str, *, inspection: Inspection | None = None) -> Any:
    review = _conclusion(w, C.UNDER_REVIEW, inspection=inspection).review_request
    if status == ReviewStatus.ASSIGNED:
        services.review_reviewers_assign(
            review_id=review.pk, actor=w.user("office"), reviewer_ids=[w.user("office2").pk]
        )
    review.refresh_from_db()
    assert review.status == status
    return review


def _decide(w, outcome: str) -> Callable[[Any], Any]:
    def decide(review: Any) -> Any:
        return services.review_decide(
            review_id=review.pk,
            actor=w.user("office2"),
            outcome=outcome,
            decision="复核决定。",
            revised_judgement="改为：部分整改。" if outcome == "changed" else "",
        )

    return decide


def _rectification(w, status: str) -> Rectification:
    """The rectification of the standard inspection's finding at 城关镇 (rectifying), brought to `status`."""
    office, head = w.user("office"), w.user("cgz_head")
    rectification = Rectification.objects.get(inspection=inspection_in(w, S.RECTIFYING))
    pk = rectification.pk
    steps = {
        R.OPEN: lambda: services.rectification_plan(
            rectification_id=pk, actor=head, plan="一个月内拨付到位。"
        ),
        R.IN_PROGRESS: lambda: services.rectification_report(
            rectification_id=pk, actor=head, text="已拨付。"
        ),
        R.REPORTED: lambda: services.rectification_verify(
            rectification_id=pk, actor=office, passed=True, note="实地核查属实。"
        ),
    }
    while rectification.status != status:
        steps[rectification.status]()
        rectification.refresh_from_db()
    return rectification


def _rectification_under_review(w) -> Rectification:
    rectification = _rectification(w, R.OPEN)
    _review(w, ReviewStatus.ASSIGNED, inspection=rectification.inspection)
    return rectification


def _result_proposal(w) -> ResultProposal:
    inspection = inspection_in(w, S.CONCLUDING)
    return services.result_propose(
        inspection_id=inspection.pk,
        actor=w.user("office"),
        unit_id=w.townships["cgz"].pk,
        kind="criticise",
        reason="推进不力",
    )


def steps() -> list[Step]:
    # The runners, by name.
    i, p, c, rv, rc, rs = (
        "inspection",
        "annual_plan",
        "conclusion",
        "review_request",
        "rectification",
        "result_proposal",
    )
    return [
        # the inspection
        Step(i, "update", "done", lambda w: (make_inspection(w), lambda s: services.inspection_update(
            inspection_id=s.pk, actor=w.user("office"), topic="修改后的主题"))),
        Step(i, "team_set", "done", lambda w: (make_inspection(w, team=False), lambda s: services.inspection_team_set(
            inspection_id=s.pk, actor=w.user("office"), members=[services.TeamMemberInput(
                user_id=w.user("office").pk, role="leader", is_trained=True)]))),
        Step(i, "train", "done", lambda w: (make_inspection(w), lambda s: services.inspection_train(
            inspection_id=s.pk, actor=w.user("office"), member_ids=[m.pk for m in s.team.all()]))),
        Step(i, "submit", "done", lambda w: (make_inspection(w), lambda s: services.inspection_submit(
            inspection_id=s.pk, actor=w.user("office")))),
        Step(i, "approve", "done", lambda w: (inspection_in(w, S.PENDING_APPROVAL), lambda s: (
            services.inspection_approve(inspection_id=s.pk, actor=w.user("leader"))))),
        Step(i, "reject", "done", lambda w: (inspection_in(w, S.PENDING_APPROVAL), lambda s: (
            services.inspection_reject(inspection_id=s.pk, actor=w.user("leader"), reason="与其他督查重复")))),
        Step(i, "revise", "done", lambda w: (inspection_in(w, S.REJECTED), lambda s: services.inspection_revise(
            inspection_id=s.pk, actor=w.user("office")))),
        Step(i, "amend", "requested", lambda w: (inspection_in(w, S.APPROVED), lambda s: services.inspection_amend(
            inspection_id=s.pk, actor=w.user("office"), reason="扩大检查范围", scope="扩大到全部在建项目"))),
        Step(i, "amend", "applied", lambda w: (inspection_in(w, S.APPROVED), lambda s: services.inspection_amend(
            inspection_id=s.pk, actor=w.user("office"), reason="调整日程", schedule="第一周查阅资料。"))),
        Step(i, "amendment_decide", "approved", lambda w: (_widening_asked(w), lambda s: (
            services.inspection_amendment_decide(inspection_id=s.pk, actor=w.user("leader"), approve=True)))),
        Step(i, "amendment_decide", "rejected", lambda w: (_widening_asked(w), lambda s: (
            services.inspection_amendment_decide(
                inspection_id=s.pk, actor=w.user("leader"), approve=False, comment="范围过大")))),
        Step(i, "start", "done", lambda w: (inspection_in(w, S.APPROVED), lambda s: services.inspection_start(
            inspection_id=s.pk, actor=w.user("office")))),
        Step(i, "finding_add", "done", lambda w: (inspection_in(w, S.IN_FIELDWORK), lambda s: services.finding_add(
            inspection_id=s.pk, actor=w.user("zjj"), target_id=w.townships["cgz"].pk, title="台账不全",
            description="缺少3个月台账。"))),
        Step(i, "evidence_add", "added", lambda w: (_in_fieldwork_with_finding(w), lambda s: (
            _finding_evidence(w, s)))),
        Step(i, "evidence_add", "already_added", lambda w: (
            (inspection := _in_fieldwork_with_finding(w), _finding_evidence(w, inspection))[0],
            lambda s: _finding_evidence(w, s),
        )),
        Step(i, "burden_record", "done", lambda w: (inspection_in(w, S.APPROVED), lambda s: (
            services.inspection_burden_record(inspection_id=s.pk, actor=w.user("office"),
                                              unit_id=w.townships["cgz"].pk, forms_demanded=2, people_days=6)))),
        Step(i, "finish", "done", lambda w: (inspection_in(w, S.IN_FIELDWORK), lambda s: services.inspection_finish(
            inspection_id=s.pk, actor=w.user("office")))),
        Step(i, "conclusion_draft", "done", lambda w: (inspection_in(w, S.CONCLUDING), lambda s: (
            services.conclusion_draft(inspection_id=s.pk, actor=w.user("office"), target_id=w.townships["cgz"].pk,
                                      facts="事实", judgement="判断")))),
        Step(i, "result_propose", "done", lambda w: (inspection_in(w, S.RECTIFYING), lambda s: (
            services.result_propose(inspection_id=s.pk, actor=w.user("office"), unit_id=w.townships["cgz"].pk,
                                    kind="praise", reason="整改迅速")))),
        Step(i, "close", "done", lambda w: (
            (inspection := inspection_in(w, S.RECTIFYING), _finish_everything(w, inspection))[0],
            lambda s: services.inspection_close(inspection_id=s.pk, actor=w.user("leader")),
        )),
        Step(i, "cancel", "done", lambda w: (inspection_in(w, S.APPROVED), lambda s: services.inspection_cancel(
            inspection_id=s.pk, actor=w.user("leader"), reason="任务调整"))),
        Step(i, "rectify", "done", lambda w: (
            (conclusion := _conclusion(w, C.APPROVED)).inspection,
            lambda s: services.conclusion_issue(conclusion_id=conclusion.pk, actor=w.user("office")),
        ), by=(c, "conclusion_issue", "done")),
        # the annual plan
        Step(p, "plan_propose", "done", lambda w: (_plan(w)[0], lambda s: services.plan_proposal_add(
            plan_id=s.pk, actor=w.user("zjj"), topic="老旧小区改造专项督查", kind="special", reason="年度重点工作",
            start_date=datetime.date(YEAR, 4, 1), end_date=datetime.date(YEAR, 4, 11),
            target_ids=[w.townships["cgz"].pk]))),
        *[
            Step(p, "proposal_decide", decision, lambda w, decision=decision: (
                (made := _two_proposals(w))[0],
                lambda s: services.plan_proposal_decide(
                    plan_id=s.pk, proposal_id=made[2].pk, actor=w.user("office"), decision=decision,
                    merged_into_id=made[1].pk, note="汇总"),
            ))
            for decision in ("accept", "merge", "cut")
        ],
        Step(p, "plan_submit", "done", lambda w: (_two_proposals(w, decide_both=True)[0], lambda s: (
            services.annual_plan_submit(plan_id=s.pk, actor=w.user("office"))))),
        Step(p, "plan_approve", "done", lambda w: (_submitted_plan(w), lambda s: services.annual_plan_approve(
            plan_id=s.pk, actor=w.user("leader")))),
        Step(p, "plan_return", "done", lambda w: (_submitted_plan(w), lambda s: services.annual_plan_return(
            plan_id=s.pk, actor=w.user("leader"), reason="压减力度不够"))),
        # a conclusion
        Step(c, "conclusion_update", "done", lambda w: (_conclusion(w, C.DRAFT), lambda s: (
            services.conclusion_update(conclusion_id=s.pk, actor=w.user("office"), facts="新的事实")))),
        Step(c, "conclusion_submit", "done", lambda w: (_conclusion(w, C.DRAFT), lambda s: (
            services.conclusion_submit(conclusion_id=s.pk, actor=w.user("office"))))),
        Step(c, "conclusion_approve", "done", lambda w: (_conclusion(w, C.PENDING_APPROVAL), lambda s: (
            services.conclusion_approve(conclusion_id=s.pk, actor=w.user("county_head"))))),
        Step(c, "conclusion_return", "done", lambda w: (_conclusion(w, C.PENDING_APPROVAL), lambda s: (
            services.conclusion_return(conclusion_id=s.pk, actor=w.user("leader"), reason="证据不足")))),
        Step(c, "conclusion_issue", "done", lambda w: (_conclusion(w, C.APPROVED), lambda s: (
            services.conclusion_issue(conclusion_id=s.pk, actor=w.user("office"))))),
        Step(c, "acknowledge", "done", lambda w: (_conclusion(w, C.ISSUED), lambda s: (
            services.conclusion_acknowledge(conclusion_id=s.pk, actor=w.user("cgz_liaison"))))),
        Step(c, "object", "done", lambda w: (_conclusion(w, C.ACKNOWLEDGED), lambda s: (
            services.conclusion_object(conclusion_id=s.pk, actor=w.user("cgz_head"), reasons="资金滞后系上级原因",
                                       uploads=[photo(b"objection evidence")])))),
        *[
            Step(c, "conclusion_settle", settled, lambda w, decided=decided: (
                (review := _review(w, ReviewStatus.ASSIGNED)).conclusion, lambda s: _decide(w, decided)(review),
            ), by=(rv, "review_decide", decided))
            for settled, decided in (("reviewed", "upheld"), ("withdrawn", "withdrawn"))
        ],
        # a review request
        Step(rv, "reviewers_assign", "done", lambda w: (_review(w, ReviewStatus.FILED), lambda s: (
            services.review_reviewers_assign(review_id=s.pk, actor=w.user("office"),
                                             reviewer_ids=[w.user("office2").pk])))),
        *[
            Step(rv, "review_decide", decided, lambda w, decided=decided: (
                _review(w, ReviewStatus.ASSIGNED), _decide(w, decided)))
            for decided in ("upheld", "changed", "withdrawn")
        ],
        # a rectification
        Step(rc, "rectification_plan", "done", lambda w: (_rectification(w, R.OPEN), lambda s: (
            services.rectification_plan(rectification_id=s.pk, actor=w.user("cgz"), plan="一个月内拨付到位。")))),
        Step(rc, "rectification_progress", "done", lambda w: (_rectification(w, R.IN_PROGRESS), lambda s: (
            services.rectification_progress(rectification_id=s.pk, actor=w.user("cgz"), text="已拨付一半。")))),
        Step(rc, "rectification_evidence", "added", lambda w: (_rectification(w, R.IN_PROGRESS), lambda s: (
            services.rectification_evidence_add(rectification_id=s.pk, actor=w.user("cgz"),
                                                upload=photo(b"after photo"))))),
        Step(rc, "rectification_evidence", "already_added", lambda w: (
            (rectification := _rectification(w, R.IN_PROGRESS), services.rectification_evidence_add(
                rectification_id=rectification.pk, actor=w.user("cgz"), upload=photo(b"after photo")))[0],
            lambda s: services.rectification_evidence_add(rectification_id=s.pk, actor=w.user("office"),
                                                          upload=photo(b"after photo")),
        )),
        Step(rc, "rectification_report", "done", lambda w: (_rectification(w, R.IN_PROGRESS), lambda s: (
            services.rectification_report(rectification_id=s.pk, actor=w.user("cgz_head"), text="已全部拨付。")))),
        *[
            Step(rc, "rectification_verify", verdict, lambda w, verdict=verdict: (
                _rectification(w, R.REPORTED),
                lambda s: services.rectification_verify(rectification_id=s.pk, actor=w.user("office"),
                                                        passed=verdict == "passed", note="实地核查。")))
            for verdict in ("passed", "failed")
        ],
        Step(rc, "rectification_close", "done", lambda w: (_rectification(w, R.VERIFIED), lambda s: (
            services.rectification_close(rectification_id=s.pk, actor=w.user("office"))))),
        Step(rc, "rectification_cancel", "done", lambda w: (
            (rectification := _rectification_under_review(w)),
            lambda s: _decide(w, "withdrawn")(Conclusion.objects.get(pk=rectification.conclusion_id).review_request),
        ), by=(rv, "review_decide", "withdrawn")),
        # a result proposal
        *[
            Step(rs, "result_decide", decision, lambda w, decision=decision: (
                _result_proposal(w),
                lambda s: services.result_decide(proposal_id=s.pk, actor=w.user("leader"),
                                                 approve=decision == "approved", comment="依据不足")))
            for decision in ("approved", "rejected")
        ],
    ]  # fmt: skip


OUTCOMES = sum(len(transition.outcomes) for table in RUNNER_TABLES.values() for transition in table.values())


@pytest.fixture
def recorded(monkeypatch) -> dict[str, list]:
    """What the runners entered (runner, action, outcome, subject) and which notifications were published."""
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


def test_every_table_has_its_runner():
    assert {runner.name: dict(runner.table) for runner in services.LIFECYCLES} == RUNNER_TABLES
    # the six tables users act on are all run, each by the runner of its subject
    assert all(any(table.items() <= runs.items() for runs in RUNNER_TABLES.values()) for table in TABLES)


def test_the_steps_cover_every_outcome_of_every_table():
    table = {
        (runner, action, outcome)
        for runner, transitions in RUNNER_TABLES.items()
        for action, transition in transitions.items()
        for outcome in transition.outcomes
    }
    taken = [(step.runner, step.action, step.outcome) for step in steps()]
    assert sorted(taken) == sorted(table)


def _events_of(subject: Any) -> tuple[str, int]:
    if isinstance(subject, AnnualPlan):
        return "inspection_plan", subject.pk
    return "inspection", subject.pk if isinstance(subject, Inspection) else subject.inspection_id


@pytest.mark.parametrize("index", range(OUTCOMES))
def test_each_service_runs_its_transition_from_the_table(world, recorded, index):
    # given a subject where the step's action can be taken
    step = steps()[index]
    subject, take = step.prepare(world)
    subject.refresh_from_db()
    before, newest = subject.status, Event.objects.order_by("-id").values_list("id", flat=True).first()
    recorded["entered"].clear()
    recorded["published"].clear()

    # when its service takes it
    take(subject)

    # then the runner entered exactly that action and outcome on that subject, with the table's status
    outcome = RUNNER_TABLES[step.runner][step.action].outcome(step.outcome)
    subject.refresh_from_db()
    assert (step.runner, step.action, step.outcome, subject.pk) in recorded["entered"]
    assert subject.status == (outcome.target or before)
    # and the table's event is the newest (a consequence's comes before the event of the action it follows from)
    subject_type, subject_id = _events_of(subject)
    written = list(
        Event.objects.filter(id__gt=newest or 0, subject_type=subject_type, subject_id=subject_id)
        .order_by("id")
        .values_list("event_type", flat=True)
    )
    runner, action, name = step.by or (step.runner, step.action, step.outcome)
    taken = RUNNER_TABLES[runner][action].outcome(name)
    if step.by is not None and outcome.event is not None:
        assert outcome.event in written[:-1]
    assert written[-1:] == ([taken.event] if taken.event else [])
    # and the notification published is the table's
    expected = [f"{runner}.{taken.notify}"] if taken.notify else []
    assert [name for name, _payload in recorded["published"]] == expected
