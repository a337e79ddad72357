"""The provisional calendar's rules (pure functions, no database)."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest
from lunardate import LunarDate

from ducha.workcalendar import rules
from ducha.workcalendar.rules import provisional_holidays
from ducha.workcalendar.services import package_year_range

D = dt.date


def test_2027_spring_festival_is_new_years_eve_plus_three_days() -> None:
    assert LunarDate(2027, 1, 1).to_solar_date() == D(2027, 2, 6)
    holidays = provisional_holidays(2027)
    spring = sorted(day for day, name in holidays.items() if name == "春节")
    assert spring == [D(2027, 2, 5), D(2027, 2, 6), D(2027, 2, 7), D(2027, 2, 8)]


def test_2027_provisional_holidays_complete() -> None:
    assert LunarDate(2027, 5, 5).to_solar_date() == D(2027, 6, 9)
    assert LunarDate(2027, 8, 15).to_solar_date() == D(2027, 9, 15)
    assert provisional_holidays(2027) == {
        D(2027, 1, 1): "元旦",
        D(2027, 2, 5): "春节",
        D(2027, 2, 6): "春节",
        D(2027, 2, 7): "春节",
        D(2027, 2, 8): "春节",
        D(2027, 4, 5): "清明节",
        D(2027, 5, 1): "劳动节",
        D(2027, 5, 2): "劳动节",
        D(2027, 6, 9): "端午节",
        D(2027, 9, 15): "中秋节",
        D(2027, 10, 1): "国庆节",
        D(2027, 10, 2): "国庆节",
        D(2027, 10, 3): "国庆节",
    }


@pytest.mark.parametrize("year", [2025, 2026])
def test_provisional_statutory_days_are_rest_days_in_the_official_arrangement(year: int) -> None:
    """Under the 2024 rules every statutory day is a rest day in the State Council's real arrangement."""
    holidays = provisional_holidays(year)
    assert len(holidays) == 13
    for day in holidays:
        assert not chinese_calendar.is_workday(day), day


def test_qingming_astronomy_agrees_with_chinesecalendar_1900_to_2099() -> None:
    for year in range(1900, 2100):
        terms = chinese_calendar.get_solar_terms(D(year, 4, 1), D(year, 4, 30))
        expected = next(day for day, name in terms if name == "清明")
        assert rules.qingming_astronomical(year) == expected, year
        assert rules.qingming_date(year) == expected


@pytest.mark.parametrize("year", [1, 1850, 1899, 2100, 2150, 9999])
def test_years_outside_lunardate_get_solar_holidays_only(year: int) -> None:
    holidays = provisional_holidays(year)
    assert set(holidays.values()) == {"元旦", "清明节", "劳动节", "国庆节"}
    assert len(holidays) == 7
    assert rules.qingming_date(year) in holidays
    assert rules.qingming_date(year).month == 4 and rules.qingming_date(year).day in (4, 5, 6)


def test_mid_autumn_on_national_day_is_named_for_both() -> None:
    # In 2001 the Mid-Autumn Festival fell on October 1.
    assert LunarDate(2001, 8, 15).to_solar_date() == D(2001, 10, 1)
    holidays = provisional_holidays(2001)
    assert holidays[D(2001, 10, 1)] == "中秋节、国庆节"
    assert len(holidays) == 12


def test_package_holiday_names_are_chinese() -> None:
    assert rules.package_holiday_name("National Day") == "国庆节"
    assert rules.package_holiday_name("Tomb-sweeping Day") == "清明节"
    assert rules.package_holiday_name("Anti-Fascist 70th Day").startswith("中国人民抗日战争")
    assert rules.package_holiday_name(None) == ""
    assert rules.package_holiday_name("Something new") == "Something new"


def test_package_range_comes_from_the_package_constants() -> None:
    years = {day.year for day in chinese_calendar.constants.holidays}
    assert package_year_range() == (min(years), max(years))
    assert package_year_range()[0] == 2004  # type: ignore[index]
    assert package_year_range()[1] >= 2026  # type: ignore[index]
