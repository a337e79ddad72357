"""The working-day arrangement page (/calendar/<year>/): one form, a preview that changes nothing, a confirmation
that enters the arrangement and moves the deadlines resting on it, kept input on errors, and who may use it.

2027 stands for a year whose arrangement is not yet published: the package's coverage is pinned to end with 2026,
so 2027 rests on the provisional calendar (statutory holidays only) until the arrangement is entered. The tests run
on Wednesday 18 November 2026, when the 2027 notice is awaited: an item assigned that day with 60 working days runs
over the 2027 Spring Festival.
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib import messages
from django.urls import include, path
from django.utils import timezone

from ducha.audit.models import Event
from ducha.items import services
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Item
from ducha.workbench.forms.calendar import Arrangement, parse_day_lines
from ducha.workcalendar import rules
from ducha.workcalendar import services as workdays
from ducha.workcalendar.models import CalendarYear
from tests.clock import moment
from tests.helpers import make_item

# Until the calendar page is included in ducha.workbench.urls, these tests mount it themselves.
urlpatterns = [
    path("", include("ducha.workbench.views.calendar")),
    path("", include("ducha.config.urls")),
]
pytestmark = [pytest.mark.urls(__name__), pytest.mark.time_machine(moment(2026, 11, 18, 10))]

# 2027: Spring Festival — the provisional calendar rests on Feb 5-8 only; the official notice (as entered here)
# gives Feb 5-12 and makes Saturday Feb 13 and Sunday Feb 14 working days.
SPRING_FESTIVAL = "2027-02-05 至 2027-02-12 春节"
MAKE_UP_DAYS = "2027-02-13 春节\n2027-02-14 春节"


@pytest.fixture(autouse=True)
def package_until_2026(monkeypatch):
    real = workdays.package_year_range()
    assert real is not None and real[0] <= 2026 <= real[1]
    monkeypatch.setattr(workdays, "package_year_range", lambda: (real[0], 2026))
    workdays.calendar_cache_clear()


def domain_events() -> int:
    """The log's events other than the security events signing in writes (subject "user")."""
    return Event.objects.exclude(subject_type="user").count()


@pytest.fixture
def long_item(world, today):
    """An item running into February 2027, its due date resting on the provisional calendar."""
    item = make_item(world, title="推进县城供水管网改造", deadline_workdays=60)
    for step in ("item_submit", "item_approve", "item_assign"):
        actor = world.user("leader" if step == "item_approve" else "office")
        getattr(services, step)(item_id=item.pk, actor=actor)
    item.refresh_from_db()
    assert item.status == ItemStatus.ASSIGNED and item.due_date_is_provisional
    return item


def form(holidays_text: str = SPRING_FESTIVAL, workdays_text: str = MAKE_UP_DAYS, **extra) -> dict:
    """The form as a user sends it: the pre-filled rows (the provisional holidays) kept, the Spring Festival as
    announced pasted below them, the make-up days entered."""
    rows = sorted(rules.provisional_holidays(2027).items())
    return {
        "holiday_date": [day.isoformat() for day, _name in rows] + [""],
        "holiday_name": [name for _day, name in rows] + [""],
        "holidays_text": holidays_text,
        "workdays_text": workdays_text,
        "note": "国办发明电〔2026〕7号",
        "action": "preview",
        **extra,
    }


def snapshot(item: Item) -> tuple:
    item.refresh_from_db()
    return (item.due_date, item.warn_date, item.due_date_is_provisional, item.updated_at)


def expected_due(item: Item, holidays: set, made_up: set) -> datetime.date:
    """The due date under the proposed arrangement, counted day by day independently of the page: in 2027 the
    weekday rule with the proposal's rest and working days, before that the calendar in use."""
    day = timezone.localdate(item.assigned_at)
    remaining = item.deadline_workdays
    while remaining:
        day += datetime.timedelta(days=1)
        if day.year == 2027:
            working = day in made_up or (day.weekday() < 5 and day not in holidays)
        else:
            working = workdays.is_workday(day)
        remaining -= working
    return day


def test_the_page_shows_the_years_source_and_its_current_arrangement(browser, world):
    response = browser("office").get("/calendar/2027/")
    html = response.content.decode()

    assert response.status_code == 200
    assert response.context["source"] == "provisional"
    assert 'data-source="provisional"' in html
    rows = dict(response.context["holiday_rows"])
    assert rows["2027-01-01"] == "元旦" and rows["2027-02-05"] == "春节" and rows["2027-10-01"] == "国庆节"
    assert response.context["workdays_text"] == ""


def test_a_package_year_is_prefilled_with_its_holidays_and_make_up_days(browser, world):
    response = browser("office").get("/calendar/2026/")

    assert response.context["source"] == "package"
    rows = dict(response.context["holiday_rows"])
    assert rows["2026-01-01"] and rows["2026-10-01"]
    assert [line[:10] for line in response.context["workdays_text"].split("\n")] == [
        "2026-01-04",
        "2026-02-14",
        "2026-02-28",
        "2026-05-09",
        "2026-09-20",
        "2026-10-10",
    ]


