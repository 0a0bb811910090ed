"""轮值主席: the fair rule that gives each month of a year one chairing unit.

Round-robin over the eligible units in pinyin order, continuing after the unit that chaired last
(last year's December); a unit is eligible for a month when it is active and its agreement has not
lapsed before that month begins; the same unit never chairs two months running unless it is the
only one eligible. Months already fixed (held, or set by hand) keep their chair and count toward
fairness.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from domain.text import pinyin_key
from domain.working_days import is_working_day, next_working_day

MONTHS = tuple(range(1, 13))


@dataclass(frozen=True)
class Candidate:
    """A unit that may chair: its pinyin-ordered name, whether active, when its agreement ends."""

    unit_id: int
    name: str
    active: bool = True
    agreement_ends: date | None = None  # None: no end date on record

    def eligible_in(self, year: int, month: int) -> bool:
        """Active, and its agreement has not lapsed before the month begins."""
        return self.active and (self.agreement_ends is None or self.agreement_ends >= date(year, month, 1))


@dataclass(frozen=True)
class MonthChair:
    month: int
    unit_id: int | None  # None: nobody eligible that month


def rotation_order(
    candidates: Sequence[Candidate],
    *,
    previous_chair_id: int | None = None,
    previous_chair_name: str = "",
) -> list[Candidate]:
    """The candidates in pinyin order, starting right after the previous chair.

    A previous chair no longer among the candidates is placed by its name's pinyin."""
    order = sorted(candidates, key=lambda c: pinyin_key(c.name))
    ids = [c.unit_id for c in order]
    if previous_chair_id in ids:
        start = ids.index(previous_chair_id) + 1
    elif previous_chair_name:
        start = bisect_right([pinyin_key(c.name) for c in order], pinyin_key(previous_chair_name))
    else:
        start = 0
    return order[start:] + order[:start]


def plan_year(
    candidates: Sequence[Candidate],
    *,
    year: int,
    previous_chair_id: int | None = None,
    previous_chair_name: str = "",
    fixed: Mapping[int, int] | None = None,
) -> list[MonthChair]:
    """Twelve months of chairs (see the module's rule). ``fixed`` maps months to chairs kept as they are."""
    fixed = dict(fixed or {})
    cycle = rotation_order(candidates, previous_chair_id=previous_chair_id, previous_chair_name=previous_chair_name)
    rank = {c.unit_id: i for i, c in enumerate(cycle)}
    used: dict[int, int] = {c.unit_id: 0 for c in cycle}
    for unit_id in fixed.values():
        used[unit_id] = used.get(unit_id, 0) + 1

    out: list[MonthChair] = []
    prev = previous_chair_id
    for month in MONTHS:
        if month in fixed:
            chosen: int | None = fixed[month]
        else:
            eligible = [c.unit_id for c in cycle if c.eligible_in(year, month)]
            neighbours = {prev, fixed.get(month + 1)}
            preferred = [u for u in eligible if u not in neighbours] or eligible
            chosen = min(preferred, key=lambda u: (used[u], rank[u])) if preferred else None
            if chosen is not None:
                used[chosen] += 1
        out.append(MonthChair(month, chosen))
        prev = chosen
    return out


def repeated_months(chairs: Sequence[int | None], *, previous_chair_id: int | None = None) -> list[int]:
    """Months (1-based) whose chair also chaired the month before (a swap may cause this)."""
    months: list[int] = []
    prev = previous_chair_id
    for i, unit_id in enumerate(chairs, start=1):
        if unit_id is not None and unit_id == prev:
            months.append(i)
        prev = unit_id
    return months


def propose_date(
    year: int, month: int, *, preferred_day: int = 10, extra_holidays: Collection[date] = frozenset()
) -> date:
    """The month's proposed activity date: the first working day on or after ``preferred_day``,
    so that public holidays and weekends (调休 included) are avoided; stays within the month
    where it can."""
    day = min(max(preferred_day, 1), 28)
    proposed = next_working_day(date(year, month, day), extra_holidays=extra_holidays)
    if proposed.month != month:  # rolled over the month's end: take the last working day before
        d = date(year, month, day)
        while d.day > 1 and not is_working_day(d, extra_holidays=extra_holidays):
            d = date(year, month, d.day - 1)
        proposed = d
    return proposed
