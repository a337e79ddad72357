"""The layout of a 公文 to GB/T 9704-2012 (党政机关公文格式), written as .docx with python-docx.

What the standard fixes, and how it is written here:

- A4; 天头 (top margin) 37 mm, 订口 (left margin) 28 mm, 版心 156 × 225 mm, so the right margin is 26 mm and the
  bottom one 35 mm.
- The body in 3号 (16 pt) 仿宋, 22 lines a page of 28 characters a line, filling the 版心. Lines: the section's
  document grid of 22 lines (`w:docGrid w:type="lines"`, pitch 225 mm / 22 = 28.95 pt). Characters: 28 × 16 pt is
  448 pt, wider than the 版心's 442.2 pt, so Word condenses through a character grid that LibreOffice rounds up to
  two cells a character; instead the body's characters are condensed by 0.25 pt (`w:spacing -5`), 28 × 15.75 pt =
  441 pt, which both renderers lay out the same: 28 a line.
- 版头: 份号, 密级 and 紧急程度 top left in 3号黑体; the 发文机关标志 centred in red 小标宋, its top 35 mm below
  the 版心's; the 发文字号 two lines below it, centred (`X督〔2026〕7号`); 4 mm below, a red line the width of the
  版心.
- 主体: the title in 2号小标宋, centred, two lines below the red line; the 主送机关 one line below it; paragraphs
  indented two characters; headings 一、 in 黑体, （一） in 楷体, 1. and （1） in 仿宋; 附件说明 one line below
  the text; the 署名 and the 成文日期 (Arabic numerals); 附注.
- 版记 on the last page, between a thick first and last line and thin lines between (0.35 / 0.25 mm), 4号仿宋:
  抄送, then 印发机关 and 印发日期 on the last line, which lies on the 版心's bottom edge (a table anchored to the
  bottom margin).
- Page numbers `— 1 —` in 4号 宋体 below the 版心, odd pages right and even pages left, one character in.

Font names stay the ones a government PC has (仿宋_GB2312, 方正小标宋简体, 黑体, 楷体_GB2312, 宋体), in
`w:eastAsia`; the PDF engine maps them to installed fonts (documents/fonts/fonts.conf).
"""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph

# --- the standard's measures ----------------------------------------------------------------------------------

PAGE_WIDTH_MM, PAGE_HEIGHT_MM = 210, 297
TOP_MM, LEFT_MM = 37, 28  # 天头, 订口
TEXT_WIDTH_MM, TEXT_HEIGHT_MM = 156, 225  # 版心
RIGHT_MM = PAGE_WIDTH_MM - LEFT_MM - TEXT_WIDTH_MM  # 26
BOTTOM_MM = PAGE_HEIGHT_MM - TOP_MM - TEXT_HEIGHT_MM  # 35
LINES_PER_PAGE, CHARS_PER_LINE = 22, 28
BODY_PT = 16  # 3号
TITLE_PT = 22  # 2号
SMALL_PT = 14  # 4号: 版记 and page numbers
MARK_PT = (
    36  # 发文机关标志: the standard leaves the size to the office (no larger than 22 mm × 15 mm a character)
)
LINE_PITCH_TWIPS = int(
    TEXT_HEIGHT_MM / 25.4 * 72 * 20 / LINES_PER_PAGE
)  # 579 (579.5: never more than 22 fit)
CONDENSE_TWIPS = -5  # 16 pt - 0.25 pt: 28 characters in 442.2 pt
CHAR_PT = BODY_PT + CONDENSE_TWIPS / 20  # 15.75
MARK_TOP_MM = 35  # the 发文机关标志's top below the 版心's top
RULE_BELOW_NUMBER_MM = 4
# A body line's box on the 22-line grid (28.95 pt) ends about 2.9 mm below the characters of a 3号 line, so the
# border's own distance is what is left of the 4 mm (measured in tests/documents/test_layout.py).
LINE_BOX_BELOW_GLYPHS_MM = 2.9

