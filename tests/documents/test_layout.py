"""The layout measured, not only the text: GB/T 9704-2012 read back from the .docx (page, margins, the line grid,
the font names a government PC knows) and measured in the PDF LibreOffice makes of it (characters per full body
line, body lines per full page, the first line's distance from the top, the red separator's colour and width,
page numbers left and right, every font embedded)."""

from __future__ import annotations

import datetime
import io
import re
import shutil
import subprocess

import pdfplumber
import pytest
from docx import Document as Docx
from docx.oxml.ns import qn
from docx.shared import Mm

from ducha.documents.layout import Block, Content, Receipt, render_docx
from ducha.documents.pdf import docx_to_pdf

MM_PER_PT = 25.4 / 72
# A paragraph of Chinese without punctuation, so every full line is exactly as long as the grid allows.
TEXT = "督查督办工作要坚持问题导向和结果导向推动各项决策部署落地见效" * 12
DAY = datetime.date(2026, 12, 5)


def _content(**overrides) -> Content:
    fields = {
        "mark": "示范县人民政府督查室",
        "title": "关于加强督查督办工作的通知",
        "number": "示范县督办〔2026〕7号",
        "recipients": "各乡镇人民政府，县直各部门",
        "body": [
            Block("一、总体要求", 1),
            Block(TEXT),
            Block("（一）工作目标", 2),
            Block(TEXT * 3),
            Block("1.按期办结", 3),
            Block(TEXT),
        ],
        "date": DAY,
        "signature": "示范县人民政府督查室",
        "attachments": ["督办事项清单"],
        "note": "联系人：王明，电话：0931-1234567",
        "copy_to": "县委办公室，县人大常委会办公室",
        "printer": "示范县人民政府督查室",
        "printed_on": DAY,
        "secrecy": "秘密",
        "urgency": "特急",
    }
    fields.update(overrides)
    return Content(**fields)


# --- the .docx ----------------------------------------------------------------------------------------------------


def test_page_and_margins_read_back_from_the_docx():
    document = Docx(io.BytesIO(render_docx(_content())))
    [section] = document.sections
    measured = {
        name: round(getattr(section, name) / Mm(1), 1)
        for name in (
            "page_width",
            "page_height",
            "top_margin",
            "left_margin",
            "right_margin",
            "bottom_margin",
        )
    }
    assert measured == {
        "page_width": 210,
        "page_height": 297,
        "top_margin": 37,
        "left_margin": 28,
        "right_margin": 26,
        "bottom_margin": 35,
    }
    grid = section._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "lines"
    assert (
        22 * int(grid.get(qn("w:linePitch"))) <= 225 / 25.4 * 72 * 20 < 23 * int(grid.get(qn("w:linePitch")))
    )
    assert section.different_first_page_header_footer is False
    assert document.settings.odd_and_even_pages_header_footer is True


def _east_asia(run) -> str:
    fonts = run._r.rPr.find(qn("w:rFonts"))
    return fonts.get(qn("w:eastAsia"))


def test_the_font_names_a_government_pc_knows_are_in_the_file():
    document = Docx(io.BytesIO(render_docx(_content())))
    by_text = {p.text: p for p in document.paragraphs if p.text}
    assert {_east_asia(run) for run in by_text["关于加强督查督办工作的通知"].runs} == {"方正小标宋简体"}
    assert {_east_asia(run) for run in by_text["一、总体要求"].runs} == {"黑体"}
    assert {_east_asia(run) for run in by_text["（一）工作目标"].runs} == {"楷体_GB2312"}
    assert {_east_asia(run) for run in by_text["1.按期办结"].runs} == {"仿宋_GB2312"}
    assert {_east_asia(run) for run in by_text[TEXT].runs} == {"仿宋_GB2312"}
    assert {_east_asia(run) for run in by_text["秘密"].runs} == {"黑体"}
    body = by_text[TEXT].runs[0]
    assert body.font.size.pt == 16
    mark = next(p for p in document.paragraphs if p.text == "示范县人民政府督查室")  # the first: the 版头
    assert {str(run.font.color.rgb) for run in mark.runs} == {"FF0000"}
    signature = [p for p in document.paragraphs if p.text == "示范县人民政府督查室"][-1]
    assert {str(run.font.color.rgb) for run in signature.runs} == {"000000"}


