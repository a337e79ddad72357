"""The archive dossier (归档): one folder per archived item or closed inspection with its documents (every version),
attachments or evidence as uploaded, the record of the matter, the 卷内目录 and a manifest of every file's SHA-256;
`ducha archive export --year` writes the year's dossiers (Beijing time), `ducha archive verify` finds a missing, an
altered and an unlisted file and an edited manifest."""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from docx import Document as Docx

from ducha.audit.models import Event, EventType
from ducha.common.errors import InvalidState
from ducha.documents import archive, services
from ducha.documents.kinds import KINDS
from ducha.inspections import services as inspection_services
from ducha.inspections.lifecycle import InspectionStatus
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Confidentiality, Item
from ducha.items.services import item_attachment_add
from tests.clock import moment
from tests.helpers import advance, item_in
from tests.inspections.helpers import advance as inspection_advance
from tests.inspections.helpers import inspection_in, photo

pytestmark = pytest.mark.django_db

NOTICE = KINDS["supervision_notice"]
CONTACT = {"contact_name": "王明", "contact_phone": "0931-1234567"}
PHOTO = (
    b"\xff\xd8\xff\xe0 a photo of the finished courtyard " * 1000
)  # ~40 kB, more than one read of a small buffer


def _text(data: bytes) -> str:
    document = Docx(io.BytesIO(data))
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def _archived_item(world, **fields) -> tuple[Item, object, object]:
    """An item with an issued 督办通知单 and a unit's attachment, driven to archived."""
    item = item_in(world, ItemStatus.IN_PROGRESS, **fields)
    notice = services.document_issue(kind=NOTICE, subject=item, actor=world.user("office"), inputs=CONTACT)
    attachment = item_attachment_add(
        item_id=item.pk,
        actor=world.user("fgw"),
        upload=SimpleUploadedFile("改造完成照片.jpg", PHOTO, content_type="image/jpeg"),
    )
    return advance(world, item, ItemStatus.ARCHIVED), notice, attachment


def _export(out: Path, year: int) -> str:
    stdout = StringIO()
    call_command(
        "archive", "export", "--year", str(year), "--out", str(out), stdout=stdout, stderr=StringIO()
    )
    return stdout.getvalue()


def _verify(path: Path) -> tuple[str, int]:
    stdout = StringIO()
    try:
        call_command("archive", "verify", str(path), stdout=stdout, stderr=StringIO())
    except CommandError as error:
        return stdout.getvalue() + str(error), error.returncode
    return stdout.getvalue(), 0


@pytest.fixture
def out(tmp_path) -> Path:
    """Where the dossiers go (tmp_path also holds the test's uploads)."""
    return tmp_path / "archive"


@pytest.fixture
def exported(world, out):
    """The year's export with one archived item: (item, notice, attachment, its dossier's folder)."""
    item, notice, attachment = _archived_item(world)
    year = timezone.localtime(item.archived_at).year
    _export(out, year)
    (folder,) = (out / str(year)).iterdir()
    return item, notice, attachment, folder


