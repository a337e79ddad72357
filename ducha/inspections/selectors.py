"""Reads of inspections. Scope is enforced here and only here: anything outside a user's scope is "not found".

Scope (`scope_q`):
- office staff and leaders: every inspection of their government and of the governments below it;
- unit users (head, liaison, handler): inspections their unit (or a unit under it) leads, from the proposal on, and
  inspections of their unit (or a unit under it) as a target, from approval on (that is when targets are told);
- team members: the inspections they are on, always.

The 暗访 rule (四不两直): an unannounced visit that has not ended (fieldwork not finished) is visible only to its
team, to the leaders of its government (who approve it) and to the office member who created it — absent from
every other user's lists, pages, to-dos and API. Nobody is told in advance; targets are notified when it ends.

Within a visible inspection, a user who only sees it as a target ("target view") sees only what concerns their own
unit, once it was issued to them (条例 Art. 16): their conclusion, its findings, their rectifications, the
approved proposals about them.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from ducha.audit.models import Event
from ducha.common import error_codes as codes
from ducha.common.errors import NotFound, ValidationFailed
from ducha.inspections.lifecycle import (
    OFFICE_KINDS,
    ConclusionStatus,
    InspectionStatus,
    PlanStatus,
    ProposalStatus,
    RectificationStatus,
    ResultProposalStatus,
    ReviewStatus,
    submit_missing,
    team_membership,
)
from ducha.inspections.models import (
    Amendment,
    AmendmentStatus,
    AnnualPlan,
    Conclusion,
    Designation,
    EvidenceUse,
    Finding,
    Inspection,
    InspectionKind,
    InspectionRules,
    InspectionTarget,
    Light,
    PlanProposal,
    Rectification,
    ResultProposal,
    ReviewRequest,
    TeamMember,
)
from ducha.inspections.overlap import add_months
from ducha.inspections.services import inspection_view_record
from ducha.items.models import Item
from ducha.orgs.models import UNIT_ROLES, Role, Unit, User

MAX_ID = 2**63 - 1  # ids are 64-bit; a larger one cannot exist


def encode_cursor(inspection: Inspection) -> str:
    return f"{inspection.updated_at.isoformat()}_{inspection.pk}"


def decode_cursor(cursor: str) -> tuple[datetime.datetime, int]:
    """The (updated_at, id) a keyset page continues after; anything else is bad input (400)."""
    try:
        stamp, pk = cursor.rsplit("_", 1)
        moment, number = datetime.datetime.fromisoformat(stamp), int(pk)
    except ValueError:
        moment, number = None, 0
    if (
        moment is None
        or moment.tzinfo is None
        or not 1 <= number <= MAX_ID
        or not 2000 <= moment.year <= 9000
    ):
        raise ValidationFailed(codes.INVALID_INPUT, fields={"cursor": codes.message_for(codes.INVALID_INPUT)})
    return moment, number


def _hidden_unannounced() -> Q:
    return Q(kind=InspectionKind.UNANNOUNCED, ended_at__isnull=True)


def scope_q(user: User) -> Q:
    """The Q object selecting the inspections `user` may see."""
    nothing = Q(pk__in=[])
    if not user.is_authenticated or not user.is_active or user.unit is None:
        return nothing
    unit = user.unit
    hidden = _hidden_unannounced()
    visible = Q(Exists(TeamMember.objects.filter(inspection=OuterRef("pk"), user_id=user.pk)))
    government = unit.government
    if user.has_role(Role.OFFICE, Role.LEADER) and government is not None:
        visible |= Q(government__path__startswith=government.path) & ~hidden
        if user.has_role(Role.LEADER):
            visible |= Q(government_id=government.pk)
        if user.has_role(Role.OFFICE):
            visible |= Q(government_id=government.pk, created_by_id=user.pk)
    if user.has_role(*UNIT_ROLES):
        targeted = Exists(
            InspectionTarget.objects.filter(inspection=OuterRef("pk"), unit__path__startswith=unit.path)
        )
        visible |= targeted & Q(approved_at__isnull=False) & ~hidden
        visible |= Q(lead_unit__path__startswith=unit.path) & ~hidden
    return visible


def inspections_for_user(user: User) -> QuerySet[Inspection]:
    return Inspection.objects.filter(scope_q(user))


def _with_related(queryset: QuerySet[Inspection]) -> QuerySet[Inspection]:
    """What the list and the page render, loaded in a fixed number of queries (no N+1)."""
    return queryset.select_related(
        "government", "lead_unit", "approver", "plan_entry", "designation"
    ).prefetch_related(
        Prefetch("targets", queryset=InspectionTarget.objects.select_related("unit").order_by("id")),
        Prefetch("team", queryset=TeamMember.objects.select_related("user__unit").order_by("id")),
        Prefetch("basis_items", queryset=Item.objects.only("id").order_by("id")),
        Prefetch(
            "amendments",
            queryset=Amendment.objects.filter(status=AmendmentStatus.PENDING),
            to_attr="pending_amendments",
        ),
    )


def get_inspection_for_user(user: User, inspection_id: int, *, record_view: bool = True) -> Inspection:
    """The inspection if `user` may see it, else NotFound; a read of a running unannounced visit is logged."""
    if not 1 <= inspection_id <= MAX_ID:
        raise NotFound()
    inspection = _with_related(inspections_for_user(user)).filter(pk=inspection_id).first()
    if inspection is None:
        raise NotFound()
    if record_view:
        inspection_view_record(inspection=inspection, actor=user)
    return inspection


@dataclass(frozen=True)
class Page:
    inspections: list[Inspection]
    next_cursor: str | None


def inspection_list_for_user(
    user: User,
    *,
    status: list[str] | tuple[str, ...] = (),
    kind: str = "",
    year: int | None = None,
    in_plan: bool | None = None,
    target_id: int | None = None,
    keyword: str = "",
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    """A page of the user's inspections, newest change first, paged by keyset on (updated_at, id)."""
    queryset = inspections_for_user(user)
    if status:
        queryset = queryset.filter(status__in=list(status))
    if kind:
        queryset = queryset.filter(kind=kind)
    if year is not None:
        queryset = queryset.filter(year=year)
    if in_plan is not None:
        queryset = queryset.filter(in_plan=in_plan)
    if target_id is not None:
        queryset = queryset.filter(
            Exists(InspectionTarget.objects.filter(inspection=OuterRef("pk"), unit_id=target_id))
        )
    if keyword:
        queryset = queryset.filter(topic__icontains=keyword)
    if cursor:
        updated_at, pk = decode_cursor(cursor)
        queryset = queryset.filter(Q(updated_at__lt=updated_at) | Q(updated_at=updated_at, id__lt=pk))
    rows = list(_with_related(queryset.order_by("-updated_at", "-id"))[: limit + 1])
    next_cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return Page(inspections=rows[:limit], next_cursor=next_cursor)


