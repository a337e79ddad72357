"""Whole rows of typed cells written in one step: an xlsxwriter worksheet (its documented subclassing point,
`add_worksheet(worksheet_class=...)`) whose data rows skip the per-cell path of `write_string`/`write_number`.

Why: at a million rows xlsxwriter's per-cell calls are most of the ledger export's time (about 110 µs a row of
12 cells here, against 25 µs written this way). In constant_memory mode xlsxwriter keeps one row of cells and
writes it as XML when the next row starts; `StreamingSheet.write_rows` writes the same XML itself, a row at a time,
into the same row file, then leaves the sheet as xlsxwriter would (dimensions, last row). Everything else — the
workbook, formats, the title and header rows, merges, filters, print settings, packing — stays xlsxwriter's.

The cells are exactly what xlsxwriter's public calls write (tests/workbench/test_excel_streaming.py compares the
sheet's XML byte for byte over awkward texts); it reads xlsxwriter internals, so xlsxwriter is pinned to 3.3.x.
"""

from __future__ import annotations

import datetime
import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.utility import _preserve_whitespace, _utf16_len, _utf16_truncate, xl_col_to_name
from xlsxwriter.worksheet import Worksheet

# A text in which none of these occurs is written as it is; any other goes through xlsxwriter's own escapes:
# XML's &<>, control characters and literal `_xHHHH_` (Excel's escape of them), leading or trailing whitespace.
_NEEDS_ESCAPES = re.compile(r"[&<>\x00-\x08\x0b-\x1f]|_x[0-9a-fA-F]{4}_|^\s|\s$")
_WRITE_EVERY = 500  # rows joined into one write to the row file


class Kind(enum.Enum):
    NUMBER = "number"  # int or float
    TEXT = "text"  # str; "" is a blank cell with the column's format
    DATE = "date"  # datetime.date or None (a blank cell)


@dataclass(frozen=True)
class Column:
    """A data column: its kind and its cell format. With `format=None` each row gives this cell as a pair
    (value, Format): a format that depends on the value (the ledger's light)."""

    kind: Kind
    format: Format | None


class StreamingSheet(Worksheet):  # type: ignore[misc]
    def write_rows(self, first_row: int, columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> int:
        """Write `rows` (one value per column, in column order from column A) from `first_row` (0-based) down;
        returns the number of rows written. The sheet must be in constant_memory mode, and `first_row` must be
        below every row written or formatted before (by xlsxwriter's own calls, or an earlier write_rows). Numbers
        must be finite (the ledger's positions); the rows count in the sheet's dimensions from column A to the
        last column."""
        if not self.constant_memory:
            raise ValueError("StreamingSheet.write_rows needs the workbook's constant_memory mode")
        # xlsxwriter's `previous_row` is the row it holds, not yet written (after write_rows: the next free row).
        held: int = self.previous_row  # type: ignore[has-type]
        if first_row < held or (first_row == held and (self.table or held in self.row_info)):
            raise ValueError("rows must start below the rows already written")
        self._write_single_row(first_row)  # xlsxwriter's pending row (the header), as its next write would
        cells = [self._cell_writer(index, column) for index, column in enumerate(columns)]
        fh = self.fh
        parts: list[str] = []
        row_number = first_row  # 0-based; the XML counts from 1
        for values in rows:
            number = row_number + 1
            body = "".join([write(number, value) for write, value in zip(cells, values, strict=True)])
            if body:  # a row of blank cells without formats is not written, as xlsxwriter does
                parts.append(f'<row r="{number}">{body}</row>')
            row_number += 1
            if len(parts) >= _WRITE_EVERY:
                fh.write("".join(parts))
                parts.clear()
        fh.write("".join(parts))
        written = row_number - first_row
        if written:
            self._check_dimensions(first_row, 0)
            self._check_dimensions(row_number - 1, len(columns) - 1)
            self.previous_row = row_number  # below the rows written: xlsxwriter refuses cells above it
        return written

    def _cell_writer(self, index: int, column: Column) -> Any:
        letter = xl_col_to_name(index)
        fixed = column.format
        strmax = self.xls_strmax
        escape_controls = self._escape_control_characters
        escape = self._escape_data
        convert_date = self._convert_date_time

        def style(cell_format: Format | None) -> str:
            # Asked for at each cell, as xlsxwriter does: a format's index is given at its first use.
            return f' s="{cell_format._get_xf_index()}"' if cell_format is not None else ""

        def text(number: int, value: Any) -> str:
            cell_style = style(fixed) if fixed is not None else style(value[1])
            string = value if fixed is not None else value[0]
            if not string:
                return f'<c r="{letter}{number}"{cell_style}/>' if cell_style else ""
            if len(string) > strmax // 2 and _utf16_len(string) > strmax:
                string = _utf16_truncate(string, strmax)
            preserve = ""
            if _NEEDS_ESCAPES.search(string):
                string = escape_controls(string)
                if _preserve_whitespace(string):
                    preserve = ' xml:space="preserve"'
                string = escape(string)
            return f'<c r="{letter}{number}"{cell_style} t="inlineStr"><is><t{preserve}>{string}</t></is></c>'

        def number_cell(number: int, value: Any) -> str:
            cell_style = style(fixed) if fixed is not None else style(value[1])
            amount = value if fixed is not None else value[0]
            return f'<c r="{letter}{number}"{cell_style}><v>{amount:.16G}</v></c>'

        def date(number: int, value: Any) -> str:
            cell_style = style(fixed) if fixed is not None else style(value[1])
            day: datetime.date | None = value if fixed is not None else value[0]
            if day is None:
                return f'<c r="{letter}{number}"{cell_style}/>' if cell_style else ""
            return f'<c r="{letter}{number}"{cell_style}><v>{convert_date(day):.16G}</v></c>'

        return {Kind.TEXT: text, Kind.NUMBER: number_cell, Kind.DATE: date}[column.kind]