# The names a government PC's Word or WPS knows; documents/fonts/fonts.conf maps them for LibreOffice.
FANGSONG = "仿宋_GB2312"
XIAOBIAOSONG = "方正小标宋简体"
HEITI = "黑体"
KAITI = "楷体_GB2312"
SONGTI = "宋体"
LATIN = "Times New Roman"

RED = RGBColor(0xFF, 0x00, 0x00)
BLACK = RGBColor(0, 0, 0)

# Heading levels of the text (7.3.3): 一、 黑体; （一） 楷体; 1. and （1） 仿宋.
HEADING_FONTS = {1: HEITI, 2: KAITI, 3: FANGSONG, 4: FANGSONG}


@dataclass(frozen=True)
class Block:
    """One paragraph of the text: `level` 0 for a plain paragraph, 1-4 for a heading of that level (the text
    carries its own numbering: "一、", "（一）", "1.", "（1）")."""

    text: str
    level: int = 0


@dataclass(frozen=True)
class Receipt:
    """The 回执 a unit returns with a 督办通知单: rows of (label, value); a blank value is a line to fill in."""

    title: str
    rows: Sequence[tuple[str, str]]
    note: str = ""
    new_page: bool = True  # a tear-off page after the notice; False: right after the text


@dataclass(frozen=True)
class Content:
    """Everything a 公文 shows. Fields the standard calls optional are empty when the document has none."""

    mark: str  # 发文机关标志
    title: str
    body: Sequence[Block]
    date: datetime.date  # 成文日期
    number: str = ""  # 发文字号; empty on a draft preview
    recipients: str = ""  # 主送机关, without the closing colon
    signature: str = ""  # 发文机关署名
    copy_number: str = ""  # 份号
    secrecy: str = ""  # 密级 (and 保密期限)
    urgency: str = ""  # 紧急程度: 特急 / 加急
    attachments: Sequence[str] = ()
    note: str = ""  # 附注
    copy_to: str = ""  # 抄送
    printer: str = ""  # 印发机关
    printed_on: datetime.date | None = None
    colour: RGBColor = field(default_factory=lambda: RED)
    receipt: Receipt | None = None
    draft_label: str = ""  # shown in place of the number on a preview ("（预览，未编号）")


def chinese_date(day: datetime.date) -> str:
    """2026年12月5日: Arabic numerals, the year in full, no padding (7.3.5.1)."""
    return f"{day.year}年{day.month}月{day.day}日"


# --- XML helpers ------------------------------------------------------------------------------------------------

# The order the schema gives a paragraph's and a run's properties (ECMA-376 CT_PPrBase, CT_RPr): Word refuses a
# file whose properties are out of order, so every element is put in its place.
PPR_ORDER = [
    "pStyle",
    "keepNext",
    "keepLines",
    "pageBreakBefore",
    "framePr",
    "widowControl",
    "numPr",
    "suppressLineNumbers",
    "pBdr",
    "shd",
    "tabs",
    "suppressAutoHyphens",
    "kinsoku",
    "wordWrap",
    "overflowPunct",
    "topLinePunct",
    "autoSpaceDE",
    "autoSpaceDN",
    "bidi",
    "adjustRightInd",
    "snapToGrid",
    "spacing",
    "ind",
    "contextualSpacing",
    "mirrorIndents",
    "suppressOverlap",
    "jc",
    "textDirection",
    "textAlignment",
    "textboxTightWrap",
    "outlineLvl",
    "divId",
    "cnfStyle",
    "rPr",
    "sectPr",
    "pPrChange",
]
RPR_ORDER = [
    "rStyle",
    "rFonts",
    "b",
    "bCs",
    "i",
    "iCs",
    "caps",
    "smallCaps",
    "strike",
    "dstrike",
    "outline",
    "shadow",
    "emboss",
    "imprint",
    "noProof",
    "snapToGrid",
    "vanish",
    "webHidden",
    "color",
    "spacing",
    "w",
    "kern",
    "position",
    "sz",
    "szCs",
    "highlight",
    "u",
    "effect",
    "bdr",
    "shd",
    "fitText",
    "vertAlign",
    "rtl",
    "cs",
    "em",
    "lang",
    "eastAsianLayout",
    "specVanish",
    "oMath",
]


