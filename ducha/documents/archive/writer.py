"""Writing a dossier: its files, the 卷内目录, the manifest and its sidecar; and the year's export."""

from __future__ import annotations

import contextlib
import datetime
import functools
import hashlib
import io
import json
import re
import shutil
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from docx import Document as Docx
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from ducha.audit.models import EventType
from ducha.audit.services import event_record
from ducha.documents import pdf
from ducha.documents.archive.record import (
    Source,
    attachment_sources,
    document_sources,
    evidence_sources,
    evidence_uses,
    inspection_record,
    iso,
    item_record,
    person_name,
    when,
)
from ducha.documents.archive.scheme import (
    CHUNK,
    FORMAT,
    MANIFEST,
    SIDECAR,
    ArchiveError,
    Filing,
    filed_in,
    filing_for,
    safe_name,
)
from ducha.documents.layout import FANGSONG, HEITI, LATIN, Block, Content, render_docx, writable
from ducha.documents.models import Document
from ducha.documents.services import document_pdf, profile_for
from ducha.inspections.models import (
    EvidenceUse,
)
from ducha.items.models import (
    Confidentiality,
)
from ducha.items.services import item_view_record
from ducha.orgs.models import User

_PDF_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")
# The 卷内目录's table goes where this line of its text is; its cells' margins.
TABLE_ANCHOR = "〔卷内文件目录〕"
CELL_MARGIN_TWIPS = 57  # 1 mm


def pdf_pages(data: bytes) -> int | None:
    """The number of pages of a PDF as LibreOffice writes it (one /Type /Page object each)."""
    return len(_PDF_PAGE.findall(data)) or None


class PdfState:
    """Whether PDF/A can be made, asked once per export; the first failure turns it off with its reason."""

    def __init__(self) -> None:
        self.reason: str | None = pdf.pdf_unavailable()

    def convert(self, make: Callable[[], bytes]) -> bytes | None:
        if self.reason is not None:
            return None
        try:
            return make()
        except pdf.PdfUnavailable as error:
            self.reason = error.message
            return None


@dataclass
class FileRecord:
    path: str
    sha256: str
    size: int
    title: str
    role: str  # record | document | attachment | evidence | index
    format: str  # docx | pdf/a-2b | original
    entry: int | None


@dataclass
class Entry:
    """One row of the 卷内目录."""

    seq: int
    number: str
    responsible: str
    title: str
    date: datetime.date
    note: str = ""
    pages: int | None = None
    files: list[str] = field(default_factory=list)


class _Folder:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: list[FileRecord] = []

    def write(
        self, name: str, data: bytes, *, title: str, role: str, form: str, entry: int | None
    ) -> FileRecord:
        (self.root / name).write_bytes(data)
        return self._add(
            FileRecord(name, hashlib.sha256(data).hexdigest(), len(data), title, role, form, entry)
        )

    def copy(self, name: str, source: IO[bytes], *, title: str, role: str, entry: int | None) -> FileRecord:
        digest, size = hashlib.sha256(), 0
        with (self.root / name).open("wb") as target:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                target.write(chunk)
        return self._add(FileRecord(name, digest.hexdigest(), size, title, role, "original", entry))

    def _add(self, record: FileRecord) -> FileRecord:
        self.files.append(record)
        return record


@dataclass(frozen=True)
class Dossier:
    """A dossier written: where, under which 档号, and how much."""

    path: Path
    filing: Filing
    entries: int
    files: int
    pdf_reason: str | None
    problems: list[str]  # sources that could not be read as stored (missing, changed since upload)


def _subject_title(filing: Filing) -> tuple[str, str]:
    """(number, title) of the matter as the dossier's 案卷题名 names it."""
    subject = filing.subject
    if filing.subject_type == "item":
        return subject.number, f"{subject.number}《{subject.title}》督查事项办理材料"
    return "", f"{subject.year}年《{subject.topic}》督查活动材料"


def _secrecy(filing: Filing) -> str:
    if filing.subject_type == "item" and filing.subject.confidentiality == Confidentiality.SECRET:
        return "秘密"
    return ""


