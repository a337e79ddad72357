"""互联网+督查's share of `ducha demo` (`PART`, which CluesConfig.demo_part points to): the demo county's villages
and communities, its units' duties (what the router reads), ten weeks of public clues with their cases, the
office's triage and answers, the early warnings and the week's brief.

Everything goes through the clue services, as the demo account who would do it in real life:

- The county's places (ducha/devtools/demo/places.py) and every department's and township's duties
  (ducha/devtools/demo/duties.py, set by `office`).
- A keeper of reporters' identities, `clue_keeper` (许保密, 督查室信息管理员).
- About 150 clues drawn from the labelled messages (ducha/devtools/clues_data/labelled.jsonl), spread over the last
  ten ISO weeks and dated in the past: public submissions (some signed), each week's batch forwarded by the
  国务院互联网+督查平台 and each week's 12345 hotline batch (imported by `office`). Last week 城关镇 reports
  night-time construction and street stalls far more than usual: a spike warning.
- `office` routes about 30 cases to the unit their messages are labelled with (which teaches the router the
  county's practice), accepts a few others, which `office2` answers and `office` publishes; closes one outside the
  channel's remit and opens one clue check.
- The analytics run: the warnings of last week and this week, and last week's brief drafted for the office.
"""

from __future__ import annotations

import datetime
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from ducha.clues import analytics, intake, services
from ducha.clues.models import Case, CaseStatus, Channel, Clue, Place, PlaceKind
from ducha.devtools.demo.duties import DUTIES, TOWNSHIP_DUTIES
from ducha.devtools.demo.places import VILLAGES
from ducha.devtools.demo.world import COUNTY_NAME, DEMO_PASSWORD, TOWNSHIPS, DemoWorld
from ducha.orgs.models import Role, Unit, User
from ducha.orgs.services import user_create

LABELLED = Path(__file__).resolve().parents[1] / "clues_data" / "labelled.jsonl"
TOWNSHIP_NAMES = {code: name for name, code in TOWNSHIPS}
CLUES = 150
WEEKS = 10
SPIKE_TOWNSHIP = "cgz"  # 城关镇
SPIKE_UNIT = "cgj"  # 城管局: night-time construction, street stalls, cooking fumes
SPIKE_CLUES = 8
ROUTED = 30
ANSWERED = 3
UPPER_SOURCE = "国务院互联网+督查平台"
HOTLINE_SOURCE = "12345"
# Variations a reporter's wording takes (the same problem, written again by someone else).
OPENINGS = ["", "", "反映一下：", "你好，", "再次反映，", "请领导关注：", "我是附近居民，"]
CLOSINGS = ["", "", "希望尽快处理。", "请有关部门管一管。", "谢谢！", "盼回复。"]
NAMES = ["张建华", "李秀英", "王志强", "刘桂兰", "陈国平", "杨丽"]
ANSWER = (
    "您反映的问题已交相关单位核实处理。经查，情况基本属实，责任单位已制定整改措施并限期落实，"
    "县政府督查室将跟踪整改到位。感谢您对政府工作的监督和支持。"
)
CLOSE_REASON = "经核实，所反映事项属于司法程序范围，不属于互联网+督查受理范围，建议通过法律途径解决。"


@dataclass(frozen=True)
class Labelled:
    text: str
    township: str | None
    village: str | None
    unit: str
    category: str


def labelled() -> list[Labelled]:
    rows = []
    for line in LABELLED.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            rows.append(
                Labelled(
                    text=row["text"],
                    township=row.get("township"),
                    village=row.get("village"),
                    unit=row["unit"],
                    category=row["category"],
                )
            )
    return rows


def _varied(text: str, rng: random.Random) -> str:
    return f"{rng.choice(OPENINGS)}{text}{rng.choice(CLOSINGS)}"


def _places(world: DemoWorld) -> dict[str, Place]:
    existing = {place.name: place for place in Place.objects.filter(government=world.county)}
    fresh = [
        Place(
            government=world.county,
            township=world.townships[code],
            name=name,
            kind=PlaceKind.COMMUNITY if name.endswith("社区") else PlaceKind.VILLAGE,
        )
        for code, names in VILLAGES.items()
        for name in names
        if name not in existing
    ]
    for place in Place.objects.bulk_create(fresh):
        existing[place.name] = place
    return existing


