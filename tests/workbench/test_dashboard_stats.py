"""驾驶舱 statistics (ducha.workbench.dashboard): exact figures for a small known world, scope, and a query count that
does not grow with the number of items.

The world (year 2026, "today" Friday 2026-03-20; 10 working days from Monday 03-02 is Monday 03-16):

    item  lead  co   source              assigned     signed (lead / co)           completed    now
    A     fgw   jyj  meeting_decision    03-02 09:00  03-02 10:00 / 03-03 09:00    03-12 (8 wd) closed, on time
    B     fgw        leader_instruction  03-02 09:00  03-04 09:00 (late)           03-16 (10)   accepted, on time
    C     zjj        meeting_decision    03-02 09:00  03-02 09:30                  03-18 (12)   under review, late
    D     fgw        meeting_decision    03-02 09:00  03-02 11:00                  —            in progress, red
    E     zjj        leader_instruction  03-16 09:00  — (late since 03-17)         —            assigned, green
    F     fgw        meeting_decision    03-19 09:00  — (may still sign today)     —            assigned, yellow
    H     cgz        policy_document     03-02 09:00  03-02 12:00                  —            withdrawn
    G     jyj        cppcc_proposal      2025-12-15   2025-12-15 10:00             2026-01-05   closed, late
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ducha.items import services
from ducha.items.models import Item
from ducha.workbench.dashboard import dashboard_stats

TZ = ZoneInfo("Asia/Shanghai")
TODAY = datetime.date(2026, 3, 20)
HEADS = {"fgw": "fgw_head", "zjj": "zjj_head", "jyj": "jyj_head", "cgz": "cgz_head"}


def at(month: int, day: int, hour: int = 9, minute: int = 0, *, year: int = 2026) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=TZ)


class Driver:
    """Drives items through the real services at given moments, as the demo accounts would."""

    def __init__(self, world):
        self.world = world

    def unit(self, code: str):
        return self.world.departments.get(code) or self.world.townships[code]

    def assigned(
        self,
        when: datetime.datetime,
        *,
        lead: str,
        co: tuple[str, ...] = (),
        source: str = "meeting_decision",
        workdays: int = 10,
        confidentiality: str = "internal",
        title: str = "落实县政府常务会议议定事项",
    ) -> Item:
        office, leader = self.world.user("office"), self.world.user("leader")
        with time_machine.travel(when, tick=False):
            item = services.item_create(
                actor=office,
                title=title,
                source_type=source,
                lead_unit_id=self.unit(lead).pk,
                co_units=[services.CoUnit(unit_id=self.unit(code).pk) for code in co],
                deadline_workdays=workdays,
                confidentiality=confidentiality,
            )
            services.item_submit(item_id=item.pk, actor=office)
            services.item_approve(item_id=item.pk, actor=leader)
            services.item_assign(item_id=item.pk, actor=office)
        return item

    def sign(self, item: Item, username: str, when: datetime.datetime) -> None:
        with time_machine.travel(when, tick=False):
            services.item_sign(item_id=item.pk, actor=self.world.user(username))

    def complete(self, item: Item, lead: str, when: datetime.datetime) -> None:
        with time_machine.travel(when, tick=False):
            services.item_report(item_id=item.pk, actor=self.world.user(lead), text="任务已全部完成。")
            services.item_report_approve(item_id=item.pk, actor=self.world.user(HEADS[lead]))

    def accept(self, item: Item, when: datetime.datetime) -> None:
        with time_machine.travel(when, tick=False):
            services.item_review(
                item_id=item.pk,
                actor=self.world.user("office"),
                decision="accept",
                opinion="同意办结。",
                task_completed=True,
                problem_solved=True,
                conclusion_appropriate=True,
                lawful_compliant=True,
            )

    def close(self, item: Item, when: datetime.datetime) -> None:
        self.accept(item, when)
        with time_machine.travel(when, tick=False):
            services.item_close(item_id=item.pk, actor=self.world.user("leader"))

    def withdraw(self, item: Item, when: datetime.datetime) -> None:
        with time_machine.travel(when, tick=False):
            services.item_cancel(
                item_id=item.pk, actor=self.world.user("leader"), reason="任务已由上级统一部署"
            )


@pytest.fixture
def known_world(world) -> dict[str, Item]:
    drive = Driver(world)
    g = drive.assigned(at(12, 15, year=2025), lead="jyj", source="cppcc_proposal")
    drive.sign(g, "jyj", at(12, 15, 10, year=2025))
    drive.complete(g, "jyj", at(1, 5, 16))
    drive.close(g, at(1, 6))

    a = drive.assigned(at(3, 2), lead="fgw", co=("jyj",))
    drive.sign(a, "fgw", at(3, 2, 10))
    drive.sign(a, "jyj", at(3, 3, 9))
    drive.complete(a, "fgw", at(3, 12, 10))
    drive.close(a, at(3, 13))

    b = drive.assigned(at(3, 2), lead="fgw", source="leader_instruction")
    drive.sign(b, "fgw", at(3, 4, 9))
    drive.complete(b, "fgw", at(3, 16, 15))
    drive.accept(b, at(3, 17))

    c = drive.assigned(at(3, 2), lead="zjj")
    drive.sign(c, "zjj", at(3, 2, 9, 30))
    drive.complete(c, "zjj", at(3, 18, 11))

    d = drive.assigned(at(3, 2), lead="fgw")
    drive.sign(d, "fgw", at(3, 2, 11))

    e = drive.assigned(at(3, 16), lead="zjj", source="leader_instruction")
    f = drive.assigned(at(3, 19), lead="fgw", workdays=3)

    h = drive.assigned(at(3, 2), lead="cgz", source="policy_document")
    drive.sign(h, "cgz", at(3, 2, 12))
    drive.withdraw(h, at(3, 5))
    return {"A": a, "B": b, "C": c, "D": d, "E": e, "F": f, "G": g, "H": h}


def stats_for(world, username: str, **kwargs):
    kwargs.setdefault("year", 2026)
    return dashboard_stats(world.user(username), today=TODAY, **kwargs)


def counts(rows, key: str, value: str = "count") -> dict[str, int]:
    return {row[key]: row[value] for row in rows}


def test_the_world_is_as_described(world, known_world):
    due = {name: item.due_date for name, item in known_world.items() if item.refresh_from_db() is None}
    assert due["A"] == due["B"] == due["C"] == due["D"] == datetime.date(2026, 3, 16)
    assert due["E"] == datetime.date(2026, 3, 30) and due["F"] == datetime.date(2026, 3, 24)
    assert due["G"] == datetime.date(2025, 12, 29)
    assert [known_world[name].light_on(TODAY) for name in "DEF"] == ["red", "green", "yellow"]


def test_counts_by_status_and_light(world, known_world):
    stats = stats_for(world, "office")

    assert counts(stats["by_status"], "status") == {
        "assigned": 2,
        "in_progress": 1,
        "under_review": 1,
        "accepted": 1,
        "closed": 1,
        "archived": 0,
        "cancelled": 1,
    }
    assert counts(stats["by_light"], "light") == {"red": 1, "yellow": 1, "green": 1}
    assert [row["light"] for row in stats["by_light"]] == ["red", "yellow", "green"]


def test_totals_and_on_time_completion_rate(world, known_world):
    stats = stats_for(world, "office")

    # 7 items assigned in 2026 (G was assigned in 2025); completed in 2026: A, B on time, C and G late.
    # Open: D (red), F (yellow), E (green) and C (under review: no light).
    assert stats["totals"] == {
        "items": 7,
        "open": 4,
        "red": 1,
        "yellow": 1,
        "green": 1,
        "no_light": 1,
        "overdue": 1,
        "completed": 4,
        "on_time": 2,
        "late": 2,
        "on_time_rate": 50.0,
        "average_workdays": 11.2,  # (8 + 10 + 12 + 15) / 4, by the weekday rule
    }


def test_sign_for_timeliness(world, known_world):
    stats = stats_for(world, "office")

    # In time: A (fgw, jyj), C, D, H. Late: B (signed on day 2), E (unsigned, its day has passed). F: pending.
    assert stats["sign"] == {
        "assignments": 7,
        "in_time": 5,
        "late": 2,
        "pending": 1,
        "signed": 6,
        "in_time_rate": 71.4,
        "average_hours": 13.1,  # (1 + 24 + 48 + 0.5 + 2 + 3) / 6
    }


def test_units_table(world, known_world):
    stats = stats_for(world, "office")

    rows = [{k: v for k, v in row.items() if k not in ("unit_id", "name")} for row in stats["units"]]
    assert rows == [
        {
            "short_name": "发改局",
            "lead_within": True,
            "items": 4,
            "open": 2,
            "red": 1,
            "yellow": 1,
            "green": 0,
            "no_light": 0,
            "overdue": 1,
            "completed": 2,
            "on_time": 2,
            "on_time_rate": 100.0,
            "average_workdays": 9.0,
        },
        {
            "short_name": "住建局",
            "lead_within": True,
            "items": 2,
            "open": 2,
            "red": 0,
            "yellow": 0,
            "green": 1,
            "no_light": 1,
            "overdue": 0,
            "completed": 1,
            "on_time": 0,
            "on_time_rate": 0.0,
            "average_workdays": 12.0,
        },
        {
            "short_name": "城关镇",
            "lead_within": True,
            "items": 1,
            "open": 0,
            "red": 0,
            "yellow": 0,
            "green": 0,
            "no_light": 0,
            "overdue": 0,
            "completed": 0,
            "on_time": 0,
            "on_time_rate": None,
            "average_workdays": None,
        },
        # G: 2025-12-15 → 2026-01-05 is 15 weekdays; the exact count (New Year's holidays, Sunday 01-04 worked)
        # is 14 — the documented approximation.
        {
            "short_name": "教育局",
            "lead_within": True,
            "items": 0,
            "open": 0,
            "red": 0,
            "yellow": 0,
            "green": 0,
            "no_light": 0,
            "overdue": 0,
            "completed": 1,
            "on_time": 0,
            "on_time_rate": 0.0,
            "average_workdays": 15.0,
        },
    ]
    assert stats["units"][0]["unit_id"] == world.departments["fgw"].pk
    assert stats["units"][0]["name"] == "县发展和改革局"


def test_by_source_type(world, known_world):
    stats = stats_for(world, "office")

    assert [
        (row["source_type"], row["items"], row["completed"], row["on_time"], row["on_time_rate"])
        for row in stats["by_source"]
    ] == [
        ("leader_instruction", 2, 1, 1, 100.0),
        ("meeting_decision", 4, 2, 1, 50.0),
        ("policy_document", 1, 0, 0, None),
        ("cppcc_proposal", 0, 1, 0, 0.0),
    ]


def test_monthly_trend(world, known_world):
    stats = stats_for(world, "office")

    assigned = [row["assigned"] for row in stats["monthly"]]
    completed = [row["completed"] for row in stats["monthly"]]
    assert [row["month"] for row in stats["monthly"]] == list(range(1, 13))
    assert assigned == [0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    assert completed == [1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0]


def test_another_year_counts_its_own_items(world, known_world):
    stats = stats_for(world, "office", year=2025)

    assert stats["totals"]["items"] == 1 and stats["totals"]["completed"] == 0
    assert stats["monthly"][11] == {"month": 12, "assigned": 1, "completed": 0}
    assert stats["sign"]["assignments"] == 1 and stats["sign"]["in_time"] == 1
    assert stats_for(world, "office", year=2027)["totals"]["items"] == 0


def test_the_year_ends_at_local_midnight(world):
    # 23:30 on New Year's Eve in Beijing is 15:30 UTC: the item belongs to 2025, not to 2026.
    Driver(world).assigned(at(12, 31, 23, 30, year=2025), lead="fgw")

    assert stats_for(world, "office", year=2025)["totals"]["items"] == 1
    assert stats_for(world, "office", year=2026)["totals"]["items"] == 0


def test_unit_filter_counts_items_the_unit_is_assigned_to(world, known_world):
    stats = stats_for(world, "office", unit_id=world.departments["jyj"].pk)

    # A (jyj is a co-unit) and G (jyj leads, completed in 2026); sign-for counts jyj's own assignments only.
    assert stats["unit_id"] == world.departments["jyj"].pk
    assert stats["totals"]["items"] == 1 and stats["totals"]["completed"] == 2
    assert stats["totals"]["on_time"] == 1
    assert stats["sign"]["assignments"] == 1 and stats["sign"]["average_hours"] == 24.0


def test_a_unit_user_sees_only_their_units_figures(world, known_world):
    stats = stats_for(world, "fgw")
    asking_for_another_unit = stats_for(world, "fgw", unit_id=world.departments["zjj"].pk)

    assert stats == asking_for_another_unit
    assert stats["unit_id"] == world.departments["fgw"].pk
    assert stats["totals"] == {
        "items": 4,
        "open": 2,
        "red": 1,
        "yellow": 1,
        "green": 0,
        "no_light": 0,
        "overdue": 1,
        "completed": 2,
        "on_time": 2,
        "late": 0,
        "on_time_rate": 100.0,
        "average_workdays": 9.0,
    }
    assert [row["short_name"] for row in stats["units"]] == ["发改局"]
    # fgw's own assignments: A and D in time, B late, F pending.
    assert stats["sign"] == {
        "assignments": 3,
        "in_time": 2,
        "late": 1,
        "pending": 1,
        "signed": 3,
        "in_time_rate": 66.7,
        "average_hours": 17.0,
    }


def test_a_unit_with_nothing_sees_zeros(world, known_world):
    stats = stats_for(world, "llx_liaison")

    assert stats["totals"]["items"] == 0 and stats["totals"]["on_time_rate"] is None
    assert stats["units"] == [] and stats["by_source"] == []
    assert stats["sign"]["in_time_rate"] is None and stats["sign"]["average_hours"] is None


def test_the_city_office_does_not_count_the_countys_secret_items(world):
    drive = Driver(world)
    drive.assigned(at(3, 2), lead="fgw")
    drive.assigned(at(3, 2), lead="fgw", confidentiality="secret", title="涉密事项")

    assert stats_for(world, "office")["totals"]["items"] == 2
    assert stats_for(world, "leader")["totals"]["items"] == 2
    assert stats_for(world, "city_office")["totals"]["items"] == 1
    assert (
        stats_for(world, "city_office")["sign"]["pending"] + stats_for(world, "city_office")["sign"]["late"]
        == 1
    )


def test_query_count_does_not_grow_with_items(world):
    drive = Driver(world)
    leads = ["fgw", "zjj", "jyj", "cgz"]
    sources = ["meeting_decision", "leader_instruction", "policy_document"]

    def add(start: int, stop: int) -> None:
        for n in range(start, stop):
            item = drive.assigned(at(3, 2 + n % 5), lead=leads[n % 4], source=sources[n % 3])
            if n % 2:
                drive.sign(item, leads[n % 4], at(3, 9))

    office = world.user("office")
    add(0, 5)
    dashboard_stats(office, year=2026, today=TODAY)  # warm the user's roles and the calendar cache
    with CaptureQueriesContext(connection) as five:
        small = dashboard_stats(office, year=2026, today=TODAY)
    add(5, 30)
    with CaptureQueriesContext(connection) as thirty:
        large = dashboard_stats(office, year=2026, today=TODAY)

    assert small["totals"]["items"] == 5 and large["totals"]["items"] == 30
    assert len(five) == len(thirty) == 5
