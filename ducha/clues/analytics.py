"""What the clues of a government say together: the hotspots (by topic, township and week), the early warnings
(a spike on a topic in a township, one problem across townships) and the weekly 社情民意 brief the office edits and
sends to the leaders.

Weeks are ISO weeks (Monday to Sunday) in the project's time zone (Asia/Shanghai); "now" is only
django.utils.timezone's. Only active clues count (a clue not accepted is not a signal).

The topic of a clue is the unit that handles its kind of matter: the unit its case was routed to, else the first
unit the router suggested; a matter the township handles itself (属地) counts as "local matters". The counting is
set-based: one grouped query per window (by township, ISO week and topic), whatever the number of clues.

The rules (documented for the office, tested in tests/clues/test_analytics.py):

- **Spike**: for each (township, topic), the week's count against its usual level — the mean of its weekly counts
  over the 8 weeks before (weeks without clues count as 0). A spike when count ≥ max(3, mean + 3σ), where σ is the
  standard deviation of those 8 counts but at least √mean (the natural scatter of counts, so that a steady series
  repeating itself is no spike): at least three clues, and far above what that township usually sends on that
  topic. E.g. a usual 1 a week: a spike from 4; nothing before: from 3; a steady 4 a week: from 10.
- **Systemic**: one topic with at least 2 clues in each of at least 3 townships in the same week: a problem that
  recurs across the county rather than one place's.

Warnings are written once per (government, kind, topic, township, week) — a re-run updates the counts and clues of
the week's warnings, never duplicates them, and keeps who has seen them."""

from __future__ import annotations

import datetime
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count, QuerySet
from django.db.models.fields.json import KT
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from ducha.clues.models import (
    Answer,
    AnswerStatus,
    Brief,
    BriefStatus,
    Case,
    Category,
    Channel,
    Clue,
    ClueStatus,
    EarlyWarning,
    WarningKind,
)
from ducha.orgs.models import Unit, UnitKind, UnitLevel

BASELINE_WEEKS = 8
SPIKE_MIN = 3
SPIKE_SIGMAS = 3.0
SYSTEMIC_TOWNSHIPS = 3
SYSTEMIC_PER_TOWNSHIP = 2
TOP = 5
# The top terms are counted over at most this many of the period's latest clues.
TERMS_SAMPLE = 5000
TERMS_PER_CLUE = 3


# --- weeks ------------------------------------------------------------------------------------------------------


def _zone() -> datetime.tzinfo:
    return timezone.get_default_timezone()


def week_start_of(day: datetime.date) -> datetime.date:
    """The Monday of the ISO week of `day`."""
    return day - datetime.timedelta(days=day.weekday())


def this_week(now: datetime.datetime | None = None) -> datetime.date:
    """The Monday of the current ISO week, local time."""
    return week_start_of(timezone.localdate(now or timezone.now(), _zone()))


def day_start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=_zone())


def week_bounds(week_start: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    return day_start(week_start), day_start(week_start + datetime.timedelta(days=7))


def week_label(week_start: datetime.date) -> str:
    year, week, _day = week_start.isocalendar()
    return f"{year}-W{week:02d}"


def _week_of(value: Any) -> datetime.date:
    """A TruncWeek value (an aware or naive datetime, or a date) as its Monday."""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value, _zone())
        return value.date()
    return value


# --- topics -----------------------------------------------------------------------------------------------------


def local_topic() -> str:
    return _("local matters")


