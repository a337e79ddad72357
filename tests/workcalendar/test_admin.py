"""The Django admin for official calendar years goes through the write path's side effects."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from ducha.audit.models import Event, EventType
from ducha.workcalendar.models import CalendarException, CalendarYear
from ducha.workcalendar.services import calendar_year_set, is_workday, year_source

D = dt.date

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("package_until_2026")]


def form_data(
    year: int, rows: list[tuple[str, str, str]], *, initial: list[int] | None = None
) -> dict[str, Any]:
    initial = initial or []
    data: dict[str, Any] = {
        "year": str(year),
        "note": "entered in the admin",
        "exceptions-TOTAL_FORMS": str(len(rows)),
        "exceptions-INITIAL_FORMS": str(len(initial)),
        "exceptions-MIN_NUM_FORMS": "0",
        "exceptions-MAX_NUM_FORMS": "1000",
    }
    for index, (day, kind, name) in enumerate(rows):
        data[f"exceptions-{index}-date"] = day
        data[f"exceptions-{index}-kind"] = kind
        data[f"exceptions-{index}-name"] = name
        if index < len(initial):
            data[f"exceptions-{index}-id"] = str(initial[index])
            data[f"exceptions-{index}-year"] = ""
    return data


def test_adding_a_year_in_the_admin_is_audited_and_clears_the_cache(
    admin_client: Any, calendar_admin: Any
) -> None:
    assert is_workday(D(2027, 2, 9))  # provisional, and now cached
    response = admin_client.post(
        reverse("admin:workcalendar_calendaryear_add"),
        form_data(2027, [("2027-02-09", "holiday", "春节"), ("2027-02-20", "workday", "")]),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    calendar_year = CalendarYear.objects.get(year=2027)
    assert calendar_year.entered_by is not None and calendar_year.entered_by.username == "admin"
    assert CalendarException.objects.count() == 2
    assert year_source(2027) == "official"
    assert not is_workday(D(2027, 2, 9))
    assert is_workday(D(2027, 2, 20))
    event = Event.objects.get(subject_type="calendar_year")
    assert event.event_type == EventType.CALENDAR_YEAR_SET
    assert event.subject_id == calendar_year.pk
    assert event.old == {}
    assert event.new["holidays"] == ["2027-02-09"] and event.new["workdays"] == ["2027-02-20"]


def test_changing_a_year_in_the_admin_records_the_previous_days(
    admin_client: Any, calendar_admin: Any
) -> None:
    calendar_year = calendar_year_set(year=2027, holidays=[D(2027, 2, 9)], workdays=[], actor=calendar_admin)
    exception = CalendarException.objects.get()
    assert not is_workday(D(2027, 2, 9))
    data = form_data(2027, [("2027-02-10", "holiday", "春节")], initial=[exception.pk])
    data["exceptions-0-year"] = str(calendar_year.pk)
    response = admin_client.post(
        reverse("admin:workcalendar_calendaryear_change", args=[calendar_year.pk]), data
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert is_workday(D(2027, 2, 9))
    assert not is_workday(D(2027, 2, 10))
    event = Event.objects.filter(subject_type="calendar_year").order_by("-id").first()
    assert event is not None
    assert event.old["holidays"] == ["2027-02-09"]
    assert event.new["holidays"] == ["2027-02-10"]


def test_a_date_outside_the_year_is_refused_in_the_admin(admin_client: Any) -> None:
    response = admin_client.post(
        reverse("admin:workcalendar_calendaryear_add"), form_data(2027, [("2026-12-31", "holiday", "")])
    )
    assert response.status_code == 200  # the form again, with the error
    formset = response.context["inline_admin_formsets"][0].formset
    assert "date" in formset.forms[0].errors
    assert CalendarYear.objects.count() == 0
    assert not Event.objects.filter(subject_type="calendar_year").exists()


def test_deleting_a_year_in_the_admin(admin_client: Any, calendar_admin: Any) -> None:
    calendar_year = calendar_year_set(year=2027, holidays=[D(2027, 2, 9)], workdays=[], actor=calendar_admin)
    assert year_source(2027) == "official"
    response = admin_client.post(
        reverse("admin:workcalendar_calendaryear_delete", args=[calendar_year.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert year_source(2027) == "provisional"
    event = Event.objects.filter(subject_type="calendar_year").order_by("-id").first()
    assert event is not None
    assert event.new == {"deleted": True}


def test_changelist_renders(admin_client: Any, calendar_admin: Any) -> None:
    calendar_year_set(year=2027, holidays=[D(2027, 2, 9)], workdays=[], actor=calendar_admin)
    response = admin_client.get(reverse("admin:workcalendar_calendaryear_changelist"))
    assert response.status_code == 200
    assert "2027" in response.content.decode()