def _element(tag: str, **attributes: str) -> Any:
    element = OxmlElement(tag)
    for name, value in attributes.items():
        element.set(qn(f"w:{name}"), value)
    return element


def _put(parent: Any, element: Any, order: list[str]) -> Any:
    """Put `element` into `parent` (a pPr or rPr) in the schema's order, replacing one of the same tag."""
    tag = element.tag
    for existing in parent.findall(tag):
        parent.remove(existing)
    name = tag.split("}", 1)[1]
    later = {qn(f"w:{other}") for other in order[order.index(name) + 1 :]}
    for index, child in enumerate(parent):
        if child.tag in later:
            parent.insert(index, element)
            return element
    parent.append(element)
    return element


def _set_fonts(run_properties: Any, east_asia: str, latin: str = LATIN) -> None:
    fonts = run_properties.find(qn("w:rFonts"))
    if fonts is None:
        fonts = _put(run_properties, _element("w:rFonts"), RPR_ORDER)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:cs"), latin)


# Characters XML 1.0 cannot hold (C0 controls but tab and newlines; pasted text brings them): a line break for
# the vertical tab and form feed, nothing for the rest.
_UNWRITABLE = re.compile(r"[\x00-\x08\x0e-\x1f\ufffe\uffff]")


def writable(text: str) -> str:
    return _UNWRITABLE.sub("", text.replace("\x0b", "\n").replace("\x0c", "\n"))


def _run(
    paragraph: Paragraph,
    text: str,
    *,
    font: str = FANGSONG,
    size: float = BODY_PT,
    colour: RGBColor = BLACK,
    bold: bool = False,
    condensed: bool = True,
) -> None:
    run = paragraph.add_run(writable(text))
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.color.rgb = colour
    properties = run._r.get_or_add_rPr()
    _set_fonts(properties, font, SONGTI if font == SONGTI else LATIN)
    if condensed:
        _put(properties, _element("w:spacing", val=str(CONDENSE_TWIPS)), RPR_ORDER)


def _paragraph_format(
    paragraph: Paragraph,
    *,
    align: Any = WD_ALIGN_PARAGRAPH.JUSTIFY,
    first_line_chars: float = 0,
    left_chars: float = 0,
    right_chars: float = 0,
    snap_to_grid: bool = True,
    exact_pt: float | None = None,
    before_pt: float = 0,
) -> None:
    fmt = paragraph.paragraph_format
    fmt.alignment = align
    fmt.space_before = Pt(before_pt)
    fmt.space_after = Pt(0)
    fmt.first_line_indent = Pt(first_line_chars * CHAR_PT) if first_line_chars else None
    fmt.left_indent = Pt(left_chars * CHAR_PT) if left_chars else None
    fmt.right_indent = Pt(right_chars * CHAR_PT) if right_chars else None
    if exact_pt is not None:
        fmt.line_spacing = Pt(exact_pt)
        fmt.line_spacing_rule = 4  # WD_LINE_SPACING.EXACTLY
    properties = paragraph._p.get_or_add_pPr()
    if not snap_to_grid:
        _put(properties, _element("w:snapToGrid", val="0"), PPR_ORDER)
    # No automatic space between Chinese and Latin or digits: every character keeps its cell.
    _put(properties, _element("w:autoSpaceDE", val="0"), PPR_ORDER)
    _put(properties, _element("w:autoSpaceDN", val="0"), PPR_ORDER)


def _rule_below(paragraph: Paragraph, *, colour: RGBColor, eighths_pt: int, space_pt: int) -> None:
    """A line under the paragraph the width of the 版心 (paragraph borders run between the margins)."""
    borders = _element("w:pBdr")
    borders.append(
        _element("w:bottom", val="single", sz=str(eighths_pt), space=str(space_pt), color=str(colour))
    )
    _put(paragraph._p.get_or_add_pPr(), borders, PPR_ORDER)


def _blank_lines(document: Any, count: int) -> None:
    for _ in range(count):
        _paragraph_format(document.add_paragraph())


# --- the document -----------------------------------------------------------------------------------------------