@dataclass
class Topics:
    """The topic names of a government's units: departments by short name, townships as local matters."""

    names: dict[int, str]

    @classmethod
    def of(cls, government: Unit) -> Topics:
        names: dict[int, str] = {}
        local = local_topic()
        for pk, name, short, kind in Unit.objects.filter(government=government).values_list(
            "pk", "name", "short_name", "kind"
        ):
            if kind == UnitKind.DEPARTMENT:
                names[pk] = (short or name)[:60]
        for pk in Unit.objects.filter(
            parent=government, kind=UnitKind.GOVERNMENT, level=UnitLevel.TOWNSHIP
        ).values_list("pk", flat=True):
            names[pk] = local
        return cls(names)

    def topic(self, case_unit_id: int | None, first_suggested: Any) -> str | None:
        for candidate in (case_unit_id, first_suggested):
            if candidate in (None, ""):
                continue
            try:
                name = self.names.get(int(candidate))
            except (TypeError, ValueError):
                continue
            if name is not None:
                return name
        return None


def _active(government: Unit, start: datetime.datetime, end: datetime.datetime) -> QuerySet[Clue]:
    return Clue.objects.filter(
        government=government, status=ClueStatus.ACTIVE, submitted_at__gte=start, submitted_at__lt=end
    )


def _grouped(government: Unit, start: datetime.datetime, end: datetime.datetime) -> QuerySet:
    """Clue counts by (township, ISO week, routed unit, first suggested unit): one grouped query."""
    return (
        _active(government, start, end)
        .annotate(week=TruncWeek("submitted_at", tzinfo=_zone()), first=KT("suggested_units__0__unit_id"))
        .values("township_id", "week", "case__unit_id", "first")
        .annotate(n=Count("id"))
        .order_by()
    )


# --- hotspots ---------------------------------------------------------------------------------------------------


@dataclass
class Hotspots:
    start: datetime.date
    end: datetime.date  # exclusive
    total: int = 0
    by_topic: list[tuple[str, int]] = field(default_factory=list)
    by_township: list[tuple[int | None, str, int]] = field(default_factory=list)
    by_week: list[tuple[datetime.date, str, int]] = field(default_factory=list)
    # (topic, township name, count), the largest first
    by_topic_township: list[tuple[str, str, int]] = field(default_factory=list)
    terms: list[tuple[str, int]] = field(default_factory=list)


def hotspots(government: Unit, start: datetime.date, end: datetime.date) -> Hotspots:
    """The clues of [start, end) counted by topic, by township, by ISO week, and the terms most reported."""
    lower, upper = day_start(start), day_start(end)
    topics = Topics.of(government)
    townships = dict(
        Unit.objects.filter(parent=government, kind=UnitKind.GOVERNMENT).values_list("pk", "short_name")
    )
    unclassified = _("unclassified")
    unplaced = _("township not known")
    by_topic: Counter[str] = Counter()
    by_township: Counter[int | None] = Counter()
    by_week: Counter[datetime.date] = Counter()
    pairs: Counter[tuple[str, int | None]] = Counter()
    for row in _grouped(government, lower, upper):
        topic = topics.topic(row["case__unit_id"], row["first"]) or unclassified
        n = row["n"]
        by_topic[topic] += n
        by_township[row["township_id"]] += n
        by_week[_week_of(row["week"])] += n
        pairs[(topic, row["township_id"])] += n
    result = Hotspots(start=start, end=end, total=sum(by_topic.values()))
    result.by_topic = by_topic.most_common()
    result.by_township = [
        (pk, townships.get(pk, "") if pk is not None else unplaced, n) for pk, n in by_township.most_common()
    ]
    weeks = []
    monday = week_start_of(start)
    while monday < end:
        weeks.append((monday, week_label(monday), by_week.get(monday, 0)))
        monday += datetime.timedelta(days=7)
    result.by_week = weeks
    result.by_topic_township = [
        (topic, townships.get(pk, "") if pk is not None else unplaced, n)
        for (topic, pk), n in pairs.most_common(20)
    ]
    result.terms = top_terms(_active(government, lower, upper))
    return result


def top_terms(clues: QuerySet[Clue], limit: int = 15) -> list[tuple[str, int]]:
    """The terms most clues carry among their few heaviest (over the latest TERMS_SAMPLE clues)."""
    counted: Counter[str] = Counter()
    for terms in clues.order_by("-submitted_at").values_list("terms", flat=True)[:TERMS_SAMPLE]:
        if isinstance(terms, dict) and terms:
            heaviest = sorted(terms.items(), key=lambda kv: (-float(kv[1]), kv[0]))[:TERMS_PER_CLUE]
            counted.update(term for term, _weight in heaviest)
    return counted.most_common(limit)


