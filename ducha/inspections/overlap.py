"""Overlap detection (条例 Art. 15: no repeated or multi-headed inspections; 国办发〔2021〕5号 §2(5): avoid the same
target at the same time).

Two checks, across every department and government, each simple enough to explain to the user:

- **concurrent**: another live inspection touches one of the same target units in a window that overlaps this one
  (windows are inclusive date ranges);
- **similar topic**: another inspection of one of the same targets ended within the last N months (the government's
  `similar_topic_months`) and its topic is similar: the Jaccard index of the two topics' character bigrams
  reaches the government's threshold (`similarity_percent`). Spaces, punctuation and the words every topic uses
  (`GENERIC_WORDS`: 督查, 检查, 专项, 情况, 推进, …) are ignored first, so that "老旧小区改造专项督查" and
  "老旧小区改造推进情况督查" compare as the same matter.

The government's `overlap_rule` decides what happens: warn only, block concurrent inspections, or block both. Only
inspections already submitted or scheduled block (two drafts cannot block each other); drafts still warn.
A 回头看 is never "similar" to the inspection it follows up.
"""

from __future__ import annotations

import calendar
import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Q

from ducha.inspections.models import Inspection, InspectionRules
from ducha.inspections.statuses import InspectionStatus

if TYPE_CHECKING:
    from ducha.orgs.models import Unit, User

CONCURRENT = "concurrent"
SIMILAR_TOPIC = "similar_topic"
_IGNORED = re.compile(r"[\s\W_]+", re.UNICODE)
# Words of the form, not of the matter; longest first so that 专项督查 goes before 督查.
GENERIC_WORDS = (
    "专项督查",
    "督查督办",
    "督查",
    "督办",
    "检查",
    "专项",
    "情况",
    "推进",
    "落实",
    "工作",
    "开展",
    "关于",
    "回头看",
)


def bigrams(text: str) -> frozenset[str]:
    """The character bigrams of `text` without spaces, punctuation and generic words ("老旧小区" → {老旧, 旧小,
    小区})."""
    compact = _IGNORED.sub("", text.lower())
    for word in GENERIC_WORDS:
        compact = compact.replace(word, "")
    if len(compact) < 2:
        return frozenset({compact}) if compact else frozenset()
    return frozenset(compact[i : i + 2] for i in range(len(compact) - 1))


