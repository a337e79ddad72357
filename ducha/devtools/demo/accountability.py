"""The accountability's share of `ducha demo` (`PART`, which AccountabilityConfig.demo_part points to): the demo
county's live proposals of the ladder, a few decided, sanctions in force, a criticism bulletin issued with its
causes-and-fixes requests, and two commendations vetted under the one-vote veto.

Runs after the evaluation's part (the ended quarters' scores exist, so "last in the county" fires) and builds on
the items' history. Everything goes through the accountability's services, done by the demo account who would do
it in real life:

- The triggers of the year are run (and, while the scores of last year's fourth quarter are the latest, of last
  year too): the record proposes written self-examinations (items late, results returned) and criticism for the
  units last in the county.
- `office` records what the record cannot see: 商务局 missed a county meeting without leave (criticism), 农业农村局
  sent someone without the rank asked for (a written self-examination), the city put one late matter under 挂牌督办
  (media exposure for its lead unit) and the city criticised 东湖镇 in a bulletin (a warning talk). The triggers run
  again and propose on those facts.
- `office` accepts a written self-examination (in force at once; the unit's liaison answers it) and the criticism of
  商务局 (follow-up due in a month), which `leader` approves; it dismisses another written self-examination with
  its reason. The rest wait for a decision.
- A criticism bulletin of the last ended quarter, drafted from the facts by `office`, given its causes-and-fixes due
  date, approved by `leader` and issued: a numbered 公文, and a causes-and-fixes item for each criticised unit.
- Two candidates for the year's commendation: 交通运输局 (proposed by `office`) is cleared; 商务局 (proposed by
  `fgw_head` in the county's name) is vetoed, naming its criticism.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from ducha.accountability import services
from ducha.accountability.models import (
    Bulletin,
    BulletinKind,
    BulletinRole,
    BulletinUnit,
    Commendation,
    FactKind,
    Proposal,
    ProposalStatus,
    RecordedFact,
    Sanction,
    Tier,
)
from ducha.accountability.triggers import triggers_run
from ducha.devtools.demo.evaluation import ended_quarters
from ducha.devtools.demo.world import COUNTY_NAME, DemoWorld
from ducha.items.models import Assignment, Confidentiality
from ducha.items.statuses import ItemStatus
from ducha.orgs.models import Role, Unit, User

ABSENT_DEPARTMENT = "swj"  # 商务局: absent from a county meeting without leave
IRREGULAR_DEPARTMENT = "nyncj"  # 农业农村局: sent someone without the rank asked for
CRITICISED_TOWNSHIP = "dhz"  # 东湖镇: criticised by the city
LISTING_BODY = "示范市人民政府"
LISTED_FALLBACK = "zjj"  # 住建局: listed when no late matter is running
CLEARED_DEPARTMENT = "jtj"  # 交通运输局: cleared for the commendation
COMMENDATION_TITLE = "%(year)s年度全县督查工作先进单位"
SANCTION_FOLLOW_UP_DAYS = 30
WRITTEN_FOLLOW_UP_DAYS = 15
FIXES_DAYS = 10

FACTS = {
    FactKind.MEETING_ABSENT: "县政府常务会议（研究重点项目推进）未履行请假手续，无故缺席。",
    FactKind.MEETING_LATE_LEAVE: "县政府专题会议要求主要负责同志参加，单位临时派一般干部参会，会前未报告。",
    FactKind.LISTED: "因推进不力、进度严重滞后，该事项被示范市人民政府列入挂牌督办。",
    FactKind.CRITICISED_FROM_ABOVE: "因秸秆禁烧工作落实不力，被示范市人民政府办公室通报批评。",
}
SELF_EXAMINATION = (
    "经认真反思，事项逾期的主要原因是对任务的紧迫性认识不足、内部调度不及时。"
    "整改措施：一是明确分管领导和具体责任人，每周调度一次；二是倒排工期，确保剩余工作按期完成；"
    "三是建立督办事项台账，逐项对账销号。"
)
DISMISSAL_REASONS = {
    "item_overdue": "经核实，该事项延期申请已获批准，系按调整后的时限办结，不予书面检查。",
    "result_unsatisfactory": "经核实，退回系材料格式问题，单位已当日补正，不予书面检查。",
}
DISMISSAL_DEFAULT = "经核实，情况属实但已及时纠正，本次不予追究，予以提醒。"
ACCEPT_REASON = "情况属实，按规定责令书面检查。"
CRITICISM_REASON = "无故缺席县政府常务会议，按规定予以通报批评。"
APPROVAL_COMMENT = "同意。请督查室跟踪整改情况。"
BULLETIN_NOTE = "请被通报单位认真剖析原因，制定整改措施，按时限书面报告县政府督查室。"
CONTACT = ("县政府督查室", "0000-1234567")


@dataclass(frozen=True)
class DemoAccountability:
    created: int
    proposals: list[Proposal]
    sanctions: list[Sanction]
    bulletin: Bulletin
    commendations: list[Commendation]


def _years(now: datetime.datetime) -> list[int]:
    """The years whose triggers run: this one, and last year while its fourth quarter's scores are the latest."""
    return sorted({timezone.localdate(now).year, *(period.year for period in ended_quarters(now))})