# --- early warnings ---------------------------------------------------------------------------------------------


def spike_threshold(history: Iterable[int]) -> tuple[float, float]:
    """The usual level (mean of the weekly counts) and the count from which a week is a spike."""
    counts = list(history)
    mean = sum(counts) / len(counts) if counts else 0.0
    std = math.sqrt(sum((c - mean) ** 2 for c in counts) / len(counts)) if counts else 0.0
    # Counts of events vary by about √mean even when nothing changes (Poisson): a steady series has std 0, and
    # without this floor the same count again would be a "spike".
    sigma = max(std, math.sqrt(mean))
    return mean, max(float(SPIKE_MIN), mean + SPIKE_SIGMAS * sigma)


def _week_clues(
    government: Unit, week_start: datetime.date, topics: Topics
) -> dict[tuple[int | None, str], list[int]]:
    """The week's clue ids by (township, topic)."""
    start, end = week_bounds(week_start)
    found: dict[tuple[int | None, str], list[int]] = defaultdict(list)
    rows = (
        _active(government, start, end)
        .annotate(first=KT("suggested_units__0__unit_id"))
        .values_list("pk", "township_id", "case__unit_id", "first")
        .order_by("submitted_at", "pk")
    )
    for pk, township_id, case_unit_id, first in rows:
        topic = topics.topic(case_unit_id, first)
        if topic is not None:
            found[(township_id, topic)].append(pk)
    return found


@transaction.atomic
def warnings_compute(government: Unit, week_start: datetime.date) -> list[EarlyWarning]:
    """The spikes and systemic problems of the ISO week beginning `week_start` (a Monday), written or updated."""
    week_start = week_start_of(week_start)
    topics = Topics.of(government)
    first_week = week_start - datetime.timedelta(weeks=BASELINE_WEEKS)
    _start, end = week_bounds(week_start)
    history: dict[tuple[int | None, str], list[int]] = defaultdict(lambda: [0] * (BASELINE_WEEKS + 1))
    for row in _grouped(government, day_start(first_week), end):
        topic = topics.topic(row["case__unit_id"], row["first"])
        if topic is None:
            continue
        index = (_week_of(row["week"]) - first_week).days // 7
        if 0 <= index <= BASELINE_WEEKS:
            history[(row["township_id"], topic)][index] += row["n"]
    this = _week_clues(government, week_start, topics)
    written: list[EarlyWarning] = []

    # Spikes: a township's topic far above its usual level.
    for (township_id, topic), counts in sorted(history.items(), key=lambda kv: (kv[0][0] or 0, kv[0][1])):
        count = counts[BASELINE_WEEKS]
        if township_id is None or count < SPIKE_MIN:
            continue
        mean, threshold = spike_threshold(counts[:BASELINE_WEEKS])
        if count >= threshold:
            written.append(
                _upsert(
                    government,
                    WarningKind.SPIKE,
                    topic,
                    township_id,
                    week_start,
                    count=count,
                    baseline=round(mean, 2),
                    townships=[township_id],
                    clue_ids=this.get((township_id, topic), []),
                )
            )

    # Systemic: one topic with enough clues in enough townships.
    by_topic: dict[str, dict[int, list[int]]] = defaultdict(dict)
    for (township_id, topic), ids in this.items():
        if township_id is not None and len(ids) >= SYSTEMIC_PER_TOWNSHIP:
            by_topic[topic][township_id] = ids
    for topic, places in sorted(by_topic.items()):
        if len(places) < SYSTEMIC_TOWNSHIPS:
            continue
        county_history = [
            sum(counts[index] for (_t, name), counts in history.items() if name == topic)
            for index in range(BASELINE_WEEKS)
        ]
        ids = sorted(pk for group in places.values() for pk in group)
        written.append(
            _upsert(
                government,
                WarningKind.SYSTEMIC,
                topic,
                None,
                week_start,
                count=len(ids),
                baseline=round(sum(county_history) / BASELINE_WEEKS, 2),
                townships=sorted(places),
                clue_ids=ids,
            )
        )
    return written