def test_the_dossier_holds_every_file_with_its_sha256_and_verifies(world, exported):
    item, notice, attachment, folder = exported
    manifest = _manifest(folder)

    # 档号 {fonds}-{year}-{retention}-{series}{serial}: a meeting decision is kept 30 years, the first of the year.
    year = manifest["year"]
    assert manifest["archival_code"] == folder.name == f"G{item.government_id:03d}-{year}-D30-DB0001"
    assert manifest["retention"] == {"code": "D30", "label": "30年", "basis": "事项来源：会议决定"}
    assert manifest["fonds_configured"] is False
    assert manifest["subject"]["number"] == item.number and manifest["subject"]["id"] == item.pk

    # The files on disk are exactly those listed (with the manifest and its sidecar), each with its SHA-256.
    listed = {entry["path"]: entry for entry in manifest["files"]}
    on_disk = {path.name for path in folder.iterdir()}
    assert on_disk == set(listed) | {"manifest.json", "manifest.sha256"}
    for path, entry in listed.items():
        data = (folder / path).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest() and entry["size"] == len(data)
    assert listed["001-record.docx"]["role"] == "record"
    assert set(listed) == {
        "000-index.docx",
        "001-record.docx",
        "002-supervision_notice-v1.docx",
        "003-改造完成照片.jpg",
    }
    # The notice as issued, the photo as uploaded.
    assert listed["002-supervision_notice-v1.docx"]["sha256"] == notice.docx_sha256
    assert (folder / "003-改造完成照片.jpg").read_bytes() == PHOTO
    assert listed["003-改造完成照片.jpg"]["sha256"] == attachment.sha256

    # The 卷内目录: one row per 件, and the hand-over record with the receiver left to fill.
    assert [(e["seq"], e["number"], e["title"]) for e in manifest["entries"]] == [
        (1, "", f"{item.number}《{item.title}》督查事项办理情况记录"),
        (2, notice.number, notice.title),
        (3, "", "改造完成照片.jpg"),
    ]
    handover = manifest["handover"]
    assert handover["transferring_unit"] == "示范县人民政府督查室" and handover["pieces"] == 3
    assert (handover["received_by"], handover["received_at"]) == ("", "")
    index = _text((folder / "000-index.docx").read_bytes())
    assert "卷内目录" in index and manifest["archival_code"] in index and "30年" in index
    assert notice.number in index and "改造完成照片.jpg" in index and "接收人" in index

    # The record of the matter, in Chinese: the report, the review, the timeline.
    record = _text((folder / "001-record.docx").read_bytes())
    assert item.title in record and "已全部完成改造任务。" in record and "同意办结。" in record
    assert "办理过程记录" in record and "已签收" in record and "已归档" in record
    assert "第3件：改造完成照片.jpg" in record

    # No engine in the tests: no PDF, and the manifest says why.
    assert manifest["pdf"]["available"] is False and "DUCHA_PDF_ENGINE" in manifest["pdf"]["reason"]
    assert not list(folder.glob("*.pdf"))

    result = archive.dossier_verify(folder)
    assert result.ok and result.files == 4 and result.code == manifest["archival_code"]
    output, status = _verify(folder)
    assert status == 0 and "1" in output and "4" in output

    # Writing it is on the item's timeline, with the manifest's own SHA-256.
    from ducha.audit.models import Event, EventType

    [event] = Event.objects.filter(
        subject_type="item", subject_id=item.pk, event_type=EventType.DOSSIER_EXPORTED
    )
    sidecar = (folder / "manifest.sha256").read_text().split()[0]
    assert event.new == {"code": folder.name, "files": 4, "manifest_sha256": sidecar}


def test_a_file_changed_by_one_byte_is_detected_and_named(exported):
    *_rest, folder = exported
    path = folder / "003-改造完成照片.jpg"
    data = bytearray(path.read_bytes())
    data[1000] ^= 0x01
    path.write_bytes(bytes(data))

    result = archive.dossier_verify(folder)
    assert (result.altered, result.missing, result.extra, result.manifest) == (
        ["003-改造完成照片.jpg"],
        [],
        [],
        "",
    )
    output, status = _verify(folder)
    assert status == 1 and "003-改造完成照片.jpg" in output


def test_a_deleted_and_an_extra_file_are_detected(exported):
    *_rest, folder = exported
    (folder / "002-supervision_notice-v1.docx").unlink()
    (folder / "notes.txt").write_text("not part of the dossier")

    result = archive.dossier_verify(folder)
    assert result.missing == ["002-supervision_notice-v1.docx"]
    assert result.extra == ["notes.txt"] and result.altered == []
    output, status = _verify(folder.parent)  # the year's folder
    assert status == 1 and "002-supervision_notice-v1.docx" in output and "notes.txt" in output


def test_an_edited_manifest_is_detected(exported):
    *_rest, folder = exported
    manifest = _manifest(folder)
    manifest["retention"]["code"] = "D10"
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")

    result = archive.dossier_verify(folder)
    assert result.manifest == archive.MANIFEST_ALTERED and not result.ok
    assert (result.missing, result.altered, result.extra) == ([], [], [])
    output, status = _verify(folder)
    assert status == 1 and "manifest.json" in output

    (folder / "manifest.sha256").unlink()
    assert archive.dossier_verify(folder).manifest == archive.SIDECAR_MISSING


def test_a_file_named_in_the_manifest_outside_the_dossier_is_refused(exported):
    *_rest, folder = exported
    manifest = _manifest(folder)
    manifest["files"].append({"path": "../outside.txt", "sha256": "0" * 64, "size": 0})
    data = (json.dumps(manifest) + "\n").encode()
    (folder / "manifest.json").write_bytes(data)
    (folder / "manifest.sha256").write_text(f"{hashlib.sha256(data).hexdigest()}  manifest.json\n")

    result = archive.dossier_verify(folder)
    assert result.unsafe == ["../outside.txt"] and result.manifest == "" and not result.ok


