"""The business calendar: opening hours in a timezone, working weekdays and public holidays (the `holidays` package).

Used by the P1 "flow silent" check, which pages only when the whole silent window lies in business hours. Configured
by BUSINESS_TIMEZONE, BUSINESS_HOURS ("09:00-17:00"), BUSINESS_DAYS ("mon,…,fri"), BUSINESS_HOLIDAYS_COUNTRY (ISO
code, empty for none) and BUSINESS_HOLIDAYS_SUBDIVISION (e.g. "NY", "BY").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings

WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


@dataclass(frozen=True)
class BusinessCalendar:
    timezone: ZoneInfo
    opens: dt.time
    closes: dt.time
    weekdays: frozenset[int]
    public_holidays: holidays.HolidayBase | dict = field(default_factory=dict)

    def holiday_name(self, day: dt.date) -> str:
        return self.public_holidays.get(day) or ""

    def is_business_day(self, day: dt.date) -> bool:
        return day.weekday() in self.weekdays and day not in self.public_holidays

    def is_business_time(self, moment: dt.datetime) -> bool:
        local = moment.astimezone(self.timezone)
        return self.is_business_day(local.date()) and self.opens <= local.time() < self.closes

    def covers(self, start: dt.datetime, end: dt.datetime) -> bool:
        """True when the whole period lies inside one business day's opening hours."""
        first, last = start.astimezone(self.timezone), end.astimezone(self.timezone)
        return first.date() == last.date() and self.is_business_time(start) and self.is_business_time(end)


def parse_hours(text: str) -> tuple[dt.time, dt.time]:
    opens, closes = (dt.time.fromisoformat(part.strip()) for part in text.split("-", 1))
    if closes <= opens:
        raise ValueError(f"BUSINESS_HOURS {text!r}: the closing time must be after the opening time")
    return opens, closes


def business_calendar() -> BusinessCalendar:
    opens, closes = parse_hours(settings.BUSINESS_HOURS)
    country = settings.BUSINESS_HOLIDAYS_COUNTRY.strip().upper()
    public = (
        holidays.country_holidays(country, subdiv=settings.BUSINESS_HOLIDAYS_SUBDIVISION or None) if country else {}
    )
    return BusinessCalendar(
        timezone=ZoneInfo(settings.BUSINESS_TIMEZONE),
        opens=opens,
        closes=closes,
        weekdays=frozenset(WEEKDAYS[d.strip().lower()[:3]] for d in settings.BUSINESS_DAYS),
        public_holidays=public,
    )
