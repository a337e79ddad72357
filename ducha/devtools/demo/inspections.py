"""Demo inspections for the demo county, made with the real services so that every account meets something:
the annual plan of the year its planned inspections fall in (approved, with the year before's count), an
inspection in each main stage, an unannounced visit under way, a review waiting for its reviewer, a rectification
to verify, a 回头看 scheduled. The same on any date: every date is counted from today.

`demo_inspections_create(world)` is meant to be called after the county and its items exist: `ducha demo` runs
this part (`PART`, which InspectionsConfig.demo_part points to) after the items' part.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from ducha.devtools.demo.world import DemoWorld
from ducha.inspections import services
from ducha.inspections.models import AnnualPlan, Conclusion, Inspection, Rectification, TeamRole

PLAN = {
    "content": "对照年度目标任务，检查责任落实、资金使用和工作成效。",
    "scope": "本年度县政府重点工作任务。",
    "method": "线索核查、实地查看、个别访谈、查阅资料。",
    "schedule": "第一周实地督查，第二周形成结论并反馈。",
}


def _team(world: DemoWorld, leader: str, *members: str) -> list[services.TeamMemberInput]:
    team = [
        services.TeamMemberInput(user_id=world.user(leader).pk, role=TeamRole.LEADER, is_trained=True, days=5)
    ]
    team += [services.TeamMemberInput(user_id=world.user(m).pk, is_trained=True, days=5) for m in members]
    return team


def _inspection(
    world: DemoWorld,
    topic: str,
    kind: str,
    targets: list[str],
    start: datetime.date,
    *,
    days: int = 7,
    team: tuple[str, ...] = ("office", "office2"),
) -> Inspection:
    inspection = services.inspection_create(
        actor=world.user("office"),
        topic=topic,
        kind=kind,
        targets=[world.townships[code].pk for code in targets],
        start_date=start,
        end_date=start + datetime.timedelta(days=days),
        lead_unit_id=world.supervision_office.pk,
        in_plan=False,
        out_of_plan_reason="县政府常务会议临时部署",
        content=PLAN["content"],
        scope=PLAN["scope"],
        method=PLAN["method"],
        schedule=PLAN["schedule"],
    )
    services.inspection_team_set(
        inspection_id=inspection.pk, actor=world.user("office"), members=_team(world, *team)
    )
    return inspection


def _approve(world: DemoWorld, inspection: Inspection) -> None:
    services.inspection_submit(inspection_id=inspection.pk, actor=world.user("office"))
    services.inspection_approve(inspection_id=inspection.pk, actor=world.user("leader"))


def _fieldwork(world: DemoWorld, inspection: Inspection, findings: list[tuple[str, str, str, bool]]) -> None:
    """findings: (target code, title, rectification kind, rebound-prone)."""
    office = world.user("office")
    services.inspection_start(inspection_id=inspection.pk, actor=office)
    for code, title, kind, rebound in findings:
        services.finding_add(
            inspection_id=inspection.pk,
            actor=office,
            target_id=world.townships[code].pk,
            title=title,
            description=f"{title}，现场核实属实。",
            rectification_kind=kind,
            rectification_due_date=timezone.localdate() + datetime.timedelta(days=45)
            if kind != "immediate"
            else None,
            is_rebound_prone=rebound,
        )
    services.inspection_finish(inspection_id=inspection.pk, actor=office)


def _conclude(world: DemoWorld, inspection: Inspection) -> list[Conclusion]:
    office, head = world.user("office"), world.user("county_head")
    conclusions = []
    for target in inspection.targets.select_related("unit"):
        conclusion = services.conclusion_draft(
            inspection_id=inspection.pk,
            actor=office,
            target_id=target.unit_id,
            facts=f"{target.unit.short_name}存在督查发现的问题。",
            judgement="工作推进不够有力，需按期整改到位。",
        )
        services.conclusion_submit(conclusion_id=conclusion.pk, actor=office)
        services.conclusion_approve(conclusion_id=conclusion.pk, actor=head)
        services.conclusion_issue(conclusion_id=conclusion.pk, actor=office)
        conclusions.append(conclusion)
    return conclusions


def demo_inspections_exist() -> bool:
    return AnnualPlan.objects.exists() or Inspection.objects.exists()


@transaction.atomic
def demo_inspections_create(world: DemoWorld) -> int:
    """Create the demo inspections; returns how many inspections exist afterwards. Call once, on the demo county."""
    today = timezone.localdate()
    office, head = world.user("office"), world.user("county_head")

    # The annual plan of the year the planned inspections fall in: this year's, or — in the last days of December —
    # next year's, compiled ahead of it. Two departments' proposals, one merged into the other; the office's own;
    # approved.
    start = today + datetime.timedelta(days=10)
    plan = services.annual_plan_create(actor=office, year=start.year, baseline_count=12)
    proposals = [
        services.plan_proposal_add(
            plan_id=plan.pk,
            actor=world.user("zjj_head"),
            topic="城镇燃气安全专项督查",
            kind="special",
            reason="城镇燃气安全专项整治",
            start_date=start,
            end_date=start + datetime.timedelta(days=10),
            target_ids=[world.townships["cgz"].pk, world.townships["dhz"].pk],
        ),
        services.plan_proposal_add(
            plan_id=plan.pk,
            actor=world.user("fgw_head"),
            topic="燃气管网改造项目督查",
            kind="special",
            reason="燃气管网老化更新改造",
            start_date=start,
            end_date=start + datetime.timedelta(days=12),
            target_ids=[world.townships["xsz"].pk],
        ),
        services.plan_proposal_add(
            plan_id=plan.pk,
            actor=office,
            topic="优化营商环境线索核查",
            kind="clue_check",
            reason="12345热线集中反映问题",
            start_date=start,
            end_date=start + datetime.timedelta(days=5),
            target_ids=[world.departments["scjgj"].pk],
        ),
    ]
    services.plan_proposal_decide(
        plan_id=plan.pk, proposal_id=proposals[0].pk, actor=office, decision="accept"
    )
    services.plan_proposal_decide(
        plan_id=plan.pk,
        proposal_id=proposals[1].pk,
        actor=office,
        decision="merge",
        merged_into_id=proposals[0].pk,
        note="同一事项，合并开展联合督查",
    )
    services.plan_proposal_decide(
        plan_id=plan.pk, proposal_id=proposals[2].pk, actor=office, decision="accept"
    )
    services.annual_plan_submit(plan_id=plan.pk, actor=office)
    services.annual_plan_approve(plan_id=plan.pk, actor=head)

    # Out of the plan: a proposed one, one waiting for the leader, an unannounced visit under way.
    _inspection(world, "冬季供暖保障情况督查", "special", ["btz"], today + datetime.timedelta(days=20))
    waiting = _inspection(
        world, "防汛物资储备情况督查", "on_site", ["qsx", "byx"], today + datetime.timedelta(days=5)
    )
    services.inspection_submit(inspection_id=waiting.pk, actor=office)
    secret = _inspection(world, "农贸市场食品安全暗访", "unannounced", ["hkz"], today, days=3)
    _approve(world, secret)
    services.inspection_start(inspection_id=secret.pk, actor=office)

    # Concluded: 城关镇 objected, the review waits for its reviewer; 东湖镇's rectification waits for verification.
    done = _inspection(
        world, "老旧小区改造推进情况督查", "special", ["cgz", "dhz"], today - datetime.timedelta(days=20)
    )
    _approve(world, done)
    _fieldwork(
        world,
        done,
        [
            ("cgz", "改造资金拨付滞后", "deadline", False),
            ("dhz", "小区楼道乱堆乱放", "immediate", True),
        ],
    )
    cgz, dhz = _conclude(world, done)
    services.conclusion_acknowledge(conclusion_id=cgz.pk, actor=world.user("cgz_head"))
    review = services.conclusion_object(
        conclusion_id=cgz.pk, actor=world.user("cgz_head"), reasons="资金拨付滞后系省级资金未按期下达。"
    )
    services.review_reviewers_assign(
        review_id=review.pk, actor=office, reviewer_ids=[world.user("leader").pk]
    )
    services.conclusion_acknowledge(conclusion_id=dhz.pk, actor=world.user("dhz_liaison"))
    rectification = Rectification.objects.get(conclusion=dhz)
    services.rectification_plan(
        rectification_id=rectification.pk, actor=world.user("dhz_liaison"), plan="当天清理，建立巡查制度。"
    )
    services.rectification_report(
        rectification_id=rectification.pk, actor=world.user("dhz_head"), text="已全部清理。"
    )
    services.result_propose(
        inspection_id=done.pk,
        actor=office,
        unit_id=world.townships["dhz"].pk,
        kind="praise",
        reason="立行立改，成效明显",
    )
    return Inspection.objects.count()


@dataclass(frozen=True)
class InspectionsPart:
    """The inspections' share of `ducha demo` (a ducha.devtools.demo.parts.DemoPart)."""

    name: str = "inspections"

    def exists(self) -> bool:
        return demo_inspections_exist()

    def create(self, world: DemoWorld, *, items: int) -> int:
        """The year's inspections, whatever the number of items; they create no supervision item."""
        demo_inspections_create(world)
        return 0


PART = InspectionsPart()
