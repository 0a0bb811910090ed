"""Quarters, and the fair comparison of one with the quarter before.

A quarter still running is compared with the same number of days of the quarter before: on 2 December,
Q4 so far (1 October – 2 December, 63 days) is set against Q3's first 63 days (1 July – 1 September),
not against the whole of Q3. A finished quarter is compared with the whole quarter before."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from domain.calendar import previous_quarter as previous_quarter
from domain.calendar import quarter_bounds as quarter_bounds
from domain.calendar import quarter_of as quarter_of


@dataclass(frozen=True)
class QuarterComparison:
    """The days of a quarter that count (``start`` … ``as_of``) and the days of the quarter before they
    are compared with (``previous_start`` … ``previous_end``)."""

    year: int
    quarter: int
    start: date
    end: date  # the quarter's last day
    as_of: date  # the last day counted: the quarter's end, or today while it runs
    previous_year: int
    previous_quarter: int
    previous_start: date
    previous_end: date  # the last day of the quarter before that is compared

    @property
    def complete(self) -> bool:
        """The quarter is over: the whole of it against the whole quarter before."""
        return self.as_of >= self.end

    @property
    def elapsed_days(self) -> int:
        return max((self.as_of - self.start).days + 1, 0)


def compare_quarter(year: int, quarter: int, *, today: date) -> QuarterComparison:
    """Which days of ``year``/``quarter`` count as of ``today`` and which days of the quarter before they
    are compared with: as many days from its start as have passed in this one (capped at its end), or
    the whole of it once this quarter is over."""
    start, end = quarter_bounds(year, quarter)
    as_of = min(end, today)
    py, pq = previous_quarter(year, quarter)
    p_start, p_end = quarter_bounds(py, pq)
    if as_of < end:  # still running: the same number of days
        elapsed = max((as_of - start).days + 1, 0)
        p_end = min(p_end, p_start + timedelta(days=elapsed - 1))
    return QuarterComparison(year, quarter, start, end, as_of, py, pq, p_start, p_end)
