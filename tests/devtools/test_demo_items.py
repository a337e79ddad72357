"""The demo items (ducha.devtools.demo.items) and the `ducha demo` command."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from ducha.audit.models import Event, EventType
from ducha.devtools.demo import DemoWorld, demo_world_exists, demo_world_load
from ducha.devtools.demo.inspections import demo_inspections_create
from ducha.devtools.demo.items import demo_items_create
from ducha.items.lifecycle import ItemStatus, available_actions
from ducha.items.models import (
    Assignment,
    Confidentiality,
    DeadlineBasis,
    ExtensionStatus,
    Item,
    Light,
    SourceType,
    Urgency,
)
from ducha.items.selectors import items_for_user
from ducha.orgs.models import Unit, User
from ducha.workcalendar import services as workdays
from tests.clock import moment

DEMO_COUNT = 60


@dataclass
class Demo:
    world: DemoWorld
    created: int
    items: list[Item]
    started: datetime.datetime

    def actions(self, username: str) -> Counter[str]:
        """How many of the demo items each action is available on for `username`."""
        user = User.objects.select_related("unit", "unit__government").get(username=username)
        found: Counter[str] = Counter()
        ids = [item.pk for item in self.items]
        for item in items_for_user(user).filter(pk__in=ids).prefetch_related("assignments"):
            found.update(transition.action for transition in available_actions(item, user))
        return found


def _signature(items: list[Item]) -> list[tuple]:
    return [
        (
            item.title,
            item.status,
            item.source_type,
            item.source_reference,
            item.urgency,
            item.confidentiality,
            item.due_date,
            item.parent_id is not None,
            tuple(
                sorted((a.role, a.unit_id, a.share, a.signed_at is not None) for a in item.assignments.all())
            ),
        )
        for item in items
    ]


@pytest.fixture(scope="class")
def demo(django_db_setup, django_db_blocker):
    """60 demo items, created once for the class that asks for them and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = demo_world_load()
        started = timezone.now()
        last = Item.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        created = demo_items_create(world, count=DEMO_COUNT)
        items = list(Item.objects.filter(pk__gt=last).order_by("pk").prefetch_related("assignments"))
        yield Demo(world=world, created=created, items=items, started=started)
        transaction.set_rollback(True)


