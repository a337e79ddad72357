"""Issuing documents: numbers per kind, government and year without gaps; an issued document frozen (its file
and SHA-256 kept, a correction a new version under the same number); only the office issues; a draft and a
refusal change nothing; a missing field is refused naming it."""

from __future__ import annotations

import datetime
import hashlib
import io

import pytest
from docx import Document as Docx

from ducha.audit.models import Event, EventType
from ducha.common import error_codes as codes
from ducha.common.errors import InvalidState, NotPermitted, ValidationFailed
from ducha.documents import services
from ducha.documents.kinds import KINDS
from ducha.documents.models import Document, DocumentSequence
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Item
from tests.helpers import item_in, make_item

pytestmark = pytest.mark.django_db

NOTICE = KINDS["supervision_notice"]
CHASE = KINDS["chase_notice"]
CONTACT = {"contact_name": "王明", "contact_phone": "0931-1234567"}


def _text(data: bytes) -> str:
    document = Docx(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def _snapshot(item: Item) -> tuple:
    item.refresh_from_db()
    return (
        Document.objects.count(),
        list(DocumentSequence.objects.values_list("kind", "year", "last")),
        Event.objects.filter(subject_type="item", subject_id=item.pk).count(),
        item.updated_at,
        item.status,
    )


def test_a_draft_is_laid_out_from_the_item_and_writes_nothing(world):
    item = item_in(world, ItemStatus.ASSIGNED)
    before = _snapshot(item)
    made = services.document_draft(kind=NOTICE, subject=item, actor=world.user("office"), inputs=CONTACT)
    text = _text(made.docx)
    assert "督办通知单" in text and item.title in text and item.number in text
    assert "示范县发展和改革局" in text or world.departments["fgw"].name in text
    assert "联系人：王明" in text and "回" in text
    assert _snapshot(item) == before


def test_issuing_numbers_each_kind_per_government_and_year_without_gaps(world, today):
    office = world.user("office")
    items = [item_in(world, ItemStatus.ASSIGNED, title=f"事项{n}") for n in range(3)]
    numbers = [
        services.document_issue(kind=NOTICE, subject=item, actor=office, inputs=CONTACT).number
        for item in items
    ]
    assert numbers == [f"示范县督办〔{today.year}〕{n}号" for n in (1, 2, 3)]
    # A refused issue (a missing field) takes no number; another kind counts on its own.
    with pytest.raises(ValidationFailed):
        services.document_issue(kind=CHASE, subject=items[0], actor=office, inputs={"contact_name": ""})
    chase = services.document_issue(kind=CHASE, subject=items[0], actor=office, inputs=CONTACT)
    assert chase.number == f"示范县督催〔{today.year}〕1号"
    assert DocumentSequence.objects.get(kind="supervision_notice", year=today.year).last == 3


def test_an_issued_document_is_frozen_with_its_sha256_and_on_the_timeline(world):
    item = item_in(world, ItemStatus.ASSIGNED)
    office = world.user("office")
    document = services.document_issue(kind=NOTICE, subject=item, actor=office, inputs=CONTACT)
    data = services.document_docx(document)
    assert hashlib.sha256(data).hexdigest() == document.docx_sha256
    assert document.number in _text(data)
    event = Event.objects.get(subject_type="item", subject_id=item.pk, event_type=EventType.DOCUMENT_ISSUED)
    assert event.new["number"] == document.number and event.new["sha256"] == document.docx_sha256

    before = _snapshot(item)
    with pytest.raises(InvalidState) as refused:
        services.document_issue(
            kind=NOTICE, subject=item, actor=office, inputs={**CONTACT, "contact_name": "李四"}
        )
    assert refused.value.code == codes.DOCUMENT_ALREADY_ISSUED
    assert _snapshot(item) == before
    assert services.document_docx(document) == data


def test_a_correction_is_a_new_version_under_the_same_number_with_its_reason(world):
    item = item_in(world, ItemStatus.ASSIGNED)
    office = world.user("office")
    first = services.document_issue(kind=NOTICE, subject=item, actor=office, inputs=CONTACT)
    with pytest.raises(ValidationFailed) as no_reason:
        services.document_correct(
            document_id=first.pk, subject=item, actor=office, inputs={"contact_name": "李四"}, reason=" "
        )
    assert no_reason.value.code == codes.DOCUMENT_CORRECTION_REASON_REQUIRED
    second = services.document_correct(
        document_id=first.pk, subject=item, actor=office, inputs={"contact_name": "李四"}, reason="联系人调整"
    )
    assert (second.number, second.version, second.previous_id) == (first.number, 2, first.pk)
    assert "联系人：李四" in _text(services.document_docx(second))
    assert "联系人：王明" in _text(services.document_docx(first))  # the old version is kept as it was
    assert second.correction_reason == "联系人调整"
    with pytest.raises(InvalidState) as superseded:
        services.document_correct(
            document_id=first.pk, subject=item, actor=office, inputs={}, reason="再次更正"
        )
    assert superseded.value.code == codes.DOCUMENT_SUPERSEDED
    assert Document.objects.filter(subject_id=item.pk).count() == 2
    assert Event.objects.filter(
        subject_type="item", subject_id=item.pk, event_type=EventType.DOCUMENT_CORRECTED
    ).exists()


def test_a_missing_field_is_refused_naming_it_in_chinese_and_takes_no_number(world):
    item = item_in(world, ItemStatus.ASSIGNED)
    before = _snapshot(item)
    with pytest.raises(ValidationFailed) as refused:
        services.document_issue(
            kind=NOTICE,
            subject=item,
            actor=world.user("office"),
            inputs={"contact_name": "", "contact_phone": "", "requirements": "  "},
        )
    assert refused.value.code == codes.DOCUMENT_FIELD_MISSING
    assert set(refused.value.fields) == {"contact_name", "contact_phone", "requirements"}
    assert "联系人" in refused.value.fields["contact_name"]
    assert _snapshot(item) == before


def test_only_the_office_issues_and_a_refusal_changes_nothing(world):
    item = item_in(world, ItemStatus.ASSIGNED)
    before = _snapshot(item)
    for username in ("fgw", "leader"):
        with pytest.raises(NotPermitted):
            services.document_issue(kind=NOTICE, subject=item, actor=world.user(username), inputs=CONTACT)
        with pytest.raises(NotPermitted):
            services.document_draft(kind=NOTICE, subject=item, actor=world.user(username), inputs=CONTACT)
    assert _snapshot(item) == before


def test_a_notice_needs_an_assigned_item(world):
    item = make_item(world)
    with pytest.raises(InvalidState) as refused:
        services.document_draft(kind=NOTICE, subject=item, actor=world.user("office"), inputs=CONTACT)
    assert refused.value.code == codes.DOCUMENT_NOT_AVAILABLE


def test_the_receipt_shows_the_signatures_and_is_never_issued(world):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    office = world.user("office")
    made = services.document_draft(kind=KINDS["receipt"], subject=item, actor=office, inputs={})
    text = _text(made.docx)
    assert "签收" in text and world.user("fgw").full_name in text and "尚未签收" in text  # the co-unit
    with pytest.raises(InvalidState):
        services.document_issue(kind=KINDS["receipt"], subject=item, actor=office, inputs={})


@pytest.mark.parametrize(
    ("today", "chases", "level"),
    [
        (datetime.date(2026, 11, 18), 0, "blue"),  # before the due date
        (datetime.date(2026, 12, 2), 0, "yellow"),  # a few working days overdue
        (datetime.date(2026, 12, 31), 0, "red"),  # more than ten working days overdue
        (datetime.date(2026, 11, 18), 2, "red"),  # chased twice
    ],
)
def test_the_chase_notice_turns_blue_yellow_red_with_the_delay(world, today, chases, level):
    from ducha.documents.kinds.items import chase_level
    from ducha.reminders.models import Chase

    item = item_in(world, ItemStatus.IN_PROGRESS)
    Item.objects.filter(pk=item.pk).update(due_date=datetime.date(2026, 11, 27))
    item.refresh_from_db()
    for n in range(chases):
        Chase.objects.create(
            item=item,
            unit=world.departments["fgw"],
            actor=world.user("office"),
            text=f"催办{n}",
            created_at=datetime.datetime(2026, 11, 10 + n, 2, tzinfo=datetime.UTC),
        )
    assert chase_level(item, today) == level


def test_the_pdf_is_made_once_from_the_frozen_docx_and_kept_with_its_sha256(world, pdf_engine):
    item = item_in(world, ItemStatus.ASSIGNED)
    document = services.document_issue(kind=NOTICE, subject=item, actor=world.user("office"), inputs=CONTACT)
    data = services.document_pdf(document)
    assert data.startswith(b"%PDF-")
    document.refresh_from_db()
    assert document.pdf_sha256 == hashlib.sha256(data).hexdigest()
    assert services.document_pdf(document) == data  # kept, not converted again
    archival = services.document_pdf(document, archival=True)
    assert b"pdfaid:part" in archival  # PDF/A for the archives


def test_without_an_engine_the_pdf_is_refused_saying_why(world, settings):
    from ducha.documents.pdf import PdfUnavailable

    settings.DUCHA_PDF_ENGINE = "127.0.0.1:9"  # nothing listens there
    item = item_in(world, ItemStatus.ASSIGNED)
    document = services.document_issue(kind=NOTICE, subject=item, actor=world.user("office"), inputs=CONTACT)
    with pytest.raises(PdfUnavailable) as refused:
        services.document_pdf(document)
    assert refused.value.code == codes.DOCUMENT_PDF_UNAVAILABLE
    document.refresh_from_db()
    assert not document.pdf and not document.pdf_sha256


def test_reading_a_secret_items_documents_is_logged_as_a_read_of_the_item(world):
    from ducha.documents import selectors

    item = item_in(world, ItemStatus.ASSIGNED, confidentiality="secret")
    reads = Event.objects.filter(subject_type="item", subject_id=item.pk, event_type=EventType.ITEM_VIEWED)
    before = reads.count()
    selectors.subject_for_user(world.user("fgw"), "item", item.pk)
    assert reads.count() == before + 1


def test_a_bulletin_is_addressed_by_the_governments_level(world):
    from ducha.documents.kinds.base import default_recipients

    assert default_recipients(world.county) == "各乡镇人民政府，县直各部门"
    assert default_recipients(world.city) == "各县（市、区）人民政府，市直各部门"
    kind = KINDS["bulletin"]
    assert kind.defaults(world.city, services.profile_for(world.city))["recipients"].startswith("各县")


def test_a_missing_or_altered_stored_file_is_refused_clearly(world):
    item = item_in(world, ItemStatus.ASSIGNED)
    document = services.document_issue(kind=NOTICE, subject=item, actor=world.user("office"), inputs=CONTACT)
    path = document.docx.path
    with open(path, "ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(InvalidState) as altered:
        services.document_docx(document)
    assert altered.value.code == codes.DOCUMENT_FILE_DAMAGED
    import os

    os.remove(path)
    with pytest.raises(InvalidState) as missing:
        services.document_docx(document)
    assert missing.value.code == codes.DOCUMENT_FILE_DAMAGED