def _run(world: DemoWorld, years: list[int], today: datetime.date) -> None:
    for year in years:
        triggers_run([world.county.pk], year, today=today)


def _answering(unit_id: int) -> User | None:
    """Who answers for the unit: its liaison (or, without one, its head)."""
    for role in (Role.LIAISON, Role.UNIT_HEAD):
        found = User.objects.filter(unit_id=unit_id, role_grants__role=role).order_by("id").first()
        if found is not None:
            return found
    return None


def _listed_assignment(world: DemoWorld, today: datetime.date) -> Assignment | None:
    """A running matter of the county past its due date, not secret: what the city would list."""
    return (
        Assignment.objects.filter(
            item__government=world.county,
            role="lead",
            item__status__in=[ItemStatus.ASSIGNED, ItemStatus.IN_PROGRESS],
            item__due_date__lt=today,
        )
        .exclude(item__confidentiality=Confidentiality.SECRET)
        .select_related("item")
        .order_by("item__due_date", "item_id")
        .first()
    )


def _facts(world: DemoWorld, today: datetime.date) -> list[RecordedFact]:
    """What `office` records that the record cannot see (see the module's doc)."""
    office = world.user("office")
    # A recent day of this year (the facts count in their own year).
    recent = max(today.replace(month=1, day=1), today - datetime.timedelta(days=9))
    listed = _listed_assignment(world, today)
    listed_unit = listed.unit_id if listed is not None else world.departments[LISTED_FALLBACK].pk
    return [
        services.fact_record(
            actor=office,
            unit_id=world.departments[ABSENT_DEPARTMENT].pk,
            kind=FactKind.MEETING_ABSENT,
            occurred_on=recent,
            description=FACTS[FactKind.MEETING_ABSENT],
        ),
        services.fact_record(
            actor=office,
            unit_id=world.departments[IRREGULAR_DEPARTMENT].pk,
            kind=FactKind.MEETING_LATE_LEAVE,
            occurred_on=recent,
            description=FACTS[FactKind.MEETING_LATE_LEAVE],
        ),
        services.fact_record(
            actor=office,
            unit_id=listed_unit,
            kind=FactKind.LISTED,
            occurred_on=today,
            description=FACTS[FactKind.LISTED],
            item_id=listed.item_id if listed is not None else None,
            listed_by=LISTING_BODY,
        ),
        services.fact_record(
            actor=office,
            unit_id=world.townships[CRITICISED_TOWNSHIP].pk,
            kind=FactKind.CRITICISED_FROM_ABOVE,
            occurred_on=recent,
            description=FACTS[FactKind.CRITICISED_FROM_ABOVE],
        ),
    ]


