"""The glossary (docs/glossary.md) enforced on the compiled catalogue: one Chinese term per concept. A banned
variant in any translation fails here, so a new string cannot bring an old name back."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest

import ducha

LOCALE = Path(ducha.__file__).parent / "locale"
GLOSSARY = Path(ducha.__file__).parent.parent / "docs" / "glossary.md"

# (banned variant, the glossary's term, why)
BANNED = [
    ("办理期限", "办结时限", "the deadline is 办结时限"),
    ("办理时限", "办结时限", "the deadline is 办结时限"),
    ("办结截止日期", "办结日期", "办结日期 is the day an item closed; a range ends with 止"),
    ("预警灯", "亮灯", "the status light is 亮灯 (红灯/黄灯/绿灯)"),
    ("事项标题", "事项名称", "an item's name is 事项名称"),
    ("单位负责人审核", "单位负责人审签", "the unit head's check of its report is 审签"),
    ("督查室审签", "督查室审核", "the office's review of a completion report is 审核"),
]
# 办结日期 is allowed only where it means the day an item was closed.
CLOSED_DAY_MSGIDS = {"Completed between", "Completed until"}


def _catalogue() -> dict[str, str]:
    translation = gettext.translation("django", localedir=LOCALE, languages=["zh_Hans"])
    entries: dict[str, str] = {}
    for key, msgstr in translation._catalog.items():  # type: ignore[attr-defined]
        msgid = key[0] if isinstance(key, tuple) else key
        if msgid:
            entries[f"{msgid}|{msgstr}" if isinstance(key, tuple) else msgid] = msgstr
    return entries


def _source(key: str) -> str:
    """The English msgid without its context (gettext keys a contextual entry as "context\\x04msgid")."""
    return key.split("|")[0].split("\x04")[-1]


def test_the_catalogue_is_compiled_and_has_the_glossary_terms():
    catalogue = _catalogue()
    assert len(catalogue) > 500
    assert catalogue["ledger column\x04Deadline"] == "办结时限"
    assert catalogue["ledger column\x04Light"] == "亮灯"
    assert catalogue["ledger column\x04Item"] == "事项名称"


@pytest.mark.parametrize(("variant", "term", "why"), BANNED, ids=[variant for variant, _t, _w in BANNED])
def test_no_translation_uses_a_banned_variant(variant, term, why):
    offending = {_source(key): msgstr for key, msgstr in _catalogue().items() if variant in msgstr}
    assert offending == {}, f"{why}: write {term}, not {variant}"


def test_the_completion_date_means_only_the_day_an_item_closed():
    offending = {
        _source(key): msgstr
        for key, msgstr in _catalogue().items()
        if "办结日期" in msgstr and _source(key) not in CLOSED_DAY_MSGIDS
    }
    assert offending == {}


def test_the_glossary_lists_every_enforced_term():
    text = GLOSSARY.read_text(encoding="utf-8")
    for variant, term, _why in BANNED:
        assert term in text and variant in text  # the term, and the variant it replaces
    # every row of a table names one Chinese term and its English source term
    rows = [line for line in text.splitlines() if re.match(r"^\|\s*[^-|\s]", line) and "中文" not in line]
    assert len(rows) > 60