def _page_setup(document: Any) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Mm(PAGE_WIDTH_MM), Mm(PAGE_HEIGHT_MM)
    section.top_margin, section.bottom_margin = Mm(TOP_MM), Mm(BOTTOM_MM)
    section.left_margin, section.right_margin = Mm(LEFT_MM), Mm(RIGHT_MM)
    section.header_distance = Mm(15)
    # The page number's dash line lies 7 mm below the 版心 (7.5): the footer's 4号 line, centred on the dash,
    # ends 24.2 mm above the page's bottom edge (measured in the PDF: tests/documents).
    section.footer_distance = Mm(BOTTOM_MM - 7 - 3.8)
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = _element("w:docGrid")
        section._sectPr.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_PITCH_TWIPS))
    # Odd and even pages have their own footers (the page number's side).
    document.settings.odd_and_even_pages_header_footer = True
    # The document's defaults speak Chinese too (LibreOffice picks the simplified glyphs of a CJK font by it).
    defaults = document.styles.element.find(qn("w:docDefaults"))
    default_run = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _put(default_run, _element("w:lang", val="zh-CN", eastAsia="zh-CN", bidi="ar-SA"), RPR_ORDER)
    normal = document.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    properties = normal.element.get_or_add_rPr()
    _set_fonts(properties, FANGSONG)
    _put(properties, _element("w:lang", val="zh-CN", eastAsia="zh-CN"), RPR_ORDER)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(0)
    # Single spacing: a line is one grid line (the template's default of 1.15 would make it 1.15 of them).
    normal.paragraph_format.line_spacing = 1.0
    # No widow and orphan control: a full page holds 22 lines, never 21 to keep a paragraph's last line company.
    normal.paragraph_format.widow_control = False


def _page_number_footer(footer: Any, *, odd: bool) -> None:
    """`— N —` in 4号 宋体: odd pages one character in from the right, even pages from the left."""
    paragraph = footer.paragraphs[0]
    _paragraph_format(
        paragraph,
        align=WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT,
        right_chars=1 if odd else 0,
        left_chars=0 if odd else 1,
        snap_to_grid=False,
    )
    _run(paragraph, "— ", font=SONGTI, size=SMALL_PT, condensed=False)
    # The PAGE field, a run per part, each with the number's own size and font.
    for part in ("begin", "instruction", "separate", "result", "end"):
        run = paragraph.add_run()
        run.font.size = Pt(SMALL_PT)
        _set_fonts(run._r.get_or_add_rPr(), SONGTI, SONGTI)
        if part == "instruction":
            instruction = _element("w:instrText")
            instruction.text = " PAGE "
            instruction.set(qn("xml:space"), "preserve")
            run._r.append(instruction)
        elif part == "result":
            run._r.append(_element("w:t"))
            run._r[-1].text = "1"
        else:
            run._r.append(_element("w:fldChar", fldCharType=part))
    _run(paragraph, " —", font=SONGTI, size=SMALL_PT, condensed=False)


def _head(document: Any, content: Content) -> None:
    """版头: 份号 / 密级 / 紧急程度, the 发文机关标志, the 发文字号 and the red line."""
    marks = [text for text in (content.copy_number, content.secrecy, content.urgency) if text]
    for text in marks:
        paragraph = document.add_paragraph()
        _paragraph_format(paragraph, align=WD_ALIGN_PARAGRAPH.LEFT)
        _run(paragraph, text, font=HEITI)
    # The mark's top 35 mm below the 版心's: what the lines above take, subtracted.
    line_mm = TEXT_HEIGHT_MM / LINES_PER_PAGE
    before_mm = max(0.0, MARK_TOP_MM - len(marks) * line_mm)
    mark = document.add_paragraph()
    _paragraph_format(
        mark,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        snap_to_grid=False,
        exact_pt=MARK_PT * 1.2,
        before_pt=before_mm / 25.4 * 72,
    )
    _run(mark, content.mark, font=XIAOBIAOSONG, size=MARK_PT, colour=content.colour, condensed=False)
    _blank_lines(document, 1)  # the number two lines below the mark: one blank line
    number = document.add_paragraph()
    _paragraph_format(number, align=WD_ALIGN_PARAGRAPH.CENTER)
    _run(number, content.number or content.draft_label or " ")
    _rule_below(
        number,
        colour=content.colour,
        eighths_pt=12,
        space_pt=round((RULE_BELOW_NUMBER_MM - LINE_BOX_BELOW_GLYPHS_MM) / 25.4 * 72),
    )


