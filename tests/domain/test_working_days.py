"""Working days: the official table where chinese-calendar knows the year, weekdays otherwise."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from domain import working_days as wd


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 11, 24), True),  # an ordinary Tuesday
        (date(2026, 11, 28), False),  # an ordinary Saturday
        (date(2026, 10, 1), False),  # National Day
        (date(2026, 10, 5), False),  # National Day week, a Monday
        (date(2026, 9, 20), True),  # a Sunday made a working day (调休)
        (date(2026, 2, 17), False),  # Spring Festival
        (date(2027, 1, 4), True),  # 2027 is unknown: a Monday counts as working (fallback)
        (date(2027, 2, 6), False),  # 2027 Saturday (fallback)
        (date(2027, 10, 1), True),  # fallback knows no National Day: a Friday works
    ],
)
def test_is_working_day_uses_the_official_table_then_weekends(day: date, working: bool) -> None:
    assert wd.is_working_day(day) is working


@pytest.mark.parametrize(("year", "fallback"), [(2025, False), (2026, False), (2027, True), (2003, True)])
def test_fallback_is_reported_for_years_the_calendar_does_not_know(year: int, fallback: bool) -> None:
    assert wd.uses_fallback(year) is fallback


def test_fallback_years_lists_only_unknown_years() -> None:
    assert wd.fallback_years([date(2026, 12, 31), date(2027, 1, 1), date(2028, 3, 1)]) == [2027, 2028]


def test_admin_holidays_override_the_fallback() -> None:
    spring_2027 = date(2027, 2, 8)  # a Monday the fallback would count
    assert wd.is_working_day(spring_2027)
    assert not wd.is_working_day(spring_2027, extra_holidays={spring_2027})
    assert wd.is_working_day(date(2027, 2, 6), extra_workdays={date(2027, 2, 6)})


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2026, 11, 24), 3, date(2026, 11, 27)),  # Tue + 3 → Fri
        (date(2026, 11, 26), 3, date(2026, 12, 1)),  # Thu + 3 skips the weekend
        (date(2026, 9, 30), 1, date(2026, 10, 8)),  # over the National Day week
        (date(2026, 10, 3), 0, date(2026, 10, 8)),  # 0 moves a holiday to the next working day
        (date(2026, 11, 30), -1, date(2026, 11, 27)),  # backwards over a weekend
        (date(2026, 12, 31), 1, date(2027, 1, 1)),  # into 2027: fallback, New Year's Day is a Friday
    ],
)
def test_add_working_days(start: date, n: int, expected: date) -> None:
    assert wd.add_working_days(start, n) == expected


def test_working_days_between_is_half_open() -> None:
    assert wd.working_days_between(date(2026, 11, 23), date(2026, 11, 30)) == 5
    assert wd.working_days_between(date(2026, 11, 30), date(2026, 11, 23)) == 0


@pytest.mark.parametrize(
    ("start", "end", "office", "hours"),
    [
        # Friday 16:00 China time → Monday 10:00: 8 h Friday + 10 h Monday, the weekend skipped
        (datetime(2026, 11, 27, 8, tzinfo=UTC), datetime(2026, 11, 30, 2, tzinfo=UTC), None, 18.0),
        # the same with office hours 9:00–17:00: 1 h Friday + 1 h Monday
        (datetime(2026, 11, 27, 8, tzinfo=UTC), datetime(2026, 11, 30, 2, tzinfo=UTC), (time(9), time(17)), 2.0),
        # within one working day
        (datetime(2026, 11, 24, 1, tzinfo=UTC), datetime(2026, 11, 24, 2, 30, tzinfo=UTC), None, 1.5),
        # reversed: nothing
        (datetime(2026, 11, 24, 2, tzinfo=UTC), datetime(2026, 11, 24, 1, tzinfo=UTC), None, 0.0),
    ],
)
def test_working_hours_between(start: datetime, end: datetime, office: tuple[time, time] | None, hours: float) -> None:
    assert wd.working_hours_between(start, end, office_hours=office) == pytest.approx(hours)


def test_is_public_holiday_distinguishes_holidays_from_weekends() -> None:
    assert wd.is_public_holiday(date(2026, 10, 1))
    assert not wd.is_public_holiday(date(2026, 11, 28))
    assert not wd.is_public_holiday(date(2027, 10, 1))  # unknown year: never claims a holiday