def topic_similarity(a: str, b: str) -> float:
    """Jaccard index of the two topics' bigrams, 0.0–1.0."""
    first, second = bigrams(a), bigrams(b)
    if not first or not second:
        return 0.0
    return len(first & second) / len(first | second)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """`day` moved by whole months, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(day.day, last))


@dataclass(frozen=True)
class Window:
    """What is compared: the targets, the window and the topic of an inspection or a plan proposal."""

    target_ids: frozenset[int]
    start: datetime.date
    end: datetime.date
    topic: str


@dataclass
class Overlap:
    inspection: Inspection
    reason: str  # CONCURRENT or SIMILAR_TOPIC
    shared_target_ids: list[int]
    similarity: float
    blocks: bool = False
    # False: outside the viewer's scope (another government's announced, approved inspection), shown in brief.
    in_scope: bool = True


@dataclass
class OverlapReport:
    overlaps: list[Overlap] = field(default_factory=list)
    # Overlapping inspections the viewer may not see (an unannounced visit): counted, never described.
    hidden: int = 0

    @property
    def blocking(self) -> list[Overlap]:
        return [overlap for overlap in self.overlaps if overlap.blocks]


def _blocking_statuses() -> frozenset[str]:
    return InspectionStatus.scheduled() | {InspectionStatus.PENDING_APPROVAL}


def compare(
    window: Window,
    candidates: Iterable[Inspection],
    rules: InspectionRules,
    *,
    follows_up_id: int | None = None,
) -> list[Overlap]:
    """The overlaps between `window` and each candidate (with `targets` prefetched)."""
    threshold = rules.similarity_percent / 100
    look_back = add_months(window.start, -rules.similar_topic_months)
    found: list[Overlap] = []
    for other in candidates:
        shared = sorted(window.target_ids & {target.unit_id for target in other.targets.all()})
        if not shared:
            continue
        similarity = topic_similarity(window.topic, other.topic)
        if other.start_date <= window.end and window.start <= other.end_date:
            reason = CONCURRENT
        elif (
            look_back <= other.end_date < window.start
            and similarity >= threshold
            and other.pk != follows_up_id
        ):
            reason = SIMILAR_TOPIC
        else:
            continue
        blocks = other.status in _blocking_statuses() and (
            rules.overlap_rule == "block_all"
            or (rules.overlap_rule == "block_concurrent" and reason == CONCURRENT)
        )
        found.append(Overlap(other, reason, shared, round(similarity, 2), blocks))
    found.sort(
        key=lambda overlap: (
            overlap.reason != CONCURRENT,
            overlap.inspection.start_date,
            overlap.inspection.pk,
        )
    )
    return found


def _candidates(window: Window, rules: InspectionRules, exclude_id: int | None) -> Iterable[Inspection]:
    look_back = add_months(window.start, -rules.similar_topic_months)
    queryset = (
        Inspection.objects.filter(
            status__in=InspectionStatus.live(),
            targets__unit_id__in=window.target_ids,
            end_date__gte=look_back,
            start_date__lte=window.end,
        )
        .distinct()
        .select_related("lead_unit", "government")
        .prefetch_related("targets")
    )
    if exclude_id is not None:
        queryset = queryset.exclude(pk=exclude_id)
    return queryset


def find_overlaps(
    *,
    government: Unit,
    target_ids: Iterable[int],
    start: datetime.date,
    end: datetime.date,
    topic: str,
    exclude_id: int | None = None,
    follows_up_id: int | None = None,
    viewer: User | None = None,
) -> OverlapReport:
    """Every other inspection overlapping this window at one of the targets, of any department or government.
    With a `viewer`: an inspection outside their scope is shown in brief (`in_scope` False) when it is announced
    and approved — its targets know of it anyway; otherwise (a draft of another government, an unannounced visit)
    it is only counted in `hidden`."""
    rules = InspectionRules.for_government(government)
    window = Window(frozenset(target_ids), start, end, topic)
    overlaps = compare(window, _candidates(window, rules, exclude_id), rules, follows_up_id=follows_up_id)
    report = OverlapReport(overlaps)
    if viewer is not None and overlaps:
        # The selectors use this module (add_months): imported here, where the viewer's scope is needed.
        from ducha.inspections.selectors import inspections_for_user

        visible = set(
            inspections_for_user(viewer)
            .filter(pk__in=[overlap.inspection.pk for overlap in overlaps])
            .values_list("pk", flat=True)
        )
        shown = []
        for found in overlaps:
            found.in_scope = found.inspection.pk in visible
            public = found.inspection.approved_at is not None and not found.inspection.is_unannounced
            if found.in_scope or public:
                shown.append(found)
        report.overlaps = shown
        report.hidden = len(overlaps) - len(shown)
    return report


def inspection_overlaps(inspection: Inspection, *, viewer: User | None = None) -> OverlapReport:
    return find_overlaps(
        government=inspection.government,
        target_ids=inspection.targets.values_list("unit_id", flat=True),
        start=inspection.start_date,
        end=inspection.end_date,
        topic=inspection.topic,
        exclude_id=inspection.pk,
        follows_up_id=inspection.follows_up_id,
        viewer=viewer,
    )


def is_blocked(inspection: Inspection) -> bool:
    """True when the government's rule blocks this inspection because of an overlap (viewer-independent)."""
    return bool(inspection_overlaps(inspection).blocking)


def proposals_overlapping(
    proposal_window: Window, others: Iterable[tuple[int, Window]], rules: InspectionRules
) -> list[int]:
    """Ids of the plan's other proposals that touch a shared target at the same time or on a similar topic: the
    office merges these duplicates when it compiles the plan."""
    threshold = rules.similarity_percent / 100
    found = []
    for pk, other in others:
        if not proposal_window.target_ids & other.target_ids:
            continue
        concurrent = other.start <= proposal_window.end and proposal_window.start <= other.end
        if concurrent or topic_similarity(proposal_window.topic, other.topic) >= threshold:
            found.append(pk)
    return found


def window_q(start: datetime.date, end: datetime.date) -> Q:
    """Inspections whose window overlaps [start, end]."""
    return Q(start_date__lte=end, end_date__gte=start)
