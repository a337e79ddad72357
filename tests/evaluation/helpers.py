"""Synthetic histories for the evaluation's tests: items and inspections driven through the real services at
pinned instants (Beijing time), and the indicators' figures for one unit in a period as of a cutoff."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import time_machine

from ducha.devtools.demo import DemoWorld
from ducha.evaluation.indicators import BY_CODE, Fact, Window
from ducha.evaluation.periods import Period
from ducha.inspections import services as inspection_services
from ducha.inspections.lifecycle import InspectionStatus
from ducha.inspections.models import Conclusion, Inspection, Rectification
from ducha.items import services
from ducha.items.models import Item
from tests.clock import moment
from tests.inspections import helpers as inspection_helpers


@contextmanager
def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0):
    """The clock stands still at this Beijing moment while the block runs."""
    with time_machine.travel(moment(year, month, day, hour, minute), tick=False):
        yield


def window(period: Period, cutoff: dt.datetime | None = None) -> Window:
    return Window(period.start, period.end, cutoff or period.end)


def figures(code: str, unit_id: int, win: Window) -> tuple[int, int]:
    """(counted, bad) of one indicator for one unit."""
    return BY_CODE[code].counts([unit_id], win).get(unit_id, (0, 0))


def facts(code: str, unit_id: int, win: Window) -> list[Fact]:
    return BY_CODE[code].facts(unit_id, win)


def assigned_item(
    world: DemoWorld,
    when: tuple[int, ...],
    *,
    due: dt.date | None = None,
    title: str = "推进县城老旧小区改造",
    co_units: tuple[str, ...] = (),
    **fields,
) -> Item:
    """An item of 发改局 (fgw) created, approved and assigned at `when`, due on `due` (else 15 working days)."""
    with at(*when):
        item = services.item_create(
            actor=world.user("office"),
            title=title,
            source_type=fields.pop("source_type", "meeting_decision"),
            content="按照县政府常务会议决定，年内完成老旧小区改造。",
            source_reference="县政府第12次常务会议",
            lead_unit_id=world.departments["fgw"].pk,
            co_units=[services.CoUnit(unit_id=world.departments[code].pk, share=30) for code in co_units],
            **fields,
        )
        services.item_submit(item_id=item.pk, actor=world.user("office"))
        services.item_approve(item_id=item.pk, actor=world.user("leader"))
        services.item_assign(item_id=item.pk, actor=world.user("office"), due_date=due)
    item.refresh_from_db()
    return item


def sign(world: DemoWorld, item: Item, when: tuple[int, ...], user: str = "fgw") -> None:
    with at(*when):
        services.item_sign(item_id=item.pk, actor=world.user(user))


def report_done(world: DemoWorld, item: Item, when: tuple[int, ...]) -> None:
    """The lead unit's completion report, approved by its head (the assignment is reported) at `when`."""
    with at(*when):
        services.item_report(item_id=item.pk, actor=world.user("fgw"), text="已全部完成改造任务。")
        services.item_report_approve(item_id=item.pk, actor=world.user("fgw_head"))


def review(world: DemoWorld, item: Item, when: tuple[int, ...], *, accept: bool) -> None:
    with at(*when):
        services.item_review(
            item_id=item.pk,
            actor=world.user("office"),
            decision="accept" if accept else "return",
            opinion="同意办结。" if accept else "材料不全，退回重办。",
            task_completed=accept,
            problem_solved=accept,
            conclusion_appropriate=accept,
            lawful_compliant=accept,
        )


def inspection_issued(
    world: DemoWorld, when: tuple[int, ...], *, rectify_by: dt.date, target: str = "cgz"
) -> tuple[Inspection, Conclusion, Rectification]:
    """An inspection of `target` started, with one finding to rectify by `rectify_by`, its conclusion issued at
    `when` (the rectification task is created then)."""
    with at(*when):
        today = dt.date(*when[:3])
        inspection = inspection_helpers.make_inspection(world, targets=(target,), start=today)
        inspection_helpers.advance(world, inspection, InspectionStatus.IN_FIELDWORK)
        inspection_services.finding_add(
            inspection_id=inspection.pk,
            actor=world.user("office"),
            target_id=inspection_helpers.unit(world, target).pk,
            title="改造资金拨付滞后",
            description="抽查3个小区，资金均滞后两个月拨付。",
            rectification_kind="deadline",
            rectification_due_date=rectify_by,
        )
        inspection_services.inspection_finish(inspection_id=inspection.pk, actor=world.user("office"))
        inspection_helpers.advance(world, inspection, InspectionStatus.RECTIFYING)
    conclusion = Conclusion.objects.get(inspection=inspection)
    rectification = Rectification.objects.get(inspection=inspection)
    return inspection, conclusion, rectification


def acknowledge(
    world: DemoWorld, conclusion: Conclusion, when: tuple[int, ...], user: str = "cgz_head"
) -> None:
    with at(*when):
        inspection_services.conclusion_acknowledge(conclusion_id=conclusion.pk, actor=world.user(user))


def rectify(
    world: DemoWorld, rectification: Rectification, when: tuple[int, ...], user: str = "cgz_head"
) -> None:
    with at(*when):
        inspection_services.rectification_plan(
            rectification_id=rectification.pk, actor=world.user(user), plan="一个月内拨付到位。"
        )
        inspection_services.rectification_report(
            rectification_id=rectification.pk, actor=world.user(user), text="资金已全部拨付。"
        )
