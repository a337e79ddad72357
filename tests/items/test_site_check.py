"""On-site verification (现场核验, 002 art. 5(5)) before an important item's report is accepted, and the warning
about co-units that never signed."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ducha.audit.models import Event, EventType
from ducha.common import error_codes as codes
from ducha.common.errors import InvalidState, NotPermitted, ValidationFailed
from ducha.items import services
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Attachment, SiteCheck
from tests.helpers import item_in

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
ACCEPT = dict(
    decision="accept",
    opinion="同意办结。",
    task_completed=True,
    problem_solved=True,
    conclusion_appropriate=True,
    lawful_compliant=True,
)


def _record(world, item, *, actor="office", conclusion="confirmed", photos=(), **overrides):
    fields = dict(
        checked_on=timezone.localdate() - datetime.timedelta(days=1),
        inspectors="张三、李四",
        findings="现场查看改造小区三处，已完工。",
        conclusion=conclusion,
        photos=photos,
    )
    fields.update(overrides)
    return services.item_site_check_record(item_id=item.pk, actor=world.user(actor), **fields)


def test_required_site_check_blocks_acceptance_until_a_confirming_one_is_recorded(world):
    item = item_in(world, ItemStatus.UNDER_REVIEW, site_check_required=True)

    with pytest.raises(InvalidState) as refused:
        services.item_review(item_id=item.pk, actor=world.user("office"), **ACCEPT)
    assert refused.value.code == codes.SITE_CHECK_REQUIRED
    item.refresh_from_db()
    assert item.status == ItemStatus.UNDER_REVIEW
    assert not item.reviews.exists()

    photo = SimpleUploadedFile("现场.png", PNG, content_type="image/png")
    check = _record(world, item, photos=[photo])
    assert check.photos.count() == 1
    stored = Attachment.objects.get(site_check=check)
    assert stored.item_id == item.pk and len(stored.sha256) == 64
    event = Event.objects.get(subject_id=item.pk, event_type=EventType.ITEM_SITE_CHECKED)
    assert event.new["conclusion"] == "confirmed" and event.new["photos"] == [stored.pk]

    services.item_review(item_id=item.pk, actor=world.user("office"), **ACCEPT)
    item.refresh_from_db()
    assert item.status == ItemStatus.ACCEPTED


def test_a_site_check_that_found_problems_refuses_acceptance_with_its_own_message(world):
    item = item_in(world, ItemStatus.UNDER_REVIEW, site_check_required=True)
    _record(world, item, conclusion="problems", actor="leader")

    with pytest.raises(InvalidState) as refused:
        services.item_review(item_id=item.pk, actor=world.user("office"), **ACCEPT)
    assert refused.value.code == codes.SITE_CHECK_REQUIRED
    assert refused.value.message != codes.message_for(codes.SITE_CHECK_REQUIRED)
    item.refresh_from_db()
    assert item.status == ItemStatus.UNDER_REVIEW


def test_without_the_flag_no_site_check_is_needed_and_unsigned_co_units_are_recorded(world):
    item = item_in(world, ItemStatus.UNDER_REVIEW)  # co-unit jyj never signed

    services.item_review(item_id=item.pk, actor=world.user("office"), **ACCEPT)

    event = Event.objects.get(subject_id=item.pk, event_type=EventType.ITEM_REVIEW_ACCEPTED)
    assert event.new["unsigned_co_units"] == [world.departments["jyj"].pk]


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"checked_on": datetime.date(2099, 1, 1)}, codes.SITE_CHECK_INVALID),
        ({"inspectors": "  "}, codes.SITE_CHECK_INVALID),
        ({"findings": ""}, codes.SITE_CHECK_INVALID),
        ({"findings": "很" * 5001}, codes.TEXT_TOO_LONG),
        ({"conclusion": "maybe"}, codes.INVALID_INPUT),
        (
            {"photos": [SimpleUploadedFile("a.pdf", b"%PDF-1.4", content_type="application/pdf")]},
            codes.ATTACHMENT_TYPE,
        ),
        (
            {"photos": [SimpleUploadedFile("fake.png", b"not an image", content_type="image/png")]},
            codes.ATTACHMENT_TYPE,
        ),
    ],
)
def test_invalid_site_checks_are_refused_and_nothing_is_stored(world, overrides, code):
    item = item_in(world, ItemStatus.UNDER_REVIEW, site_check_required=True)
    with pytest.raises(ValidationFailed) as refused:
        _record(world, item, **overrides)
    assert refused.value.code == code
    assert not SiteCheck.objects.filter(item=item).exists()
    assert not Attachment.objects.filter(item=item).exists()


def test_who_and_when(world):
    running = item_in(world, ItemStatus.IN_PROGRESS)
    with pytest.raises(InvalidState):
        _record(world, running)
    item = item_in(world, ItemStatus.UNDER_REVIEW)
    for username in ("fgw", "fgw_head", "city_office"):
        with pytest.raises(NotPermitted):
            _record(world, item, actor=username)
    assert not SiteCheck.objects.exists()
    assert not Event.objects.filter(event_type=EventType.ITEM_SITE_CHECKED).exists()


def test_the_office_turns_the_steps_on_later_and_the_change_is_audited(world):
    item = item_in(world, ItemStatus.IN_PROGRESS)

    services.item_procedure_set(item_id=item.pk, actor=world.user("office"), site_check_required=True)

    item.refresh_from_db()
    assert item.site_check_required and not item.is_complex
    event = Event.objects.filter(subject_id=item.pk, event_type=EventType.ITEM_UPDATED).latest("id")
    assert event.old == {"site_check_required": False} and event.new == {"site_check_required": True}
    with pytest.raises(NotPermitted):
        services.item_procedure_set(item_id=item.pk, actor=world.user("fgw"), is_complex=True)
    closed = item_in(world, ItemStatus.CLOSED)
    with pytest.raises(InvalidState):
        services.item_procedure_set(item_id=closed.pk, actor=world.user("office"), is_complex=True)
    item.refresh_from_db()
    closed.refresh_from_db()
    assert not item.is_complex and not closed.is_complex
