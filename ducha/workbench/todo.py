"""The workbench's to-do list (工作台): what waits on a user now, in sections per role.

A user may hold several roles; every section that applies to one of them is listed. Each section is one
set-based query over `selectors.items_for_user(user)` (so scope is never bypassed), limited to `SECTION_LIMIT`
rows; only when a section overflows is it counted, and then only up to `COUNT_CAP` ("1000+"). The rows of all
sections share one prefetch of their assignments and units, so the number of queries does not grow with the
number of items.

Office and leader sections hold the items of the user's own government only: those are the items they act on.
Unit sections are disjoint, in this order of precedence: to sign for, returned, due soon or overdue, in hand.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ducha.audit.models import Event, EventType
from ducha.common.errors import NotFound
from ducha.items import selectors
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import (
    Assignment,
    AssignmentStatus,
    ConsolidatedReport,
    ConsolidatedStatus,
    Dispute,
    DisputeStatus,
    ExtensionRequest,
    ExtensionStatus,
    Item,
    Light,
    Report,
    ReportKind,
    ReportStatus,
)
from ducha.orgs.models import UNIT_ROLES, Role, Unit, UnitKind, User
from ducha.reminders.models import Chase
from ducha.workcalendar.services import workdays_between

SECTION_LIMIT = 50
COUNT_CAP = 1000

S = ItemStatus
_RUNNING = sorted(S.running())
_OPEN_AFTER_DRAFT = [
    S.PENDING_APPROVAL,
    S.REGISTERED,
    S.ASSIGNED,
    S.IN_PROGRESS,
    S.UNDER_REVIEW,
    S.ACCEPTED,
]

# What a row offers right on the to-do list, by section: signing is one click, a progress report three.
ROW_ACTIONS: dict[str, tuple[str, ...]] = {
    "sign": ("sign",),
    "returned": ("progress",),
    "report_due": ("progress",),
    "in_hand": ("progress",),
    "handed_down_sign": ("sign",),
    "handed_down": ("progress",),
}


# Batch actions a section's rows may be ticked for (the batch bar under the section), by section.
BATCH_ACTIONS: dict[str, tuple[str, ...]] = {
    "approval": ("approve",),
    "drafts": ("submit",),
    "assign": ("assign",),
    "sign": ("sign",),
    "due_soon": ("chase",),
    "overdue": ("chase",),
}
# Sections whose rows show how many times the office chased the item (催办).
CHASE_COUNT_SECTIONS = frozenset({"due_soon", "overdue"})


# Sections whose rows belong to the user's unit (and carry its last progress text).
UNIT_SECTION_KEYS = frozenset({"sign", "returned", "report_due", "in_hand", "head_check", "delegated"})


def known_section(key: str) -> str:
    """A section key from a request, or "item" when it is none of ours (it ends up in element ids)."""
    return key if key in UNIT_SECTION_KEYS or key in ROW_ACTIONS else "item"


@dataclass
class TodoRow:
    item: Item
    section: str
    light: str
    days_left: int | None  # working days from today to the due date; negative: overdue by that many
    last_progress: str = ""  # the user's unit's last progress text, to pre-fill the inline form
    actions: tuple[str, ...] = ()
    chases: int = 0  # 催办 sent on the item (office sections listed in CHASE_COUNT_SECTIONS)

    @property
    def is_batchable(self) -> bool:
        """The row has a checkbox for its section's batch bar."""
        return self.section in BATCH_ACTIONS

    @property
    def shows_chases(self) -> bool:
        return self.section in CHASE_COUNT_SECTIONS

    @property
    def lead_unit(self) -> str:
        for assignment in self.item.assignments.all():
            if assignment.is_lead:
                return assignment.unit.short_name or assignment.unit.name
        return ""

    @property
    def overdue_by(self) -> int:
        return -self.days_left if self.days_left is not None and self.days_left < 0 else 0

    @property
    def dom_id(self) -> str:
        return f"todo-{self.section}-{self.item.pk}"


@dataclass
class Section:
    key: str
    label: Promise
    rows: list[TodoRow] = field(default_factory=list)
    total: int = 0
    is_capped: bool = False  # more than COUNT_CAP items wait here

    @property
    def total_display(self) -> str:
        return f"{COUNT_CAP}+" if self.is_capped else str(self.total)

    @property
    def hidden_count(self) -> int:
        return self.total - len(self.rows)

    @property
    def batch_actions(self) -> tuple[str, ...]:
        return BATCH_ACTIONS.get(self.key, ())

    @property
    def shows_chases(self) -> bool:
        return self.key in CHASE_COUNT_SECTIONS


Query = Callable[[QuerySet[Item]], QuerySet[Item]]


@dataclass(frozen=True)
class _Spec:
    key: str
    label: Promise
    query: Query
    order: str = "due"  # "due": earliest due date first; "oldest"/"newest": by the last change