# --- what a user sees inside an inspection ------------------------------------------------------------------------


def has_full_view(inspection: Inspection, user: User) -> bool:
    """Everything of the inspection: its team, its government's (or a higher government's) office and leaders,
    the lead department. Everyone else who sees it sees it as a target."""
    if team_membership(inspection, user) is not None:
        return True
    unit = user.unit
    if unit is None:
        return False
    government = unit.government
    if (
        user.has_role(Role.OFFICE, Role.LEADER)
        and government is not None
        and inspection.government.path.startswith(government.path)
    ):
        return True
    return user.has_role(*UNIT_ROLES) and inspection.lead_unit.path.startswith(unit.path)


def own_target_q(user: User, field: str = "target") -> Q:
    """The user's own unit and the units under it, as targets."""
    if user.unit is None or not user.has_role(*UNIT_ROLES):
        return Q(pk__in=[])
    return Q(**{f"{field}__path__startswith": user.unit.path})


def findings_for_user(inspection: Inspection, user: User) -> QuerySet[Finding]:
    queryset = (
        Finding.objects.filter(inspection=inspection)
        .select_related("target", "recorded_by")
        .prefetch_related(Prefetch("evidence", queryset=EvidenceUse.objects.select_related("file")))
    )
    if has_full_view(inspection, user):
        return queryset
    issued_targets = Conclusion.objects.filter(
        inspection=inspection, status__in=ConclusionStatus.issued()
    ).values("target_id")
    return queryset.filter(own_target_q(user), target_id__in=issued_targets)