class TestDemoItems:
    """Checks on one set of demo items (the `demo` fixture)."""

    @pytest.fixture(autouse=True)
    def _db(self, db):
        """Each test runs in a savepoint inside the class's transaction."""

    def test_about_count_items(self, demo):
        assert demo.created == len(demo.items)
        assert DEMO_COUNT <= demo.created <= DEMO_COUNT + 1  # a delegation may add a child item

    def test_every_status(self, demo):
        assert {item.status for item in demo.items} == set(ItemStatus.values)

    def test_every_source_type_and_urgency(self, demo):
        assert {item.source_type for item in demo.items} == set(SourceType.values)
        assert {item.urgency for item in demo.items} == set(Urgency.values)
        assert all(item.source_reference for item in demo.items)
        confidentiality = Counter(item.confidentiality for item in demo.items)
        assert 1 <= confidentiality[Confidentiality.SECRET] <= len(demo.items) // 10
        assert confidentiality[Confidentiality.INTERNAL] + confidentiality[Confidentiality.PUBLIC] > 0

    def test_units_and_shares(self, demo):
        lead_units = {a.unit_id for item in demo.items for a in item.assignments.all() if a.is_lead}
        units = {**demo.world.departments, **demo.world.townships}
        # Every department and township leads or helps with something.
        assigned_units = {a.unit_id for item in demo.items for a in item.assignments.all()}
        assert assigned_units >= {unit.pk for unit in units.values()}
        assert len(lead_units) >= 20
        co = [a for item in demo.items for a in item.assignments.all() if not a.is_lead]
        assert co and any(a.share for a in co) and all(a.share_note for a in co)
        assert all(sum(1 for a in item.assignments.all() if not a.is_lead) <= 2 for item in demo.items)

    @pytest.mark.parametrize(
        ("username", "expected"),
        [
            ("office", {"review", "assign", "extension_decide", "submit", "archive"}),
            ("office2", {"review", "assign"}),
            ("leader", {"approve", "reject", "close", "extension_decide", "cancel_approve"}),
            ("county_head", {"approve", "close", "extension_decide"}),
            ("fgw", {"sign", "progress", "report"}),
            ("fgw_head", {"report_approve"}),
            ("jyj", {"sign", "progress", "report"}),
            ("jyj_head", {"report_approve"}),
            ("zjj", {"sign", "progress"}),
            ("zjj_head", {"report_approve"}),
            ("cgz", {"sign"}),
            ("cgz_head", {"report_approve"}),
        ],
    )
    def test_named_accounts_have_work_waiting(self, demo, username, expected):
        found = demo.actions(username)
        assert expected <= set(found), (username, expected - set(found))

    def test_leader_has_an_endorsed_extension(self, demo):
        endorsed = [
            item for item in demo.items if item.extensions.filter(status=ExtensionStatus.ENDORSED).exists()
        ]
        assert endorsed and endorsed[0].source_type == SourceType.LEADER_INSTRUCTION
        pending = [
            item for item in demo.items if item.extensions.filter(status=ExtensionStatus.PENDING).exists()
        ]
        assert pending

    def test_every_liaison_has_an_assignment_to_sign(self, demo):
        liaisons = [user for name, user in demo.world.users.items() if name.endswith("_liaison")]
        assert len(liaisons) == len(demo.world.departments) + len(demo.world.townships)
        for liaison in liaisons:
            assert demo.actions(liaison.username)["sign"] >= 1, liaison.username

    def test_city_office_sees_the_county_items(self, demo):
        city_office = User.objects.select_related("unit", "unit__government").get(username="city_office")
        visible = set(items_for_user(city_office).values_list("pk", flat=True))
        demo_ids = {item.pk for item in demo.items}
        secret = {item.pk for item in demo.items if item.confidentiality == Confidentiality.SECRET}
        drafts = {
            item.pk for item in demo.items if item.status == ItemStatus.DRAFT
        }  # the county office's own
        assert drafts
        assert visible & demo_ids == demo_ids - secret - drafts

    def test_lights(self, demo, today):
        lights = Counter(item.light_on(today) for item in demo.items)
        assert lights[Light.RED] >= 3
        assert lights[Light.YELLOW] >= 3
        assert lights[Light.GREEN] > lights[Light.RED]
        # ~10% overdue, within reason for 60 items.
        assert lights[Light.RED] <= len(demo.items) // 4

    def test_delegated_child_waits_for_the_township(self, demo):
        cgz = demo.world.townships["cgz"]
        children = [item for item in demo.items if item.parent_id is not None]
        assert children
        waiting = [
            child
            for child in children
            if child.delegating_unit_id == demo.world.departments["fgw"].pk
            and any(a.unit_id == cgz.pk and a.signed_at is None for a in child.assignments.all())
        ]
        assert waiting
        for child in children:
            parent = Item.objects.get(pk=child.parent_id)
            assert child.due_date <= parent.due_date
            assert child.number.startswith(parent.number)

    def test_progress_reports_have_text(self, demo):
        with_progress = [item for item in demo.items if item.latest_progress]
        assert len(with_progress) >= 5

    def test_dates_are_coherent(self, demo, today):
        now = timezone.now()
        for item in demo.items:
            assert item.created_at <= now
            if item.approved_at and not item.parent_id:
                assert item.created_at <= item.approved_at <= now, item.pk
            if item.assigned_at is None:
                continue
            assert item.approved_at <= item.assigned_at <= now, item.pk
            assert item.due_date is not None and item.warn_date is not None
            assert timezone.localdate(item.assigned_at) <= item.due_date, item.pk
            assert item.warn_date <= item.due_date
            if item.deadline_basis == DeadlineBasis.WORKDAYS and not item.parent_id:
                assigned_day = timezone.localdate(item.assigned_at)
                assert item.due_date == workdays.add_workdays(assigned_day, item.deadline_workdays), item.pk
            for field in ("completed_at", "closed_at", "archived_at"):
                value = getattr(item, field)
                assert value is None or item.assigned_at <= value <= now, (item.pk, field)
            for assignment in item.assignments.all():
                assert assignment.notified_at == item.assigned_at
                if assignment.signed_at is not None:
                    assert item.assigned_at <= assignment.signed_at <= now, item.pk
        numbered = sorted((item for item in demo.items if item.number_seq), key=lambda item: item.number_seq)
        approvals = [timezone.localdate(item.approved_at) for item in numbered if not item.parent_id]
        assert approvals == sorted(approvals)  # numbers run with the approval dates

    def test_the_history_is_told_in_the_items_own_time(self, demo):
        """办理过程 never contradicts the item's own 创建/立项/交办/签收/办结/归档 times: the events that mark those
        fields carry their moments, and the steps come in the order they were taken (created ≤ submitted ≤
        approved ≤ assigned ≤ progress ≤ report ≤ review ≤ closed ≤ archived), none in the future."""
        now = timezone.now()
        marks = {
            EventType.ITEM_CREATED: "created_at",
            EventType.ITEM_ASSIGNED: "assigned_at",
            EventType.ITEM_CLOSED: "closed_at",
            EventType.ITEM_ARCHIVED: "archived_at",
        }
        checked = 0
        for item in demo.items:
            events = list(Event.objects.filter(subject_type="item", subject_id=item.pk).order_by("id"))
            assert events and events[0].created_at == item.created_at, item.pk
            signed = {a.unit_id: a.signed_at for a in item.assignments.all() if a.signed_at}
            latest = None
            for event in events:
                assert item.created_at <= event.created_at <= now, (item.pk, event.event_type)
                field = marks.get(event.event_type)
                if field and getattr(item, field) is not None:
                    assert event.created_at == getattr(item, field), (item.pk, event.event_type)
                if event.event_type == EventType.ITEM_SIGNED:
                    assert event.created_at in signed.values(), item.pk
                    assert event.created_at >= item.assigned_at, item.pk
                    continue  # units sign in their own order; each at its own assignment's time
                if latest is not None:
                    assert event.created_at >= latest, (item.pk, event.event_type)
                latest = event.created_at
                checked += 1
            approvals = [e for e in events if e.event_type == EventType.ITEM_APPROVED]
            if approvals and not item.parent_id:
                assert approvals[-1].created_at == item.approved_at, item.pk
            head_checks = [e for e in events if e.event_type == EventType.ITEM_REPORT_APPROVED]
            if head_checks and item.completed_at:
                assert head_checks[-1].created_at == item.completed_at, item.pk
            for report in item.reports.all():
                assert item.created_at <= report.created_at <= now, item.pk
        assert checked > len(demo.items) * 3

    def test_same_seed_same_items(self, demo):
        def run(seed: int) -> list[Item]:
            last = Item.objects.order_by("-pk").values_list("pk", flat=True).first()
            demo_items_create(demo.world, count=45, seed=seed)
            return list(Item.objects.filter(pk__gt=last).order_by("pk").prefetch_related("assignments"))

        first, second, other = run(7), run(7), run(8)
        assert _signature(first) == _signature(second)
        assert _signature(first) != _signature(other)


