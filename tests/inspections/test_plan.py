"""The annual plan under total-volume control (平政发〔2019〕24号 §3(2)): proposals, merging and cutting, approval,
the count against last year with the cut in percent, out-of-plan inspections approved, filed, counted and listed
separately; designation of departments (条例 Art. 7)."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from ducha.audit.models import Event
from ducha.common.errors import InvalidState, NotPermitted, ValidationFailed
from ducha.inspections import selectors, services
from ducha.inspections.lifecycle import InspectionStatus as S
from ducha.inspections.lifecycle import PlanStatus, ProposalStatus
from ducha.inspections.models import Designation, Inspection
from tests.inspections.helpers import advance, make_inspection

SHANGHAI = ZoneInfo("Asia/Shanghai")
D = datetime.date


@pytest.fixture(autouse=True)
def early_2026():
    """The plan is made at the start of the year."""
    with time_machine.travel(datetime.datetime(2026, 1, 10, 10, tzinfo=SHANGHAI), tick=False):
        yield


APRIL = D(2026, 4, 1)


def propose(world, plan, username, topic, targets, start=APRIL, days=10, kind="special"):
    return services.plan_proposal_add(
        plan_id=plan.pk,
        actor=world.user(username),
        topic=topic,
        kind=kind,
        reason="年度重点工作",
        start_date=start,
        end_date=start + datetime.timedelta(days=days),
        target_ids=[(world.townships.get(code) or world.departments[code]).pk for code in targets],
    )


def decide(world, plan, proposal, decision, **kwargs):
    return services.plan_proposal_decide(
        plan_id=plan.pk, proposal_id=proposal.pk, actor=world.user("office"), decision=decision, **kwargs
    )


@pytest.fixture
def plan(world):
    return services.annual_plan_create(actor=world.user("office"), year=2026, baseline_count=10)


def test_departments_and_the_office_propose_townships_do_not(world, plan):
    propose(world, plan, "fgw_head", "重大项目建设专项督查", ["cgz"])
    propose(world, plan, "zjj", "老旧小区改造专项督查", ["cgz", "dhz"])
    propose(world, plan, "office", "优化营商环境综合督查", ["fgw", "zjj"])
    with pytest.raises(NotPermitted) as refused:
        propose(world, plan, "cgz_head", "城关镇自查", ["dhz"])
    assert refused.value.code == "not_your_unit"
    with pytest.raises(NotPermitted):
        propose(world, plan, "city_office", "全市检查", ["cgz"])
    assert plan.proposals.count() == 3


def test_a_department_sees_its_own_proposals_the_office_all(world, plan):
    propose(world, plan, "fgw_head", "重大项目建设专项督查", ["cgz"])
    propose(world, plan, "zjj", "老旧小区改造专项督查", ["cgz"])
    assert [p.topic for p in selectors.plan_proposals(plan, world.user("fgw"))] == ["重大项目建设专项督查"]
    assert len(selectors.plan_proposals(plan, world.user("office"))) == 2


def test_the_office_merges_duplicates_cuts_and_the_leader_approves(world, plan):
    # given three departments' proposals, two of them on the same matter
    a = propose(world, plan, "zjj", "老旧小区改造专项督查", ["cgz"], start=D(2026, 4, 1))
    b = propose(world, plan, "fgw_head", "老旧小区改造资金督查", ["dhz"], start=D(2026, 4, 5), days=20)
    c = propose(world, plan, "jyj_head", "校园安全检查", ["cgz"])
    # when the office accepts one, merges the duplicate into it and cuts the third
    decide(world, plan, a, "accept")
    decide(world, plan, b, "merge", merged_into_id=a.pk, note="与住建局合并开展")
    decide(world, plan, c, "cut", note="并入日常监管")
    a.refresh_from_db()
    # then the accepted one covers both targets and both windows
    assert {t.pk for t in a.targets.all()} == {world.townships["cgz"].pk, world.townships["dhz"].pk}
    assert (a.start_date, a.end_date) == (D(2026, 4, 1), D(2026, 4, 25))
    # and a proposal with others merged into it cannot be cut
    with pytest.raises(ValidationFailed) as refused:
        decide(world, plan, a, "cut")
    assert refused.value.code == "plan_proposal_decision_invalid"
    # when submitted and approved
    services.annual_plan_submit(plan_id=plan.pk, actor=world.user("office"))
    services.annual_plan_approve(plan_id=plan.pk, actor=world.user("county_head"))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED
    # then the accepted proposal is a proposed inspection in the plan, led by the proposing department,
    # which is designated for it (条例 Art. 7)
    [inspection] = Inspection.objects.filter(plan_entry__plan=plan)
    assert (inspection.status, inspection.in_plan, inspection.plan_entry_id) == (S.PROPOSED, True, a.pk)
    assert inspection.lead_unit == world.departments["zjj"]
    designation = Designation.objects.get(plan_proposal=a)
    assert (designation.unit, designation.source) == (world.departments["zjj"], "annual_plan")
    b.refresh_from_db()
    c.refresh_from_db()
    assert (b.status, b.merged_into_id, c.status) == (ProposalStatus.MERGED, a.pk, ProposalStatus.CUT)


def test_the_plan_cannot_be_submitted_with_undecided_proposals(world, plan):
    propose(world, plan, "zjj", "老旧小区改造专项督查", ["cgz"])
    with pytest.raises(InvalidState) as refused:
        services.annual_plan_submit(plan_id=plan.pk, actor=world.user("office"))
    assert refused.value.code == "annual_plan_undecided_proposals"


def test_the_leader_returns_the_plan_and_proposals_reopen(world, plan):
    decide(world, plan, propose(world, plan, "zjj", "老旧小区改造专项督查", ["cgz"]), "accept")
    services.annual_plan_submit(plan_id=plan.pk, actor=world.user("office"))
    services.annual_plan_return(plan_id=plan.pk, actor=world.user("leader"), reason="压减力度不够")
    plan.refresh_from_db()
    assert (plan.status, plan.return_reason) == (PlanStatus.DRAFTING, "压减力度不够")
    propose(world, plan, "fgw_head", "重大项目建设专项督查", ["cgz"])


def test_one_plan_per_government_and_year(world, plan):
    with pytest.raises(InvalidState) as refused:
        services.annual_plan_create(actor=world.user("office2"), year=2026)
    assert refused.value.code == "annual_plan_exists"


def approved_plan(world, year: int, topics: list[str], baseline: int | None = None):
    plan = services.annual_plan_create(actor=world.user("office"), year=year, baseline_count=baseline)
    for index, topic in enumerate(topics):
        proposal = propose(world, plan, "office", topic, ["cgz"], start=D(year, 3 + index, 1))
        decide(world, plan, proposal, "accept")
    services.annual_plan_submit(plan_id=plan.pk, actor=world.user("office"))
    services.annual_plan_approve(plan_id=plan.pk, actor=world.user("county_head"))
    return plan


def test_this_years_count_against_last_years_with_the_cut_in_percent(world):
    # given 2025 held 8 inspections on paper, and 2026's plan has 3, plus 1 approved outside the plan
    approved_plan(world, 2026, ["营商环境督查", "安全生产督查", "乡村振兴督查"], baseline=8)
    outside = make_inspection(world, start=D(2026, 2, 1), topic="防汛准备情况督查")
    advance(world, outside, S.APPROVED)
    # and one outside the plan still waiting (not counted, but listed)
    waiting = make_inspection(world, start=D(2026, 2, 10), topic="冬春火灾防控督查")
    summary = selectors.plan_summary(world.county, 2026)
    assert (summary.planned, summary.out_of_plan, summary.total, summary.last_year_total) == (3, 1, 4, 8)
    assert summary.planned_cut_percent == 62.5
    assert summary.cut_percent == 50.0
    assert summary.meets_target is True
    assert [i.pk for i in summary.out_of_plan_inspections] == [outside.pk, waiting.pk]
    # and next year compares with this year as recorded in the system
    with time_machine.travel(datetime.datetime(2027, 1, 5, 10, tzinfo=SHANGHAI), tick=False):
        approved_plan(world, 2027, ["营商环境督查", "安全生产督查", "乡村振兴督查"])
        following = selectors.plan_summary(world.county, 2027)
    assert (following.planned, following.last_year_total, following.cut_percent) == (3, 4, 25.0)
    assert following.meets_target is False


def test_the_plan_page_shows_counts_and_lists_out_of_plan_separately(world, client):
    from ducha.devtools.demo import DEMO_PASSWORD

    approved_plan(world, 2026, ["营商环境督查"], baseline=4)
    outside = make_inspection(world, start=D(2026, 2, 1), topic="防汛准备情况督查")
    advance(world, outside, S.APPROVED)
    assert client.login(username="office", password=DEMO_PASSWORD)
    html = client.get("/inspections/plan/2026/").content.decode()
    assert '<dd id="planned">1</dd>' in html
    assert '<dd id="out-of-plan">1</dd>' in html
    assert '<dd id="last-year">4</dd>' in html
    assert "50.0%" in html
    section = html[html.index('id="out-of-plan-list"') :]
    assert "防汛准备情况督查" in section and "营商环境督查" not in section


def test_an_out_of_plan_inspection_needs_a_reason_and_is_filed_when_approved(world):
    inspection = make_inspection(world, start=D(2026, 2, 1))
    Inspection.objects.filter(pk=inspection.pk).update(out_of_plan_reason="")
    with pytest.raises(InvalidState) as refused:
        services.inspection_submit(inspection_id=inspection.pk, actor=world.user("office"))
    assert refused.value.code == "out_of_plan_reason_required"
    services.inspection_update(
        inspection_id=inspection.pk, actor=world.user("office"), out_of_plan_reason="上级临时部署"
    )
    advance(world, inspection, S.APPROVED)
    inspection.refresh_from_db()
    assert inspection.filed_at is not None
    assert Event.objects.filter(subject_id=inspection.pk, event_type="inspection_filed").exists()


def test_an_inspection_in_the_plan_must_name_its_entry(world):
    plan = approved_plan(world, 2026, ["营商环境督查"])
    # the plan made its own inspection for the entry; a second one may not claim "in the plan" without an entry
    claimed = make_inspection(world, start=D(2026, 5, 1), in_plan=True)
    with pytest.raises(InvalidState) as refused:
        services.inspection_submit(inspection_id=claimed.pk, actor=world.user("office"))
    assert refused.value.code == "inspection_plan_entry_required"
    # nor take an entry already used
    entry = plan.proposals.get()
    with pytest.raises(ValidationFailed) as refused:
        services.inspection_update(
            inspection_id=claimed.pk, actor=world.user("office"), plan_entry_id=entry.pk
        )
    assert refused.value.code == "inspection_plan_entry_invalid"
    # the plan's own inspection, completed, goes through
    planned = Inspection.objects.get(plan_entry=entry)
    services.inspection_update(
        inspection_id=planned.pk,
        actor=world.user("office"),
        content="内容",
        scope="范围",
        method="方法",
        schedule="安排",
    )
    services.inspection_team_set(
        inspection_id=planned.pk,
        actor=world.user("office"),
        members=[services.TeamMemberInput(user_id=world.user("office").pk, role="leader", is_trained=True)],
    )
    assert (
        services.inspection_submit(inspection_id=planned.pk, actor=world.user("office")).status
        == S.PENDING_APPROVAL
    )


# --- designation (条例 Art. 7) ------------------------------------------------------------------------------------


def test_a_department_without_designation_is_refused(world):
    # given 住建局 leads an inspection of 城关镇 outside the plan, with no designation
    inspection = make_inspection(world, lead="zjj", start=D(2026, 3, 1), days=10)
    # then it cannot go for approval
    with pytest.raises(InvalidState) as refused:
        services.inspection_submit(inspection_id=inspection.pk, actor=world.user("office"))
    assert refused.value.code == "designation_required"
    inspection.refresh_from_db()
    assert inspection.status == S.PROPOSED


def test_a_designation_must_cover_the_window_and_the_targets(world):
    inspection = make_inspection(world, lead="zjj", start=D(2026, 3, 1), days=10)
    head = world.user("county_head")

    def grant(**kwargs):
        defaults = {
            "unit_id": world.departments["zjj"].pk,
            "matter": "住房安全",
            "start_date": D(2026, 1, 1),
            "end_date": D(2026, 12, 31),
        }
        return services.designation_grant(actor=head, **{**defaults, **kwargs})

    grant(end_date=D(2026, 3, 5))  # too short
    grant(target_ids=[world.townships["dhz"].pk])  # other targets
    grant(unit_id=world.departments["fgw"].pk)  # another department
    with pytest.raises(InvalidState):
        services.inspection_submit(inspection_id=inspection.pk, actor=world.user("office"))
    covering = grant(target_ids=[world.townships["cgz"].pk, world.townships["dhz"].pk])
    advance(world, inspection, S.APPROVED)
    inspection.refresh_from_db()
    assert inspection.designation == covering


def test_only_a_leader_designates_and_only_departments(world):
    with pytest.raises(NotPermitted):
        services.designation_grant(
            actor=world.user("office"),
            unit_id=world.departments["zjj"].pk,
            matter="x",
            start_date=D(2026, 1, 1),
            end_date=D(2026, 2, 1),
        )
    with pytest.raises(ValidationFailed) as refused:
        services.designation_grant(
            actor=world.user("leader"),
            unit_id=world.townships["cgz"].pk,
            matter="x",
            start_date=D(2026, 1, 1),
            end_date=D(2026, 2, 1),
        )
    assert refused.value.code == "designation_invalid"


def test_widening_a_department_inspection_beyond_its_designation_is_refused(world):
    services.designation_grant(
        actor=world.user("county_head"),
        unit_id=world.departments["zjj"].pk,
        matter="住房安全",
        start_date=D(2026, 1, 1),
        end_date=D(2026, 12, 31),
        target_ids=[world.townships["cgz"].pk],
    )
    inspection = advance(world, make_inspection(world, lead="zjj", start=D(2026, 3, 1)), S.APPROVED)
    services.inspection_amend(
        inspection_id=inspection.pk,
        actor=world.user("office"),
        reason="扩大范围",
        add_target_ids=[world.townships["dhz"].pk],
    )
    with pytest.raises(InvalidState) as refused:
        services.inspection_amendment_decide(
            inspection_id=inspection.pk, actor=world.user("leader"), approve=True
        )
    assert refused.value.code == "designation_required"
    assert inspection.targets.count() == 1


def test_the_office_itself_needs_no_designation(world):
    inspection = make_inspection(world, start=D(2026, 3, 1))
    assert advance(world, inspection, S.APPROVED).designation is None