def test_the_number_uses_the_full_year_and_hexagonal_brackets():
    texts = [p.text for p in Docx(io.BytesIO(render_docx(_content()))).paragraphs]
    assert "示范县督办〔2026〕7号" in texts
    assert "2026年12月5日" in "".join(texts)  # the date in Arabic numerals


# --- the PDF ------------------------------------------------------------------------------------------------------


def _lines(page) -> list[list[dict]]:
    """The page's characters in lines: a new line where the top moves by more than 2 pt."""
    lines: list[list[dict]] = []
    for char in sorted(page.chars, key=lambda c: (c["top"], c["x0"])):
        if lines and abs(char["top"] - lines[-1][0]["top"]) <= 2:
            lines[-1].append(char)
        else:
            lines.append([char])
    return [sorted(line, key=lambda c: c["x0"]) for line in lines]


def _text(line: list[dict]) -> str:
    return "".join(c["text"] for c in line).replace(" ", "").replace("\u3000", "")


@pytest.fixture(scope="module")
def measured(pdf_engine_address):
    from django.conf import settings

    saved = settings.DUCHA_PDF_ENGINE
    settings.DUCHA_PDF_ENGINE = pdf_engine_address
    try:
        data = docx_to_pdf(render_docx(_content()))
    finally:
        settings.DUCHA_PDF_ENGINE = saved
    return data


def test_a4_and_a_full_page_of_22_lines_of_28_characters(measured):
    with pdfplumber.open(io.BytesIO(measured)) as pdf:
        assert len(pdf.pages) >= 3
        for page in pdf.pages:
            assert (round(page.width * MM_PER_PT), round(page.height * MM_PER_PT)) == (210, 297)
        full_page = pdf.pages[2]  # nothing but body text
        body = [line for line in _lines(full_page) if round(line[0]["size"]) == 16]
        assert len(body) == 22
        assert {len(line) for line in body} == {28}
        # The text block: from the left margin (28 mm) to the 版心's right edge (184 mm), top to bottom.
        assert all(abs(line[0]["x0"] * MM_PER_PT - 28) < 0.3 for line in body)
        assert all(line[-1]["x1"] * MM_PER_PT <= 184.2 for line in body)
        first_top = body[0][0]["top"] * MM_PER_PT
        last_bottom = body[-1][0]["bottom"] * MM_PER_PT
        # The first line lies in the 版心's first line (37 mm + 28.95 pt), the last one above its bottom (262 mm).
        assert 37 <= first_top <= 37 + 28.95 * MM_PER_PT
        assert 262 - 28.95 * MM_PER_PT <= last_bottom <= 262


def test_the_head_red_mark_and_separator(measured):
    with pdfplumber.open(io.BytesIO(measured)) as pdf:
        first = pdf.pages[0]
        lines = _lines(first)
        text = ["".join(c["text"] for c in line) for line in lines]
        assert text[0] == "秘密" and text[1] == "特急"  # top left, 3号黑体
        assert round(lines[0][0]["size"]) == 16 and abs(lines[0][0]["x0"] * MM_PER_PT - 28) < 0.3
        mark = next(line for line in lines if "".join(c["text"] for c in line) == "示范县人民政府督查室")
        assert {tuple(c["non_stroking_color"]) for c in mark} == {(1, 0, 0)}
        # Centred on the 版心 (28–184 mm), its top 35 mm below the 版心's (37 + 35 = 72 mm, within a line).
        centre = (mark[0]["x0"] + mark[-1]["x1"]) / 2 * MM_PER_PT
        assert abs(centre - 106) < 1
        assert 66 <= mark[0]["top"] * MM_PER_PT <= 78
        rules = [
            shape
            for shape in first.lines + first.rects
            if tuple(shape.get("stroking_color") or ()) == (1, 0, 0)
            or tuple(shape.get("non_stroking_color") or ()) == (1, 0, 0)
        ]
        assert rules, "no red separator"
        widths = {round((rule["x1"] - rule["x0"]) * MM_PER_PT) for rule in rules}
        assert widths == {156}
        assert {round(rule["x0"] * MM_PER_PT) for rule in rules} == {28}
        number = next(line for line in lines if "〔2026〕" in "".join(c["text"] for c in line))
        # The separator lies 4 mm below the number (within half a millimetre).
        gap = rules[0]["top"] * MM_PER_PT - number[0]["bottom"] * MM_PER_PT
        assert abs(gap - 4) <= 0.5, gap


