"""Swedish working days and office hours, for reminders.

A working day is a weekday that is not a Swedish public holiday (the `holidays` library, with
midsommarafton, julafton and nyårsafton as non-working days too). Reminders go out only
within office hours in settings.TIME_ZONE; a reminder due outside them waits for the next start.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings


@cache
def _holidays(year: int) -> holidays.HolidayBase:
    # Public holidays plus the de facto ones (midsommarafton, julafton, nyårsafton).
    return holidays.country_holidays(
        "SE", years=year, include_sundays=False, categories=("public", "de_facto")
    )


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def office_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(settings.OFFICE_HOURS_START), tzinfo=_tz())


def in_office_hours(moment: dt.datetime) -> bool:
    local = moment.astimezone(_tz())
    return is_working_day(local.date()) and (
        settings.OFFICE_HOURS_START <= local.hour < settings.OFFICE_HOURS_END
    )


def next_office_time(moment: dt.datetime) -> dt.datetime:
    """`moment` if it lies within office hours, else the start of the next office day."""
    if in_office_hours(moment):
        return moment
    local = moment.astimezone(_tz())
    day = local.date()
    if is_working_day(day) and local.hour < settings.OFFICE_HOURS_START:
        return office_start(day)
    day += dt.timedelta(days=1)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return office_start(day)


def add_working_days(moment: dt.datetime, days: int) -> dt.datetime:
    """The moment `days` working days after `moment` (same local time), within office hours."""
    local = moment.astimezone(_tz())
    day = local.date()
    added = 0
    while added < days:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            added += 1
    return next_office_time(dt.datetime.combine(day, local.timetz()))


def working_day_before(day: dt.date) -> dt.date:
    day -= dt.timedelta(days=1)
    while not is_working_day(day):
        day -= dt.timedelta(days=1)
    return day