def conclusions_for_user(inspection: Inspection, user: User) -> QuerySet[Conclusion]:
    queryset = (
        Conclusion.objects.filter(inspection=inspection)
        .select_related("target", "drafted_by", "approved_by", "acknowledged_by")
        .prefetch_related(
            Prefetch(
                "review_request",
                queryset=ReviewRequest.objects.select_related("decided_by").prefetch_related("reviewers"),
            )
        )
    )
    if has_full_view(inspection, user):
        return queryset
    return queryset.filter(own_target_q(user), status__in=ConclusionStatus.issued())


def get_conclusion_for_user(user: User, inspection: Inspection, conclusion_id: int) -> Conclusion:
    conclusion = conclusions_for_user(inspection, user).filter(pk=min(conclusion_id, MAX_ID)).first()
    if conclusion is None:
        raise NotFound()
    conclusion.inspection = inspection
    return conclusion


def review_requests_for_user(inspection: Inspection, user: User) -> QuerySet[ReviewRequest]:
    visible = conclusions_for_user(inspection, user).values("pk")
    return (
        ReviewRequest.objects.filter(conclusion_id__in=visible)
        .select_related("conclusion__target", "filed_by", "decided_by")
        .prefetch_related("reviewers")
    )


def get_review_for_user(user: User, inspection: Inspection, review_id: int) -> ReviewRequest:
    review = review_requests_for_user(inspection, user).filter(pk=min(review_id, MAX_ID)).first()
    if review is None:
        raise NotFound()
    review.inspection = inspection
    return review


def _rectifications(queryset: QuerySet[Rectification]) -> QuerySet[Rectification]:
    return queryset.select_related("finding", "target", "inspection", "verified_by").prefetch_related(
        "milestones", Prefetch("evidence", queryset=EvidenceUse.objects.select_related("file"))
    )


def rectifications_for_inspection(inspection: Inspection, user: User) -> QuerySet[Rectification]:
    queryset = _rectifications(Rectification.objects.filter(inspection=inspection))
    if has_full_view(inspection, user):
        return queryset
    return queryset.filter(own_target_q(user))


def get_rectification_for_user(user: User, inspection: Inspection, rectification_id: int) -> Rectification:
    rectification = (
        rectifications_for_inspection(inspection, user).filter(pk=min(rectification_id, MAX_ID)).first()
    )
    if rectification is None:
        raise NotFound()
    rectification.inspection = inspection
    return rectification


def result_proposals_for_user(inspection: Inspection, user: User) -> QuerySet[ResultProposal]:
    queryset = ResultProposal.objects.filter(inspection=inspection).select_related("unit", "decided_by")
    if has_full_view(inspection, user):
        return queryset
    return queryset.filter(own_target_q(user, "unit"), status=ResultProposalStatus.APPROVED)


def get_result_proposal_for_user(user: User, inspection: Inspection, proposal_id: int) -> ResultProposal:
    proposal = result_proposals_for_user(inspection, user).filter(pk=min(proposal_id, MAX_ID)).first()
    if proposal is None:
        raise NotFound()
    proposal.inspection = inspection
    return proposal


def evidence_for_user(inspection: Inspection, user: User) -> QuerySet[EvidenceUse]:
    queryset = EvidenceUse.objects.filter(inspection=inspection).select_related("file", "recorded_by")
    if has_full_view(inspection, user):
        return queryset
    return queryset.filter(
        Q(finding__in=findings_for_user(inspection, user))
        | Q(rectification__in=rectifications_for_inspection(inspection, user))
        | Q(review_request__in=review_requests_for_user(inspection, user))
    )


def evidence_reuse(use: EvidenceUse, user: User) -> list[EvidenceUse]:
    """The other uses of the same file that `user` may see (the flag itself shows regardless)."""
    others = (
        EvidenceUse.objects.filter(file_id=use.file_id)
        .exclude(pk=use.pk)
        .select_related("inspection", "finding__target", "rectification__target")
    )
    visible = inspections_for_user(user).values("pk")
    return list(others.filter(inspection_id__in=visible))


def inspection_timeline(inspection: Inspection, user: User) -> list[Event]:
    """The inspection's audit events, oldest first; a target view sees none (the team's working record).
    ducha.reminders.selectors.inspection_timeline adds the reminders about its rectifications."""
    if not has_full_view(inspection, user):
        return []
    return list(
        Event.objects.filter(subject_type="inspection", subject_id=inspection.pk)
        .select_related("actor", "actor_unit")
        .order_by("created_at", "id")
    )


