"""domain.calendar: the alliance's zone, today and now there, local midnights and quarters — once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from domain import calendar, dates, periods, whistle_clock, working_days


def test_one_zone_for_every_rule() -> None:
    assert calendar.ZONE.key == "Asia/Shanghai"
    assert dates.LOCAL_TZ is whistle_clock.LOCAL_TZ is working_days.CHINA_TZ is calendar.ZONE
    # China keeps no summer time: the fixed offset SQLite is given is the zone's all year
    for month in (1, 7):
        assert datetime(2026, month, 1, tzinfo=calendar.ZONE).utcoffset() == calendar.UTC_OFFSET


def test_today_is_china_s_day_not_the_server_s() -> None:
    late_utc = datetime(2026, 11, 23, 17, 30, tzinfo=UTC)  # 01:30 on the 24th in China
    assert calendar.today(at=late_utc) == date(2026, 11, 24)
    assert calendar.now(at=late_utc).utcoffset() == timedelta(hours=8)
    assert calendar.today(at=datetime(2026, 11, 23, 15, 59, tzinfo=UTC)) == date(2026, 11, 23)


def test_a_pinned_day_wins_and_the_clock_keeps_running_on_it() -> None:
    at = datetime(2026, 3, 1, 2, 15, tzinfo=UTC)  # 10:15 in China
    assert calendar.today(date(2026, 11, 24), at=at) == date(2026, 11, 24)
    assert calendar.now_on(date(2026, 11, 24), at=at) == datetime(2026, 11, 24, 2, 15, tzinfo=UTC)
    assert calendar.now_on(None, at=at) == at


def test_local_midnight_is_the_day_s_start_in_china() -> None:
    assert calendar.local_midnight(date(2026, 1, 1)) == datetime(2025, 12, 31, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "quarter"),
    [
        (date(2026, 1, 1), (2026, 1)),
        (date(2026, 3, 31), (2026, 1)),
        (date(2026, 4, 1), (2026, 2)),
        (date(2026, 12, 31), (2026, 4)),
    ],
)
def test_quarter_of_gives_year_and_quarter(day: date, quarter: tuple[int, int]) -> None:
    assert calendar.quarter_of(day) == quarter
    start, end = calendar.quarter_bounds(*quarter)
    assert start <= day <= end


def test_quarters_are_defined_once() -> None:
    assert periods.quarter_of is calendar.quarter_of
    assert periods.quarter_bounds is calendar.quarter_bounds
    assert calendar.previous_quarter(2026, 1) == (2025, 4)
    with pytest.raises(ValueError):
        calendar.quarter_bounds(2026, 5)