def _unit_id(user: User) -> int:
    assert user.unit_id is not None
    return user.unit_id


def _own_unit_assignment(user: User) -> QuerySet[Assignment]:
    return Assignment.objects.filter(item=OuterRef("pk"), unit_id=_unit_id(user))


def _pending_completion() -> Exists:
    return Exists(
        Report.objects.filter(
            item=OuterRef("pk"), kind=ReportKind.COMPLETION, status=ReportStatus.PENDING_HEAD
        )
    )


def _last_completion_status(user: User) -> Coalesce:
    # Coalesced: "NOT (NULL IN (...))" is NULL in SQL, which would drop every item without a completion report.
    return Coalesce(
        Subquery(
            Report.objects.filter(
                item=OuterRef("pk"), kind=ReportKind.COMPLETION, assignment__unit_id=_unit_id(user)
            )
            .order_by("-created_at", "-id")
            .values("status")[:1]
        ),
        Value(""),
    )


def _last_progress_text(user: User) -> Subquery:
    return Subquery(
        Report.objects.filter(
            item=OuterRef("pk"), kind=ReportKind.PROGRESS, assignment__unit_id=_unit_id(user)
        )
        .order_by("-created_at", "-id")
        .values("text")[:1]
    )


def _extension(**filters: object) -> Exists:
    return Exists(ExtensionRequest.objects.filter(item=OuterRef("pk"), **filters))


def _dispute(status: str) -> Exists:
    return Exists(Dispute.objects.filter(item=OuterRef("pk"), status=status))


def _submissions(qs: QuerySet[Item]) -> QuerySet[Item]:
    """The approval list's rows carry their source record, who submitted them and when (the last item_submitted
    event: one indexed lookup per row, inside the section's single query)."""
    submitted = Event.objects.filter(
        subject_type="item", subject_id=OuterRef("pk"), event_type=EventType.ITEM_SUBMITTED
    ).order_by("-created_at", "-id")
    return qs.select_related("source_record", "created_by").annotate(
        submitted_at=Subquery(submitted.values("created_at")[:1]),
        submitted_by=Subquery(submitted.values("actor__full_name")[:1]),
    )


def _leader_specs() -> list[_Spec]:
    return [
        _Spec(
            "approval",
            _("Awaiting approval"),
            lambda qs: _submissions(qs.filter(status=S.PENDING_APPROVAL)),
            "oldest",
        ),
        _Spec("close", _("Awaiting closure"), lambda qs: qs.filter(status=S.ACCEPTED, parent__isnull=True)),
        _Spec(
            "consolidated",
            _("Consolidated reports awaiting approval"),
            lambda qs: qs.filter(
                Exists(
                    ConsolidatedReport.objects.filter(
                        item=OuterRef("pk"), status=ConsolidatedStatus.PENDING_LEADER
                    )
                ),
                status=S.UNDER_REVIEW,
            ),
            "oldest",
        ),
        _Spec(
            "extension_leader",
            _("Extensions awaiting approval"),
            lambda qs: qs.filter(
                _extension(status=ExtensionStatus.ENDORSED)
                | _extension(status=ExtensionStatus.PENDING, requires_leader=False),
                status__in=_RUNNING,
                parent__isnull=True,
            ),
        ),
        _Spec(
            "cancel",
            _("Withdrawals awaiting approval"),
            lambda qs: qs.filter(cancel_requested_by__isnull=False, status__in=_OPEN_AFTER_DRAFT),
        ),
        _Spec(
            "dispute_rule",
            _("Disagreements awaiting a ruling"),
            lambda qs: qs.filter(_dispute(DisputeStatus.COORDINATED), status__in=_RUNNING),
        ),
    ]


def _office_specs(today: datetime.date) -> list[_Spec]:
    return [
        _Spec(
            "review", _("Awaiting review"), lambda qs: qs.filter(status=S.UNDER_REVIEW, parent__isnull=True)
        ),
        _Spec("assign", _("Awaiting assignment"), lambda qs: qs.filter(status=S.REGISTERED), "oldest"),
        _Spec("due_soon", _("Due soon"), lambda qs: qs.filter(selectors.light_filter(Light.YELLOW, today))),
        _Spec("overdue", _("Overdue"), lambda qs: qs.filter(selectors.light_filter(Light.RED, today))),
        _Spec(
            "extension_office",
            _("Extension requests"),
            lambda qs: qs.filter(
                _extension(status=ExtensionStatus.PENDING), status__in=_RUNNING, parent__isnull=True
            ),
        ),
        _Spec(
            "dispute_coordinate",
            _("Disagreements to coordinate"),
            lambda qs: qs.filter(_dispute(DisputeStatus.OPEN), status__in=_RUNNING),
        ),
        _Spec("rejected", _("Not approved, to revise"), lambda qs: qs.filter(status=S.REJECTED), "newest"),
        _Spec("drafts", _("Drafts"), lambda qs: qs.filter(status=S.DRAFT), "newest"),
    ]


