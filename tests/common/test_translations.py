"""Every user-facing string is shown in Chinese: the catalogue has no untranslated or fuzzy entry, and every
placeholder of an English source string is kept in its translation."""

from __future__ import annotations

import re
from pathlib import Path

import ducha

CATALOGUE = Path(ducha.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%\(\w+\)\.\d+f|\{\w*\}")


def _text(lines: list[str], key: str) -> str | None:
    """The joined value of `msgid`, `msgstr` or `msgstr[0]` in one entry's lines."""
    value, reading = None, False
    for line in lines:
        if line.startswith(key + " "):
            value, reading = line[len(key) + 1 :].strip()[1:-1], True
        elif reading and line.startswith('"'):
            value = (value or "") + line.strip()[1:-1]
        else:
            reading = False
    return value


def _entries() -> list[tuple[str, str, bool]]:
    entries = []
    for block in CATALOGUE.read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#~")]
        msgid = _text(lines, "msgid")
        if not msgid:  # the header, or an obsolete entry
            continue
        msgstr = _text(lines, "msgstr") if _text(lines, "msgid_plural") is None else _text(lines, "msgstr[0]")
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        entries.append((msgid, msgstr or "", fuzzy))
    return entries


def test_every_string_is_translated_and_none_is_fuzzy():
    entries = _entries()
    assert len(entries) > 500
    assert [msgid for msgid, msgstr, _fuzzy in entries if not msgstr] == []
    assert [msgid for msgid, _msgstr, fuzzy in entries if fuzzy] == []


def test_translations_keep_every_placeholder():
    wrong = [
        msgid
        for msgid, msgstr, _fuzzy in _entries()
        if sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(msgstr))
    ]
    assert wrong == []
