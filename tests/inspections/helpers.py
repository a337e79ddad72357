"""Drive inspections through their lifecycle with the real services, as the demo accounts would.

The standard inspection: led by the county's supervision office (县督查室), out of the annual plan (with its reason),
of 城关镇 (cgz), team led by `office` (周督查) with `zjj` (住建局's 赵磊) as a member, both trained.
"""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ducha.devtools.demo import DemoWorld
from ducha.inspections import services
from ducha.inspections.lifecycle import ConclusionStatus, InspectionStatus
from ducha.inspections.models import Conclusion, Inspection, TeamRole

HAPPY_PATH = [
    InspectionStatus.PROPOSED,
    InspectionStatus.PENDING_APPROVAL,
    InspectionStatus.APPROVED,
    InspectionStatus.IN_FIELDWORK,
    InspectionStatus.CONCLUDING,
    InspectionStatus.RECTIFYING,
    InspectionStatus.CLOSED,
]

PLAN_TEXTS = {
    "content": "检查老旧小区改造资金使用和工程进度。",
    "scope": "2026年度老旧小区改造项目。",
    "method": "实地查看、查阅资料、个别访谈。",
    "schedule": "第一周实地查看，第二周形成结论。",
}


def unit(world: DemoWorld, code: str):
    if code == "office":
        return world.supervision_office
    return world.departments.get(code) or world.townships[code]


# How a JPEG begins: uploads are checked against their content (issue 17), so a test's photo must be a picture.
JPEG_HEAD = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"


def photo(content: bytes = b"\x89PNG fake photo of a site", name: str = "site.jpg") -> SimpleUploadedFile:
    """A photo whose bytes are `content` behind a JPEG's first bytes (unless it already begins as a picture): the
    same content makes the same file."""
    if not content.startswith((b"\x89PNG", b"\xff\xd8\xff")):
        content = JPEG_HEAD + content
    return SimpleUploadedFile(name, content, content_type="image/jpeg")


def make_inspection(
    world: DemoWorld,
    *,
    topic: str = "老旧小区改造专项督查",
    kind: str = "special",
    targets: tuple[str, ...] = ("cgz",),
    lead: str = "office",
    start: datetime.date | None = None,
    days: int = 10,
    in_plan: bool = False,
    plan_entry_id: int | None = None,
    team: bool = True,
    actor: str = "office",
) -> Inspection:
    start = start or timezone.localdate() + datetime.timedelta(days=7)
    inspection = services.inspection_create(
        actor=world.user(actor),
        topic=topic,
        kind=kind,
        targets=[unit(world, code).pk for code in targets],
        start_date=start,
        end_date=start + datetime.timedelta(days=days),
        lead_unit_id=unit(world, lead).pk,
        in_plan=in_plan,
        plan_entry_id=plan_entry_id,
        out_of_plan_reason="" if in_plan else "县政府临时部署",
        **PLAN_TEXTS,
    )
    if team:
        services.inspection_team_set(
            inspection_id=inspection.pk,
            actor=world.user(actor),
            members=[
                services.TeamMemberInput(
                    user_id=world.user("office").pk, role=TeamRole.LEADER, is_trained=True, days=5
                ),
                services.TeamMemberInput(
                    user_id=world.user("zjj").pk, role=TeamRole.MEMBER, is_trained=True, days=5
                ),
            ],
        )
    inspection.refresh_from_db()
    return inspection


def _conclude_all(world: DemoWorld, inspection: Inspection) -> None:
    office, head = world.user("office"), world.user("county_head")
    for target in inspection.targets.all():
        conclusion = Conclusion.objects.filter(inspection=inspection, target=target.unit).first()
        if conclusion is None:
            conclusion = services.conclusion_draft(
                inspection_id=inspection.pk,
                actor=office,
                target_id=target.unit_id,
                facts="改造资金拨付滞后两个月。",
                judgement="工作推进不力，需限期整改。",
            )
        if conclusion.status == ConclusionStatus.DRAFT:
            services.conclusion_submit(conclusion_id=conclusion.pk, actor=office)
        conclusion.refresh_from_db()
        if conclusion.status == ConclusionStatus.PENDING_APPROVAL:
            services.conclusion_approve(conclusion_id=conclusion.pk, actor=head)
        conclusion.refresh_from_db()
        if conclusion.status == ConclusionStatus.APPROVED:
            services.conclusion_issue(conclusion_id=conclusion.pk, actor=office)