def _copy_source(folder: _Folder, source: Source, name: str, entry: Entry, problems: list[str]) -> None:
    """The bytes as stored, checked against the SHA-256 taken when they were uploaded or issued."""
    file_field = source.obj.docx if source.kind == "document" else source.obj.file
    expected = source.obj.docx_sha256 if source.kind == "document" else source.obj.sha256
    try:
        handle = file_field.open("rb")
    except (FileNotFoundError, OSError):
        entry.note = "；".join(filter(None, [entry.note, "原文件缺失"]))
        problems.append(_("%(title)s: the stored file is missing.") % {"title": source.title})
        return
    with handle:
        record = folder.copy(name, handle, title=source.title, role=source.kind, entry=entry.seq)
    if source.kind == "document":
        record.format = "docx"
    entry.files.append(name)
    if expected and record.sha256 != expected:
        entry.note = "；".join(filter(None, [entry.note, "与上传或签发时的SHA-256不符"]))
        problems.append(
            _("%(title)s: the stored file differs from the one uploaded or issued (SHA-256).")
            % {"title": source.title}
        )


def _index_docx(content: Content, entries: list[Entry]) -> bytes:
    """The 卷内目录: the office's 公文 layout with the table put where the text holds its place."""
    # 序号, 日期 and 页数 centred; the widths add up to the 版心's 156 mm, each cell 1 mm in from its lines.
    columns = [
        ("序号", 10, True),
        ("文号", 33, False),
        ("责任者", 25, False),
        ("题名", 41, False),
        ("日期", 20, True),
        ("页数/文件", 14, True),
        ("备注", 13, False),
    ]
    document = Docx(io.BytesIO(render_docx(content)))
    anchor = next(paragraph for paragraph in document.paragraphs if paragraph.text == TABLE_ANCHOR)
    table = document.add_table(rows=1 + len(entries), cols=len(columns))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), str(CELL_MARGIN_TWIPS))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    # In the schema's place: before tblLook and tblCaption, which python-docx's template may hold.
    later = table._tbl.tblPr.find(qn("w:tblLook"))
    if later is not None:
        later.addprevious(margins)
    else:
        table._tbl.tblPr.append(margins)
    for column, (_label_text, width, _centred) in zip(table.columns, columns, strict=True):
        column.width = Mm(width)
    values = [[label for label, _width, _centred in columns]] + [
        [
            str(entry.seq),
            entry.number,
            entry.responsible,
            entry.title,
            entry.date.strftime("%Y%m%d"),  # DA/T 22-2015: eight digits
            f"{entry.pages}页" if entry.pages else f"{len(entry.files)}个文件",
            entry.note,
        ]
        for entry in entries
    ]
    for row_index, (row, texts) in enumerate(zip(table.rows, values, strict=True)):
        # A row stays on one page; the header row repeats on every page.
        row_properties = row._tr.get_or_add_trPr()
        for tag in ("w:cantSplit", "w:tblHeader") if row_index == 0 else ("w:cantSplit",):
            element = OxmlElement(tag)
            element.set(qn("w:val"), "true")
            row_properties.append(element)
        for cell, text, (_label_text, width, centred) in zip(row.cells, texts, columns, strict=True):
            cell.width = Mm(width)
            paragraph = cell.paragraphs[0]
            paragraph.alignment = (
                WD_ALIGN_PARAGRAPH.CENTER if row_index == 0 or centred else WD_ALIGN_PARAGRAPH.LEFT
            )
            # Off the page's line grid, or every line of a cell would take a body line's 29 pt.
            snap = OxmlElement("w:snapToGrid")
            snap.set(qn("w:val"), "0")
            paragraph._p.get_or_add_pPr().insert(0, snap)
            paragraph.paragraph_format.line_spacing = Pt(15)
            run = paragraph.add_run(writable(text))
            run.font.size = Pt(10.5)  # 五号
            fonts = run._r.get_or_add_rPr().get_or_add_rFonts()
            fonts.set(qn("w:ascii"), LATIN)
            fonts.set(qn("w:hAnsi"), LATIN)
            fonts.set(qn("w:eastAsia"), HEITI if row_index == 0 else FANGSONG)
    anchor._p.addnext(table._tbl)
    anchor._p.getparent().remove(anchor._p)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@contextlib.contextmanager
