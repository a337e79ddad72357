"""立项's new fields (issue 16): the leader in charge, the source record, the procedure flags, the daily cycle, the
批示件 attached at creation, and the length limits (TEXT_TOO_LONG naming the field, nothing saved)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ducha.common import error_codes as codes
from ducha.common.errors import ValidationFailed
from ducha.items import services
from ducha.items.models import Attachment, Item, SourceKind, SourceRecord
from tests.helpers import make_item

pytestmark = pytest.mark.django_db


def _record(world, government=None) -> SourceRecord:
    return SourceRecord.objects.create(
        government=government or world.county,
        kind=SourceKind.MEETING_MINUTES,
        title="县政府第12次常务会议纪要",
        reference="示政纪〔2026〕12号",
        created_by=world.user("office"),
    )


def test_create_with_the_new_fields(world):
    record = _record(world)
    item = make_item(
        world,
        leader_in_charge_id=world.user("leader").pk,
        source_record_id=record.pk,
        site_check_required=True,
        is_complex=True,
        progress_check_by_head=True,
        progress_cycle="daily",
    )
    item.refresh_from_db()
    assert item.leader_in_charge == world.user("leader")
    assert item.source_record == record
    assert (item.site_check_required, item.is_complex, item.progress_check_by_head) == (True, True, True)
    assert item.progress_cycle == "daily"


def test_update_sets_and_clears_them(world):
    item = make_item(world)
    services.item_update(
        item_id=item.pk,
        actor=world.user("office"),
        leader_in_charge_id=world.user("leader").pk,
        source_record_id=_record(world).pk,
        is_complex=True,
    )
    item.refresh_from_db()
    assert item.leader_in_charge_id and item.source_record_id and item.is_complex
    services.item_update(
        item_id=item.pk, actor=world.user("office"), leader_in_charge_id=None, source_record_id=None
    )
    item.refresh_from_db()
    assert item.leader_in_charge_id is None and item.source_record_id is None


def test_a_source_record_of_another_government_is_refused(world):
    record = _record(world, government=world.city)
    count = Item.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        make_item(world, source_record_id=record.pk)
    assert caught.value.code == codes.SOURCE_RECORD_INVALID
    assert list(caught.value.fields) == ["source_record"]
    assert Item.objects.count() == count


def test_a_leader_in_charge_who_is_no_leader_is_refused(world):
    count = Item.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        make_item(world, leader_in_charge_id=world.user("fgw_head").pk)
    assert caught.value.code == codes.LEADER_INVALID
    assert Item.objects.count() == count


@pytest.mark.parametrize(
    ("field", "limit"), [("title", 200), ("content", 5000), ("requirements", 5000), ("source_reference", 500)]
)
def test_texts_over_their_limit_are_refused_and_nothing_is_saved(world, field, limit):
    count = Item.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        make_item(world, **{field: "字" * (limit + 1)})
    assert caught.value.code == codes.TEXT_TOO_LONG
    assert caught.value.fields == {field: f"最多{limit}字。"} or list(caught.value.fields) == [field]
    assert Item.objects.count() == count
    make_item(world, **{field: "字" * limit})  # the limit itself is accepted


def test_a_120000_character_content_is_refused(world):
    count = Item.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        make_item(world, content="内" * 120_000)
    assert caught.value.code == codes.TEXT_TOO_LONG
    assert "content" in caught.value.fields
    assert Item.objects.count() == count


def test_a_too_long_content_is_refused_on_update_and_nothing_changes(world):
    item = make_item(world)
    with pytest.raises(ValidationFailed) as caught:
        services.item_update(
            item_id=item.pk, actor=world.user("office"), content="内" * 120_000, is_complex=True
        )
    assert caught.value.code == codes.TEXT_TOO_LONG
    fresh = Item.objects.get(pk=item.pk)
    assert (fresh.content, fresh.is_complex) == (item.content, False)


def test_the_instruction_document_is_attached_at_creation(world):
    upload = SimpleUploadedFile("批示件.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    item = make_item(world, upload=upload)
    attachment = Attachment.objects.get(item=item)
    assert attachment.original_name == "批示件.pdf"


def test_a_refused_document_creates_no_item(world):
    count = Item.objects.count()
    upload = SimpleUploadedFile("virus.exe", b"MZ", content_type="application/octet-stream")
    with pytest.raises(ValidationFailed) as caught:
        make_item(world, upload=upload)
    assert caught.value.code == codes.ATTACHMENT_TYPE
    assert Item.objects.count() == count
    assert not Attachment.objects.exists()
