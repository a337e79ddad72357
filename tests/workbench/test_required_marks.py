"""Required fields are marked: a visible "*" (hidden from screen readers, which hear the `required` attribute or
aria-required instead) and one line on top of the form saying what the mark means."""

from __future__ import annotations

import re

from django.utils.translation import gettext

from ducha.items.lifecycle import ItemStatus
from tests.helpers import item_in

MARK = '<span class="required-mark" aria-hidden="true">*</span>'


def label_of(html: str, field_id: str) -> str:
    match = re.search(rf'<label for="{field_id}">(.*?)</label>', html, re.S)
    assert match, field_id
    return match.group(1)


def test_the_item_form_marks_its_required_fields(browser, world):
    html = browser("office").get("/items/new/").content.decode()
    assert 'class="required-note"' in html
    assert html.index('class="required-note"') < html.index('id="id_title"')
    for required in ("id_title", "id_source_type"):
        assert MARK in label_of(html, required), required
        # the form saves incomplete drafts (no `required` attribute), so screen readers get the word instead
        assert 'class="visually-hidden">' + gettext("(required)") in label_of(html, required), required
    for optional in ("id_content", "id_source_reference"):
        assert MARK not in label_of(html, optional), optional


def test_an_action_form_marks_its_required_fields_and_says_what_the_mark_means(browser, world):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    html = browser("fgw").get(f"/items/{item.pk}/").content.decode()
    panel = html[html.index('id="action-progress"') :]
    panel = panel[: panel.index("</section>")]
    assert 'class="required-note"' in panel
    assert MARK in label_of(panel, "id_progress-text")


def test_a_form_without_required_fields_has_no_note(browser, world):
    item = item_in(world, ItemStatus.ASSIGNED)
    html = browser("fgw").get(f"/items/{item.pk}/").content.decode()
    panel = html[html.index('id="action-sign"') :]
    assert 'class="required-note"' not in panel[: panel.index("</section>")]


def test_the_new_inspection_form_marks_its_required_fields(browser, world):
    html = browser("office").get("/inspections/new/").content.decode()
    assert 'class="required-note"' in html
    for name in ("topic", "start_date", "end_date"):
        label = re.search(rf"<label>((?:(?!</label>).)*name=\"{name}\"[^>]*>)", html, re.S)
        assert label and MARK in label.group(1) and " required" in label.group(1), name
    # the targets: a group of checkboxes, marked, with no ARIA attribute a group may not carry
    assert re.search(r"<fieldset><legend>[^<]*" + re.escape(MARK), html)
    basis = re.search(r'<label>((?:(?!</label>).)*name="basis")', html, re.S)
    assert basis and MARK not in basis.group(1)  # optional fields carry no mark
