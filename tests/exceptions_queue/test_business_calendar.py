"""The business calendar: opening hours in the business timezone, working days, public holidays (`holidays`)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from exceptions_queue.business_calendar import business_calendar, parse_hours

NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def calendar(settings):
    settings.BUSINESS_TIMEZONE = "America/New_York"
    settings.BUSINESS_HOURS = "09:00-17:00"
    settings.BUSINESS_DAYS = ["mon", "tue", "wed", "thu", "fri"]
    settings.BUSINESS_HOLIDAYS_COUNTRY = "US"
    settings.BUSINESS_HOLIDAYS_SUBDIVISION = "NY"
    return business_calendar()


@pytest.mark.parametrize("local, open_", [
    (dt.datetime(2026, 12, 24, 10, 0), True),  # Thursday
    (dt.datetime(2026, 12, 25, 10, 0), False),  # Christmas Day
    (dt.datetime(2026, 11, 26, 10, 0), False),  # Thanksgiving
    (dt.datetime(2026, 12, 26, 10, 0), False),  # Saturday
    (dt.datetime(2026, 12, 24, 8, 59), False),
    (dt.datetime(2026, 12, 24, 17, 0), False),
    (dt.datetime(2026, 12, 24, 16, 59), True),
])
def test_business_time_in_the_business_timezone_without_weekends_and_holidays(calendar, local, open_):
    assert calendar.is_business_time(local.replace(tzinfo=NEW_YORK)) is open_


def test_a_utc_moment_is_judged_in_the_business_timezone(calendar):
    assert calendar.is_business_time(dt.datetime(2026, 12, 24, 14, 30, tzinfo=dt.UTC))  # 09:30 in New York
    assert not calendar.is_business_time(dt.datetime(2026, 12, 24, 13, 30, tzinfo=dt.UTC))  # 08:30


def test_a_period_is_covered_only_inside_one_business_day(calendar):
    start = dt.datetime(2026, 12, 24, 9, 0, tzinfo=NEW_YORK)
    assert calendar.covers(start, start + dt.timedelta(minutes=15))
    assert not calendar.covers(start - dt.timedelta(minutes=10), start + dt.timedelta(minutes=5))
    assert calendar.holiday_name(dt.date(2026, 12, 25)) == "Christmas Day"


def test_opening_hours_must_make_sense():
    assert parse_hours("08:30-18:00") == (dt.time(8, 30), dt.time(18, 0))
    with pytest.raises(ValueError, match="closing time"):
        parse_hours("17:00-09:00")