# --- rectifications across inspections (to-do lists, reminders) ---------------------------------------------------


def rectification_scope_q(user: User) -> Q:
    """Rectifications `user` may see: of a visible inspection, and — unless they have its full view — their own."""
    if user.unit is None:
        return Q(pk__in=[])
    unit = user.unit
    full = Q(Exists(TeamMember.objects.filter(inspection=OuterRef("inspection_id"), user_id=user.pk)))
    government = unit.government
    if user.has_role(Role.OFFICE, Role.LEADER) and government is not None:
        full |= Q(inspection__government__path__startswith=government.path)
    if user.has_role(*UNIT_ROLES):
        full |= Q(inspection__lead_unit__path__startswith=unit.path)
    return Q(inspection__in=inspections_for_user(user).values("pk")) & (full | own_target_q(user))


def rectification_light_filter(light: str, today: datetime.date) -> Q:
    """The SQL twin of Rectification.light_on()."""
    running = Q(status__in=RectificationStatus.running())
    if light == Light.RED:
        return running & Q(due_date__lt=today)
    if light == Light.YELLOW:
        return running & Q(due_date__gte=today, warn_date__lte=today)
    if light == Light.GREEN:
        return running & Q(warn_date__gt=today)
    return ~running


def rectification_list_for_user(
    user: User, *, status: list[str] | tuple[str, ...] = (), light: str | None = None
) -> QuerySet[Rectification]:
    queryset = Rectification.objects.filter(rectification_scope_q(user))
    if status:
        queryset = queryset.filter(status__in=list(status))
    if light is not None:
        queryset = queryset.filter(rectification_light_filter(light, timezone.localdate()))
    return _rectifications(queryset).order_by("due_date", "id")


@dataclass
class Todos:
    """What waits for the user, by kind; every list is within scope (an unannounced visit never shows early)."""

    to_approve: list[Inspection] = field(default_factory=list)
    to_submit: list[Inspection] = field(default_factory=list)
    to_start: list[Inspection] = field(default_factory=list)
    conclusions_to_approve: list[Conclusion] = field(default_factory=list)
    conclusions_to_issue: list[Conclusion] = field(default_factory=list)
    conclusions_to_acknowledge: list[Conclusion] = field(default_factory=list)
    reviews_to_assign: list[ReviewRequest] = field(default_factory=list)
    reviews_to_decide: list[ReviewRequest] = field(default_factory=list)
    rectifications_to_do: list[Rectification] = field(default_factory=list)
    rectifications_to_verify: list[Rectification] = field(default_factory=list)
    results_to_decide: list[ResultProposal] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(value) for value in self.__dict__.values())


def todos_for_user(user: User) -> Todos:
    todos = Todos()
    if user.unit is None:
        return todos
    unit = user.unit
    visible = inspections_for_user(user)
    government_id = unit.government_id
    own_government = visible.filter(government_id=government_id)
    if user.has_role(Role.LEADER):
        todos.to_approve = list(
            own_government.filter(status=InspectionStatus.PENDING_APPROVAL).select_related("lead_unit")
        )
        todos.conclusions_to_approve = list(
            Conclusion.objects.filter(
                inspection__in=own_government, status=ConclusionStatus.PENDING_APPROVAL
            ).select_related("inspection", "target")
        )
        todos.results_to_decide = list(
            ResultProposal.objects.filter(
                inspection__in=own_government, status=ResultProposalStatus.PROPOSED
            ).select_related("inspection", "unit")
        )
    if user.has_role(Role.OFFICE):
        todos.to_submit = list(
            own_government.filter(status=InspectionStatus.PROPOSED)
            .select_related("lead_unit")
            .prefetch_related("targets", "team")
        )
        for inspection in todos.to_submit:
            # What is still missing, from the submit guard's own checks (lifecycle.submit_missing).
            inspection.missing_parts = submit_missing(inspection)  # type: ignore[attr-defined]
        todos.to_start = list(
            own_government.filter(status=InspectionStatus.APPROVED).select_related("lead_unit")
        )
        todos.conclusions_to_issue = list(
            Conclusion.objects.filter(
                inspection__in=own_government, status=ConclusionStatus.APPROVED
            ).select_related("inspection", "target")
        )
        todos.reviews_to_assign = list(
            ReviewRequest.objects.filter(
                inspection__in=own_government, status=ReviewStatus.FILED
            ).select_related("inspection", "conclusion__target")
        )
        todos.rectifications_to_verify = list(
            Rectification.objects.filter(
                inspection__in=own_government,
                status__in=[RectificationStatus.REPORTED, RectificationStatus.VERIFIED],
            ).select_related("inspection", "finding", "target")
        )
    todos.reviews_to_decide = list(
        ReviewRequest.objects.filter(reviewers=user, status=ReviewStatus.ASSIGNED).select_related(
            "inspection", "conclusion__target"
        )
    )
    if user.has_role(Role.UNIT_HEAD, Role.LIAISON):
        todos.conclusions_to_acknowledge = list(
            Conclusion.objects.filter(
                inspection__in=visible, target_id=unit.pk, status=ConclusionStatus.ISSUED
            ).select_related("inspection", "target")
        )
    if user.has_role(*UNIT_ROLES):
        todos.rectifications_to_do = list(
            Rectification.objects.filter(
                inspection__in=visible,
                target_id=unit.pk,
                status__in=RectificationStatus.running(),
            ).select_related("inspection", "finding", "target")
        )
    return todos


