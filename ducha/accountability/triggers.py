"""The triggers of seed 004 §4(三), each a named rule over the record that proposes a tier for a unit; the office
switches each on or off and tunes its parameters (TriggerSetting); the system proposes, a person decides.

Each rule finds its candidates with one grouped query for any number of governments (a province's year is a
handful of queries), and each candidate has a stable key (the item, the quarter, the run, the fact), so a second run
proposes nothing new: proposals are inserted with the (government, rule, key) constraint ignoring conflicts.

Facts the record cannot see — a county meeting missed, falsification found, criticism from the province or city,
a matter put under 挂牌督办, being last in the city — are recorded by the office (RecordedFact) and the rules read them.
Escalation (criticised and not improved → exposure, exposed and not fixed → talk, talk failed → accountability) is
proposed by the sanction's follow-up (services.sanction_follow_up), not here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Min, Q
from django.db.models.functions import ExtractQuarter
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ducha.accountability.models import FactKind, Proposal, RecordedFact, Tier, TriggerSetting
from ducha.evaluation.indicators import MISSED_PROGRESS, NOT_ASSIGNED
from ducha.evaluation.models import RunStatus, Score
from ducha.evaluation.periods import Period
from ducha.items.models import Assignment, Review
from ducha.items.statuses import ItemStatus
from ducha.reminders.models import Reminder, ReminderKind

# Items whose tasks count: assigned (the evaluation's rule) and not withdrawn.
NOT_COUNTED = [*NOT_ASSIGNED, ItemStatus.CANCELLED]
_LATE_KINDS = [ReminderKind.NOT_SIGNED, ReminderKind.OVERDUE]


@dataclass
class Candidate:
    government_id: int
    unit_id: int
    key: str
    facts: list[dict[str, Any]]
    person: str = ""


@dataclass(frozen=True)
class Rule:
    code: str
    tier: str
    label: Any
    # The seed's own words (004 §4(三)), quoted as they are.
    basis: str
    params: dict[str, int] = field(default_factory=dict)

    def find(
        self, government_ids: Sequence[int], year: int, today: dt.date, params: dict[str, int]
    ) -> list[Candidate]:
        raise NotImplementedError


class ItemOverdue(Rule):
    """Tier 1: an item of the year not completed by its due date (the lead unit; one proposal per item)."""

    def find(
        self, government_ids: Sequence[int], year: int, today: dt.date, params: dict[str, int]
    ) -> list[Candidate]:
        rows: Any = (
            Assignment.objects.filter(
                item__government_id__in=government_ids,
                role="lead",
                item__due_date__gte=dt.date(year, 1, 1),
                item__due_date__lt=min(today, dt.date(year + 1, 1, 1)),
            )
            .exclude(item__status__in=NOT_COUNTED)
            .filter(Q(reported_at__isnull=True) | Q(reported_at__date__gt=F("item__due_date")))
            .values(
                "item__government_id",
                "unit_id",
                "item_id",
                "item__number",
                "item__title",
                "item__due_date",
                "reported_at",
            )
        )
        return [
            Candidate(
                row["item__government_id"],
                row["unit_id"],
                f"item:{row['item_id']}",
                [
                    {
                        "item": row["item_id"],
                        "number": row["item__number"],
                        "title": row["item__title"],
                        "due": row["item__due_date"].isoformat(),
                        "reported": timezone.localtime(row["reported_at"]).isoformat()
                        if row["reported_at"]
                        else None,
                    }
                ],
            )
            for row in rows
        ]


class ResultUnsatisfactory(Rule):
    """Tier 1: the office returned a completion report as unsatisfactory (one proposal per item)."""

    def find(
        self, government_ids: Sequence[int], year: int, today: dt.date, params: dict[str, int]
    ) -> list[Candidate]:
        start, end = Period(year).start, Period(year).end
        rows: Any = (
            Review.objects.filter(
                item__government_id__in=government_ids,
                decision=Review.Decision.RETURN,
                created_at__gte=start,
                created_at__lt=end,
                report__assignment__role="lead",
            )
            .values(
                "item__government_id", "report__assignment__unit_id", "item_id", "item__number", "item__title"
            )
            .annotate(returns=Count("id"))
            .order_by()
        )
        return [
            Candidate(
                row["item__government_id"],
                row["report__assignment__unit_id"],
                f"item:{row['item_id']}",
                [
                    {
                        "item": row["item_id"],
                        "number": row["item__number"],
                        "title": row["item__title"],
                        "returns": row["returns"],
                    }
                ],
            )
            for row in rows
        ]


class LateCount(Rule):
    """Late in signing for or in reporting (late sign-for and overdue reminders, distinct items) at least `times`
    times in a quarter (tier 1, "连续两次") or in the year (tier 2, "多次")."""

    per_quarter: bool = False

    def find(
        self, government_ids: Sequence[int], year: int, today: dt.date, params: dict[str, int]
    ) -> list[Candidate]:
        start, end = Period(year).start, Period(year).end
        times = int(params.get("times", 2))
        # Grouped in SQL: one row per (unit, item[, local quarter]) with its first late reminder, not one per
        # reminder (a province's year has over a million: each step of each late item, to each recipient).
        late: Any = Reminder.objects.filter(
            item__government_id__in=government_ids,
            kind__in=_LATE_KINDS,
            created_at__gte=start,
            created_at__lt=end,
        )
        group = ["item__government_id", "unit_id", "item_id"]
        if self.per_quarter:
            late = late.annotate(quarter=ExtractQuarter("created_at"))
            group.append("quarter")
        rows: Any = late.values(*group).annotate(first=Min("created_at")).order_by("first", "item_id")
        buckets: dict[tuple[int, int, int], dict[int, str]] = {}
        for row in rows:
            quarter = row["quarter"] if self.per_quarter else 0
            items = buckets.setdefault((row["item__government_id"], row["unit_id"], quarter), {})
            items.setdefault(row["item_id"], timezone.localtime(row["first"]).date().isoformat())
        return [
            Candidate(
                government_id,
                unit_id,
                # The unit is in the key: (government, rule, key) is unique, and many units are late at once.
                f"unit:{unit_id}:" + (f"{year}Q{quarter}" if quarter else str(year)),
                [{"item": item_id, "late_on": day} for item_id, day in items.items()],
            )
            for (government_id, unit_id, quarter), items in buckets.items()
            if len(items) >= times
        ]


class TwiceLate(LateCount):
    per_quarter = True


class SlowProgress(Rule):
    """Tier 1: work moving slowly — an item reminded for missed progress or chased at least `times` times (each
    chase and each progress reminder once, however many of the unit's people it went to)."""

    def find(
        self, government_ids: Sequence[int], year: int, today: dt.date, params: dict[str, int]
    ) -> list[Candidate]:
        start, end = Period(year).start, Period(year).end
        times = int(params.get("times", 3))
        rows: Any = (
            Reminder.objects.filter(
                MISSED_PROGRESS,
                item__government_id__in=government_ids,
                created_at__gte=start,
                created_at__lt=end,
            )
            .values("item__government_id", "unit_id", "item_id", "item__number", "item__title")
            .annotate(times=Count("period", distinct=True))
            .filter(times__gte=times)
            .order_by()
        )
        return [
            Candidate(
                row["item__government_id"],
                row["unit_id"],
                f"item:{row['item_id']}",
                [
                    {
                        "item": row["item_id"],
                        "number": row["item__number"],
                        "title": row["item__title"],
                        "reminders": row["times"],
                    }
                ],
            )
            for row in rows
        ]


class Ranking(Rule):
    """Last among comparable units in a period's scores (tier 2, "在全县处于落后位置"), or last twice in a row
    (tier 4, "连续两次在全县排名末位")."""

    twice: bool = False

    def find(
        self, government_ids: Sequence[int], year: int, today: dt.date, params: dict[str, int]
    ) -> list[Candidate]:
        flag = Q(last_twice=True) if self.twice else Q(last=True)
        rows: Any = (
            Score.objects.filter(
                flag, run__government_id__in=government_ids, run__year=year, run__status=RunStatus.DONE
            )
            .filter(run__quarter__gt=0)
            .values("run__government_id", "unit_id", "run_id", "run__quarter", "score", "rank", "group")
        )
        return [
            Candidate(
                row["run__government_id"],
                row["unit_id"],
                f"unit:{row['unit_id']}:{year}Q{row['run__quarter']}",
                [
                    {
                        "year": year,
                        "quarter": row["run__quarter"],
                        "score": str(row["score"]),
                        "rank": row["rank"],
                        "group": row["group"],
                    }
                ],
            )
            for row in rows
        ]


class LastTwice(Ranking):
    twice = True


class FromFacts(Rule):
    """A fact the office recorded (one proposal per fact)."""

    kinds: tuple[str, ...] = ()

    def find(
        self, government_ids: Sequence[int], year: int, today: dt.date, params: dict[str, int]
    ) -> list[Candidate]:
        rows: Any = RecordedFact.objects.filter(
            government_id__in=government_ids, kind__in=self.kinds, occurred_on__year=year
        ).values(
            "government_id",
            "unit_id",
            "id",
            "kind",
            "occurred_on",
            "description",
            "person",
            "item_id",
            "listed_by",
        )
        return [
            Candidate(
                row["government_id"],
                row["unit_id"],
                f"fact:{row['id']}",
                [
                    {
                        "fact": row["id"],
                        "kind": row["kind"],
                        "on": row["occurred_on"].isoformat(),
                        "description": row["description"],
                        "item": row["item_id"],
                        "listed_by": row["listed_by"],
                    }
                ],
                person=row["person"],
            )
            for row in rows
        ]


def _facts_rule(code: str, tier: str, label: Any, basis: Any, *kinds: str) -> FromFacts:
    rule = FromFacts(code, tier, label, basis)
    object.__setattr__(rule, "kinds", kinds)
    return rule


T = Tier
RULES: list[Rule] = [
    ItemOverdue(
        "item_overdue",
        T.WRITTEN_EXAMINATION,
        _("item not completed on time"),
        "县政府各类督查事项未按规定时间办理",
    ),
    ResultUnsatisfactory(
        "result_unsatisfactory", T.WRITTEN_EXAMINATION, _("result judged unsatisfactory"), "办理结果不满意"
    ),
    TwiceLate(
        "late_twice",
        T.WRITTEN_EXAMINATION,
        _("late twice in a quarter in signing for or reporting"),
        "连续两次不按时接收通知或不按时上报工作落实情况",
        {"times": 2},
    ),
    SlowProgress(
        "slow_progress", T.WRITTEN_EXAMINATION, _("work moving slowly"), "工作推进缓慢", {"times": 3}
    ),
    _facts_rule(
        "meeting_irregular",
        T.WRITTEN_EXAMINATION,
        _("not attending a meeting as required"),
        "不按规定参加县政府组织召开的会议",
        FactKind.MEETING_LATE_LEAVE,
    ),
    LateCount(
        "late_repeatedly",
        T.CRITICISM,
        _("repeatedly late in signing for or reporting"),
        "多次不按时接收通知、不按时报送工作落实情况",
        {"times": 4},
    ),
    Ranking(
        "last_in_county", T.CRITICISM, _("last in the county's ranking"), "工作推进迟缓，在全县处于落后位置"
    ),
    _facts_rule(
        "criticised_by_leader",
        T.CRITICISM,
        _("criticised by the government's head"),
        "此项工作被县政府主要领导批评",
        FactKind.CRITICISED_BY_LEADER,
    ),
    _facts_rule(
        "false_reporting",
        T.CRITICISM,
        _("false reporting"),
        "把关不严、弄虚作假、虚报瞒报工作进度及成效",
        FactKind.FALSE_REPORTING,
    ),
    _facts_rule(
        "meeting_absent",
        T.CRITICISM,
        _("absent from a meeting without leave"),
        "不履行请假手续且替会代签或无故缺席",
        FactKind.MEETING_ABSENT,
    ),
    _facts_rule(
        "not_cooperating",
        T.CRITICISM,
        _("not cooperating with an inspection"),
        "不配合督查人员开展督查活动",
        FactKind.NOT_COOPERATING,
    ),
    _facts_rule(
        "listed",
        T.MEDIA_EXPOSURE,
        _("put under listed supervision"),
        "因工作不力，导致工作被省市县挂牌督办",
        FactKind.LISTED,
    ),
    _facts_rule(
        "criticised_from_above",
        T.WARNING_TALK,
        _("criticised by the province or the city"),
        "因部门或个人原因有关工作被省市通报批评",
        FactKind.CRITICISED_FROM_ABOVE,
    ),
    _facts_rule(
        "last_in_city",
        T.WARNING_TALK,
        _("last in the city's ranking"),
        "重点工作在全市排名末位",
        FactKind.LAST_IN_CITY,
    ),
    LastTwice(
        "last_twice_in_county",
        T.WARNING_TALK,
        _("last twice in a row in the county"),
        "连续两次在全县排名末位",
    ),
    _facts_rule(
        "held_accountable_above",
        T.ACCOUNTABILITY,
        _("held to account above"),
        "因部门或个人原因，工作推进不力，导致被国家、省市有关部门问责",
        FactKind.HELD_ACCOUNTABLE_ABOVE,
    ),
    _facts_rule(
        "refused_tasks",
        T.ACCOUNTABILITY,
        _("refusing or shirking tasks"),
        "无正当理由拒绝、推诿工作任务，造成严重不良后果",
        FactKind.REFUSED_TASKS,
    ),
    _facts_rule(
        "negligence",
        T.ACCOUNTABILITY,
        _("inaction or misconduct"),
        "不作为、乱作为、慢作为，造成重大不良影响",
        FactKind.NEGLIGENCE,
    ),
]
BY_CODE = {rule.code: rule for rule in RULES}
# The follow-up of a sanction that failed proposes the next tier under this rule.
ESCALATION = "escalation"


def settings_for(government_ids: Sequence[int]) -> dict[int, dict[str, TriggerSetting]]:
    found: dict[int, dict[str, TriggerSetting]] = {gid: {} for gid in government_ids}
    for setting in TriggerSetting.objects.filter(government_id__in=government_ids):
        found[setting.government_id][setting.rule] = setting
    return found


def triggers_run(government_ids: Sequence[int], year: int, *, today: dt.date | None = None) -> int:
    """Run every rule that is on for these governments' year; returns how many proposals are new."""
    today = today or timezone.localdate()
    chosen = settings_for(government_ids)
    proposals: list[Proposal] = []
    for rule in RULES:
        on = [gid for gid in government_ids if (s := chosen[gid].get(rule.code)) is None or s.enabled]
        if not on:
            continue
        # One query per rule for every government; each government's own parameters where it set them.
        params_by_gov = {
            gid: {**rule.params, **(chosen[gid][rule.code].params if rule.code in chosen[gid] else {})}
            for gid in on
        }
        same = all(params == rule.params for params in params_by_gov.values())
        groups = [on] if same else [[gid] for gid in on]
        for group in groups:
            for candidate in rule.find(group, year, today, params_by_gov[group[0]]):
                proposals.append(
                    Proposal(
                        government_id=candidate.government_id,
                        unit_id=candidate.unit_id,
                        person=candidate.person,
                        tier=rule.tier,
                        rule=rule.code,
                        key=candidate.key,
                        year=year,
                        facts=candidate.facts,
                    )
                )
    # What an earlier run proposed is not sent again (most of a daily run's candidates); the unique constraint
    # still guards against a run going on at the same time.
    of_year = Proposal.objects.filter(government_id__in=government_ids, year=year)
    existing = set(of_year.values_list("government_id", "rule", "key"))
    fresh = [p for p in proposals if (p.government_id, p.rule, p.key) not in existing]
    Proposal.objects.bulk_create(fresh, ignore_conflicts=True, batch_size=1000)
    return of_year.count() - len(existing)