def test_command_does_nothing_when_the_demo_county_exists(world):
    counts = (Unit.objects.count(), User.objects.count(), Item.objects.count(), Assignment.objects.count())
    events = Event.objects.count()
    out = StringIO()
    call_command("demo", stdout=out)
    assert out.getvalue().strip()
    assert (
        Unit.objects.count(),
        User.objects.count(),
        Item.objects.count(),
        Assignment.objects.count(),
    ) == counts
    assert Event.objects.count() == events


@pytest.mark.django_db(transaction=True)
def test_command_creates_the_demo_county_on_an_empty_database():
    # A transactional test starts from a flushed database (pytest-django runs these last); the next user of the
    # `world` fixture recreates the world.
    call_command("flush", interactive=False, verbosity=0)
    assert not demo_world_exists()
    out = StringIO()
    call_command("demo", "--items", "40", stdout=out)
    assert demo_world_exists()
    assert Item.objects.count() >= 40
    text = out.getvalue()
    for username in ("office", "leader", "fgw_head", "cgz", "tyx_liaison"):
        assert username in text
    assert "Ducha@2026" in text
    out = StringIO()
    call_command("demo", stdout=out)  # the second time: nothing changes
    assert Item.objects.count() < 200


def _county_relative_to(today: datetime.date, since_item: int) -> dict[str, object]:
    """What the demo built, as its users would see it on `today`: each item's text, status, light and units, and
    the inspections' stages — every date left out, since each is counted from `today`."""
    from ducha.inspections.models import AnnualPlan, Conclusion, Finding, Inspection, Rectification

    items = Item.objects.filter(pk__gt=since_item).prefetch_related("assignments")
    plan = AnnualPlan.objects.get()
    return {
        # In order of their dates, which the holidays shift: compared as a set.
        "items": sorted(
            (
                item.title,
                item.status,
                item.source_type,
                item.urgency,
                item.confidentiality,
                item.light_on(today),
                item.parent_id is not None,
                tuple(sorted((a.role, a.unit_id, a.status) for a in item.assignments.all())),
            )
            for item in items
        ),
        "plan": (plan.status, plan.year - today.year in (0, 1), sorted(plan.proposals.values_list("status"))),
        "inspections": sorted(
            (inspection.topic, inspection.kind, inspection.status, inspection.in_plan)
            for inspection in Inspection.objects.all()
        ),
        "findings": sorted(Finding.objects.values_list("title", "rectification_kind")),
        "conclusions": sorted(Conclusion.objects.values_list("status", flat=True)),
        "rectifications": sorted(
            (rectification.kind, rectification.status, rectification.light_on(today))
            for rectification in Rectification.objects.all()
        ),
    }