# --- the annual plan ----------------------------------------------------------------------------------------------


def plan_for(government: Unit, year: int) -> AnnualPlan | None:
    return AnnualPlan.objects.filter(government=government, year=year).first()


def plan_proposals(plan: AnnualPlan, user: User) -> QuerySet[PlanProposal]:
    """The plan's proposals; a department sees its own only, the office and leaders all."""
    queryset = plan.proposals.select_related("proposing_unit", "proposed_by", "merged_into").prefetch_related(
        "targets"
    )
    if (
        user.has_role(Role.OFFICE, Role.LEADER)
        and user.unit is not None
        and user.unit.government_id == plan.government_id
    ):
        return queryset.order_by("id")
    if user.unit is None:
        return queryset.none()
    return queryset.filter(proposing_unit__path__startswith=user.unit.path).order_by("id")


def get_plan_for_user(user: User, plan_id: int) -> AnnualPlan:
    """Plans are the business of their government's office, leaders and departments."""
    if user.unit is None or not 1 <= plan_id <= MAX_ID:
        raise NotFound()
    plan = AnnualPlan.objects.filter(pk=plan_id, government_id=user.unit.government_id).first()
    if plan is None:
        raise NotFound()
    return plan


def _scheduled_total(government: Unit, year: int) -> tuple[int, int]:
    """(accepted plan entries, scheduled out-of-plan inspections) of a year."""
    planned = PlanProposal.objects.filter(
        plan__government=government,
        plan__year=year,
        plan__status=PlanStatus.APPROVED,
        status=ProposalStatus.ACCEPTED,
    ).count()
    out_of_plan = Inspection.objects.filter(
        government=government, year=year, in_plan=False, status__in=InspectionStatus.scheduled()
    ).count()
    return planned, out_of_plan


@dataclass
class PlanSummary:
    """This year's count against last year's (total-volume control, 003 §3(2))."""

    year: int
    plan: AnnualPlan | None
    planned: int
    out_of_plan: int
    last_year_total: int | None
    target_cut_percent: int
    out_of_plan_inspections: list[Inspection]

    @property
    def total(self) -> int:
        return self.planned + self.out_of_plan

    @staticmethod
    def _cut(last: int | None, now: int) -> float | None:
        if not last:
            return None
        return round((last - now) * 100 / last, 1)

    @property
    def planned_cut_percent(self) -> float | None:
        """The cut the approved plan makes on last year's total."""
        return self._cut(self.last_year_total, self.planned)

    @property
    def cut_percent(self) -> float | None:
        """The cut actually made so far, counting the out-of-plan inspections too."""
        return self._cut(self.last_year_total, self.total)

    @property
    def meets_target(self) -> bool | None:
        cut = self.cut_percent
        return None if cut is None else cut >= self.target_cut_percent