def _duties(world: DemoWorld) -> None:
    office = world.user("office")
    for code, text in DUTIES.items():
        if code in world.departments:
            services.duties_set(unit_id=world.departments[code].pk, actor=office, text=text)
    for township in world.townships.values():
        services.duties_set(unit_id=township.pk, actor=office, text=TOWNSHIP_DUTIES)


def _keeper(world: DemoWorld) -> None:
    if "clue_keeper" in world.users or User.objects.filter(username="clue_keeper").exists():
        return
    world.users["clue_keeper"] = user_create(
        username="clue_keeper",
        password=DEMO_PASSWORD,
        unit=world.supervision_office,
        roles=[Role.CLUE_KEEPER],
        full_name="许保密",
        title="督查室信息管理员",
    )


@dataclass
class Planned:
    row: Labelled
    text: str
    at: datetime.datetime
    channel: str
    ref: str = ""


def _moment(week_start: datetime.date, rng: random.Random, now: datetime.datetime) -> datetime.datetime:
    day = week_start + datetime.timedelta(days=rng.randrange(7))
    at = analytics.day_start(day) + datetime.timedelta(hours=rng.randint(7, 21), minutes=rng.randrange(60))
    if at >= now:  # this week: no later than an hour ago
        at = now - datetime.timedelta(hours=1, minutes=rng.randrange(600))
    return at


def _plan(now: datetime.datetime, rng: random.Random) -> list[Planned]:
    """~150 clues over the last WEEKS weeks (this one so far), the spike last week."""
    rows = labelled()
    spike_rows = [row for row in rows if row.township == SPIKE_TOWNSHIP and row.unit == SPIKE_UNIT]
    background = [row for row in rows if not (row.township == SPIKE_TOWNSHIP and row.unit == SPIKE_UNIT)]
    current = analytics.this_week(now)
    weeks = [current - datetime.timedelta(weeks=back) for back in range(WEEKS - 1, -1, -1)]
    last = current - datetime.timedelta(weeks=1)
    chosen = rng.sample(background, min(len(background), CLUES - SPIKE_CLUES))
    planned: list[Planned] = []
    for row in chosen:
        week = rng.choice(weeks)
        planned.append(Planned(row, row.text, _moment(week, rng, now), ""))
    for index in range(SPIKE_CLUES):
        row = spike_rows[index % len(spike_rows)]
        text = row.text if index < len(spike_rows) else _varied(row.text, rng)
        planned.append(Planned(row, text, _moment(last, rng, now), ""))
    planned.sort(key=lambda entry: entry.at)
    for number, entry in enumerate(planned, start=1):
        draw = rng.random()
        entry.channel = Channel.PUBLIC if draw < 0.5 else Channel.UPPER if draw < 0.75 else Channel.HOTLINE
        if entry.channel == Channel.UPPER:
            entry.ref = f"GWY{entry.at:%Y%m%d}{number:04d}"
        elif entry.channel == Channel.HOTLINE:
            entry.ref = f"12345-{entry.at:%Y%m%d}-{number:04d}"
    return planned


def _take_in(world: DemoWorld, planned: list[Planned], places: dict[str, Place], rng: random.Random) -> None:
    """Week by week: the public submissions, then the upper platform's and the hotline's batches."""
    office = world.user("office")
    by_week: dict[datetime.date, list[Planned]] = {}
    for entry in planned:
        by_week.setdefault(analytics.week_start_of(timezone.localdate(entry.at)), []).append(entry)
    for _week, entries in sorted(by_week.items()):
        public = []
        for entry in entries:
            if entry.channel != Channel.PUBLIC:
                continue
            row = entry.row
            place = places.get(row.village or "")
            township = world.townships.get(row.township or "")
            signed = rng.random() < 0.3
            public.append(
                intake.Incoming(
                    text=entry.text,
                    channel=Channel.PUBLIC,
                    category=row.category,
                    township_id=township.pk if township else None,
                    place_id=place.pk if place else None,
                    submitted_at=entry.at,
                    name=rng.choice(NAMES) if signed else "",
                    phone=f"13{rng.randrange(10**9):09d}" if signed else "",
                )
            )
        if public:
            intake.clues_take_in(government=world.county, incoming=public)
        for channel, source in ((Channel.UPPER, UPPER_SOURCE), (Channel.HOTLINE, HOTLINE_SOURCE)):
            rows: list[dict[str, Any]] = []
            for entry in entries:
                if entry.channel != channel:
                    continue
                township_name = TOWNSHIP_NAMES.get(entry.row.township or "", "")
                rows.append(
                    {
                        "text": entry.text,
                        "place": f"{township_name}{entry.row.village or ''}",
                        "submitted_at": entry.at,
                        "category": entry.row.category,
                        "source": source,
                        "source_ref": entry.ref,
                        "channel": channel,
                    }
                )
            if rows:
                services.clues_import(actor=office, rows=rows)


