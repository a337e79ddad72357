"""`{% unit_checks units "targets" chosen %}`: one checkbox per unit, joined in Python (issue 19).

An inspection's form offers every unit under the government as a target: on the benchmark province 3,400
checkboxes, which the template loop took most of a second to write. The markup is the loop's, character for
character (tests/workbench/test_unit_checks.py compares them): `<label class="check"><input type="checkbox"
name="…" value="<id>"[ checked]> <short name, else name></label>`.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def _escape(value: Any) -> str:
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))


@register.simple_tag
def unit_checks(units: Iterable[Any], name: str, chosen: Iterable[Any] = ()) -> SafeString:
    """A checkbox per unit named `name`; checked for the units in `chosen` (ids, or rows with a `unit_id`)."""
    checked = {getattr(entry, "unit_id", entry) for entry in chosen or ()}
    field = _escape(name)
    parts = [
        f'<label class="check"><input type="checkbox" name="{field}" value="{unit.pk}"'
        f"{' checked' if unit.pk in checked else ''}> {_escape(unit.short_name or unit.name)}</label>"
        for unit in units
    ]
    return mark_safe("".join(parts))  # every value above is escaped
