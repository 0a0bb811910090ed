"""The 吹哨报到 clock: hour limits, working-day limits across weekends, holidays and 调休."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from domain.enums import WhistleKind, WhistleStage
from domain.whistle_clock import (
    LOCAL_TZ,
    Calendar,
    LimitUnit,
    StageLimit,
    add_working_days,
    deadline,
    deadlines,
    default_limits,
    least_advanced,
    limits_from_json,
    limits_to_json,
    next_stage,
    on_time_share,
    response_clock,
)


def local(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=LOCAL_TZ)


@pytest.mark.parametrize(
    ("start", "n", "expected", "estimated"),
    [
        (date(2026, 11, 20), 1, date(2026, 11, 23), False),  # Friday → Monday
        (date(2026, 11, 20), 3, date(2026, 11, 25), False),  # Friday → Wednesday
        (date(2026, 11, 21), 1, date(2026, 11, 23), False),  # Saturday → Monday
        (date(2026, 11, 23), 5, date(2026, 11, 30), False),  # a full week
        (date(2026, 9, 30), 1, date(2026, 10, 8), False),  # 国庆 10-01..07 skipped
        (date(2026, 9, 30), 3, date(2026, 10, 10), False),  # Saturday 10-10 is an adjusted workday
        (date(2026, 9, 30), 5, date(2026, 10, 13), False),  # Sunday 10-11 is not
        (date(2026, 10, 2), 1, date(2026, 10, 8), False),  # raised inside the holiday
        (date(2026, 9, 19), 1, date(2026, 9, 20), False),  # Sunday 09-20 is an adjusted workday
        (date(2026, 9, 24), 1, date(2026, 9, 28), False),  # 中秋 09-25..27 skipped
        (date(2026, 11, 24), 0, date(2026, 11, 24), False),
        (date(2026, 12, 31), 1, date(2027, 1, 1), True),  # 2027 unknown: Mon–Fri, flagged
        (date(2027, 3, 5), 1, date(2027, 3, 8), True),
    ],
)
def test_add_working_days(start: date, n: int, expected: date, estimated: bool) -> None:
    assert add_working_days(start, n) == (expected, estimated)


def test_admin_holidays_count_in_years_the_calendar_does_not_know() -> None:
    cal = Calendar(extra_holidays=frozenset({date(2027, 1, 1)}))
    assert add_working_days(date(2026, 12, 31), 1, cal) == (date(2027, 1, 4), True)
    assert Calendar().knows(date(2026, 5, 1)) is True
    assert Calendar().knows(date(2027, 5, 1)) is False


H, WD = LimitUnit.HOURS, LimitUnit.WORKING_DAYS


@pytest.mark.parametrize(
    ("raised", "limit", "due"),
    [
        # a Friday evening
        (local(2026, 11, 20, 20), StageLimit(1, H), local(2026, 11, 20, 21)),
        (local(2026, 11, 20, 20), StageLimit(24, H), local(2026, 11, 21, 20)),
        (local(2026, 11, 20, 20), StageLimit(3, WD), local(2026, 11, 26)),  # end of Wednesday
        (local(2026, 11, 20, 20), StageLimit(5, WD), local(2026, 11, 28)),  # end of Friday
        # late evening Beijing time is still the same local day, though UTC is another
        (local(2026, 11, 20, 23, 30), StageLimit(1, WD), local(2026, 11, 24)),
        (local(2026, 11, 21, 0, 30), StageLimit(1, WD), local(2026, 11, 24)),  # Saturday night
        # National Day week with its adjusted workdays
        (local(2026, 9, 30, 10), StageLimit(3, WD), local(2026, 10, 11)),
        (local(2026, 9, 30, 10), StageLimit(5, WD), local(2026, 10, 14)),
        (local(2026, 9, 30, 10), StageLimit(24, H), local(2026, 10, 1, 10)),  # hours ignore holidays
        (local(2026, 10, 1, 9), StageLimit(3, WD), local(2026, 10, 11)),
    ],
)
def test_stage_deadline(raised: datetime, limit: StageLimit, due: datetime) -> None:
    got, _ = deadline(raised.astimezone(UTC), limit)
    assert got == due.astimezone(UTC)


@pytest.mark.parametrize(
    ("kind", "report_due"),
    [(WhistleKind.PROGRESS, local(2026, 11, 26)), (WhistleKind.TOUGH, local(2026, 11, 28))],
)
def test_report_limit_depends_on_the_kind_of_whistle(kind: WhistleKind, report_due: datetime) -> None:
    dls = deadlines(local(2026, 11, 20, 20), kind)
    assert dls[WhistleStage.REPORTED].due_at == report_due.astimezone(UTC)
    assert dls[WhistleStage.SIGNED].due_at == local(2026, 11, 20, 21).astimezone(UTC)


def test_deadline_in_an_unknown_year_is_flagged_estimated() -> None:
    dls = deadlines(local(2026, 12, 30, 9), WhistleKind.TOUGH)
    assert dls[WhistleStage.SIGNED].estimated is False
    assert dls[WhistleStage.REPORTED].estimated is True


def test_limits_round_trip_through_json_and_bad_values_keep_defaults() -> None:
    limits = default_limits()
    limits[WhistleKind.TOUGH][WhistleStage.HANDLED] = StageLimit(12, WD)
    assert limits_from_json(limits_to_json(limits)) == limits
    broken = limits_to_json(default_limits())
    broken["progress"]["signed"] = ["x", "minutes"]
    assert limits_from_json(broken) == default_limits()
    assert limits_from_json(None) == default_limits()


def test_response_clock_marks_overdue_and_judges_on_time_share() -> None:
    raised = local(2026, 11, 20, 20).astimezone(UTC)
    reached = {
        WhistleStage.SIGNED: raised + timedelta(minutes=30),  # on time
        WhistleStage.CONTACTED: raised + timedelta(hours=30),  # late
    }
    clock = response_clock(raised, WhistleKind.PROGRESS, reached)
    pending = clock.pending()
    assert pending is not None and pending.stage == WhistleStage.REPORTED
    before = local(2026, 11, 25, 18).astimezone(UTC)
    after = local(2026, 11, 26, 0, 1).astimezone(UTC)
    assert not clock.overdue(before)
    assert clock.overdue(after)
    assert clock.judged(before) == (1, 2)
    assert clock.judged(after) == (1, 3)
    assert on_time_share([(1, 2), (3, 3)]) == pytest.approx(0.8)
    assert on_time_share([]) is None


@pytest.mark.parametrize(
    ("stages", "expected"),
    [
        ([], WhistleStage.RAISED),
        ([WhistleStage.CLOSED, WhistleStage.SIGNED], WhistleStage.SIGNED),
        ([WhistleStage.RATED, WhistleStage.CLOSED], WhistleStage.CLOSED),
        ([WhistleStage.RATED], WhistleStage.RATED),
    ],
)
def test_whistle_stands_where_its_slowest_unit_stands(stages: list[WhistleStage], expected: WhistleStage) -> None:
    assert least_advanced(stages) == expected


def test_next_stage_follows_the_path() -> None:
    assert next_stage(WhistleStage.RAISED) == WhistleStage.SIGNED
    assert next_stage(WhistleStage.CLOSED) == WhistleStage.RATED
    assert next_stage(WhistleStage.RATED) is None
