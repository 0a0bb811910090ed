"""Working days in mainland China: weekends, public holidays and the make-up working days (调休).

The holiday table comes from chinese-calendar, which knows only the years it was released for
(2004–2026 in 1.11). For any other year it raises ``NotImplementedError``; there the rule falls back
to "Monday to Friday are working days" (plus holidays the admin enters), and callers can ask
``uses_fallback(year)`` / ``fallback_years(...)`` to tell the user that the fallback was used.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import chinese_calendar

from domain.calendar import ZONE

CHINA_TZ = ZONE
_NO_DATES: frozenset[date] = frozenset()


@cache
def calendar_knows(year: int) -> bool:
    """Whether chinese-calendar has the official holiday table for ``year``."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def uses_fallback(year: int) -> bool:
    """True when working days of ``year`` are counted as weekdays only (no official table)."""
    return not calendar_knows(year)


def fallback_years(days: Iterable[date]) -> list[int]:
    """The years among ``days`` for which the weekend-only fallback is used, ascending."""
    return sorted({d.year for d in days if uses_fallback(d.year)})


def is_working_day(
    day: date,
    *,
    extra_holidays: Collection[date] = _NO_DATES,
    extra_workdays: Collection[date] = _NO_DATES,
) -> bool:
    """Whether ``day`` is a working day: official table where known, else Monday–Friday.

    ``extra_holidays`` / ``extra_workdays`` (entered by the admin) override both."""
    if day in extra_holidays:
        return False
    if day in extra_workdays:
        return True
    if calendar_knows(day.year):
        return _official_workday(day)
    return day.weekday() < 5


@cache
def _official_workday(day: date) -> bool:
    # chinese-calendar costs ~75 µs a call; a whistle scorecard asks for the same days thousands of times
    return bool(chinese_calendar.is_workday(day))


def is_public_holiday(day: date) -> bool:
    """A statutory holiday (not an ordinary weekend); False where the table is unknown."""
    if not calendar_knows(day.year):
        return False
    on_holiday, name = chinese_calendar.get_holiday_detail(day)
    return bool(on_holiday and name)


def next_working_day(
    day: date,
    *,
    extra_holidays: Collection[date] = _NO_DATES,
    extra_workdays: Collection[date] = _NO_DATES,
) -> date:
    """``day`` itself if it is a working day, else the first working day after it."""
    d = day
    while not is_working_day(d, extra_holidays=extra_holidays, extra_workdays=extra_workdays):
        d += timedelta(days=1)
    return d


def add_working_days(
    start: date,
    n: int,
    *,
    extra_holidays: Collection[date] = _NO_DATES,
    extra_workdays: Collection[date] = _NO_DATES,
) -> date:
    """The date ``n`` working days after ``start`` (``n`` = 0: ``start`` moved to a working day;
    negative ``n`` counts backwards)."""
    kw = {"extra_holidays": extra_holidays, "extra_workdays": extra_workdays}
    if n == 0:
        return next_working_day(start, **kw)
    step = timedelta(days=1 if n > 0 else -1)
    d, left = start, abs(n)
    while left:
        d += step
        if is_working_day(d, **kw):
            left -= 1
    return d


def working_days_between(
    start: date,
    end: date,
    *,
    extra_holidays: Collection[date] = _NO_DATES,
    extra_workdays: Collection[date] = _NO_DATES,
) -> int:
    """Working days in the half-open range ``[start, end)`` (0 when ``end <= start``)."""
    kw = {"extra_holidays": extra_holidays, "extra_workdays": extra_workdays}
    count, d = 0, start
    while d < end:
        count += is_working_day(d, **kw)
        d += timedelta(days=1)
    return count


def working_hours_between(
    start: datetime,
    end: datetime,
    *,
    office_hours: tuple[time, time] | None = None,
    tz: ZoneInfo = CHINA_TZ,
    extra_holidays: Collection[date] = _NO_DATES,
    extra_workdays: Collection[date] = _NO_DATES,
) -> float:
    """Hours between two instants that fall on working days (in ``tz``, default China time).

    With ``office_hours`` (e.g. 9:00–17:30) only that part of each working day counts; without,
    the whole working day counts. Naive datetimes are taken as UTC. Returns 0 when ``end <= start``.
    """
    if end <= start:
        return 0.0
    a, b = _local(start, tz), _local(end, tz)
    kw = {"extra_holidays": extra_holidays, "extra_workdays": extra_workdays}
    total = 0.0
    day = a.date()
    while day <= b.date():
        if is_working_day(day, **kw):
            open_t, close_t = office_hours or (time(0), None)
            day_open = datetime.combine(day, open_t, tzinfo=tz)
            day_close = (
                datetime.combine(day, close_t, tzinfo=tz)
                if close_t is not None
                else datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
            )
            lo, hi = max(a, day_open), min(b, day_close)
            if hi > lo:
                total += (hi - lo).total_seconds() / 3600
        day += timedelta(days=1)
    return total


def _local(value: datetime, tz: ZoneInfo) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(tz)
