"""A quarter compared with the one before: the same number of elapsed days while it runs."""

from __future__ import annotations

from datetime import date

import pytest

from domain.periods import compare_quarter, quarter_bounds

D = date


@pytest.mark.parametrize(
    ("year", "quarter", "today", "as_of", "previous", "days", "complete"),
    [
        # the finding: on 2 December, Q4's 63 days against Q3's first 63 (1 July – 1 September)
        (2026, 4, D(2026, 12, 2), D(2026, 12, 2), (D(2026, 7, 1), D(2026, 9, 1)), 63, False),
        (2026, 4, D(2026, 10, 1), D(2026, 10, 1), (D(2026, 7, 1), D(2026, 7, 1)), 1, False),  # its first day
        (2026, 4, D(2026, 12, 31), D(2026, 12, 31), (D(2026, 7, 1), D(2026, 9, 30)), 92, True),  # over: whole
        (2026, 4, D(2027, 2, 1), D(2026, 12, 31), (D(2026, 7, 1), D(2026, 9, 30)), 92, True),  # a past quarter
        (2026, 1, D(2026, 2, 10), D(2026, 2, 10), (D(2025, 10, 1), D(2025, 11, 10)), 41, False),  # over the year
        # day 91 of Q2 is longer than Q1 (90 days): the whole of Q1, no more
        (2026, 2, D(2026, 6, 29), D(2026, 6, 29), (D(2026, 1, 1), D(2026, 3, 31)), 90, False),
        (2024, 1, D(2024, 3, 30), D(2024, 3, 30), (D(2023, 10, 1), D(2023, 12, 29)), 90, False),  # leap year
    ],
)
def test_a_running_quarter_is_compared_with_as_many_days_of_the_last(
    year: int,
    quarter: int,
    today: date,
    as_of: date,
    previous: tuple[date, date],
    days: int,
    complete: bool,
) -> None:
    c = compare_quarter(year, quarter, today=today)
    assert (c.start, c.end) == quarter_bounds(year, quarter)
    assert (c.as_of, (c.previous_start, c.previous_end), c.elapsed_days, c.complete) == (
        as_of,
        previous,
        days,
        complete,
    )
    if not complete:
        assert (c.previous_end - c.previous_start).days + 1 <= c.elapsed_days


@pytest.mark.parametrize("quarter", [1, 2, 3, 4])
def test_every_day_of_a_quarter_is_compared_fairly(quarter: int) -> None:
    start, end = quarter_bounds(2026, quarter)
    p_start, p_end = quarter_bounds(2026 if quarter > 1 else 2025, quarter - 1 if quarter > 1 else 4)
    for n in range((end - start).days + 1):
        today = date.fromordinal(start.toordinal() + n)
        c = compare_quarter(2026, quarter, today=today)
        assert c.previous_start == p_start and c.previous_end <= p_end
        compared = (c.previous_end - c.previous_start).days + 1
        whole = (p_end - p_start).days + 1
        assert compared == (whole if c.complete else min(n + 1, whole))
        assert c.elapsed_days == n + 1


def test_quarter_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError):
        quarter_bounds(2026, 5)
