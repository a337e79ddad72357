"""The forms that read what the workbench's pages carry in their address or compare themselves (a cursor, a filter,
a year, a token, a digest) never refuse: a blank, unreadable or out-of-range value reads as the page always read
it — as none, or as the default — and a text is kept exactly as typed."""

from __future__ import annotations

import datetime

import pytest
from django.http import QueryDict

from ducha.workbench.forms.dashboard import DashboardForm
from ducha.workbench.forms.fields import cleaned, read_digits, read_number
from ducha.workbench.forms.inbox import ChaseForm, DeadLettersForm, InboxForm, MarkReadForm, PreferencesForm
from ducha.workbench.forms.inspections import (
    AnchorForm,
    BurdenPeriodForm,
    InspectionForm,
    InspectionListForm,
    RectificationListForm,
)
from ducha.workbench.forms.items import (
    BLANK_ROWS,
    ActionContextForm,
    DeadlinePreviewForm,
    ItemFormButtonsForm,
    ItemListForm,
    TodoSectionForm,
)
from ducha.workbench.forms.ledger import (
    ImportConfirmForm,
    ImportPreviewForm,
    ImportTokenForm,
    SavedFilterForm,
    UnitOptionsForm,
)


def sent(pairs: list[tuple[str, str]]) -> QueryDict:
    data = QueryDict(mutable=True)
    for name, value in pairs:
        data.appendlist(name, value)
    return data


# --- the two ways of reading a number ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number"),
    [("12", 12), (" 12 ", 12), ("-3", -3), ("+4", 4), ("", None), ("  ", None), ("x", None), ("1.5", None)],
)
def test_a_number_in_an_address_is_what_python_reads_or_none(text, number):
    assert read_number(text) == number


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("12", 12),
        ("２０２５", 2025),
        (" 12", None),
        ("-3", None),
        ("+4", None),
        ("²", None),
        ("", None),
        ("9" * 18, int("9" * 18)),
        ("9" * 19, None),
    ],
)
def test_digits_are_plain_digits_only_and_at_most_eighteen(text, number):
    assert read_digits(text) == number


# --- the inbox -----------------------------------------------------------------------------------------------------


def test_the_inbox_address_reads_unread_only_for_1_and_ignores_a_cursor_it_cannot_read():
    assert cleaned(InboxForm(sent([]))) == {"cursor": None, "unread": False}
    assert cleaned(InboxForm(sent([("unread", "1"), ("cursor", " 41 ")]))) == {"cursor": 41, "unread": True}
    assert cleaned(InboxForm(sent([("unread", "on"), ("cursor", "41x")]))) == {
        "cursor": None,
        "unread": False,
    }
    assert cleaned(DeadLettersForm(sent([("cursor", "")]))) == {"cursor": None}


def test_preferences_are_every_external_channel_on_only_when_the_box_sends_on():
    form = PreferencesForm(sent([("sms", "on"), ("email", "1"), ("inbox", "on")]))
    cleaned(form)
    assert form.channels_enabled() == {"email": False, "sms": True, "webhook": False}


@pytest.mark.parametrize(
    ("address", "kept"),
    [
        ("/items/3/", "/items/3/"),
        ("/inbox/?unread=1", "/inbox/?unread=1"),
        ("https://ducha.example/items/3/", "https://ducha.example/items/3/"),
        ("https://elsewhere.example/", ""),
        ("//elsewhere.example/", ""),
        ("javascript:alert(1)", ""),
        ("", ""),
    ],
)
def test_marking_read_comes_back_only_to_an_address_on_this_site(address, kept):
    form = MarkReadForm(sent([("next", address)]), allowed_hosts={"ducha.example"}, require_https=False)
    assert cleaned(form)["next"] == kept


def test_marking_read_opens_the_line_for_any_value_sent():
    def opens(pairs: list[tuple[str, str]]) -> bool:
        return cleaned(MarkReadForm(sent(pairs), allowed_hosts={"testserver"}, require_https=False))["open"]

    assert opens([("open", "1")]) and opens([("open", "yes")])
    assert not opens([("open", "")]) and not opens([])


def test_a_chase_keeps_every_unit_that_reads_as_a_number_and_the_text_as_typed():
    data = cleaned(
        ChaseForm(
            sent([("units", "3"), ("units", ""), ("units", "东湖镇"), ("units", " 5 "), ("text", " 催 ")])
        )
    )
    assert data == {"units": [3, 5], "text": " 催 "}
    assert cleaned(ChaseForm(sent([]))) == {"units": [], "text": ""}


# --- the dashboard -------------------------------------------------------------------------------------------------

TODAY = datetime.date(2026, 11, 18)


def dashboard(pairs: list[tuple[str, str]]) -> dict:
    return cleaned(DashboardForm(sent(pairs), today=TODAY, unit_ids=[7, 8]))


@pytest.mark.parametrize(
    ("year", "shown"),
    [
        ("", 2026),
        ("2000", 2000),
        ("1999", 2026),
        (" 2025 ", 2025),
        ("2027", 2027),
        ("2028", 2026),
        ("+2025", 2026),
        ("2025.0", 2026),
        ("9" * 30, 2026),
    ],
)
def test_the_dashboard_year_is_2000_to_next_year_else_this_year(year, shown):
    assert dashboard([("year", year)])["year"] == shown


@pytest.mark.parametrize(("unit", "shown"), [("7", 7), (" 8", 8), ("9", None), ("x", None), ("", None)])
def test_the_dashboard_unit_is_one_the_user_may_pick_else_none(unit, shown):
    assert dashboard([("unit", unit)])["unit"] == shown


# --- the ledger ----------------------------------------------------------------------------------------------------


