"""Pure date rules for the working-day calendar (no database).

The provisional calendar applies to a year for which neither the administrator has entered the State Council's
arrangement nor the bundled `chinesecalendar` package has data. It follows 《全国年节及纪念日放假办法》 as revised
in 2024 (in force from 2025):

* 元旦 January 1 (1 day)
* 春节 4 days: 农历除夕 plus lunar 1/1, 1/2 and 1/3
* 清明节 the day of the 清明 solar term (1 day)
* 劳动节 May 1 and 2
* 端午节 lunar 5/5 (1 day)
* 中秋节 lunar 8/15 (1 day)
* 国庆节 October 1 to 3

No 调休 make-up working days and no substitute rest days are guessed: those are fixed only by the State Council's
yearly notice. Lunar dates are converted with `lunardate` (years 1900-2099); outside that range only the solar-date
holidays (including 清明, computed astronomically) are applied. Nothing here raises for a valid `datetime.date` year.
"""

from __future__ import annotations

import datetime as dt
import math

import chinese_calendar
from lunardate import LunarDate

NEW_YEAR = "元旦"
SPRING_FESTIVAL = "春节"
QINGMING = "清明节"
LABOUR_DAY = "劳动节"
DRAGON_BOAT = "端午节"
MID_AUTUMN = "中秋节"
NATIONAL_DAY = "国庆节"

# The names `chinesecalendar` gives (English) mapped to the names used throughout the project.
PACKAGE_HOLIDAY_NAMES: dict[str, str] = {
    "New Year's Day": NEW_YEAR,
    "Spring Festival": SPRING_FESTIVAL,
    "Tomb-sweeping Day": QINGMING,
    "Labour Day": LABOUR_DAY,
    "Dragon Boat Festival": DRAGON_BOAT,
    "Mid-autumn Festival": MID_AUTUMN,
    "National Day": NATIONAL_DAY,
}

# chinesecalendar's solar-term formula is exact for 1900-2099 (checked against the astronomical computation below
# for every year); for 2100 its 21st-century constant gives April 4 where the sun actually reaches 15° on April 5.
_SOLAR_TERMS_YEARS = range(1900, 2100)


def package_holiday_name(name: str | None) -> str:
    """The Chinese name for a holiday name as returned by `chinese_calendar.get_holiday_detail`."""
    if not name:
        return ""
    if name in PACKAGE_HOLIDAY_NAMES:
        return PACKAGE_HOLIDAY_NAMES[name]
    try:
        return str(chinese_calendar.Holiday(name).chinese)
    except (ValueError, AttributeError):
        return name


def is_weekday(d: dt.date) -> bool:
    """Monday to Friday."""
    return d.weekday() < 5


def _sun_apparent_longitude(julian_day: float) -> float:
    """The sun's apparent ecliptic longitude in degrees (Meeus, Astronomical Algorithms ch. 25, low accuracy)."""
    t = (julian_day - 2451545.0) / 36525.0
    mean_longitude = 280.46646 + 36000.76983 * t + 0.0003032 * t * t
    anomaly = math.radians(357.52911 + 35999.05029 * t - 0.0001537 * t * t)
    centre = (
        (1.914602 - 0.004817 * t - 0.000014 * t * t) * math.sin(anomaly)
        + (0.019993 - 0.000101 * t) * math.sin(2 * anomaly)
        + 0.000289 * math.sin(3 * anomaly)
    )
    omega = math.radians(125.04 - 1934.136 * t)
    return (mean_longitude + centre - 0.00569 - 0.00478 * math.sin(omega)) % 360.0


def _beijing_midnight_julian_day(d: dt.date) -> float:
    # date.toordinal() of 2000-01-01 is 730120 and its 00:00 UT is JD 2451544.5; Beijing time is UT+8.
    return d.toordinal() + 1721424.5 - 8.0 / 24.0


def qingming_astronomical(year: int) -> dt.date:
    """The day (Beijing time) on which the sun reaches longitude 15°, i.e. the 清明 solar term."""
    for day in range(2, 8):
        current = dt.date(year, 4, day)
        start = _sun_apparent_longitude(_beijing_midnight_julian_day(current))
        end = _sun_apparent_longitude(_beijing_midnight_julian_day(current + dt.timedelta(days=1)))
        if start < 15.0 <= end:
            return current
    return dt.date(year, 4, 5)  # not reached for any year 1-9999; kept so that nothing can raise


def qingming_date(year: int) -> dt.date:
    """The date of the 清明 solar term: chinesecalendar's table where it is exact, astronomy elsewhere."""
    if year in _SOLAR_TERMS_YEARS:
        try:
            terms = chinese_calendar.get_solar_terms(dt.date(year, 4, 1), dt.date(year, 4, 30))
        except (NotImplementedError, ValueError, KeyError):
            terms = []
        for term_date, term_name in terms:
            if term_name == "清明":
                return term_date
    return qingming_astronomical(year)


def _lunar_to_solar(year: int, month: int, day: int) -> dt.date | None:
    try:
        return LunarDate(year, month, day).to_solar_date()
    except (ValueError, IndexError, OverflowError):
        return None


def provisional_holidays(year: int) -> dict[dt.date, str]:
    """The statutory rest days of `year` under the 2024 rules, with their Chinese names (see module docstring)."""
    holidays: dict[dt.date, str] = {}

    def add(day: dt.date, name: str) -> None:
        if day.year != year:
            return
        existing = holidays.get(day)
        holidays[day] = name if not existing or existing == name else f"{existing}、{name}"

    add(dt.date(year, 1, 1), NEW_YEAR)
    lunar_new_year = _lunar_to_solar(year, 1, 1)
    if lunar_new_year is not None:
        for offset in range(-1, 3):  # 除夕 and the first three days of the first lunar month
            add(lunar_new_year + dt.timedelta(days=offset), SPRING_FESTIVAL)
    add(qingming_date(year), QINGMING)
    add(dt.date(year, 5, 1), LABOUR_DAY)
    add(dt.date(year, 5, 2), LABOUR_DAY)
    dragon_boat = _lunar_to_solar(year, 5, 5)
    if dragon_boat is not None:
        add(dragon_boat, DRAGON_BOAT)
    mid_autumn = _lunar_to_solar(year, 8, 15)
    if mid_autumn is not None:
        add(mid_autumn, MID_AUTUMN)
    for day in (1, 2, 3):
        add(dt.date(year, 10, day), NATIONAL_DAY)
    return dict(sorted(holidays.items()))