def _staged(parent: Path, name: str) -> Iterator[Path]:
    """A hidden folder to write the dossier in, put in place of an earlier one of the same 档号 when it is
    complete (a new export replaces the old), removed if anything fails: no half-written dossier is left."""
    staging, final = parent / f".{name}.partial", parent / name
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        yield staging
        if final.exists():
            old = parent / f".{name}.old"
            shutil.rmtree(old, ignore_errors=True)
            final.rename(old)
            staging.rename(final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            staging.rename(final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _sources(filing: Filing) -> tuple[list[Source], list[EvidenceUse]]:
    """The 件 after the record, by date, numbered from 2: the documents issued, an item's attachments, an
    inspection's evidence files (and the uses of those, which the record cites)."""
    sources = document_sources(filing)
    uses: list[EvidenceUse] = []
    if filing.subject_type == "item":
        sources += attachment_sources(filing.subject)
    else:
        uses = evidence_uses(filing.subject)
        sources += evidence_sources(uses)
    sources.sort(key=lambda s: (s.moment, s.kind != "document", s.obj.pk))
    for seq, source in enumerate(sources, start=2):
        source.seq = seq
    return sources, uses


def _write_sources(
    folder: _Folder, sources: list[Source], width: int, engine: PdfState, problems: list[str]
) -> list[Entry]:
    entries = []
    for source in sources:
        moment = timezone.localdate(source.moment)
        entry = Entry(source.seq, source.number, source.responsible, source.title, moment, source.note)
        entries.append(entry)
        prefix = f"{source.seq:0{width}d}"
        if source.kind != "document":
            name = f"{prefix}-{safe_name(source.obj.original_name)}"
            _copy_source(folder, source, name, entry, problems)
            continue
        document: Document = source.obj
        name = f"{prefix}-{document.kind}-v{document.version}"
        _copy_source(folder, source, f"{name}.docx", entry, problems)
        if not entry.files:
            continue
        data = engine.convert(functools.partial(document_pdf, document, archival=True))
        if data is not None:
            folder.write(
                f"{name}.pdf", data, title=source.title, role="document", form="pdf/a-2b", entry=entry.seq
            )
            entry.files.append(f"{name}.pdf")
            entry.pages = pdf_pages(data)
    return entries


def _write(filing: Filing, parent: Path, *, actor: User | None, engine: PdfState) -> Dossier:
    subject = filing.subject
    if (
        actor is not None
        and filing.subject_type == "item"
        and subject.confidentiality == Confidentiality.SECRET
    ):
        item_view_record(item=subject, actor=actor)  # every read of a secret item is on its record
    profile = profile_for(filing.government)
    sources, uses = _sources(filing)
    width = max(3, len(str(len(sources) + 1)))
    today = timezone.localdate()
    number, dossier_title = _subject_title(filing)
    secrecy = _secrecy(filing)
    problems: list[str] = []
    with _staged(parent, filing.folder_name) as staging:
        folder = _Folder(staging)
        # 1: the record of the matter; then the documents, attachments and evidence.
        if filing.subject_type == "item":
            title, body = "督查事项办理情况记录", item_record(subject, sources)
        else:
            title, body = "督查活动办理情况记录", inspection_record(subject, sources, uses)
        record = Entry(1, "", profile.issuer, f"{dossier_title.removesuffix('材料')}情况记录", today)
        content = Content(
            mark=profile.mark,
            title=title,
            number=f"档号：{filing.code}",
            body=body,
            date=today,
            signature=profile.issuer,
            secrecy=secrecy,
        )
        _docx_and_pdf(folder, f"{1:0{width}d}-record", render_docx(content), record, "record", engine)
        entries = [record, *_write_sources(folder, sources, width, engine, problems)]

        # 0: the 卷内目录 with the hand-over record; then the manifest and its sidecar.
        handover = {
            "transferring_unit": profile.issuer,
            "transferred_by": person_name(actor),
            "transferred_at": iso(timezone.now()),
            "pieces": len(entries),
            "receiving_unit": str(getattr(settings, "DUCHA_ARCHIVE_RECEIVER", "")),
            "received_by": "",
            "received_at": "",
        }
        index_content = _index_content(
            filing, profile.mark, profile.issuer, dossier_title, secrecy, handover, engine, today
        )
        index = Entry(0, "", profile.issuer, "卷内目录", today)
        _docx_and_pdf(
            folder, f"{0:0{width}d}-index", _index_docx(index_content, entries), index, "index", engine
        )
        manifest = _manifest(
            filing, number, dossier_title, secrecy, entries, folder.files, handover, engine, problems
        )
        data = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode()
        (staging / MANIFEST).write_bytes(data)
        manifest_sha256 = hashlib.sha256(data).hexdigest()
        (staging / SIDECAR).write_text(f"{manifest_sha256}  {MANIFEST}\n", encoding="utf-8")
    # On the matter's timeline: which dossier was written, when, by whom, and the manifest it can be checked by.
    event_record(
        event_type=EventType.DOSSIER_EXPORTED,
        subject_type=filing.subject_type,
        subject_id=subject.pk,
        actor=actor,
        new={"code": filing.code, "files": len(folder.files), "manifest_sha256": manifest_sha256},
    )
    return Dossier(
        parent / filing.folder_name, filing, len(entries), len(folder.files), engine.reason, problems
    )


def _docx_and_pdf(folder: _Folder, name: str, data: bytes, entry: Entry, role: str, engine: PdfState) -> None:
    folder.write(f"{name}.docx", data, title=entry.title, role=role, form="docx", entry=entry.seq or None)
    entry.files.append(f"{name}.docx")
    converted = engine.convert(lambda: pdf.docx_to_pdf(data, archival=True))
    if converted is not None:
        folder.write(
            f"{name}.pdf", converted, title=entry.title, role=role, form="pdf/a-2b", entry=entry.seq or None
        )
        entry.files.append(f"{name}.pdf")
        entry.pages = pdf_pages(converted)


def _index_content(
    filing: Filing,
    mark: str,
    issuer: str,
    dossier_title: str,
    secrecy: str,
    handover: dict[str, Any],
    engine: PdfState,
    today: datetime.date,
) -> Content:
    blank = "＿＿＿＿＿＿"
    notes = [
        f"保管期限依据：{filing.retention_basis}。",
        "各文件的SHA-256见manifest.json；manifest.json的SHA-256见manifest.sha256。",
    ]
    if engine.reason is not None:
        notes.append(f"本卷未生成PDF/A文件：{engine.reason}")
    if not filing.fonds_configured:
        notes.append("全宗号为系统暂定，须由档案部门确认。")
    body = [
        Block(f"案卷题名：{dossier_title}"),
        Block(
            f"档号：{filing.code}；保管期限：{filing.retention_label}"
            + (f"；密级：{secrecy}" if secrecy else "")
        ),
        Block("一、卷内文件", 1),
        Block(TABLE_ANCHOR),
        Block("二、移交记录", 1),
        Block(f"移交单位：{handover['transferring_unit']}；移交人：{handover['transferred_by'] or blank}"),
        Block(f"移交时间：{when(timezone.now())}；件数：{handover['pieces']}件"),
        Block(f"接收单位：{handover['receiving_unit'] or blank}"),
        Block(f"接收人：{blank}；接收时间：{blank}"),
        Block("三、说明", 1),
        *[Block(note) for note in notes],
    ]
    return Content(
        mark=mark,
        title="卷内目录",
        number=f"档号：{filing.code}",
        body=body,
        date=today,
        signature=issuer,
        secrecy=secrecy,
    )


def _manifest(
    filing: Filing,
    number: str,
    dossier_title: str,
    secrecy: str,
    entries: list[Entry],
    files: list[FileRecord],
    handover: dict[str, Any],
    engine: PdfState,
    problems: list[str],
) -> dict[str, Any]:
    subject = filing.subject
    return {
        "format": FORMAT,
        "archival_code": filing.code,
        "title": dossier_title,
        "fonds": filing.fonds,
        "fonds_configured": filing.fonds_configured,
        "year": filing.year,
        "serial": filing.serial,
        "retention": {
            "code": filing.retention,
            "label": filing.retention_label,
            "basis": filing.retention_basis,
        },
        "secrecy": secrecy,
        "subject": {
            "type": filing.subject_type,
            "id": subject.pk,
            "number": number,
            "title": subject.title if filing.subject_type == "item" else subject.topic,
            "government": filing.government.name,
            "filed_at": iso(filing.filed_at),
        },
        "created_at": iso(timezone.now()),
        "pdf": {"available": engine.reason is None, "reason": engine.reason or "", "format": "PDF/A-2b"},
        # Every file in the folder: those listed, the manifest and its sidecar.
        "handover": {**handover, "files": len(files) + 2},
        "problems": problems,
        "entries": [
            {
                "seq": entry.seq,
                "number": entry.number,
                "responsible": entry.responsible,
                "title": entry.title,
                "date": entry.date.isoformat(),
                "pages": entry.pages,
                "files": entry.files,
                "note": entry.note,
            }
            for entry in entries
        ],
        "files": [
            {
                "path": record.path,
                "sha256": record.sha256,
                "size": record.size,
                "title": record.title,
                "role": record.role,
                "format": record.format,
                "entry": record.entry,
            }
            for record in sorted(files, key=lambda record: record.path)
        ],
    }


def dossier_write(subject_type: str, subject: Any, folder: Path, *, actor: User | None = None) -> Dossier:
    """Write the dossier of an archived item or a closed inspection into `folder`/<档号>/, replacing an earlier
    one of the same 档号. `actor`, when given, is the 移交人 (and a secret item's read is recorded against them).
    Writes only files (and the secret item's read event); PDF/A where the engine is running, the reason otherwise."""
    with translation.override(settings.LANGUAGE_CODE):
        filing = filing_for(subject_type, subject)
        folder.mkdir(parents=True, exist_ok=True)
        return _write(filing, folder, actor=actor, engine=PdfState())


@dataclass(frozen=True)
class Export:
    folder: Path
    dossiers: list[Dossier]
    pdf_reason: str | None


def export_count(year: int) -> int:
    return int(filed_in("item", year).count()) + int(filed_in("inspection", year).count())


def _filings(year: int) -> Iterator[Filing]:
    for subject_type in ("item", "inspection"):
        serials: dict[int, int] = defaultdict(int)
        for subject in filed_in(subject_type, year).iterator(chunk_size=200):
            serials[subject.government_id] += 1
            yield filing_for(subject_type, subject, serial=serials[subject.government_id])


def dossiers_export(
    *,
    year: int,
    out: Path,
    actor: User | None = None,
    progress: Callable[[int, int, Dossier], None] | None = None,
) -> Export:
    """Every item archived and every inspection closed in `year` (Beijing time), one dossier each under
    `out`/<year>/. Whether PDF/A can be made is asked once; the export never waits for an engine."""
    folder = out / str(year)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ArchiveError(
            _("Cannot write to %(path)s: %(error)s") % {"path": folder, "error": error.strerror}
        ) from error
    total = export_count(year)
    dossiers: list[Dossier] = []
    seen: dict[str, str] = {}
    with translation.override(settings.LANGUAGE_CODE):
        engine = PdfState()
        for index, filing in enumerate(_filings(year), start=1):
            if filing.folder_name in seen:
                raise ArchiveError(
                    _(
                        "Two dossiers would have the same file number %(code)s: give each government its own fonds number (DUCHA_ARCHIVE_FONDS)."
                    )
                    % {"code": filing.code}
                )
            seen[filing.folder_name] = filing.code
            try:
                dossier = _write(filing, folder, actor=actor, engine=engine)
            except OSError as error:  # the disk, not the data: full, read-only, gone
                raise ArchiveError(
                    _("Cannot write the dossier %(code)s: %(error)s")
                    % {"code": filing.code, "error": error.strerror or error}
                ) from error
            dossiers.append(dossier)
            if progress is not None:
                progress(index, total, dossier)
    return Export(folder, dossiers, engine.reason)
