"""The archive dossier (归档, 002 art. 5(7): 收集、整理、立卷, handed over to the archives): one folder per archived
item or closed inspection, written for the archives and verifiable file by file.

Only an archived item (status archived) or a closed inspection is filed. One module per stage, every name re-exported here: scheme.py (档号, 保管期限, which matters a year holds), record.py
(the record of the matter and the other 件), writer.py (`dossier_write`, `dossiers_export`), verify.py
(`dossier_verify`, `dossiers_verify`). `ducha archive export|verify` (management/commands/archive.py) runs them.

What a dossier holds (one 件 per row of the 卷内目录, numbered from 1; the files' names start with that number):

- `1` the record of the matter (办理情况记录), laid out as a 公文 (`layout.render_docx`): for an item its basics,
  units, reports, reviews, extensions, disagreements, delegated items, documents and attachments; for an inspection
  its basics, 方案 and amendments, team, targets, findings, conclusions, reviews (复核), rectifications and the use of
  the results; for both the timeline (the audit events and the reminders sent).
- then, by date, every document issued about the subject — current and superseded versions, the .docx as issued —
  and every attachment (an item's) or evidence file (an inspection's, once per file however often it was used), the
  bytes as uploaded, copied in chunks (memory stays flat whatever their size).
- `000-index.docx`: the printable 卷内目录 (序号, 文号, 责任者, 题名, 日期, 页数/文件, 备注) with the hand-over record.
- `manifest.json`: every file with its path, SHA-256, size and title; the 档号, 保管期限, the subject and the hand-over
  record (移交单位, 移交人, 移交时间, 件数; 接收单位 / 接收人 / 接收时间 left empty for the archives to fill).
- `manifest.sha256`: the SHA-256 of manifest.json in `sha256sum` format. The manifest cannot hold its own hash and the
  printed 卷内目录 is itself listed in it, so a sidecar covers the manifest: `dossier_verify` (and `sha256sum -c`)
  detect an edited manifest. Someone who rewrites both can only be caught by comparing with the hand-over copy: the
  sidecar is a check against accidents and careless edits, not a signature.

A stored file that is missing, or whose bytes no longer match the SHA-256 taken at upload or issue, is copied as it
is (or left out) and named in the 备注 and in the manifest's `problems`: the dossier records what the server held.
A secret item's dossier is marked 秘密, and writing it with an `actor` records that person's read on the item.

Each .docx the office wrote (the record, the issued documents, the 卷内目录) also comes as PDF/A-2b when the PDF engine
is running (`pdf.docx_to_pdf(archival=True)`); where it is not, the manifest says so and why (`pdf.available`,
`pdf.reason`) and the .docx files are there all the same. Nothing waits for an engine.

档号 (file number), one per dossier, after DA/T 22-2015's 全宗号-门类代码·年度-保管期限代码-机构(问题)代码-件号 with the
门类 left out (all of it is 文书) and the series standing for the 问题代码: `DUCHA_ARCHIVE_CODE_PATTERN`, default
`{fonds}-{year}-{retention}-{series}{serial:04d}`, e.g. `G003-2026-D30-DB0007`:

- `fonds` 全宗号: `DUCHA_ARCHIVE_FONDS`, a mapping from the government's name (or id) to the number the archives gave
  it, or one string for a deployment that serves one government (with several, the export refuses to write two
  dossiers under one 档号). Unset: `G` and the government's id, zero-padded (`G003`); the manifest then says
  `fonds_configured: false` and the 卷内目录 that the number is provisional.
- `year`: the year (Beijing time) the item was archived or the inspection closed — the year `ducha archive export
  --year` puts it in.
- `retention`: the 保管期限 code, `Y` 永久, `D30` 30年, `D10` 10年 (DA/T 22-2015).
- `series`: `DUCHA_ARCHIVE_SERIES`, default `DB` for items (督办事项) and `DC` for inspections (督查活动).
- `serial` 件号: the order of filing within the government's series and year, by the moment of archiving or closing
  (then id): the first item archived in 2026 is 1. Archiving only ever adds later moments, so a dossier keeps its
  number when the year is exported again.

保管期限 (retention), after 国家档案局令第8号 (永久 for what shows the office's duties and serious consequences, 30年
for its main business, 10年 for routine business), overridable per key in `DUCHA_ARCHIVE_RETENTION`:

- items: `D30` for matters from the top of the government's business — leaders' written instructions and
  assignments, instructions during tours, meeting decisions, the work report's tasks, policy documents, NPC
  suggestions and CPPCC proposals, livelihood projects; `D10` for public reports and other matters (key
  `item:<source type>`).
- inspections: `D30` for comprehensive, special, joint, case, clue-check, unannounced, on-site, third-party and
  follow-up inspections; `D10` for routine follow-up (日常督办), written inspections and self-checks (key
  `inspection:<kind>`); `Y` when an approved proposal holds a unit to account (责任追究, key
  `inspection:accountability`): that record backs a decision about people and must outlive them.

Settings read here (all optional): DUCHA_ARCHIVE_FONDS, DUCHA_ARCHIVE_CODE_PATTERN, DUCHA_ARCHIVE_SERIES,
DUCHA_ARCHIVE_RETENTION, DUCHA_ARCHIVE_RECEIVER (the archives' name, printed as 接收单位), DUCHA_ARCHIVE_DIR (where
`ducha archive export` writes without --out; default <var>/archive).
"""

from ducha.documents.archive.scheme import (
    DEFAULT_CODE_PATTERN,
    DEFAULT_RETENTION,
    DEFAULT_SERIES,
    MANIFEST,
    RETENTION_LABELS,
    SIDECAR,
    ArchiveError,
    Filing,
    archival_code,
    filed_at,
    filed_in,
    filing_for,
    fonds_of,
    retention_of,
    year_bounds,
)
from ducha.documents.archive.verify import (
    MANIFEST_ALTERED,
    MANIFEST_MISSING,
    MANIFEST_UNREADABLE,
    NOT_A_DOSSIER,
    SIDECAR_MISSING,
    Verification,
    dossier_verify,
    dossiers_verify,
)
from ducha.documents.archive.writer import (
    Dossier,
    Export,
    dossier_write,
    dossiers_export,
    export_count,
    pdf_pages,
)

__all__ = [
    "DEFAULT_CODE_PATTERN",
    "DEFAULT_RETENTION",
    "DEFAULT_SERIES",
    "MANIFEST",
    "MANIFEST_ALTERED",
    "MANIFEST_MISSING",
    "MANIFEST_UNREADABLE",
    "NOT_A_DOSSIER",
    "RETENTION_LABELS",
    "SIDECAR",
    "SIDECAR_MISSING",
    "ArchiveError",
    "Dossier",
    "Export",
    "Filing",
    "Verification",
    "archival_code",
    "dossier_verify",
    "dossier_write",
    "dossiers_export",
    "dossiers_verify",
    "export_count",
    "filed_at",
    "filed_in",
    "filing_for",
    "fonds_of",
    "pdf_pages",
    "retention_of",
    "year_bounds",
]
