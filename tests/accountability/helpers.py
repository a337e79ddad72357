"""Synthetic histories for the accountability tests: items driven through the real services at pinned Beijing
instants, the sweep and the office's chases writing the reminders, the period's scores computed, the office's
recorded facts — and the triggers run as of a named day."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import time_machine

from ducha.accountability import services as accountability
from ducha.accountability.models import Proposal, RecordedFact, Sanction
from ducha.accountability.triggers import triggers_run
from ducha.devtools.demo import DemoWorld
from ducha.evaluation import scoring
from ducha.evaluation.models import ScoreRun
from ducha.evaluation.periods import Period
from ducha.items import services as items
from ducha.items.models import Item
from ducha.orgs.models import Unit
from ducha.reminders import services as reminders
from tests.clock import moment

YEAR = 2026
D = dt.date


@contextmanager
def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0):
    """The clock stands still at this Beijing moment while the block runs."""
    with time_machine.travel(moment(year, month, day, hour, minute), tick=False):
        yield


def unit(world: DemoWorld, code: str) -> Unit:
    return world.departments.get(code) or world.townships[code]


def assigned(
    world: DemoWorld,
    when: tuple[int, ...],
    *,
    code: str = "fgw",
    due: dt.date | None = None,
    title: str = "推进县城老旧小区改造",
    **fields,
) -> Item:
    """An item led by unit `code`, created, approved and assigned at `when`, due on `due`."""
    with at(*when):
        item = items.item_create(
            actor=world.user("office"),
            title=title,
            source_type=fields.pop("source_type", "meeting_decision"),
            content="按照县政府常务会议决定，年内完成老旧小区改造。",
            source_reference="县政府第12次常务会议",
            lead_unit_id=unit(world, code).pk,
            **fields,
        )
        items.item_submit(item_id=item.pk, actor=world.user("office"))
        items.item_approve(item_id=item.pk, actor=world.user("leader"))
        items.item_assign(item_id=item.pk, actor=world.user("office"), due_date=due)
    item.refresh_from_db()
    return item


def sign(world: DemoWorld, item: Item, when: tuple[int, ...], code: str = "fgw") -> None:
    with at(*when):
        items.item_sign(item_id=item.pk, actor=world.user(f"{code}_liaison"))


def report_done(world: DemoWorld, item: Item, when: tuple[int, ...], code: str = "fgw") -> None:
    """The lead unit's completion report, approved by its head at `when` (the assignment is reported then)."""
    with at(*when):
        items.item_report(item_id=item.pk, actor=world.user(f"{code}_liaison"), text="已全部完成任务。")
        items.item_report_approve(item_id=item.pk, actor=world.user(f"{code}_head"))


def review(world: DemoWorld, item: Item, when: tuple[int, ...], *, accept: bool) -> None:
    with at(*when):
        items.item_review(
            item_id=item.pk,
            actor=world.user("office"),
            decision="accept" if accept else "return",
            opinion="同意办结。" if accept else "结果不满意，退回重办。",
            task_completed=accept,
            problem_solved=accept,
            conclusion_appropriate=accept,
            lawful_compliant=accept,
        )


def sweep(*when: int) -> reminders.SweepResult:
    """The periodic sweep at this Beijing moment (it writes the reminders: not signed for, overdue …)."""
    with at(*when):
        return reminders.sweep(at=moment(*when))


def chase(world: DemoWorld, item: Item, when: tuple[int, ...]) -> None:
    """The office chases the item's units (催办) at `when`."""
    with at(*when):
        reminders.chase_send(item_id=item.pk, actor=world.user("office"), text="请加快推进。")


def scores(world: DemoWorld, year: int, quarter: int, when: tuple[int, ...]) -> ScoreRun:
    """The period's scores computed at `when`."""
    with at(*when):
        [run] = scoring.scores_compute([world.county.pk], Period(year, quarter))
    return run


def fact(
    world: DemoWorld,
    kind: str,
    on: dt.date,
    *,
    code: str = "fgw",
    person: str = "",
    listed_by: str = "",
    item: Item | None = None,
) -> RecordedFact:
    """The office records a fact that happened on `on` (recorded that day, at 16:00)."""
    with at(on.year, on.month, on.day, 16):
        return accountability.fact_record(
            actor=world.user("office"),
            unit_id=unit(world, code).pk,
            kind=kind,
            occurred_on=on,
            description="县政府常务会议记录在案。",
            person=person,
            listed_by=listed_by,
            item_id=item.pk if item else None,
        )


def run(world: DemoWorld, today: dt.date, year: int = YEAR) -> int:
    """The triggers of the county's `year` as of `today` (at 18:00, after the day's work)."""
    with at(today.year, today.month, today.day, 18):
        return triggers_run([world.county.pk], year, today=today)


def proposed(world: DemoWorld, rule: str) -> list[Proposal]:
    return list(Proposal.objects.filter(government=world.county, rule=rule).order_by("id"))


def switch(world: DemoWorld, rule: str, *, enabled: bool = True, **params: int) -> None:
    accountability.trigger_set(actor=world.user("office"), rule=rule, enabled=enabled, params=params)


# --- sanctions ------------------------------------------------------------------------------------------------------


def sanction_in_force(
    world: DemoWorld,
    tier: str,
    when: tuple[int, ...],
    *,
    code: str = "fgw",
    person: str = "",
) -> Sanction:
    """A sanction the office decides at `when` on a basis no trigger saw, approved by the leader then (a tier above
    the written self-examination) — in force from `when`."""
    with at(*when):
        sanction = accountability.sanction_create(
            actor=world.user("office"),
            unit_id=unit(world, code).pk,
            tier=tier,
            basis="县政府常务会议决定。",
            person=person,
        )
        if sanction.status == "pending_approval":
            sanction = accountability.sanction_approve(
                actor=world.user("leader"), sanction_id=sanction.pk, approve=True
            )
    return sanction
