"""The ledger as .xlsx: xlsxwriter in constant_memory mode, its data rows written a whole row at a time
(`streaming.StreamingSheet`), while `ledger.ledger_rows` streams the rows from one ordered query in chunks of 2,000
(with one units query per chunk), so memory stays bounded whatever the number of rows. A million rows: about 85 s
and 40 MB above the process's own (docs/benchmarks.md, "The ledger's whole export as a background job")."""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Callable
from contextlib import AbstractContextManager
from itertools import islice
from typing import IO, Any

import xlsxwriter
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from ducha.items.models import Light
from ducha.orgs.models import User
from ducha.workbench.excel.importing import COLUMNS_BY_KEY
from ducha.workbench.excel.sheets import sheet_name
from ducha.workbench.excel.streaming import Column, Kind, StreamingSheet
from ducha.workbench.ledger import LedgerFilter, LedgerRow, ledger_rows

# Rows per worksheet in Excel (1,048,576): a larger export goes on in further sheets.
SHEET_MAX_ROWS = 1_048_576
PROGRESS_ROWS = 500  # rows between two reports to `on_rows`

# (column key, header msgid, width). The headers are the 督查室's layout: 序号, 编号, 事项名称, 来源类型, 来源依据,
# 主办单位, 协办单位, 交办日期, 办结时限, 进展情况, 状态, 亮灯. The columns the import template also has carry exactly
# its headers, so an exported file can be uploaded again as new drafts; the importer ignores the other columns.
EXPORT_COLUMNS: list[tuple[str, Promise, int]] = [
    ("position", pgettext_lazy("ledger column", "No."), 6),
    ("number", pgettext_lazy("ledger column", "Number"), 16),
    ("title", COLUMNS_BY_KEY["title"].header, 36),
    ("source_type", COLUMNS_BY_KEY["source_type"].header, 14),
    ("source_reference", COLUMNS_BY_KEY["source_reference"].header, 24),
    ("lead_unit", COLUMNS_BY_KEY["lead_unit"].header, 20),
    ("co_units", COLUMNS_BY_KEY["co_units"].header, 24),
    ("assigned_on", pgettext_lazy("ledger column", "Assigned on"), 12),
    ("due_date", COLUMNS_BY_KEY["due_date"].header, 12),
    ("progress", pgettext_lazy("ledger column", "Progress"), 48),
    ("status", pgettext_lazy("ledger column", "Status"), 10),
    ("light", pgettext_lazy("ledger column", "Light"), 12),
]
LIGHT_FILLS: dict[str, tuple[str, str]] = {
    Light.RED.value: ("#C62828", "#FFFFFF"),
    Light.YELLOW.value: ("#F9A825", "#000000"),
    Light.GREEN.value: ("#2E7D32", "#FFFFFF"),
}


def export_filename(today: datetime.date) -> str:
    """What the file holds and when: 督查事项台账_2026-12-05.xlsx."""
    return _("Supervision item ledger_%(date)s.xlsx") % {"date": today.isoformat()}


def export_title(now: datetime.datetime) -> str:
    stamp = timezone.localtime(now).strftime("%Y-%m-%d %H:%M")
    return _("Supervision item ledger (exported %(time)s)") % {"time": stamp}