# 上级交办 and 直接办理: an upper level's items assigned to the office's government, and items whose unit is the
# office itself. The office signs for them, reports on them, passes them on and reviews what it passed on; the
# leader checks their completion reports and closes what was passed on (lifecycle.acts_for). Some are items of
# another government; the sections show only when they hold something.
HANDED_DOWN_KEYS = frozenset(
    {"handed_down_sign", "handed_down", "delegated_review", "acting_head_check", "delegated_close"}
)


def _acting_specs(user: User) -> list[_Spec]:
    assert user.unit is not None
    government_id = user.unit.government_id
    specs: list[_Spec] = []
    if user.has_role(Role.OFFICE):
        acting = Assignment.objects.filter(item=OuterRef("pk"), unit_id__in=[government_id, user.unit_id])
        specs += [
            _Spec(
                "handed_down_sign",
                _("Handed down from above or handled by the office: to sign for"),
                lambda qs: qs.filter(Exists(acting.filter(signed_at__isnull=True)), status__in=_RUNNING),
            ),
            _Spec(
                "handed_down",
                _("Handed down from above or handled by the office: in hand"),
                lambda qs: qs.filter(
                    Exists(acting.filter(signed_at__isnull=False).exclude(status=AssignmentStatus.REPORTED)),
                    status=S.IN_PROGRESS,
                ),
            ),
            _Spec(
                "delegated_review",
                _("Items passed on by the office: awaiting review"),
                lambda qs: qs.filter(
                    status=S.UNDER_REVIEW, delegating_unit_id__in=[government_id, user.unit_id]
                ),
            ),
        ]
    if user.has_role(Role.LEADER):
        # The leader takes the head's steps for the government and its supervision office.
        heads_for = Unit.objects.filter(
            Q(pk=government_id) | Q(government_id=government_id, kind=UnitKind.SUPERVISION_OFFICE)
        ).values("pk")
        specs += [
            _Spec(
                "acting_head_check",
                _("Completion reports of the office to check"),
                lambda qs: qs.filter(
                    Exists(
                        Report.objects.filter(
                            item=OuterRef("pk"),
                            kind=ReportKind.COMPLETION,
                            status=ReportStatus.PENDING_HEAD,
                            assignment__unit_id__in=heads_for,
                        )
                    ),
                    status=S.IN_PROGRESS,
                ),
            ),
            _Spec(
                "delegated_close",
                _("Items passed on by the office: awaiting closure"),
                lambda qs: qs.filter(status=S.ACCEPTED, delegating_unit_id__in=heads_for),
            ),
        ]
    return specs


def _unit_specs(user: User, today: datetime.date) -> list[_Spec]:
    own = _own_unit_assignment(user)
    working = Exists(own.filter(signed_at__isnull=False).exclude(status=AssignmentStatus.REPORTED))
    returned = Q(last_completion__in=[ReportStatus.RETURNED, ReportStatus.RETURNED_BY_HEAD])
    urgent = selectors.light_filter(Light.YELLOW, today) | selectors.light_filter(Light.RED, today)

    def in_hand(qs: QuerySet[Item]) -> QuerySet[Item]:
        return qs.filter(working, status=S.IN_PROGRESS).exclude(_pending_completion())

    specs = [
        _Spec(
            "sign",
            _("To sign for"),
            lambda qs: qs.filter(Exists(own.filter(signed_at__isnull=True)), status__in=_RUNNING),
        ),
        _Spec("returned", _("Returned to your unit"), lambda qs: in_hand(qs).filter(returned)),
        _Spec(
            "report_due",
            _("To report: due soon or overdue"),
            lambda qs: in_hand(qs).filter(urgent).exclude(returned),
        ),
        _Spec("in_hand", _("In hand"), lambda qs: in_hand(qs).exclude(urgent).exclude(returned)),
    ]
    if user.has_role(Role.UNIT_HEAD):
        # The head's 审签 comes first on the head's workbench: reports wait on the head alone.
        specs.insert(
            0,
            _Spec(
                "head_check",
                _("Completion reports to check"),
                lambda qs: qs.filter(
                    Exists(
                        Report.objects.filter(
                            item=OuterRef("pk"),
                            kind=ReportKind.COMPLETION,
                            status=ReportStatus.PENDING_HEAD,
                            assignment__unit_id=_unit_id(user),
                        )
                    ),
                    status=S.IN_PROGRESS,
                ),
            ),
        )
    if user.has_role(Role.UNIT_HEAD):
        # Progress reports the office asked the head to check first (004 §3(4)).
        specs.append(
            _Spec(
                "progress_check",
                _("Progress reports to check"),
                lambda qs: qs.filter(
                    Exists(
                        Report.objects.filter(
                            item=OuterRef("pk"),
                            kind=ReportKind.PROGRESS,
                            status=ReportStatus.PENDING_HEAD,
                            assignment__unit_id=_unit_id(user),
                        )
                    )
                ),
                "oldest",
            )
        )
    delegated = Q(status=S.UNDER_REVIEW) | Q(_extension(status=ExtensionStatus.PENDING), status__in=_RUNNING)
    if user.has_role(Role.UNIT_HEAD):
        delegated |= Q(status=S.ACCEPTED)
    specs.append(
        _Spec(
            "delegated",
            _("Delegated items awaiting your unit"),
            lambda qs: qs.filter(delegated, delegating_unit_id=user.unit_id),
        )
    )
    return specs


