"""What the demo items should look like once driven (`Plan`), the dates chosen for each (`Timeline`), and the items
that leave something waiting on every demo account (`core_plans`). The other items' plans are drawn at random by
the builder (`Builder.random_plan`)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from ducha.devtools.demo.items.catalogue import GREEN, RED, YELLOW, S
from ducha.devtools.demo.world import DemoWorld
from ducha.items.models import Confidentiality, SourceType, Urgency

# Statuses reached only after the unit head has checked the completion report.
AFTER_REPORT = (S.UNDER_REVIEW, S.ACCEPTED, S.CLOSED, S.ARCHIVED)


@dataclass
class Plan:
    """What one demo item should look like once driven. Blank fields are drawn at random."""

    status: str
    lead: str  # unit code, as in DemoWorld.departments / townships
    co: tuple[str, ...] = ()
    source_type: str = ""
    urgency: str = ""
    confidentiality: str = ""
    light: str = ""  # running items: red / yellow / green
    co_signed: bool = True  # running items: have the co-units signed for it yet?
    progress: int = 0  # progress reports by the lead unit
    pending_report: bool = False  # in_progress: a completion report waits for the unit head
    extension: str = ""  # pending / endorsed / granted / refused
    delegate_to: str = ""  # township code: a child item for it
    child_status: str = S.ASSIGNED
    dispute: str = ""  # open / coordinated / ruled
    head_returned: bool = False  # the unit head sent a completion report back once
    review_returned: bool = False  # the office sent a completion report back once
    cancel_from: str = ""  # cancelled: the status it was withdrawn in
    cancel_requested: bool = False  # the office asked to withdraw; the leader has not decided
    revised: bool = False  # draft: rejected once and revised


@dataclass
class Timeline:
    created: datetime.date
    source: datetime.date
    approved: datetime.date | None = None
    assigned: datetime.date | None = None
    due: datetime.date | None = None
    completed: datetime.date | None = None
    closed: datetime.date | None = None
    archived: datetime.date | None = None
    workdays: int = 15


def core_plans(world: DemoWorld) -> list[Plan]:
    """Items that leave something waiting on every demo account, and every status and source type once."""
    st = SourceType
    plans = [
        # leader / county_head: approve, close, decide an endorsed extension, decide a withdrawal request
        Plan(S.PENDING_APPROVAL, "nyncj", ("slj",), source_type=st.NPC_SUGGESTION),
        Plan(S.PENDING_APPROVAL, "wjj", source_type=st.PUBLIC_REPORT, urgency=Urgency.URGENT),
        Plan(S.ACCEPTED, "fgw", ("czj",), source_type=st.WORK_REPORT_TASK),
        Plan(S.ACCEPTED, "cgz", source_type=st.LIVELIHOOD_PROJECT),
        Plan(
            S.IN_PROGRESS,
            "jyj",
            ("czj",),
            source_type=st.LEADER_INSTRUCTION,
            light=YELLOW,
            extension="endorsed",
            progress=1,
        ),
        # office / office2: review, assign, decide an extension, submit a draft, archive
        Plan(S.UNDER_REVIEW, "zjj", ("cgz",), source_type=st.INSPECTION_TOUR),
        Plan(S.UNDER_REVIEW, "jyj", source_type=st.CPPCC_PROPOSAL),
        Plan(S.REGISTERED, "slj", source_type=st.POLICY_DOCUMENT),
        Plan(S.REGISTERED, "wlj", source_type=st.OTHER, cancel_requested=True),
        Plan(
            S.IN_PROGRESS,
            "fgw",
            ("czj",),
            source_type=st.MEETING_DECISION,
            light=GREEN,
            extension="pending",
            progress=2,
        ),
        Plan(S.DRAFT, "cgj", source_type=st.PUBLIC_REPORT),
        Plan(S.CLOSED, "fgw", source_type=st.LEADER_ASSIGNMENT),
        # fgw / fgw_head: sign, report, check a completion report; cgz: sign a delegated child item
        Plan(S.ASSIGNED, "fgw", ("jyj", "zrzyj"), light=GREEN, co_signed=False, urgency=Urgency.EXTRA_URGENT),
        Plan(S.IN_PROGRESS, "fgw", ("sthjj",), light=RED, progress=2),
        Plan(S.IN_PROGRESS, "fgw", light=YELLOW, progress=1, pending_report=True),
        Plan(S.IN_PROGRESS, "fgw", light=GREEN, progress=1, delegate_to="cgz"),
        # jyj / jyj_head
        Plan(S.ASSIGNED, "jyj", light=YELLOW, urgency=Urgency.URGENT),
        Plan(S.IN_PROGRESS, "jyj", ("wjj",), light=GREEN, progress=1),
        Plan(S.IN_PROGRESS, "jyj", light=RED, progress=2, pending_report=True, head_returned=True),
        # zjj
        Plan(S.ASSIGNED, "zjj", light=RED),
        Plan(S.IN_PROGRESS, "zjj", ("cgj",), light=GREEN, progress=2),
        Plan(S.IN_PROGRESS, "zjj", light=GREEN, progress=1, pending_report=True),
        # cgz_head (城关镇): a completion report to check
        Plan(S.IN_PROGRESS, "cgz", light=YELLOW, progress=1, pending_report=True),
        # the remaining statuses
        Plan(S.REJECTED, "swj", source_type=st.OTHER),
        Plan(S.ARCHIVED, "jyj", ("czj",), source_type=st.LIVELIHOOD_PROJECT),
        Plan(S.CANCELLED, "jtj", cancel_from=S.IN_PROGRESS),
    ]
    # Every unit's liaison: an assignment not yet signed for. Units already waiting above are skipped; the rest
    # are grouped by three (a department leading, townships and other departments co-operating).
    waiting = set()
    for plan in plans:
        if plan.status in S.running():
            if plan.status == S.ASSIGNED:
                waiting.add(plan.lead)
            if not plan.co_signed:
                waiting.update(plan.co)
        if plan.delegate_to:
            waiting.add(plan.delegate_to)
    departments = [code for code in world.departments if code not in waiting]
    townships = [code for code in world.townships if code not in waiting]
    lights = [RED, GREEN, YELLOW, GREEN, GREEN]
    urgencies = [Urgency.NORMAL, Urgency.URGENT, Urgency.NORMAL, Urgency.EXTRA_URGENT]
    index = 0
    while departments or townships:
        lead = departments.pop(0) if departments else townships.pop(0)
        co: list[str] = []
        while len(co) < 2 and (departments or townships):
            co.append(townships.pop(0) if townships else departments.pop(0))
        plans.append(
            Plan(
                S.ASSIGNED,
                lead,
                tuple(co),
                light=lights[index % len(lights)],
                urgency=urgencies[index % len(urgencies)],
                co_signed=False,
                confidentiality=Confidentiality.SECRET if index == 0 else "",  # one secret item among them
            )
        )
        index += 1
    return plans