def _decisions(world: DemoWorld, today: datetime.date) -> list[Sanction]:
    """A written self-examination accepted and answered, the criticism of 商务局 accepted and approved, another
    written self-examination dismissed with its reason."""
    office = world.user("office")
    waiting = Proposal.objects.filter(government=world.county, status=ProposalStatus.PROPOSED).order_by("id")
    # The record's written self-examinations first (the triggers ran before the facts were recorded).
    written = list(waiting.filter(tier=Tier.WRITTEN_EXAMINATION))
    absent = waiting.get(rule="meeting_absent", unit=world.departments[ABSENT_DEPARTMENT])
    sanctions = []
    examined = written[0]
    services.proposal_decide(
        actor=office,
        proposal_id=examined.pk,
        accept=True,
        reason=ACCEPT_REASON,
        follow_up_due=today + datetime.timedelta(days=WRITTEN_FOLLOW_UP_DAYS),
    )
    examination = Sanction.objects.get(proposal=examined)
    answering = _answering(examination.unit_id)
    if answering is not None:
        examination = services.sanction_respond(
            actor=answering, sanction_id=examination.pk, text=SELF_EXAMINATION
        )
    sanctions.append(examination)
    if len(written) > 1:
        dismissed = written[1]
        services.proposal_decide(
            actor=office,
            proposal_id=dismissed.pk,
            accept=False,
            reason=DISMISSAL_REASONS.get(dismissed.rule, DISMISSAL_DEFAULT),
        )
    services.proposal_decide(
        actor=office,
        proposal_id=absent.pk,
        accept=True,
        reason=CRITICISM_REASON,
        follow_up_due=today + datetime.timedelta(days=SANCTION_FOLLOW_UP_DAYS),
    )
    criticism = Sanction.objects.get(proposal=absent)
    sanctions.append(
        services.sanction_approve(
            actor=world.user("leader"), sanction_id=criticism.pk, approve=True, comment=APPROVAL_COMMENT
        )
    )
    return sanctions


def _bulletin(world: DemoWorld, now: datetime.datetime) -> Bulletin:
    """The last ended quarter's criticism bulletin: drafted, given its due date, approved and issued."""
    office = world.user("office")
    period = ended_quarters(now)[-1]
    draft = services.bulletin_draft(
        actor=office, kind=BulletinKind.CRITICISM, year=period.year, quarter=period.quarter
    )
    services.bulletin_update(
        actor=office,
        bulletin_id=draft.pk,
        title=draft.title,
        text=f"{draft.text}\n{BULLETIN_NOTE}",
        fixes_due=timezone.localdate(now) + datetime.timedelta(days=FIXES_DAYS),
    )
    services.bulletin_submit(actor=office, bulletin_id=draft.pk)
    services.bulletin_approve(actor=world.user("leader"), bulletin_id=draft.pk, approve=True)
    return services.bulletin_issue(
        actor=office, bulletin_id=draft.pk, contact_name=CONTACT[0], contact_phone=CONTACT[1]
    )


def _commendations(world: DemoWorld, year: int) -> list[Commendation]:
    """交通运输局 proposed by the office and cleared; 商务局 proposed by 发改局's head and vetoed."""
    office = world.user("office")
    title = COMMENDATION_TITLE % {"year": year}
    cleared = services.commendation_propose(
        actor=office, title=title, year=year, unit_id=world.departments[CLEARED_DEPARTMENT].pk
    )
    vetoed = services.commendation_propose(
        actor=world.user("fgw_head"), title=title, year=year, unit_id=world.departments[ABSENT_DEPARTMENT].pk
    )
    return [
        services.commendation_vet(actor=office, commendation_id=cleared.pk),
        services.commendation_vet(actor=office, commendation_id=vetoed.pk),
    ]


@transaction.atomic
def demo_accountability_create(world: DemoWorld) -> DemoAccountability:
    """The demo county's proposals, decisions, bulletin and commendations. Call once, after the evaluation's part."""
    now = timezone.now()
    today = timezone.localdate(now)
    years = _years(now)
    _run(world, years, today)
    _facts(world, today)
    _run(world, years, today)
    sanctions = _decisions(world, today)
    bulletin = _bulletin(world, now)
    commendations = _commendations(world, today.year)
    created = BulletinUnit.objects.filter(
        bulletin=bulletin, role=BulletinRole.CRITICISED, fixes_item__isnull=False
    ).count()
    proposals = list(Proposal.objects.filter(government=world.county).order_by("id"))
    return DemoAccountability(
        created=created,
        proposals=proposals,
        sanctions=sanctions,
        bulletin=bulletin,
        commendations=commendations,
    )


def demo_accountability_exists() -> bool:
    return Proposal.objects.filter(government__in=Unit.objects.filter(name=COUNTY_NAME)).exists()


@dataclass(frozen=True)
class AccountabilityPart:
    """The accountability's share of `ducha demo` (a ducha.devtools.demo.parts.DemoPart)."""

    name: str = "accountability"

    def exists(self) -> bool:
        """Whether the demo county has proposals already."""
        return demo_accountability_exists()

    def create(self, world: DemoWorld, *, items: int) -> int:
        """The proposals, decisions, bulletin and commendations, whatever the number of items; returns how many
        items the bulletin's causes-and-fixes requests created."""
        return demo_accountability_create(world).created


PART = AccountabilityPart()