def test_an_official_year_is_prefilled_from_its_stored_rows(browser, world):
    workdays.calendar_year_set(
        year=2027,
        holidays={datetime.date(2027, 1, 1): "元旦"},
        workdays={datetime.date(2027, 2, 13): "春节"},
        actor=world.user("admin"),
        note="国办发明电",
    )

    response = browser("office").get("/calendar/2027/")

    assert response.context["source"] == "official"
    assert [row for row in response.context["holiday_rows"] if row[0]] == [("2027-01-01", "元旦")]
    assert response.context["workdays_text"] == "2027-02-13 春节"
    assert response.context["note"] == "国办发明电"


def test_preview_shows_changed_days_and_moving_deadlines_and_changes_nothing(browser, world, long_item):
    before = snapshot(long_item)
    events = domain_events()

    response = browser("office").post("/calendar/2027/", form())

    assert response.status_code == 200
    effects = response.context["effects"]
    changed_days = {day.date: (day.was_workday, day.is_workday) for day in effects.days}
    assert changed_days == {
        **{datetime.date(2027, 2, day): (True, False) for day in (9, 10, 11, 12)},
        datetime.date(2027, 2, 13): (False, True),
        datetime.date(2027, 2, 14): (False, True),
    }
    assert effects.moved_count == 1 and effects.changed == 1 and effects.not_listed == 0
    [moved] = effects.moved
    holidays = set(rules.provisional_holidays(2027)) | {datetime.date(2027, 2, d) for d in range(5, 13)}
    made_up = {datetime.date(2027, 2, 13), datetime.date(2027, 2, 14)}
    assert moved.item_id == long_item.pk and moved.old_due_date == before[0]
    assert moved.new_due_date == expected_due(long_item, holidays, made_up)
    assert moved.new_due_date != moved.old_due_date
    html = response.content.decode()
    assert f'data-item="{long_item.pk}"' in html and long_item.title in html
    assert html.count('class="day-change"') == 6
    # the pasted list became rows, ready to confirm
    rows = dict(response.context["holiday_rows"])
    assert rows["2027-02-12"] == "春节" and response.context["holidays_text"] == ""
    # nothing changed
    assert snapshot(long_item) == before
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert domain_events() == events
    assert workdays.year_source(2027) == "provisional"
    assert workdays.is_workday(datetime.date(2027, 2, 9))


def test_confirm_enters_the_arrangement_and_moves_the_deadlines(browser, world, long_item):
    client = browser("office")
    preview = client.post("/calendar/2027/", form())
    new_due = preview.context["effects"].moved[0].new_due_date

    response = client.post("/calendar/2027/", form(action="confirm", digest=preview.context["digest"]))

    assert response.status_code == 302 and response["Location"] == "/calendar/2027/"
    long_item.refresh_from_db()
    assert long_item.due_date == new_due and not long_item.due_date_is_provisional
    calendar_year = CalendarYear.objects.get(year=2027)
    assert calendar_year.note == "国办发明电〔2026〕7号" and calendar_year.entered_by == world.user("office")
    assert workdays.year_source(2027) == "official"
    assert not workdays.is_workday(datetime.date(2027, 2, 9)) and workdays.is_workday(
        datetime.date(2027, 2, 14)
    )
    assert Event.objects.filter(event_type="item_deadline_recomputed", subject_id=long_item.pk).count() == 1
    assert Event.objects.filter(event_type="calendar_year_set", subject_id=calendar_year.pk).count() == 1
    page = client.get("/calendar/2027/")
    assert page.context["source"] == "official"
    [message] = list(page.context["messages"])
    assert message.level == messages.SUCCESS and "2027" in str(message) and "1" in str(message)


def test_confirm_after_editing_the_form_previews_again_instead(browser, world, long_item):
    client = browser("office")
    preview = client.post("/calendar/2027/", form())
    before = snapshot(long_item)

    response = client.post(
        "/calendar/2027/",
        form(
            holidays_text="2027-02-05 至 2027-02-11 春节", action="confirm", digest=preview.context["digest"]
        ),
    )

    assert response.status_code == 200 and response.context["effects"] is not None
    assert response.context["digest"] != preview.context["digest"]
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert snapshot(long_item) == before