def _width(text: str) -> float:
    """In characters of the title's size: a Chinese character 1, a Latin letter or digit half."""
    return sum(0.5 if ord(char) < 0x2E80 else 1 for char in text)


# Where a title line may end without splitting a word: after these characters (the/of, and, with, year, …).
TITLE_BREAKS = frozenset("的和与及于对在年度等中")


def title_lines(title: str) -> list[str]:
    """A title too long for one line, broken into lines of about equal length (7.3.2: 梯形 or 菱形, never a last
    line of one or two characters), each ending where a word ends when such a place is near."""
    capacity = int(TEXT_WIDTH_MM / (TITLE_PT * 25.4 / 72)) - 1  # 20 characters of 2号, less one to spare
    if _width(title) <= capacity:
        return [title]
    lines, rest = [], title
    for remaining in range(int(-(-_width(title) // capacity)), 1, -1):
        target = _width(rest) / remaining

        def score(cut: int, target: float = target, rest: str = rest) -> float:
            natural = rest[cut - 1] in TITLE_BREAKS or not ("\u4e00" <= rest[cut] <= "\u9fff")
            return abs(_width(rest[:cut]) - target) + (0 if natural else 2.5)

        cuts = [
            cut
            for cut in range(1, len(rest))
            if abs(_width(rest[:cut]) - target) <= 3.5
            and not (rest[cut - 1].isascii() and rest[cut].isascii())  # never inside 2026 or a word
            and rest[cut] not in "，。、；：）》」”"  # no line opens with closing punctuation
            and rest[cut - 1] not in "（《「“"  # nor ends with an opening one
        ] or list(range(1, len(rest)))
        cuts = [cut for cut in cuts if _width(rest[:cut]) <= capacity and _width(rest[cut:]) > 2] or cuts
        best = min(cuts, key=score)
        lines.append(rest[:best])
        rest = rest[best:]
    return [*lines, rest]


def _title(document: Any, content: Content) -> None:
    _blank_lines(document, 2)
    title = document.add_paragraph()
    # Each title line takes one line of the grid (fixed 28.95 pt, as government templates set it), so the text
    # below stays on the grid and a long title's lines are not two grid lines apart.
    _paragraph_format(
        title, align=WD_ALIGN_PARAGRAPH.CENTER, snap_to_grid=False, exact_pt=LINE_PITCH_TWIPS / 20
    )
    for index, line in enumerate(title_lines(content.title)):
        if index:
            title.runs[-1].add_break(WD_BREAK.LINE)
        _run(title, line, font=XIAOBIAOSONG, size=TITLE_PT, condensed=False)
    _blank_lines(document, 1)
    if content.recipients:
        paragraph = document.add_paragraph()
        _paragraph_format(paragraph)
        _run(paragraph, content.recipients + "：")


def _body(document: Any, content: Content) -> None:
    for block in content.body:
        for line in block.text.splitlines() or [""]:
            paragraph = document.add_paragraph()
            _paragraph_format(paragraph, first_line_chars=2)
            _run(paragraph, line, font=HEADING_FONTS.get(block.level, FANGSONG))
    if content.attachments:
        _blank_lines(document, 1)
        for index, name in enumerate(content.attachments, start=1):
            paragraph = document.add_paragraph()
            if len(content.attachments) == 1:
                _paragraph_format(paragraph, left_chars=2)
                _run(paragraph, f"附件：{name}")
            else:
                # Several: 附件：1. … and the next ones aligned under the first name (7.3.4).
                _paragraph_format(paragraph, left_chars=2 if index == 1 else 5)
                _run(paragraph, f"{'附件：' if index == 1 else ''}{index}．{name}")


def _signature(document: Any, content: Content) -> None:
    """Without a seal (7.3.5.3): one blank line, the 署名 two characters in from the right, the date below it,
    starting two characters to the right of the 署名's first character."""
    _blank_lines(document, 1)
    date_text = chinese_date(content.date)
    if content.signature:
        paragraph = document.add_paragraph()
        _paragraph_format(paragraph, align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=2)
        _run(paragraph, content.signature)
    paragraph = document.add_paragraph()
    # The date's first character two to the right of the signature's: its right edge then lies at
    # 2 + len(signature) - 2 - len(date) characters from the signature's, never less than 2 (the usual 右空四字).
    shift = max(2.0, 2 + len(content.signature) - 2 - len(date_text)) if content.signature else 4
    _paragraph_format(paragraph, align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=shift)
    _run(paragraph, date_text)
    if content.note:
        paragraph = document.add_paragraph()
        _paragraph_format(paragraph, first_line_chars=2)
        _run(paragraph, f"（{content.note}）")


_SHAPE_NAMESPACES = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
)
EMU_PER_MM = 36000
RECORD_LINE_PT = 28  # a 版记 line: 4号 text with room above and below it
FULL_WIDTH_SPACE = "\u3000"


def _record_paragraph_xml(text: str, *, first: bool, last: bool, tab_twips: int) -> str:
    text = writable(text)
    borders = f'<w:top w:val="single" w:sz="{8 if first else 6}" w:space="0" w:color="000000"/>'
    if last:
        borders += '<w:bottom w:val="single" w:sz="8" w:space="0" w:color="000000"/>'
    tabs = f'<w:tabs><w:tab w:val="right" w:pos="{tab_twips}"/></w:tabs>' if "\t" in text else ""
    runs = []
    for index, part in enumerate(text.split("\t")):
        if index:
            runs.append('<w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:tab/></w:r>')
        runs.append(
            f'<w:r><w:rPr><w:rFonts w:ascii="{LATIN}" w:hAnsi="{LATIN}" w:eastAsia="{FANGSONG}" w:cs="{LATIN}"/>'
            f'<w:sz w:val="{SMALL_PT * 2}"/></w:rPr><w:t xml:space="preserve">{escape(part)}</w:t></w:r>'
        )
    return (
        f"<w:p><w:pPr><w:pBdr>{borders}</w:pBdr>{tabs}"
        f'<w:autoSpaceDE w:val="0"/><w:autoSpaceDN w:val="0"/><w:snapToGrid w:val="0"/>'
        f'<w:spacing w:before="0" w:after="0" w:line="{RECORD_LINE_PT * 20}" w:lineRule="exact"/>'
        f'<w:ind w:left="0" w:right="0"/><w:jc w:val="left"/></w:pPr>{"".join(runs)}</w:p>'
    )


def _record(document: Any, content: Content) -> None:
    """版记 on the last page, its last line on the 版心's bottom edge (7.4.1): a text box the width of the 版心,
    placed on the page by its distance from the page's top and anchored to the last paragraph of the text (so it
    is on the page where the text ends, and text never runs under it). Between its lines: thick first and last
    lines (0.35 mm, 1 pt), thin ones between (0.25 mm, 0.75 pt); 4号仿宋; 抄送 and 印发机关 one character in from
    the left, the 印发日期 one character in from the right."""
    if not (content.copy_to or content.printer):
        return
    rows = []
    if content.copy_to:
        rows.append(f"{FULL_WIDTH_SPACE}抄送：{content.copy_to}。")
    printed = chinese_date(content.printed_on or content.date) + "印发"
    rows.append(f"{FULL_WIDTH_SPACE}{content.printer}\t{printed}{FULL_WIDTH_SPACE}")
    tab_twips = round(TEXT_WIDTH_MM / 25.4 * 1440) - SMALL_PT * 20
    paragraphs = "".join(
        _record_paragraph_xml(text, first=index == 0, last=index == len(rows) - 1, tab_twips=tab_twips)
        for index, text in enumerate(rows)
    )
    height_mm = len(rows) * RECORD_LINE_PT / 72 * 25.4
    width, height = round(TEXT_WIDTH_MM * EMU_PER_MM), round(height_mm * EMU_PER_MM)
    left, top = round(LEFT_MM * EMU_PER_MM), round((TOP_MM + TEXT_HEIGHT_MM - height_mm) * EMU_PER_MM)
    shape = (
        f'<w:r {_SHAPE_NAMESPACES}><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>'
        '<wp:anchor distT="0" distB="0" distL="0" distR="0" simplePos="0" relativeHeight="251659264" '
        'behindDoc="0" locked="1" layoutInCell="1" allowOverlap="0"><wp:simplePos x="0" y="0"/>'
        f'<wp:positionH relativeFrom="page"><wp:posOffset>{left}</wp:posOffset></wp:positionH>'
        f'<wp:positionV relativeFrom="page"><wp:posOffset>{top}</wp:posOffset></wp:positionV>'
        f'<wp:extent cx="{width}" cy="{height}"/><wp:effectExtent l="0" t="0" r="0" b="0"/><wp:wrapTopAndBottom/>'
        '<wp:docPr id="9704" name="版记"/><wp:cNvGraphicFramePr/><a:graphic>'
        '<a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><wps:wsp>'
        '<wps:cNvSpPr txBox="1"/><wps:spPr><a:xfrm><a:off x="0" y="0"/>'
        f'<a:ext cx="{width}" cy="{height}"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom>'
        "<a:noFill/><a:ln><a:noFill/></a:ln></wps:spPr>"
        f"<wps:txbx><w:txbxContent>{paragraphs}</w:txbxContent></wps:txbx>"
        '<wps:bodyPr rot="0" vert="horz" wrap="square" lIns="0" tIns="0" rIns="0" bIns="0" anchor="b" '
        'anchorCtr="0"><a:noAutofit/></wps:bodyPr></wps:wsp></a:graphicData></a:graphic></wp:anchor>'
        "</w:drawing></mc:Choice><mc:Fallback/></mc:AlternateContent></w:r>"
    )
    paragraph = document.add_paragraph()
    _paragraph_format(paragraph)
    paragraph._p.append(parse_xml(shape))


def _receipt(document: Any, receipt: Receipt) -> None:
    """The 回执: a title and a table the unit fills in (or the system did, on signing), on a page of its own."""
    if receipt.new_page:
        paragraph = document.add_paragraph()
        paragraph.add_run().add_break(WD_BREAK.PAGE)
    else:
        _blank_lines(document, 1)
    title = document.add_paragraph()
    _paragraph_format(title, align=WD_ALIGN_PARAGRAPH.CENTER)
    _run(title, receipt.title, font=XIAOBIAOSONG, size=TITLE_PT, condensed=False)
    _blank_lines(document, 1)
    table = document.add_table(rows=len(receipt.rows), cols=2)
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for row, (label, value) in zip(table.rows, receipt.rows, strict=True):
        row.height = Pt(LINE_PITCH_TWIPS / 20 * 1.5)
        for cell, text, font in ((row.cells[0], label, HEITI), (row.cells[1], value, FANGSONG)):
            cell.width = Mm(40) if cell is row.cells[0] else Mm(TEXT_WIDTH_MM - 40)
            paragraph = cell.paragraphs[0]
            _paragraph_format(paragraph, align=WD_ALIGN_PARAGRAPH.LEFT)
            _run(paragraph, text, font=font)
    if receipt.note:
        _blank_lines(document, 1)
        paragraph = document.add_paragraph()
        _paragraph_format(paragraph, first_line_chars=2)
        _run(paragraph, receipt.note)


def render_docx(content: Content) -> bytes:
    """The .docx of `content`, laid out to GB/T 9704-2012."""
    document = Document()
    _page_setup(document)
    section = document.sections[0]
    _page_number_footer(section.footer, odd=True)
    _page_number_footer(section.even_page_footer, odd=False)
    _head(document, content)
    _title(document, content)
    _body(document, content)
    if content.receipt is not None and not content.receipt.new_page:
        _receipt(document, content.receipt)  # a table within the text
    _signature(document, content)
    _record(document, content)
    if content.receipt is not None and content.receipt.new_page:
        _receipt(document, content.receipt)  # a tear-off page after the notice
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