def ledger_export(
    *,
    user: User,
    spec: LedgerFilter,
    output: IO[bytes],
    now: datetime.datetime | None = None,
    chunk_size: int | None = None,
    on_rows: Callable[[int], None] | None = None,
    packing: Callable[[], AbstractContextManager[Any]] | None = None,
) -> int:
    """Write the user's filtered ledger (scope and filters exactly as the page) as .xlsx into `output`, row by
    row; returns the number of item rows written. `on_rows(count)` is told of every PROGRESS_ROWS rows written
    (and of the rest at the end): a background job's progress, which may stop the export by raising; `packing()`
    is entered around the last step, the file's packing, which has no count (jobs.Progress.waiting)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    options: dict[str, Any] = {
        "constant_memory": True,
        # A million rows of long progress texts may pass 4 GB uncompressed; zipfile adds ZIP64 only if needed.
        "use_zip64": True,
        # Cells are typed by the writer below; never guess formulas, numbers or links from user text.
        "strings_to_formulas": False,
        "strings_to_numbers": False,
        "strings_to_urls": False,
    }
    workbook = xlsxwriter.Workbook(output, options)
    try:
        last_column = len(EXPORT_COLUMNS) - 1
        title_format = workbook.add_format(
            {"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"}
        )
        header_format = workbook.add_format(
            {
                "bold": True,
                "bg_color": "#D9E1F2",
                "border": 1,
                "align": "center",
                "valign": "vcenter",
                "text_wrap": True,
            }
        )
        base = {"border": 1, "valign": "top", "text_wrap": True}
        cell_format = workbook.add_format(base)
        center_format = workbook.add_format({**base, "align": "center"})
        date_format = workbook.add_format({**base, "align": "center", "num_format": "yyyy-mm-dd"})
        light_formats = {
            light: workbook.add_format(
                {**base, "align": "center", "bg_color": fill, "font_color": font, "pattern": 1}
            )
            for light, (fill, font) in LIGHT_FILLS.items()
        }
        title = export_title(now)

        def start_sheet(number: int) -> Any:
            """A worksheet with the title row, the frozen header row, widths and print settings."""
            name = _("Ledger") if number == 1 else _("Ledger (%(number)d)") % {"number": number}
            sheet = workbook.add_worksheet(sheet_name(name), worksheet_class=StreamingSheet)
            for column, (_key, _header, width) in enumerate(EXPORT_COLUMNS):
                sheet.set_column(column, column, width)
            sheet.set_landscape()
            sheet.set_paper(9)  # A4
            sheet.repeat_rows(0, 1)
            sheet.fit_to_pages(1, 0)
            sheet.freeze_panes(2, 0)
            sheet.set_row(0, 30)
            sheet.merge_range(0, 0, 0, last_column, title, title_format)
            for column, (_key, header, _width) in enumerate(EXPORT_COLUMNS):
                sheet.write_string(1, column, str(header), header_format)
            return sheet

        def finish_sheet(sheet: Any, last_row: int) -> None:
            sheet.autofilter(1, 0, max(last_row, 1), last_column)

        columns = [
            Column(Kind.NUMBER, center_format),  # position
            *[Column(Kind.TEXT, cell_format) for _text in range(6)],  # number … co_units
            Column(Kind.DATE, date_format),  # assigned_on
            Column(Kind.DATE, date_format),  # due_date
            Column(Kind.TEXT, cell_format),  # progress
            Column(Kind.TEXT, center_format),  # status
            Column(Kind.TEXT, None),  # light, its colour by the row's light
        ]

        def values(row: LedgerRow) -> tuple[Any, ...]:
            """The row's cells in EXPORT_COLUMNS' order."""
            return (
                row.position,
                row.number,
                row.title,
                row.source_label,
                row.source_reference,
                row.lead_unit,
                row.co_units_text,
                row.assigned_on,
                row.due_date,
                row.progress,
                row.status_label,
                (row.light_label, light_formats.get(row.light, center_format)),
            )

        sheets = 1
        sheet = start_sheet(sheets)
        row_index = 1  # the last row used: the header
        written = 0
        stream = ledger_rows(user, spec, today=today, chunk_size=chunk_size)
        for chunk in iter(lambda: list(islice(stream, PROGRESS_ROWS)), []):
            start = 0
            while start < len(chunk):
                if row_index + 1 >= SHEET_MAX_ROWS:
                    # Excel's limit per sheet: go on in a new sheet rather than drop rows.
                    finish_sheet(sheet, row_index)
                    sheets += 1
                    sheet = start_sheet(sheets)
                    row_index = 1
                part = chunk[start : start + SHEET_MAX_ROWS - 1 - row_index]
                row_index += sheet.write_rows(row_index + 1, columns, map(values, part))
                start += len(part)
            written += len(chunk)
            if on_rows is not None:
                on_rows(len(chunk))
        finish_sheet(sheet, row_index)
    finally:
        with packing() if packing is not None else contextlib.nullcontext():
            workbook.close()  # the rows' XML zipped into the file: a million rows take about 20 s
    return written