def test_confirm_after_the_stored_arrangement_changed_previews_again(browser, world, long_item):
    client = browser("office")
    preview = client.post("/calendar/2027/", form())
    workdays.calendar_year_set(year=2027, holidays=[datetime.date(2027, 1, 1)], workdays=[], actor=None)

    response = client.post("/calendar/2027/", form(action="confirm", digest=preview.context["digest"]))

    assert response.status_code == 200 and "effects" in response.context
    assert list(CalendarYear.objects.get(year=2027).exceptions.values_list("date", flat=True)) == [
        datetime.date(2027, 1, 1)
    ]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"holidays_text": "2026-12-31 元旦"}, "holidays"),  # not in 2027
        ({"holidays_text": "2027-02-13 春节"}, "workdays"),  # both a holiday and a working day
        ({"holidays_text": "二月五日 春节"}, "holidays_text"),  # not a date
        ({"workdays_text": "2027-02-30"}, "workdays"),  # no such day
        ({"holiday_date": ["2027-13-01", ""], "holiday_name": ["元旦", ""]}, "holidays"),
    ],
)
def test_a_validation_error_keeps_the_input_and_changes_nothing(browser, world, long_item, data, field):
    before = snapshot(long_item)
    events = domain_events()
    posted = form(**data)

    response = browser("office").post("/calendar/2027/", posted)

    assert response.status_code == 400
    error = response.context["error"]
    assert error.code and field in error.fields
    html = response.content.decode()
    assert posted["holidays_text"] in html and posted["workdays_text"].split("\n")[0] in html
    assert f'value="{posted["holiday_date"][0]}"' in html
    assert response.context["holidays_text"] == posted["holidays_text"]
    assert "effects" not in response.context
    assert snapshot(long_item) == before and domain_events() == events
    assert not CalendarYear.objects.filter(year=2027).exists()


@pytest.mark.parametrize("username", ["fgw", "fgw_head", "leader", "cgz_liaison"])
def test_others_are_refused_and_nothing_changes(browser, world, long_item, username):
    client = browser(username)
    before = snapshot(long_item)
    events = domain_events()

    assert client.get("/calendar/2027/").status_code == 403
    assert client.get("/calendar/").status_code == 403
    assert client.post("/calendar/2027/", form()).status_code == 403
    digest = Arrangement(
        holidays=dict.fromkeys([datetime.date(2027, 1, 1)], "元旦"),
    ).digest(2027, {})
    assert client.post("/calendar/2027/", form(action="confirm", digest=digest)).status_code == 403

    assert snapshot(long_item) == before and domain_events() == events
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_administrators_and_staff_may_use_it(browser, world):
    assert browser("admin").get("/calendar/2027/").status_code == 200
    assert browser("office2").get("/calendar/").status_code == 302


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    response = client.get("/calendar/2027/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize("year", [1999, 2101, 9999])
def test_years_out_of_range_are_not_found(browser, world, year):
    assert browser("office").get(f"/calendar/{year}/").status_code == 404


def test_pasted_lists_in_the_usual_shapes():
    days = parse_day_lines(
        "\n".join(
            [
                "2027-01-01 元旦",
                "2027/10/1 至 2027/10/3 国庆节",
                "2027年5月1日至5日 劳动节",
                "2027-06-09（星期三） 端午节",
                "2027.9.15，中秋节",
                "",
                "2027-04-05",
            ]
        ),
        field_name="holidays_text",
    )

    assert days == {
        datetime.date(2027, 1, 1): "元旦",
        datetime.date(2027, 10, 1): "国庆节",
        datetime.date(2027, 10, 2): "国庆节",
        datetime.date(2027, 10, 3): "国庆节",
        **{datetime.date(2027, 5, d): "劳动节" for d in range(1, 6)},
        datetime.date(2027, 6, 9): "端午节",
        datetime.date(2027, 9, 15): "中秋节",
        datetime.date(2027, 4, 5): "",
    }
    assert parse_day_lines("2027-02-13, 2027-02-14 2027-09-26", field_name="workdays") == {
        datetime.date(2027, 2, 13): "",
        datetime.date(2027, 2, 14): "",
        datetime.date(2027, 9, 26): "",
    }


def test_a_range_is_bounded():
    from ducha.common.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        parse_day_lines("2027-01-01 至 2027-12-31 全年", field_name="holidays_text")
    assert "2027-01-01" in refused.value.fields["holidays_text"]


@pytest.mark.django_db(transaction=True)
def test_preview_outside_any_transaction_changes_nothing_either(browser, world, long_item):
    # In production no test transaction wraps the request: the dry run is a transaction of its own, rolled back.
    before = snapshot(long_item)
    events = domain_events()

    response = browser("office").post("/calendar/2027/", form())

    assert response.status_code == 200 and response.context["effects"].moved_count == 1
    assert snapshot(long_item) == before and domain_events() == events
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert workdays.year_source(2027) == "provisional"


def test_a_range_may_be_written_with_a_spaced_dash():
    assert parse_day_lines("2027-10-01 - 2027-10-03 国庆节", field_name="holidays_text") == {
        datetime.date(2027, 10, day): "国庆节" for day in (1, 2, 3)
    }
    assert parse_day_lines("2027年2月6日至8日 春节", field_name="holidays_text") == {
        datetime.date(2027, 2, day): "春节" for day in (6, 7, 8)
    }
