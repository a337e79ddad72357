"""StreamingSheet.write_rows writes exactly the XML xlsxwriter's own per-cell calls write: the same workbook built
both ways is compared part by part, byte for byte, over texts that need every escape."""

from __future__ import annotations

import datetime
import io
import zipfile
from typing import Any

import openpyxl
import pytest
import xlsxwriter

from ducha.workbench.excel.streaming import Column, Kind, StreamingSheet

LONG_BMP = "进展" * 20_000  # 40,000 characters: cut to Excel's 32,767
LONG_ASTRAL = "😀" * 17_000 + "尾"  # 34,001 UTF-16 units over 17,001 characters: cut without splitting a pair
TEXTS = [
    "关于推进重点项目建设的督查事项",
    "",
    " leading space",
    "trailing space ",
    "\u3000全角空格开头",
    'a&b<c>d"e',
    "line\nbreak",
    "tab\tinside",
    "\x01control\x1f",
    "_x0041_ looks like an escape",
    "_x00zz_ does not",
    "=SUM(A1:A2)",
    "http://example.org",
    "0012",
    LONG_BMP,
    LONG_ASTRAL,
]
DAYS = [datetime.date(2026, 12, 31), None, datetime.date(2024, 2, 29), datetime.date(1900, 3, 1)]
NUMBERS = [1, 0, 1_048_574, 2.5, -3, 10**17]
CREATED = datetime.datetime(2026, 12, 5, 9, 30, tzinfo=datetime.UTC)


def _rows(count: int) -> list[tuple[Any, ...]]:
    rows = []
    for index in range(count):
        rows.append(
            (
                NUMBERS[index % len(NUMBERS)],
                TEXTS[index % len(TEXTS)],
                TEXTS[(index * 7 + 3) % len(TEXTS)],
                DAYS[index % len(DAYS)],
                index % 3,  # which varying format (2: none)
                TEXTS[(index * 5 + 1) % len(TEXTS)],
            )
        )
    return rows


def _workbook(streaming: bool, rows: list[tuple[Any, ...]], *, split: int | None = None) -> bytes:
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        output,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    workbook.set_properties({"created": CREATED})
    plain = workbook.add_format({"border": 1, "text_wrap": True})
    centered = workbook.add_format({"border": 1, "align": "center"})
    dated = workbook.add_format({"num_format": "yyyy-mm-dd"})
    varying = [
        workbook.add_format({"bg_color": "#C62828"}),
        workbook.add_format({"bg_color": "#2E7D32"}),
        None,
    ]
    title = workbook.add_format({"bold": True})
    kwargs = {"worksheet_class": StreamingSheet} if streaming else {}
    sheet = workbook.add_worksheet("台账", **kwargs)
    sheet.set_column(0, 5, 14)
    sheet.set_row(0, 30)
    sheet.merge_range(0, 0, 0, 5, "标题 title", title)
    for column, header in enumerate(["序号", "名称", "说明", "日期", "空", "灯"]):
        sheet.write_string(1, column, header, centered)
    if streaming:
        columns = [
            Column(Kind.NUMBER, centered),
            Column(Kind.TEXT, plain),
            Column(Kind.TEXT, None),
            Column(Kind.DATE, dated),
            Column(Kind.TEXT, None),
            Column(Kind.TEXT, None),
        ]

        def values(row: tuple[Any, ...]) -> tuple[Any, ...]:
            number, text, other, day, which, last = row
            return (number, text, (other, varying[which]), day, ("", varying[which]), (last, varying[which]))

        cut = split if split is not None else len(rows)
        written = sheet.write_rows(2, columns, map(values, rows[:cut]))
        written += sheet.write_rows(2 + cut, columns, map(values, rows[cut:])) if cut < len(rows) else 0
        assert written == len(rows)
    else:
        for index, (number, text, other, day, which, last) in enumerate(rows, start=2):
            sheet.write_number(index, 0, number, centered)
            for column, value, cell_format in (
                (1, text, plain),
                (2, other, varying[which]),
                (5, last, varying[which]),
            ):
                if value:
                    sheet.write_string(index, column, value, cell_format)
                else:
                    sheet.write_blank(index, column, None, cell_format)
            if day is None:
                sheet.write_blank(index, 3, None, dated)
            else:
                sheet.write_datetime(index, 3, day, dated)
            sheet.write_blank(index, 4, None, varying[which])
    sheet.autofilter(1, 0, 1 + len(rows), 5)
    workbook.close()
    return output.getvalue()


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.mark.parametrize("split", [None, 1, 37])
def test_rows_are_written_exactly_as_xlsxwriter_writes_them(split):
    rows = _rows(len(TEXTS) * 6 + 5)
    expected, got = _parts(_workbook(False, rows)), _parts(_workbook(True, rows, split=split))
    assert sorted(got) == sorted(expected)
    for name, content in expected.items():
        assert got[name] == content, name
    sheet = expected["xl/worksheets/sheet1.xml"].decode()
    # The sample does reach every branch: escapes, preserved whitespace, control characters, cuts, blank cells.
    for fragment in ("&amp;b&lt;c&gt;", 'xml:space="preserve"', "_x0001_", "_x005F_x0041_", '<c r="E3" s="'):
        assert fragment in sheet, fragment
    assert '<c r="E5"' not in sheet  # a blank cell without a format is not written


def test_long_texts_are_cut_to_excels_limit_without_splitting_a_character():
    rows = [(1, LONG_BMP, LONG_ASTRAL, None, 0, "")]
    book = openpyxl.load_workbook(io.BytesIO(_workbook(True, rows)), read_only=True)
    values = next(book.active.iter_rows(min_row=3, max_row=3, values_only=True))
    assert values[1] == LONG_BMP[:32_767]
    assert values[2] == "😀" * 16_383  # 32,766 units: one more pair would pass the limit


def test_a_row_of_unformatted_blanks_is_not_written():
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"constant_memory": True})
    sheet = workbook.add_worksheet(worksheet_class=StreamingSheet)
    written = sheet.write_rows(0, [Column(Kind.TEXT, None)], [(("", None),), (("x", None),)])
    workbook.close()
    assert written == 2
    xml = _parts(output.getvalue())["xl/worksheets/sheet1.xml"].decode()
    assert '<row r="1"' not in xml
    assert '<row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is></c></row>' in xml


def test_rows_above_those_written_and_a_workbook_without_constant_memory_are_refused():
    workbook = xlsxwriter.Workbook(io.BytesIO(), {"constant_memory": True})
    sheet = workbook.add_worksheet(worksheet_class=StreamingSheet)
    sheet.write_string(4, 0, "header")
    with pytest.raises(ValueError, match="below the rows"):
        sheet.write_rows(4, [Column(Kind.TEXT, None)], [(("x", None),)])
    assert sheet.write_rows(5, [Column(Kind.TEXT, None)], [(("x", None),)]) == 1
    with pytest.raises(ValueError, match="below the rows"):
        sheet.write_rows(5, [Column(Kind.TEXT, None)], [(("y", None),)])
    assert sheet.write_string(5, 1, "late") == -1  # xlsxwriter's own calls refuse the rows written too
    assert sheet.write_rows(6, [Column(Kind.TEXT, None)], [(("z", None),)]) == 1
    workbook.close()
    in_memory = xlsxwriter.Workbook(io.BytesIO())
    with pytest.raises(ValueError, match="constant_memory"):
        in_memory.add_worksheet(worksheet_class=StreamingSheet).write_rows(
            0, [Column(Kind.TEXT, None)], [(("x", None),)]
        )
    in_memory.close()