def _label_of(case: Case, labels: dict[str, str]) -> str | None:
    texts = list(case.clues.order_by("submitted_at").values_list("text", flat=True))
    for body in texts:
        for text, unit in labels.items():
            if text in body:
                return unit
    return None


def _unit_for(world: DemoWorld, case: Case, label: str) -> Unit | None:
    if label == "township":
        return case.township
    return world.departments.get(label)


def _triage(world: DemoWorld, now: datetime.datetime, rng: random.Random) -> int:
    """The office's decisions; returns how many supervision items the routing created."""
    office, office2 = world.user("office"), world.user("office2")
    labels = {row.text: row.unit for row in labelled()}
    cases = list(
        Case.objects.filter(government=world.county, status=CaseStatus.NEW).order_by(
            "-clue_count", "first_at"
        )
    )
    routed = 0
    rest: list[Case] = []
    today = timezone.localdate(now)
    for case in cases:
        label = _label_of(case, labels)
        unit = _unit_for(world, case, label) if label else None
        if routed < ROUTED and unit is not None:
            services.case_route(case_id=case.pk, actor=office, unit_id=unit.pk, deadline_workdays=15)
            routed += 1
        else:
            rest.append(case)
    # A few accepted and answered, drafted by office2 and published by office.
    for case in rest[:ANSWERED]:
        services.case_accept(case_id=case.pk, actor=office)
        answer = services.answer_draft(case_id=case.pk, actor=office2, text=ANSWER)
        services.answer_submit(answer_id=answer.pk, actor=office2)
        services.answer_publish(answer_id=answer.pk, actor=office)
    if len(rest) > ANSWERED:
        services.case_close(case_id=rest[ANSWERED].pk, actor=office, reason=CLOSE_REASON)
    if len(rest) > ANSWERED + 1:
        case = rest[ANSWERED + 1]
        label = _label_of(case, labels)
        unit = (_unit_for(world, case, label) if label else None) or world.departments["scjgj"]
        services.case_check(
            case_id=case.pk,
            actor=office,
            unit_id=unit.pk,
            start_date=today + datetime.timedelta(days=3),
            end_date=today + datetime.timedelta(days=10),
        )
    for case in rest[ANSWERED + 2 : ANSWERED + 4]:
        services.case_accept(case_id=case.pk, actor=office)
    return routed


@dataclass
class DemoClues:
    places: int
    clues: int
    cases: int
    routed: int
    warnings: int
    brief_id: int | None


@transaction.atomic
def demo_clues_create(world: DemoWorld, *, seed: int = 15) -> DemoClues:
    """The demo county's clue channel. Call once (see demo_clues_exists)."""
    now = timezone.now()
    rng = random.Random(seed)
    places = _places(world)
    _duties(world)
    _keeper(world)
    _take_in(world, _plan(now, rng), places, rng)
    routed = _triage(world, now, rng)
    run = analytics.analytics_run(world.county, now=now)
    return DemoClues(
        places=len(places),
        clues=Clue.objects.filter(government=world.county).count(),
        cases=Case.objects.filter(government=world.county).count(),
        routed=routed,
        warnings=run.warnings,
        brief_id=run.brief_id,
    )


def demo_clues_exists() -> bool:
    return Clue.objects.filter(government__in=Unit.objects.filter(name=COUNTY_NAME)).exists()


@dataclass(frozen=True)
class CluesPart:
    """互联网+督查's share of `ducha demo` (a ducha.devtools.demo.parts.DemoPart)."""

    name: str = "clues"

    def exists(self) -> bool:
        """Whether the demo county has clues already."""
        return demo_clues_exists()

    def create(self, world: DemoWorld, *, items: int) -> int:
        """The places, duties, clues, cases and the office's work, whatever the number of items; returns how many
        supervision items the routed cases became."""
        return demo_clues_create(world).routed


PART = CluesPart()