def _specs(user: User, today: datetime.date) -> list[_Spec]:
    specs: list[_Spec] = []
    if user.unit is None:
        return specs
    specs += _acting_specs(user)
    if user.has_role(Role.LEADER):
        specs += _leader_specs()
    if user.has_role(Role.OFFICE):
        specs += _office_specs(today)
    if user.has_role(*UNIT_ROLES):
        specs += _unit_specs(user, today)
    return specs


def _base(user: User, spec: _Spec) -> QuerySet[Item]:
    queryset = selectors.items_for_user(user)
    assert user.unit is not None
    if spec.key in UNIT_SECTION_KEYS:
        queryset = queryset.annotate(
            last_completion=_last_completion_status(user), last_progress=_last_progress_text(user)
        )
    elif spec.key not in HANDED_DOWN_KEYS:
        # Office and leader act on their own government's items (those below have their own office).
        queryset = queryset.filter(government_id=user.unit.government_id)
    return spec.query(queryset)


def _ordered(queryset: QuerySet[Item], order: str) -> QuerySet[Item]:
    if order == "oldest":
        return queryset.order_by("updated_at", "id")
    if order == "newest":
        return queryset.order_by("-updated_at", "-id")
    return queryset.order_by(F("due_date").asc(nulls_last=True), "id")


def make_row(item: Item, section: str, today: datetime.date) -> TodoRow:
    light = item.light_on(today)
    days_left = workdays_between(today, item.due_date) if item.due_date and light else None
    return TodoRow(
        item=item,
        section=section,
        light=light,
        days_left=days_left,
        last_progress=getattr(item, "last_progress", None) or "",
        actions=ROW_ACTIONS.get(section, ()),
    )


def _prefetch(items: list[Item]) -> None:
    prefetch_related_objects(
        items,
        Prefetch("assignments", queryset=Assignment.objects.select_related("unit").order_by("-role", "id")),
    )


def todo_for_user(user: User, today: datetime.date) -> list[Section]:
    """The sections of the user's to-do list (those of each of their roles), each with at most SECTION_LIMIT
    rows and a count bounded by COUNT_CAP."""
    sections: list[Section] = []
    for spec in _specs(user, today):
        queryset = _base(user, spec)
        items = list(_ordered(queryset, spec.order)[: SECTION_LIMIT + 1])
        section = Section(key=spec.key, label=spec.label)
        if len(items) > SECTION_LIMIT:
            items = items[:SECTION_LIMIT]
            bounded = queryset.order_by().values("pk")[: COUNT_CAP + 1].count()
            section.total, section.is_capped = min(bounded, COUNT_CAP), bounded > COUNT_CAP
        else:
            section.total = len(items)
        section.rows = [make_row(item, spec.key, today) for item in items]
        sections.append(section)
    # These show only when there is something: most offices rarely handle an item themselves.
    sections = [section for section in sections if section.rows or section.key not in HANDED_DOWN_KEYS]
    _prefetch([row.item for section in sections for row in section.rows])
    _count_chases([row for section in sections if section.shows_chases for row in section.rows])
    return sections


def _count_chases(rows: list[TodoRow]) -> None:
    """The number of 催办 sent on each row's item: one grouped query for the page."""
    if not rows:
        return
    counts = dict(
        Chase.objects.filter(item_id__in={row.item.pk for row in rows})
        .values("item_id")
        .annotate(n=Count("id"))
        .values_list("item_id", "n")
        .order_by()
    )
    for row in rows:
        row.chases = counts.get(row.item.pk, 0)


def todo_row_for_item(user: User, item_id: int, section: str, today: datetime.date) -> TodoRow:
    """One row as the to-do list shows it now (after an action taken from the list); NotFound if out of scope."""
    queryset = selectors.items_for_user(user).filter(pk=item_id)
    if user.unit_id is not None:
        queryset = queryset.annotate(last_progress=_last_progress_text(user))
    item = queryset.first()
    if item is None:
        raise NotFound()
    _prefetch([item])
    return make_row(item, section, today)