def _upsert(
    government: Unit,
    kind: str,
    topic: str,
    township_id: int | None,
    week_start: datetime.date,
    **values: Any,
) -> EarlyWarning:
    warning, _created = EarlyWarning.objects.update_or_create(
        government=government,
        kind=kind,
        topic=topic[:60],
        township_id=township_id,
        week_start=week_start,
        defaults=values,
    )
    return warning


# --- the weekly brief -------------------------------------------------------------------------------------------


def brief_title(week_start: datetime.date) -> str:
    year, week, _day = week_start.isocalendar()
    return _("Weekly brief on public opinion (week %(week)d of %(year)d)") % {"year": year, "week": week}


def brief_figures(government: Unit, week_start: datetime.date) -> dict[str, Any]:
    """The week's figures the brief is written from (JSON)."""
    start, end = week_bounds(week_start)
    clues = _active(government, start, end)
    channels = dict(clues.values("channel").annotate(n=Count("id")).order_by().values_list("channel", "n"))
    categories = dict(
        clues.values("category").annotate(n=Count("id")).order_by().values_list("category", "n")
    )
    spots = hotspots(government, week_start, week_start + datetime.timedelta(days=7))
    villages = list(
        clues.exclude(place=None)
        .values("place__name")
        .annotate(n=Count("id"))
        .order_by("-n", "place__name")
        .values_list("place__name", "n")[:TOP]
    )
    warnings = list(
        EarlyWarning.objects.filter(government=government, week_start=week_start)
        .select_related("township")
        .order_by("kind", "-count", "id")
    )
    cases_new = Case.objects.filter(government=government, first_at__gte=start, first_at__lt=end).count()
    urgent = list(
        Case.objects.filter(government=government, urgent=True, clues__in=clues)
        .distinct()
        .order_by("first_at", "id")
        .values_list("number", "title")[:10]
    )
    answered = list(
        Answer.objects.filter(
            case__government=government,
            status=AnswerStatus.PUBLISHED,
            published_at__gte=start,
            published_at__lt=end,
        )
        .order_by("published_at", "id")
        .values_list("case__number", "case__title")[:20]
    )
    return {
        "week": week_label(week_start),
        "week_start": week_start.isoformat(),
        "total": spots.total,
        "cases_new": cases_new,
        "by_channel": {key: channels.get(key, 0) for key in Channel.values},
        "by_category": {key: categories.get(key, 0) for key in Category.values},
        "topics": [[topic, n] for topic, n in spots.by_topic[:TOP]],
        "townships": [[name, n] for _pk, name, n in spots.by_township[:TOP]],
        "villages": [[name, n] for name, n in villages],
        "terms": [[term, n] for term, n in spots.terms[:10]],
        "warnings": [
            {
                "id": warning.pk,
                "kind": warning.kind,
                "topic": warning.topic,
                "township": warning.township.short_name if warning.township else "",
                "townships": len(warning.townships),
                "count": warning.count,
                "baseline": warning.baseline,
            }
            for warning in warnings
        ],
        "urgent": [[number, title] for number, title in urgent],
        "answered": [[number, title] for number, title in answered],
    }


def _listing(pairs: Iterable[Iterable[Any]]) -> str:
    return _("; ").join(f"{name} ({n})" for name, n in pairs) or _("none")