def plan_summary(government: Unit, year: int, user: User | None = None) -> PlanSummary:
    plan = plan_for(government, year)
    planned, out_of_plan = _scheduled_total(government, year)
    if plan is not None and plan.baseline_count is not None:
        last_total: int | None = plan.baseline_count
    else:
        last_planned, last_out = _scheduled_total(government, year - 1)
        last_total = (last_planned + last_out) or None
    listed = Inspection.objects.filter(government=government, year=year, in_plan=False).exclude(
        status__in=[InspectionStatus.REJECTED, InspectionStatus.CANCELLED]
    )
    if user is not None:
        listed = listed.filter(scope_q(user))
    rules = InspectionRules.for_government(government)
    return PlanSummary(
        year=year,
        plan=plan,
        planned=planned,
        out_of_plan=out_of_plan,
        last_year_total=last_total,
        target_cut_percent=rules.annual_cut_target_percent,
        out_of_plan_inspections=list(listed.select_related("lead_unit").order_by("start_date", "id")),
    )


def designations_for(government: Unit) -> QuerySet[Designation]:
    return (
        Designation.objects.filter(government=government)
        .select_related("unit", "granted_by")
        .prefetch_related("targets")
        .order_by("-end_date", "id")
    )


# --- burden and the office's mix -------------------------------------------------------------------------------


_PERIOD = re.compile(r"^(\d{4})(?:-(?:Q([1-4])|(0[1-9]|1[0-2])))?$")
_MONTHS = {"year": 12, "quarter": 3, "month": 1}


@dataclass(frozen=True)
class Period:
    text: str
    kind: str
    start: datetime.date
    end: datetime.date

    @property
    def months(self) -> int:
        return _MONTHS[self.kind]


def parse_period(text: str) -> Period:
    """ "2026" (a year), "2026-Q1" (a quarter) or "2026-03" (a month)."""
    match = _PERIOD.match((text or "").strip())
    if not match:
        raise ValidationFailed(
            codes.BURDEN_PERIOD_INVALID, fields={"period": codes.message_for(codes.BURDEN_PERIOD_INVALID)}
        )
    year = int(match.group(1))
    if not 1900 <= year <= 9998:
        raise ValidationFailed(
            codes.BURDEN_PERIOD_INVALID, fields={"period": codes.message_for(codes.BURDEN_PERIOD_INVALID)}
        )
    if match.group(2):
        quarter = int(match.group(2))
        start = datetime.date(year, 3 * quarter - 2, 1)
        kind, months = "quarter", 3
    elif match.group(3):
        start = datetime.date(year, int(match.group(3)), 1)
        kind, months = "month", 1
    else:
        start = datetime.date(year, 1, 1)
        kind, months = "year", 12
    end = add_months(start, months) - datetime.timedelta(days=1)
    return Period(match.group(0), kind, start, end)


def current_period(kind: str, today: datetime.date | None = None) -> str:
    today = today or timezone.localdate()
    if kind == "year":
        return str(today.year)
    if kind == "month":
        return f"{today.year}-{today.month:02d}"
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


@dataclass
class BurdenRow:
    unit: Unit
    inspections: int
    forms: int
    people_days: int
    over: list[str]  # the metrics over their cap: "inspections", "forms", "people_days"


@dataclass
class Burden:
    period: Period
    rules: InspectionRules
    rows: list[BurdenRow]
    caps: dict[str, Fraction | None]

    @property
    def over_cap(self) -> list[BurdenRow]:
        return [row for row in self.rows if row.over]


def _unannounced_hidden_from(viewer: User | None) -> QuerySet[Inspection]:
    """The running unannounced visits `viewer` may not see (all of them for no viewer): the 暗访 rule keeps them out
    of every figure as well as every list, or a count would tell that a township is being visited."""
    running = Inspection.objects.filter(_hidden_unannounced())
    if viewer is not None:
        running = running.exclude(pk__in=Inspection.objects.filter(scope_q(viewer)).values("pk"))
    return running


