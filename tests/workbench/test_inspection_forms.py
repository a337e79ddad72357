"""The inspection pages' forms read the POST as the pages always did: blank is None (or ""), a number or an ISO date
that cannot be read is invalid input naming the field, a checkbox is on for on/1/true/yes, and every other rule
is left to the service."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict

from ducha.common import error_codes as codes
from ducha.common.errors import ValidationFailed
from ducha.workbench.forms.fields import cleaned
from ducha.workbench.forms.inspections import (
    DecisionForm,
    FindingForm,
    InspectionForm,
    ObjectionForm,
    RectificationPlanForm,
)
from tests.clock import moment


def post(pairs: list[tuple[str, str]]) -> QueryDict:
    data = QueryDict(mutable=True)
    for name, value in pairs:
        data.appendlist(name, value)
    return data


def test_blank_and_absent_values_are_empty_and_texts_are_stripped():
    data = cleaned(FindingForm(post([("target", " "), ("title", "  台账造假 "), ("observed_at", "")])))
    assert data["target"] is None and data["followup_months"] is None
    assert data["title"] == "台账造假" and data["description"] == ""
    assert data["observed_at"] is None and data["rectification_due_date"] is None
    assert data["is_rebound_prone"] is False


def test_numbers_dates_and_times_are_read_as_the_pages_write_them():
    data = cleaned(
        FindingForm(
            post(
                [
                    ("target", " 12 "),
                    ("observed_at", "2026-11-18T09:30"),
                    ("rectification_due_date", "2026-12-01"),
                    ("is_rebound_prone", "on"),
                ]
            )
        )
    )
    assert data["target"] == 12
    assert data["observed_at"] == moment(2026, 11, 18, 9, 30)
    assert data["rectification_due_date"] == datetime.date(2026, 12, 1)
    assert data["is_rebound_prone"] is True


@pytest.mark.parametrize(
    ("field", "value"), [("target", "12.5"), ("observed_at", "昨天"), ("followup_months", "x")]
)
def test_a_value_that_cannot_be_read_is_invalid_input_naming_its_field(field, value):
    with pytest.raises(ValidationFailed) as refused:
        cleaned(FindingForm(post([(field, value)])))
    assert refused.value.code == codes.INVALID_INPUT
    assert refused.value.fields == {field: str(codes.message_for(codes.INVALID_INPUT))}


@pytest.mark.parametrize(
    ("value", "checked"),
    [("on", True), ("1", True), ("true", True), ("yes", True), ("0", False), ("no", False), ("", False)],
)
def test_a_checkbox_is_on_for_the_values_a_browser_sends(value, checked):
    assert cleaned(InspectionForm(post([("in_plan", value)])))["in_plan"] is checked


def test_a_decision_is_yes_only_for_1():
    assert cleaned(DecisionForm(post([("approve", "1")])))["approve"] is True
    assert cleaned(DecisionForm(post([("approve", "on")])))["approve"] is False


def test_targets_are_every_checked_box_and_the_plan_entry_counts_only_in_the_plan():
    data = cleaned(
        InspectionForm(post([("targets", "3"), ("targets", ""), ("targets", "5"), ("plan_entry", "x")]))
    )
    assert data["targets"] == [3, 5] and data["plan_entry"] is None
    with pytest.raises(ValidationFailed) as refused:
        cleaned(InspectionForm(post([("in_plan", "on"), ("plan_entry", "x")])))
    assert set(refused.value.fields) == {"plan_entry"}
    with pytest.raises(ValidationFailed) as refused:
        cleaned(InspectionForm(post([("targets", "3"), ("targets", "东湖镇")])))
    assert set(refused.value.fields) == {"targets"}


def test_milestone_rows_pair_a_title_with_a_date_and_skip_half_empty_rows():
    rows = [
        ("milestone_title", "拨付资金"),
        ("milestone_date", "2026-12-01"),
        ("milestone_title", "  "),
        ("milestone_date", "2026-12-05"),
        ("milestone_title", "验收"),
        ("milestone_date", ""),
    ]
    assert cleaned(RectificationPlanForm(post(rows)))["milestones"] == [
        ("拨付资金", datetime.date(2026, 12, 1))
    ]
    with pytest.raises(ValidationFailed) as refused:
        cleaned(RectificationPlanForm(post([("milestone_title", "验收"), ("milestone_date", "12月")])))
    assert set(refused.value.fields) == {"milestones"}


def test_uploads_are_passed_on_as_received():
    files = MultiValueDict({"files": [SimpleUploadedFile("a.pdf", b"a"), SimpleUploadedFile("b.pdf", b"")]})
    data = cleaned(ObjectionForm(post([("reasons", "事实有误")]), files))
    assert [upload.name for upload in data["files"]] == ["a.pdf", "b.pdf"]
    assert cleaned(ObjectionForm(post([])))["files"] == []
