"""A `<select>` whose markup is joined in Python (issue 19: every URL under a second at a million items).

The item form offers every unit of the government as the lead unit and as each co-unit: on the benchmark province
3,413 units in five selects, 17,000 `<option>`s. Django renders each option through two included templates, which
took two seconds of the form's page. `QuickSelect` writes exactly the markup of Django's `select.html` and
`select_option.html` (tests/workbench/test_quick_select.py compares the two) in a few milliseconds.
"""

from __future__ import annotations

import html
from typing import Any

from django import forms
from django.utils.safestring import SafeString, mark_safe


def conditional_escape(value: Any) -> str:
    """django.utils.html.conditional_escape without its lazy-string wrapper (called once per option): the same
    characters escaped (html.escape), markup already safe kept as it is."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))


def _attributes(attrs: dict[str, Any]) -> str:
    """django/forms/widgets/attrs.html: ` name="value"`, a bare ` name` for True, nothing for False."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {conditional_escape(name)}")
        else:
            parts.append(f' {conditional_escape(name)}="{conditional_escape(str(value))}"')
    return "".join(parts)


class QuickSelect(forms.Select):
    """A single-choice `<select>`, its options joined in Python; the same markup as `forms.Select`."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        if self.allow_multiple_selected or self.template_name != forms.Select.template_name:
            return super().render(name, value, attrs, renderer)
        chosen = self.format_value(value)
        has_selected = False
        parts = [
            f'<select name="{conditional_escape(name)}"{_attributes(self.build_attrs(self.attrs, attrs))}>'
        ]

        def option(option_value: Any, label: Any) -> str:
            nonlocal has_selected
            selected = not has_selected and str(option_value) in chosen
            has_selected |= selected
            marked = " selected" if selected else ""
            return (
                f'\n  <option value="{conditional_escape(str(option_value))}"{marked}>'
                f"{conditional_escape(label)}</option>\n"
            )

        for option_value, label in self.choices:
            if option_value is None:
                option_value = ""
            if isinstance(label, (list, tuple)):
                parts.append(f'\n  <optgroup label="{conditional_escape(option_value)}">')
                parts.extend(option(sub_value, sub_label) for sub_value, sub_label in label)
                parts.append("\n  </optgroup>")
            else:
                parts.append(option(option_value, label))
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # every value above is escaped