def burden(government: Unit, period: Period, *, viewer: User | None = None) -> Burden:
    """For every unit under `government` that received inspections starting in `period` — from any department or
    government, once scheduled — how many, the reports and forms demanded of it and the people-days it hosted,
    flagged where over the government's caps. Caps are set per `burden_period` and pro-rated by whole months for
    other periods (a quarterly cap of 3 is 12 a year, 1 a month). A running unannounced visit counts only for a
    `viewer` who may see it (its team, the leaders of its government, the office member who created it): for
    anyone else the figures are those of a world without it, until it ends."""
    rules = InspectionRules.for_government(government)
    rows = (
        InspectionTarget.objects.filter(
            unit__path__startswith=government.path,
            inspection__status__in=InspectionStatus.scheduled(),
            inspection__start_date__gte=period.start,
            inspection__start_date__lte=period.end,
        )
        .exclude(inspection_id__in=_unannounced_hidden_from(viewer).values("pk"))
        .values("unit_id")
        .annotate(
            inspections=Count("inspection_id", distinct=True),
            forms=Sum("forms_demanded"),
            people=Sum("people_days"),
        )
        .order_by()
    )
    units = Unit.objects.in_bulk([row["unit_id"] for row in rows])
    scale = Fraction(period.months, _MONTHS[rules.burden_period])
    caps = {
        "inspections": rules.cap_inspections * scale if rules.cap_inspections is not None else None,
        "forms": rules.cap_forms * scale if rules.cap_forms is not None else None,
        "people_days": rules.cap_people_days * scale if rules.cap_people_days is not None else None,
    }
    result = []
    for row in rows:
        values = {
            "inspections": row["inspections"],
            "forms": row["forms"] or 0,
            "people_days": row["people"] or 0,
        }
        over = [metric for metric, cap in caps.items() if cap is not None and values[metric] > cap]
        result.append(
            BurdenRow(
                units[row["unit_id"]], values["inspections"], values["forms"], values["people_days"], over
            )
        )
    result.sort(key=lambda row: (-len(row.over), -row.inspections, -row.people_days, row.unit.path))
    return Burden(period=period, rules=rules, rows=result, caps=caps)


def burden_inspections(government: Unit, period: Period, unit_id: int, user: User) -> QuerySet[Inspection]:
    """The inspections behind one burden row that `user` may see."""
    return (
        inspections_for_user(user)
        .filter(
            targets__unit_id=unit_id,
            status__in=InspectionStatus.scheduled(),
            start_date__gte=period.start,
            start_date__lte=period.end,
        )
        .select_related("lead_unit")
        .distinct()
        .order_by("start_date", "id")
    )


@dataclass
class Mix:
    """The office's own inspections of a year: the share of people and of people-days on clue checks and
    unannounced visits, against the two-thirds rule (国办发〔2021〕5号 §3(3))."""

    year: int
    people: int
    people_on_rule_kinds: int
    days: int
    days_on_rule_kinds: int
    by_kind: dict[str, int]

    @staticmethod
    def _share(part: int, whole: int) -> float | None:
        return round(part * 100 / whole, 1) if whole else None

    @property
    def people_share(self) -> float | None:
        return self._share(self.people_on_rule_kinds, self.people)

    @property
    def days_share(self) -> float | None:
        return self._share(self.days_on_rule_kinds, self.days)

    @property
    def meets_rule(self) -> bool | None:
        if not self.people or not self.days:
            return None
        return (
            3 * self.people_on_rule_kinds >= 2 * self.people and 3 * self.days_on_rule_kinds >= 2 * self.days
        )


def office_mix(government: Unit, year: int, *, viewer: User | None = None) -> Mix:
    """The mix of the government's own office inspections. Given a `viewer`, a running unannounced visit the
    viewer may not see is left out (its people and days would tell that one is under way); without one, the
    government's whole figures."""
    members = TeamMember.objects.filter(
        inspection__government=government,
        inspection__lead_unit__kind__in=OFFICE_KINDS,
        inspection__year=year,
        inspection__status__in=InspectionStatus.scheduled(),
    )
    if viewer is not None:
        members = members.exclude(inspection_id__in=_unannounced_hidden_from(viewer).values("pk"))
    rows = members.values("user_id", "name", "days", "inspection__kind")
    people: set[str] = set()
    rule_people: set[str] = set()
    days = rule_days = 0
    by_kind: dict[str, int] = defaultdict(int)
    for member in rows:
        key = f"user:{member['user_id']}" if member["user_id"] else f"name:{member['name']}"
        people.add(key)
        days += member["days"]
        by_kind[member["inspection__kind"]] += member["days"]
        if member["inspection__kind"] in InspectionKind.two_thirds_kinds():
            rule_people.add(key)
            rule_days += member["days"]
    return Mix(year, len(people), len(rule_people), days, rule_days, dict(by_kind))


def rules_for(government: Unit) -> InspectionRules:
    return InspectionRules.for_government(government)


def summary_counts(user: User) -> dict[str, Any]:
    rows = inspections_for_user(user).values("status").annotate(n=Count("id")).order_by()
    return {row["status"]: row["n"] for row in rows}
