"""The demo county's clue channel (ducha.devtools.demo.clues): places and duties, ten weeks of clues through every
channel, the office's routing, answers, a closed case and a clue check, a spike warning and last week's brief."""

from __future__ import annotations

import pytest
import time_machine
from django.db import transaction

from ducha.clues.models import (
    Answer,
    AnswerStatus,
    Brief,
    Case,
    CaseStatus,
    Channel,
    Clue,
    EarlyWarning,
    Place,
    RoutingExample,
    UnitDuties,
    WarningKind,
)
from ducha.devtools.demo import demo_world_load
from ducha.devtools.demo.clues import PART, SPIKE_TOWNSHIP, demo_clues_create
from ducha.devtools.demo.places import VILLAGES
from ducha.orgs.models import Role, User
from tests.clock import moment

WHEN = moment(2026, 11, 18, 10)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo clues built once for the module and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        assert not PART.exists()
        with time_machine.travel(WHEN, tick=False):
            world = demo_world_load()
            yield demo_clues_create(world)
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _db(db):
    """Each test runs in a savepoint inside the module's transaction."""


def test_places_duties_and_the_keeper(demo, world):
    assert Place.objects.filter(government=world.county).count() == sum(map(len, VILLAGES.values()))
    assert UnitDuties.objects.filter(unit__in=world.townships.values()).count() == len(world.townships)
    assert UnitDuties.objects.filter(unit__in=world.departments.values()).count() >= 20
    keeper = User.objects.get(username="clue_keeper")
    assert keeper.full_name == "许保密" and keeper.unit == world.supervision_office
    assert keeper.has_role(Role.CLUE_KEEPER)


def test_clues_over_ten_weeks_through_every_channel(demo, world):
    clues = Clue.objects.filter(government=world.county)
    assert 140 <= clues.count() <= 160
    assert set(clues.values_list("channel", flat=True)) == {Channel.PUBLIC, Channel.UPPER, Channel.HOTLINE}
    assert all(clue.submitted_at < WHEN for clue in clues)
    days = (WHEN - min(clue.submitted_at for clue in clues)).days
    assert 56 <= days <= 70
    # Grouped: fewer cases than clues.
    assert Case.objects.filter(government=world.county).count() < clues.count()


def test_the_office_worked_the_cases(demo, world):
    cases = Case.objects.filter(government=world.county)
    assert demo.routed == cases.filter(status=CaseStatus.ROUTED).count() >= 25
    assert all(case.item is not None for case in cases.filter(status=CaseStatus.ROUTED))
    assert RoutingExample.objects.filter(government=world.county).count() >= demo.routed
    published = Answer.objects.filter(case__government=world.county, status=AnswerStatus.PUBLISHED)
    assert published.count() >= 2
    assert all(a.drafted_by.username == "office2" and a.reviewed_by.username == "office" for a in published)
    assert cases.filter(status=CaseStatus.CLOSED).count() >= 1
    assert cases.filter(status=CaseStatus.CHECKING, inspection__isnull=False).count() == 1


def test_a_spike_warning_and_the_brief(demo, world):
    spikes = EarlyWarning.objects.filter(government=world.county, kind=WarningKind.SPIKE)
    assert spikes.filter(township=world.townships[SPIKE_TOWNSHIP]).exists()
    warning = spikes.filter(township=world.townships[SPIKE_TOWNSHIP]).first()
    assert len(warning.clue_ids) == warning.count >= 3
    brief = Brief.objects.get(pk=demo.brief_id)
    assert brief.status == "draft" and brief.figures["total"] > 0
    assert brief.figures["warnings"]


def test_the_part_knows_it_exists(demo):
    assert PART.exists()
    assert PART.name == "clues"