def _demo_at(when: datetime.datetime) -> dict[str, object]:
    with time_machine.travel(when), transaction.atomic():
        world = demo_world_load()
        last = Item.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        demo_items_create(world, count=DEMO_COUNT)
        demo_inspections_create(world)
        seen = _county_relative_to(timezone.localdate(), last)
        transaction.set_rollback(True)
    return seen


@pytest.mark.parametrize(
    "when",
    [
        pytest.param(moment(2026, 11, 30, 23, 30), id="month-end-23:30"),
        # New Year's Day of a year whose arrangement is provisional, before 08:00 (still 31 December in UTC).
        pytest.param(moment(2027, 1, 1, 7, 30), id="new-years-day-07:30"),
        pytest.param(moment(2026, 12, 28, 10), id="last-week-of-the-year"),
        pytest.param(moment(2026, 2, 16, 10), id="spring-festival"),
        pytest.param(moment(2026, 10, 1, 0, 30), id="national-day-00:30"),
    ],
)
def test_the_demo_is_the_same_county_on_any_date(db, when, demo_on_an_ordinary_day):
    """`ducha demo` on any date: the same items, inspections and lights, relative to that date."""
    assert _demo_at(when) == demo_on_an_ordinary_day


@pytest.fixture(scope="module")
def demo_on_an_ordinary_day(django_db_setup, django_db_blocker) -> dict[str, object]:
    with django_db_blocker.unblock():
        return _demo_at(moment(2026, 11, 18, 10))