def _finish_everything(world: DemoWorld, inspection: Inspection) -> None:
    """Acknowledge, object and review (upheld), rectify and verify and close every rectification."""
    from ducha.inspections.models import Rectification

    office = world.user("office")
    for conclusion in Conclusion.objects.filter(inspection=inspection).select_related("target"):
        head = next(
            u for u in world.users.values() if u.unit_id == conclusion.target_id and u.has_role("unit_head")
        )
        services.conclusion_acknowledge(conclusion_id=conclusion.pk, actor=head)
        review = services.conclusion_object(
            conclusion_id=conclusion.pk, actor=head, reasons="资金滞后系上级未拨付。"
        )
        services.review_reviewers_assign(
            review_id=review.pk, actor=office, reviewer_ids=[world.user("office2").pk]
        )
        services.review_decide(
            review_id=review.pk, actor=world.user("office2"), outcome="upheld", decision="维持原结论。"
        )
    for rectification in Rectification.objects.filter(inspection=inspection).select_related("target"):
        head = next(
            u
            for u in world.users.values()
            if u.unit_id == rectification.target_id and u.has_role("unit_head")
        )
        services.rectification_plan(
            rectification_id=rectification.pk,
            actor=head,
            plan="一个月内拨付到位。",
            milestones=[services.MilestoneInput("拨付资金", rectification.due_date)]
            if rectification.kind == "long_term"
            else [],
        )
        services.rectification_report(rectification_id=rectification.pk, actor=head, text="资金已全部拨付。")
        services.rectification_verify(
            rectification_id=rectification.pk, actor=office, passed=True, note="实地核查属实。"
        )
        services.rectification_close(rectification_id=rectification.pk, actor=office)


def advance(world: DemoWorld, inspection: Inspection, target: str, *, finding: bool = True) -> Inspection:
    """Move `inspection` along the happy path (or to rejected / cancelled) until it reaches `target`."""
    office, leader = world.user("office"), world.user("leader")
    inspection.refresh_from_db()
    if target == InspectionStatus.REJECTED:
        advance(world, inspection, InspectionStatus.PENDING_APPROVAL)
        services.inspection_reject(inspection_id=inspection.pk, actor=leader, reason="与其他督查重复")
        inspection.refresh_from_db()
        return inspection
    if target == InspectionStatus.CANCELLED:
        advance(world, inspection, InspectionStatus.APPROVED)
        services.inspection_cancel(inspection_id=inspection.pk, actor=leader, reason="任务调整")
        inspection.refresh_from_db()
        return inspection

    def fieldwork_done() -> None:
        if finding:
            for target_unit in inspection.targets.all():
                services.finding_add(
                    inspection_id=inspection.pk,
                    actor=office,
                    target_id=target_unit.unit_id,
                    title="改造资金拨付滞后",
                    description="抽查3个小区，资金均滞后两个月拨付。",
                    rectification_kind="deadline",
                    rectification_due_date=timezone.localdate() + datetime.timedelta(days=60),
                )
        services.inspection_finish(inspection_id=inspection.pk, actor=office)

    steps = {
        InspectionStatus.PENDING_APPROVAL: lambda: services.inspection_submit(
            inspection_id=inspection.pk, actor=office
        ),
        InspectionStatus.APPROVED: lambda: services.inspection_approve(
            inspection_id=inspection.pk, actor=leader
        ),
        InspectionStatus.IN_FIELDWORK: lambda: services.inspection_start(
            inspection_id=inspection.pk, actor=office
        ),
        InspectionStatus.CONCLUDING: fieldwork_done,
        InspectionStatus.RECTIFYING: lambda: _conclude_all(world, inspection),
        InspectionStatus.CLOSED: lambda: (
            _finish_everything(world, inspection),
            services.inspection_close(inspection_id=inspection.pk, actor=leader),
        ),
    }
    position = HAPPY_PATH.index(InspectionStatus(inspection.status))
    for status in HAPPY_PATH[position + 1 : HAPPY_PATH.index(InspectionStatus(target)) + 1]:
        steps[status]()
    inspection.refresh_from_db()
    assert inspection.status == target, (inspection.status, target)
    return inspection


def inspection_in(world: DemoWorld, status: str, **fields) -> Inspection:
    finding = fields.pop("finding", True)
    return advance(world, make_inspection(world, **fields), status, finding=finding)