def test_the_commands_exit_codes_and_errors(world, out, today):
    for year in ("twenty", "1900", str(today.year + 1)):
        with pytest.raises(CommandError) as refused:
            _export(out, year)  # type: ignore[arg-type]
        assert year in str(refused.value)
    with pytest.raises(CommandError) as unknown:
        call_command("archive", "export", "--year", str(today.year), "--out", str(out), "--by", "nobody")
    assert "nobody" in str(unknown.value)

    # Nothing archived: an empty year exports nothing and says so; verifying it finds no dossier.
    assert "0" in _export(out, today.year)
    output, status = _verify(out / str(today.year))
    assert status == 1 and str(out) in output
    with pytest.raises(CommandError) as missing:
        call_command("archive", "verify", str(out / "nowhere"), stdout=StringIO())
    assert "nowhere" in str(missing.value)


def test_a_missing_path_from_the_shell_is_one_line_and_a_non_zero_exit(tmp_path):
    ducha = Path(sys.executable).with_name("ducha")
    result = subprocess.run(
        [str(ducha), "archive", "verify", str(tmp_path / "nowhere")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "nowhere" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_year_is_beijings_and_other_years_are_not_exported(world, time_machine, out):
    # 23:30 on New Year's Eve in Beijing, and 07:30 on New Year's Day — still 31 December in UTC.
    time_machine.move_to(moment(2025, 12, 31, 23, 30), tick=True)
    old_year, *_rest = _archived_item(world, title="年末归档的事项")
    time_machine.move_to(moment(2026, 1, 1, 7, 30), tick=True)
    new_year, *_rest = _archived_item(world, title="元旦归档的事项")
    assert new_year.archived_at.astimezone(datetime.UTC).year == 2025  # but 2026 in Beijing
    time_machine.move_to(moment(2026, 3, 2, 10), tick=True)

    _export(out, 2026)
    (folder,) = (out / "2026").iterdir()
    assert _manifest(folder)["subject"]["id"] == new_year.pk and folder.name.endswith("-2026-D30-DB0001")
    _export(out, 2025)
    (folder,) = (out / "2025").iterdir()
    assert _manifest(folder)["subject"]["id"] == old_year.pk and folder.name.endswith("-2025-D30-DB0001")


def test_the_scheme_follows_the_settings_and_a_dossier_keeps_its_number(world, settings, out):
    settings.DUCHA_ARCHIVE_FONDS = {"示范县人民政府": "J012"}
    settings.DUCHA_ARCHIVE_RETENTION = {"item:meeting_decision": "Y"}
    settings.DUCHA_ARCHIVE_RECEIVER = "示范县档案馆"
    first, *_rest = _archived_item(world)
    routine = item_in(world, ItemStatus.ARCHIVED, title="群众反映路灯不亮", source_type="public_report")

    dossier = archive.dossier_write("item", first, out, actor=world.user("office"))
    year = dossier.filing.year
    assert dossier.filing.code == f"J012-{year}-Y-DB0001" and dossier.path == out / f"J012-{year}-Y-DB0001"
    manifest = _manifest(dossier.path)
    assert manifest["fonds_configured"] is True and manifest["retention"]["label"] == "永久"
    assert manifest["handover"]["transferred_by"] == world.user("office").full_name
    assert manifest["handover"]["receiving_unit"] == "示范县档案馆"
    assert archive.dossier_write("item", routine, out).filing.code == f"J012-{year}-D10-DB0002"

    # Written again, the same 档号 replaces the earlier folder, and nothing is left beside it.
    again = archive.dossier_write("item", first, out)
    assert again.path == dossier.path and archive.dossier_verify(again.path).ok
    assert sorted(path.name for path in out.iterdir()) == [
        f"J012-{year}-D10-DB0002",
        f"J012-{year}-Y-DB0001",
    ]


def test_only_an_archived_item_is_filed(world, out):
    item = item_in(world, ItemStatus.CLOSED)
    with pytest.raises(InvalidState):
        archive.dossier_write("item", item, out)
    assert not out.exists() or list(out.iterdir()) == []


def test_every_version_of_a_document_is_filed_and_a_changed_upload_is_flagged(world, out, settings):
    item = item_in(world, ItemStatus.IN_PROGRESS, confidentiality=Confidentiality.SECRET)
    office = world.user("office")
    first = services.document_issue(kind=NOTICE, subject=item, actor=office, inputs=CONTACT)
    second = services.document_correct(
        document_id=first.pk, subject=item, actor=office, inputs={"contact_name": "李四"}, reason="联系人调整"
    )
    attachment = item_attachment_add(
        item_id=item.pk,
        actor=office,
        upload=SimpleUploadedFile("说明.txt", b"original", content_type="text/plain"),
    )
    item = advance(world, item, ItemStatus.ARCHIVED)
    Path(attachment.file.path).write_bytes(b"changed on the server")

    dossier = archive.dossier_write("item", item, out, actor=office)
    manifest = _manifest(dossier.path)
    documents = [entry for entry in manifest["entries"] if entry["number"]]
    assert [(entry["number"], entry["files"]) for entry in documents] == [
        (first.number, ["002-supervision_notice-v1.docx"]),
        (second.number, ["003-supervision_notice-v2.docx"]),
    ]
    assert "已被第2版更正" in documents[0]["note"] and "更正第1版：联系人调整" in documents[1]["note"]
    assert manifest["secrecy"] == "秘密"
    changed = next(entry for entry in manifest["entries"] if entry["title"] == "说明.txt")
    assert "SHA-256不符" in changed["note"] and len(manifest["problems"]) == 1
    # The copy is what the server holds now, and the dossier verifies as written.
    assert archive.dossier_verify(dossier.path).ok
    # The export read a secret item: on its record, against the person handing over.
    assert Event.objects.filter(
        subject_type="item", subject_id=item.pk, event_type=EventType.ITEM_VIEWED, actor=office
    ).exists()


def test_a_closed_inspection_is_filed_with_its_evidence_once_per_file(world, out):
    inspection = inspection_in(world, InspectionStatus.CONCLUDING)
    office = world.user("office")
    finding = inspection.findings.get()
    for name in ("site.jpg", "again.jpg"):  # the same bytes twice: one file
        inspection_services.finding_evidence_add(
            inspection_id=inspection.pk, finding_id=finding.pk, actor=office, upload=photo(name=name)
        )
    inspection = inspection_advance(world, inspection, InspectionStatus.CLOSED)

    dossier = archive.dossier_write("inspection", inspection, out)
    manifest = _manifest(dossier.path)
    assert dossier.filing.code.endswith(
        f"-{dossier.filing.year}-D30-DC0001"
    )  # a special inspection: 30 years
    evidence = [entry for entry in manifest["files"] if entry["role"] == "evidence"]
    assert len(evidence) == 1 and evidence[0]["path"].endswith("-site.jpg")
    record = _text((dossier.path / "001-record.docx").read_bytes())
    for heading in ("发现问题", "督查结论", "复核", "整改", "办理过程记录"):
        assert heading in record
    assert "改造资金拨付滞后" in record and "维持原结论。" in record and "资金已全部拨付。" in record
    assert archive.dossier_verify(dossier.path).ok


def test_with_the_engine_every_docx_the_office_wrote_comes_as_pdf_a(world, out, pdf_engine):
    import pdfplumber

    item, _notice, _attachment = _archived_item(world)
    dossier = archive.dossier_write("item", item, out)
    manifest = _manifest(dossier.path)
    assert manifest["pdf"] == {"available": True, "reason": "", "format": "PDF/A-2b"}
    pdfs = sorted(path.name for path in dossier.path.glob("*.pdf"))
    assert pdfs == ["000-index.pdf", "001-record.pdf", "002-supervision_notice-v1.pdf"]
    listed = {entry["path"]: entry for entry in manifest["files"]}
    for name in pdfs:
        data = (dossier.path / name).read_bytes()
        assert data.startswith(b"%PDF") and b"pdfaid:part" in data
        assert (
            listed[name]["format"] == "pdf/a-2b"
            and listed[name]["sha256"] == hashlib.sha256(data).hexdigest()
        )
    # The 页数 of the 卷内目录 is the PDF's.
    with pdfplumber.open(dossier.path / "001-record.pdf") as document:
        assert manifest["entries"][0]["pages"] == len(document.pages)
    assert re.search(r"\d+页", _text((dossier.path / "000-index.docx").read_bytes()))
    assert archive.dossier_verify(dossier.path).ok


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1, "一"),
        (10, "十"),
        (12, "十二"),
        (20, "二十"),
        (99, "九十九"),
        (105, "一百零五"),
        (110, "一百一十"),
        (2003, "二千零三"),
    ],
)
def test_headings_are_numbered_in_chinese_however_many(n, text):
    from ducha.documents.archive.record import chinese_number

    assert chinese_number(n) == text