def test_the_ledger_texts_are_kept_as_typed():
    assert cleaned(SavedFilterForm(sent([("name", "  我的 筛选 "), ("query", "status=draft&x=1")]))) == {
        "name": "  我的 筛选 ",
        "query": "status=draft&x=1",
    }
    assert cleaned(SavedFilterForm(sent([]))) == {"name": "", "query": ""}
    assert cleaned(UnitOptionsForm(sent([("selected", " 12 ")]))) == {"selected": " 12 "}
    assert cleaned(ImportTokenForm(sent([]))) == {"token": ""}


def test_the_import_preview_shows_only_the_errors_for_errors_1():
    assert cleaned(ImportPreviewForm(sent([("token", "ab" * 16), ("errors", "1")]))) == {
        "token": "ab" * 16,
        "errors": True,
    }
    assert cleaned(ImportPreviewForm(sent([("errors", "on")]))) == {"token": "", "errors": False}


@pytest.mark.parametrize(
    ("count", "read"), [("3", 3), ("0", 0), (" 3", None), ("-1", None), ("x", None), ("", None)]
)
def test_the_confirmed_count_is_plain_digits_or_no_number(count, read):
    data = cleaned(ImportConfirmForm(sent([("count", count), ("sha256", "f" * 64)])))
    assert data == {"token": "", "sha256": "f" * 64, "count": read}


# --- the inspection and item pages ---------------------------------------------------------------------------------


def test_the_inspection_list_keeps_known_filters_and_the_keyword_as_typed():
    data = cleaned(
        InspectionListForm(
            sent(
                [
                    ("status", "approved"),
                    ("status", "bogus"),
                    ("status", "proposed"),
                    ("kind", "special"),
                    ("q", " 食品 "),
                    ("cursor", "abc"),
                ]
            )
        )
    )
    assert data == {"status": ["approved", "proposed"], "kind": "special", "q": " 食品 ", "cursor": "abc"}
    assert cleaned(InspectionListForm(sent([("kind", "Special")]))) == {
        "status": [],
        "kind": "",
        "q": "",
        "cursor": "",
    }


@pytest.mark.parametrize(("light", "read"), [("red", "red"), ("green", "green"), ("purple", ""), ("", "")])
def test_the_rectification_list_light_is_red_yellow_or_green(light, read):
    assert cleaned(RectificationListForm(sent([("light", light)]))) == {"light": read}


def test_the_burden_period_is_passed_on_as_typed():
    assert cleaned(BurdenPeriodForm(sent([("period", "2026-H3")]))) == {"period": "2026-H3"}
    assert cleaned(BurdenPeriodForm(sent([]))) == {"period": ""}


@pytest.mark.parametrize(
    ("section", "anchor"),
    [
        ("findings", "#findings"),
        ("result-12", "#result-12"),
        ("Findings", ""),
        ("a b", ""),
        ("x" * 41, ""),
        ("", ""),
    ],
)
def test_an_anchor_names_a_section_or_nothing(section, anchor):
    assert cleaned(AnchorForm(sent([("anchor", section)]))) == {"anchor": anchor}


def test_the_proposal_page_shows_back_every_target_written_in_digits():
    form = InspectionForm(
        sent([("targets", "3"), ("targets", " 4"), ("targets", "东湖镇"), ("targets", "5")])
    )
    assert form.chosen_targets() == {3, 5}
    assert InspectionForm().chosen_targets() == set()


def test_the_item_list_keeps_known_statuses_and_the_keyword_as_typed():
    data = cleaned(ItemListForm(sent([("status", "draft"), ("status", "closed?"), ("q", " 消防 ")])))
    assert data == {"status": ["draft"], "q": " 消防 ", "cursor": ""}


@pytest.mark.parametrize(
    ("section", "read"), [("sign", "sign"), ("in_hand", "in_hand"), ("<b>", "item"), ("", "item")]
)
def test_a_todo_section_is_one_of_ours_or_item(section, read):
    assert cleaned(TodoSectionForm(sent([("section", section)]))) == {"section": read}


def test_where_an_action_was_taken_from_is_read_as_sent():
    assert cleaned(ActionContextForm(sent([("context", "todo"), ("return_to", "home")]))) == {
        "context": "todo",
        "return_to": "home",
    }
    assert cleaned(ActionContextForm(sent([]))) == {"context": "", "return_to": ""}


def test_more_rows_adds_blank_rows_to_the_formset_the_button_names():
    assert cleaned(ItemFormButtonsForm(sent([("intent", "submit")]))) == {"intent": "submit", "more": None}
    form = ItemFormButtonsForm(sent([("more", "co"), ("co-TOTAL_FORMS", "2"), ("ms-TOTAL_FORMS", "1")]))
    assert cleaned(form)["more"] == "co"
    data = form.data_with_more_rows()
    assert (data["co-TOTAL_FORMS"], data["ms-TOTAL_FORMS"]) == (str(2 + BLANK_ROWS), "1")
    assert form.data["co-TOTAL_FORMS"] == "2"  # the data posted is left as it was
    for total, read in (("49", "50"), ("x", str(BLANK_ROWS))):
        form = ItemFormButtonsForm(sent([("more", "ms"), ("ms-TOTAL_FORMS", total)]))
        cleaned(form)
        assert form.data_with_more_rows()["ms-TOTAL_FORMS"] == read
    form = ItemFormButtonsForm(sent([("more", "")]))
    assert cleaned(form)["more"] == ""  # pressed, whatever it names


def test_the_deadline_preview_reads_the_item_form_as_typed():
    assert cleaned(DeadlinePreviewForm(sent([("deadline_workdays", " 10 ")]))) == {
        "deadline_basis": "",
        "deadline_workdays": " 10 ",
        "due_date": "",
        "source_type": "",
        "urgency": "",
    }
