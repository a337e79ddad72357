"""The calendar page's arrangement form: holiday rows and pasted lines read into one arrangement; the first row or
line it cannot read refuses the form naming it, and the input stays as typed for the page to show again."""

from __future__ import annotations

import datetime

import pytest
from django.http import QueryDict

from ducha.common import error_codes as codes
from ducha.common.errors import ValidationFailed
from ducha.workbench.forms.calendar import Arrangement, ArrangementForm


def sent(pairs: list[tuple[str, str]]) -> QueryDict:
    data = QueryDict(mutable=True)
    for name, value in pairs:
        data.appendlist(name, value)
    return data


def test_rows_and_pasted_lines_make_one_arrangement():
    form = ArrangementForm(
        sent(
            [
                ("holiday_date", "2027-01-01"),
                ("holiday_name", " 元旦 "),
                ("holiday_date", "2027-02-05"),
                ("holiday_date", ""),
                ("holidays_text", "2027-02-05 至 2027-02-06 春节"),
                ("workdays_text", "2027-02-13, 2027-02-14"),
                ("note", "  国办发明电〔2026〕7号 "),
            ]
        )
    )
    assert form.arrangement() == Arrangement(
        holidays={
            datetime.date(2027, 1, 1): "元旦",
            datetime.date(2027, 2, 5): "春节",
            datetime.date(2027, 2, 6): "春节",
        },
        workdays={datetime.date(2027, 2, 13): "", datetime.date(2027, 2, 14): ""},
    )
    assert form.cleaned_data["note"] == "国办发明电〔2026〕7号"
    assert not form.confirms()


def test_an_empty_post_is_an_empty_arrangement_asking_for_a_preview():
    form = ArrangementForm(sent([]))
    assert form.arrangement() == Arrangement()
    assert (form.cleaned_data["note"], form.cleaned_data["digest"], form.confirms()) == ("", "", False)


def test_only_the_confirm_button_confirms():
    form = ArrangementForm(sent([("action", "confirm"), ("digest", "ab")]))
    form.arrangement()
    assert form.confirms() and form.cleaned_data["digest"] == "ab"
    form = ArrangementForm(sent([("action", "preview")]))
    form.arrangement()
    assert not form.confirms()


@pytest.mark.parametrize(
    ("pairs", "field"),
    [
        ([("holiday_date", "2027-01-01"), ("holiday_date", "1月2日")], "holidays"),
        ([("holiday_date", ""), ("holiday_name", "元旦")], "holidays"),
        ([("holidays_text", "2027-01-01 元旦\n元旦后一天")], "holidays_text"),
        ([("workdays_text", "2027-02-30")], "workdays"),
    ],
)
def test_the_first_row_or_line_it_cannot_read_refuses_the_form_naming_it(pairs, field):
    form = ArrangementForm(sent([*pairs, ("note", " 说明 ")]))
    with pytest.raises(ValidationFailed) as refused:
        form.arrangement()
    assert refused.value.code == codes.INVALID_INPUT
    assert list(refused.value.fields) == [field]
    # The input stays as typed, for the page to show again.
    assert form.cleaned_data["note"] == "说明"
    assert set(form.cleaned_data) >= {"holiday_rows", "holidays_text", "workdays_text"}


def test_rows_come_back_as_typed_with_a_missing_name_blank():
    form = ArrangementForm(
        sent(
            [
                ("holiday_date", "2027-01-01"),
                ("holiday_date", "不是日期"),
                ("holiday_name", "元旦"),
                ("workdays_text", " 2027-02-13 "),
            ]
        )
    )
    with pytest.raises(ValidationFailed) as refused:
        form.arrangement()
    assert refused.value.fields == {"holidays": refused.value.fields["holidays"]}
    assert "不是日期" in refused.value.fields["holidays"]
    assert form.cleaned_data["holiday_rows"] == [("2027-01-01", "元旦"), ("不是日期", "")]
    assert form.cleaned_data["workdays_text"] == " 2027-02-13 "