def test_page_numbers_right_on_odd_pages_left_on_even(measured):
    with pdfplumber.open(io.BytesIO(measured)) as pdf:
        for index, page in enumerate(pdf.pages, start=1):
            [number] = [
                line for line in _lines(page) if round(line[0]["size"]) == 14 and "—" in line[0]["text"]
            ]
            assert "".join(c["text"] for c in number).replace(" ", "") == f"—{index}—"
            if index % 2:
                assert 176 <= number[-1]["x1"] * MM_PER_PT <= 184  # one character in from the right
            else:
                assert 28 <= number[0]["x0"] * MM_PER_PT <= 36  # one character in from the left
            assert number[0]["top"] * MM_PER_PT > 262  # below the 版心


def test_the_record_lies_at_the_bottom_of_the_last_page(measured):
    with pdfplumber.open(io.BytesIO(measured)) as pdf:
        last = pdf.pages[-1]
        lines = {_text(line): line for line in _lines(last)}
        copy_to = next(line for text, line in lines.items() if text.startswith("抄送"))
        printed = next(line for text, line in lines.items() if "2026年12月5日印发" in text)
        assert round(copy_to[0]["size"]) == round(printed[0]["size"]) == 14
        assert printed[0]["bottom"] * MM_PER_PT <= 262.5 and printed[0]["bottom"] * MM_PER_PT > 250


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="pdffonts (poppler-utils) is not installed")
def test_every_font_is_embedded(measured, tmp_path):
    path = tmp_path / "notice.pdf"
    path.write_bytes(measured)
    output = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = output.splitlines()[2:]
    assert rows
    embedded = {re.sub(r"^[A-Z]{6}\+", "", row.split()[0]): row.split()[-5] for row in rows}
    assert set(embedded.values()) == {"yes"}, output
    # 仿宋 and 小标宋 → Noto Serif CJK, 黑体 → Noto Sans CJK (fonts-noto-cjk), 楷体 → AR PL UKai (fonts-arphic-ukai).
    names = " ".join(embedded)
    assert "NotoSerifCJK" in names and "NotoSansCJK" in names and "UKai" in names


def test_a_receipt_on_its_own_page_after_the_notice(pdf_engine):
    content = _content(
        secrecy="",
        urgency="",
        attachments=[],
        note="",
        body=[Block("请承办单位签收。")],
        receipt=Receipt(title="回  执", rows=[("督办事项", "督〔2026〕7号"), ("签收人", "")]),
    )
    with pdfplumber.open(io.BytesIO(docx_to_pdf(render_docx(content)))) as pdf:
        texts = ["".join(c["text"] for c in page.chars) for page in pdf.pages]
    assert len(texts) == 2
    assert "回执" in texts[1].replace(" ", "") and "回执" not in texts[0].replace(" ", "")
    assert "签收人" in texts[1]


@pytest.mark.parametrize(
    ("title", "lines"),
    [
        ("督办通知单", ["督办通知单"]),
        (
            "关于2026年第三季度重点工作督查情况的通报",
            ["关于2026年第三季度", "重点工作督查情况的通报"],
        ),
        ("关于进一步加强和改进新形势下督查督办工作推动重大决策部署落地见效的实施意见", None),
    ],
)
def test_a_long_title_breaks_into_even_lines_where_words_end(title, lines):
    from ducha.documents.layout import _width, title_lines

    broken = title_lines(title)
    assert "".join(broken) == title
    if lines is not None:
        assert broken == lines
    widths = [_width(line) for line in broken]
    assert all(width <= 20 for width in widths)  # 20 characters of 2号 in the 版心
    assert max(widths) - min(widths) <= 4 and min(widths) > 2  # 梯形 or 菱形, no orphaned character


def test_control_characters_pasted_into_the_text_never_break_the_file():
    content = _content(title="通报\x00", body=[Block("第一行\x0b第二行\x07。")], copy_to="县委办\x1f")
    document = Docx(io.BytesIO(render_docx(content)))
    texts = [p.text for p in document.paragraphs]
    assert "通报" in texts and "第一行" in texts and "第二行。" in texts  # the vertical tab breaks the line
    assert not any(ch in "".join(texts) for ch in "\x00\x07\x1f")