def brief_text(figures: dict[str, Any]) -> str:
    """The draft the office edits: the week in a few paragraphs."""
    channels = {str(value): str(label) for value, label in Channel.choices}
    categories = {str(value): str(label) for value, label in Category.choices}
    paragraphs = [
        _(
            "1. Overview. This week %(total)d clues were received (%(channels)s), forming %(cases)d new cases. "
            "By kind: %(categories)s."
        )
        % {
            "total": figures["total"],
            "cases": figures["cases_new"],
            "channels": _listing((channels[k], n) for k, n in figures["by_channel"].items() if n),
            "categories": _listing((categories[k], n) for k, n in figures["by_category"].items() if n),
        },
        _(
            "2. Hotspots. Topics: %(topics)s. Townships: %(townships)s. Villages and communities: %(villages)s."
        )
        % {
            "topics": _listing(figures["topics"]),
            "townships": _listing(figures["townships"]),
            "villages": _listing(figures["villages"]),
        },
    ]
    if figures["warnings"]:
        lines = []
        for warning in figures["warnings"]:
            if warning["kind"] == WarningKind.SYSTEMIC:
                lines.append(
                    _("%(topic)s recurs in %(townships)d townships (%(count)d clues)")
                    % {
                        "topic": warning["topic"],
                        "townships": warning["townships"],
                        "count": warning["count"],
                    }
                )
            else:
                lines.append(
                    _("%(township)s: %(topic)s, %(count)d clues against a usual %(baseline).1f a week")
                    % warning
                )
        paragraphs.append(_("3. Early warnings: %(list)s.") % {"list": _("; ").join(lines)})
    else:
        paragraphs.append(_("3. Early warnings: none this week."))
    paragraphs.append(
        _("4. Urgent cases: %(list)s.")
        % {"list": _("; ").join(f"{number} {title}" for number, title in figures["urgent"]) or _("none")}
    )
    paragraphs.append(
        _("5. Answered this week: %(list)s.")
        % {"list": _("; ").join(f"{number} {title}" for number, title in figures["answered"]) or _("none")}
    )
    return "\n\n".join(paragraphs)


@transaction.atomic
def brief_draft(government: Unit, week_start: datetime.date) -> Brief:
    """The week's brief, drafted or refreshed while it is a draft: the figures always, the title and text only
    while the office has not edited them. A sent brief is left as sent."""
    week_start = week_start_of(week_start)
    brief = Brief.objects.select_for_update().filter(government=government, week_start=week_start).first()
    if brief is not None and brief.status != BriefStatus.DRAFT:
        return brief
    figures = brief_figures(government, week_start)
    if brief is None:
        return Brief.objects.create(
            government=government,
            week_start=week_start,
            title=brief_title(week_start),
            text=brief_text(figures),
            figures=figures,
        )
    brief.figures = figures
    fields = ["figures", "updated_at"]
    if brief.edited_by_id is None:
        brief.title, brief.text = brief_title(week_start), brief_text(figures)
        fields += ["title", "text"]
    brief.save(update_fields=fields)
    return brief


# --- the run ----------------------------------------------------------------------------------------------------


@dataclass
class Run:
    government_id: int
    warnings: int
    brief_id: int | None


def analytics_run(government: Unit, *, now: datetime.datetime | None = None) -> Run:
    """What the daily job does for a government: the warnings of last week and of this week so far, and last
    week's brief (drafted, or refreshed while a draft)."""
    current = this_week(now)
    last = current - datetime.timedelta(days=7)
    warnings = len(warnings_compute(government, last)) + len(warnings_compute(government, current))
    brief = brief_draft(government, last)
    return Run(government_id=government.pk, warnings=warnings, brief_id=brief.pk)


def governments_with_clues(now: datetime.datetime | None = None) -> list[int]:
    """The governments with clues in the weeks the warnings read (the baseline and the last two weeks)."""
    since = day_start(this_week(now) - datetime.timedelta(weeks=BASELINE_WEEKS + 1))
    return sorted(
        Clue.objects.filter(submitted_at__gte=since)
        .values_list("government_id", flat=True)
        .order_by()
        .distinct()
    )
