"""Reading batch files (ducha.clues.imports.read_rows) and `ducha clues import` / `ducha clues analyze`."""

from __future__ import annotations

import datetime
import io
import json

import pytest
import time_machine
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from ducha.clues.imports import read_rows
from ducha.clues.models import Case, Clue
from ducha.common import error_codes as codes
from ducha.common.errors import ValidationFailed
from tests.clock import moment
from tests.clues.support import clue_county

NOW = moment(2026, 11, 18, 10)


@pytest.fixture(autouse=True)
def _pinned():
    with time_machine.travel(NOW, tick=False):
        yield


def _xlsx(header, rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_xlsx_with_chinese_headers():
    data = _xlsx(
        ["编号", "内容", "地点", "提交时间", "类别", "来源", "备注"],
        [
            [
                1001,
                "城关镇槐树村的路灯坏了一个多月没人修。",
                "城关镇槐树村",
                datetime.datetime(2026, 11, 2, 9, 30),  # noqa: DTZ001 - an Excel cell is naive
                "implementation",
                "国务院互联网+督查平台",
                "忽略",
            ],
            [None, None, None, None, None, None, None],
            ["A-2", "东湖村垃圾清运不及时，臭味很大。", "东湖镇", "2026-11-03 10:00", "", "12345", ""],
        ],
    )
    rows = read_rows("batch.XLSX", data)
    assert len(rows) == 2
    assert rows[0]["source_ref"] == "1001" and rows[0]["place"] == "城关镇槐树村"
    assert rows[0]["submitted_at"] == datetime.datetime(2026, 11, 2, 9, 30)  # noqa: DTZ001
    assert rows[1]["source"] == "12345" and rows[1]["submitted_at"] == "2026-11-03 10:00"
    assert "备注" not in rows[0]


def test_an_xlsx_with_english_headers():
    rows = read_rows(
        "a.xlsx", _xlsx(["text", "channel", "source_ref"], [["一条线索的内容文字", "hotline", "r1"]])
    )
    assert rows == [{"text": "一条线索的内容文字", "channel": "hotline", "source_ref": "r1"}]


def test_a_jsonl_file():
    data = "\n".join(
        [
            json.dumps(
                {"text": "河口镇码头村的河里有人倒垃圾。", "source_ref": "J1", "extra": 1}, ensure_ascii=False
            ),
            "",
            "",
        ]
    ).encode()
    assert read_rows("x.jsonl", data) == [{"text": "河口镇码头村的河里有人倒垃圾。", "source_ref": "J1"}]


@pytest.mark.parametrize(
    ("name", "data", "where"),
    [
        ("x.jsonl", b'{"text": "ok ok ok ok ok"}\nnot json\n', "line 2"),
        ("x.jsonl", b'["a list"]\n', "line 1"),
        ("x.csv", b"text\nabc\n", None),
        ("x.xlsx", b"not a zip at all", None),
        ("x.xlsx", None, "row 1"),
    ],
)
def test_a_bad_file_is_refused(name, data, where):
    if data is None:
        data = _xlsx(["标题", "时间"], [["a", "b"]])
    with pytest.raises(ValidationFailed) as refused:
        read_rows(name, data)
    assert refused.value.code == codes.CLUE_IMPORT_FORMAT
    if where:
        assert where in refused.value.fields


def _batch(tmp_path):
    path = tmp_path / "batch.jsonl"
    rows = [
        {
            "text": "城关镇槐树村的路灯坏了一个多月没人修，晚上出行很不方便。",
            "place": "城关镇槐树村",
            "submitted_at": "2026-11-16 09:00",
            "source": "12345",
            "source_ref": "H-1",
        },
        {
            "text": "东湖镇渔业村的垃圾清运不及时，堆在路边臭味很大。",
            "place": "东湖镇渔业村",
            "submitted_at": "2026-11-16 10:00",
            "source": "国务院互联网+督查平台",
            "source_ref": "G-1",
        },
        {
            "text": "槐树村路灯坏了很久了，没有人来修，晚上黑漆漆的。",
            "place": "城关镇槐树村",
            "submitted_at": "2026-11-17 09:00",
            "source": "12345",
            "source_ref": "H-2",
        },
    ]
    path.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows), encoding="utf-8")
    return path


def test_the_import_command_is_idempotent(world, tmp_path, capsys):
    clue_county(world)
    path = _batch(tmp_path)

    call_command("clues", "import", str(path), "--as", "office")
    first = capsys.readouterr().out
    assert Clue.objects.filter(government=world.county).count() == 3
    cases = Case.objects.filter(government=world.county).count()
    call_command("clues", "import", str(path), "--as", "office")
    second = capsys.readouterr().out

    assert "3" in first and "0" in second and "3" in second
    assert Clue.objects.filter(government=world.county).count() == 3
    assert Case.objects.filter(government=world.county).count() == cases
    assert set(Clue.objects.values_list("channel", flat=True)) == {"hotline", "upper"}


def test_the_import_command_refuses_and_imports_nothing(world, tmp_path):
    clue_county(world)
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "太短"}\n', encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        call_command("clues", "import", str(path), "--as", "office")
    assert "row 1" in str(refused.value)
    with pytest.raises(CommandError):
        call_command("clues", "import", str(_batch(tmp_path)), "--as", "fgw")  # not the office
    with pytest.raises(CommandError):
        call_command("clues", "import", str(tmp_path / "missing.jsonl"), "--as", "office")
    assert not Clue.objects.exists()


def test_the_analyze_command(world, capsys):
    call_command("clues", "analyze", "--government", str(world.county.pk))
    assert "0" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("clues", "analyze", "--government", "999999")
