"""六个一: each unit (or member) does each of six things once a year; who is behind pace.

The rule: a row (a unit or a member) is *behind* when the share of its year already gone exceeds
the share of the six items it has done. Its year runs from 1 January, or from the day it joined
when that was during the year. An item is *behind* when it is still missing in a row that is
behind (on a row still on pace a missing item is only *open*), so that early in the year not
every blank cell is red.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from domain.enums import SIX_ITEMS, ActivityKind


class ItemState(StrEnum):
    """One cell of the progress grid."""

    DONE = "done"  # done at least once
    OPEN = "open"  # not yet, but the row is on pace
    BEHIND = "behind"  # not yet, and the row is behind pace


def year_share_gone(year: int, as_of: date, *, since: date | None = None) -> float:
    """The share of ``year`` gone by ``as_of`` (0–1), counted from ``since`` when a unit joined
    mid-year. Leap years have 366 days."""
    start = date(year, 1, 1)
    end = date(year, 12, 31)
    if since is not None and since > start:
        start = since
    if start > end or as_of < start:  # not yet a member during (that part of) the year
        return 0.0
    if as_of >= end:
        return 1.0
    total = (end - start).days + 1
    return ((as_of - start).days + 1) / total


def counting_since(year: int, joined_on: date | None) -> date | None:
    """When a unit's (or member's) 六个一 year starts: its joining day if that falls in ``year``
    or later, else ``None`` (the whole year counts)."""
    if joined_on is None or joined_on <= date(year, 1, 1):
        return None
    return joined_on


@dataclass(frozen=True)
class SixItemsRow:
    """One unit's (or member's) standing on the six items."""

    counts: dict[ActivityKind, int]
    done: int
    completion: float
    behind: bool
    missing: tuple[ActivityKind, ...]
    year_gone: float = 0.0

    def state(self, kind: ActivityKind) -> ItemState:
        """The cell for ``kind``: done, open, or behind (missing in a row behind pace)."""
        if self.counts.get(kind, 0) > 0:
            return ItemState.DONE
        return ItemState.BEHIND if self.behind else ItemState.OPEN


def assess(
    counts: Mapping[ActivityKind | str, int], *, year: int, as_of: date, since: date | None = None
) -> SixItemsRow:
    """Completion is the share of the six items done at least once; a row is behind when the
    share of the year gone exceeds that completion."""
    by_kind = {kind: int(counts.get(kind, counts.get(kind.value, 0)) or 0) for kind in SIX_ITEMS}
    done = sum(1 for n in by_kind.values() if n > 0)
    completion = done / len(SIX_ITEMS)
    gone = year_share_gone(year, as_of, since=since)
    missing = tuple(kind for kind, n in by_kind.items() if n == 0)
    return SixItemsRow(by_kind, done, completion, gone > completion + 1e-9, missing, gone)


def overall_completion(rows: Iterable[SixItemsRow]) -> float | None:
    """The share of all (row × item) cells done; ``None`` when there are no rows."""
    rows = list(rows)
    if not rows:
        return None
    return sum(r.done for r in rows) / (len(rows) * len(SIX_ITEMS))


def items_needed_by_now(gone: float) -> int:
    """How many of the six items a row should have done to be on pace (the smallest count whose
    share is not below the share of the year gone)."""
    n = 0
    while n < len(SIX_ITEMS) and n / len(SIX_ITEMS) + 1e-9 < gone:
        n += 1
    return n


def micro_wish_count(*, activities: int, linked_to_claims: int, claims: int) -> int:
    """How many times a unit did 认领1个微心愿 in a period (the rule the 六个一 grid explains).

    A 微心愿 the unit holds (claimed, made a project of, or fulfilled) counts once, in the period it
    was claimed (``claims``). An activity of kind 认领微心愿 counts on its own, unless it names
    (``need_id``) a wish the unit holds: then it counts with that wish, so one claim and any
    number of activities about it count 1, and an activity in a later year about a wish claimed
    earlier adds nothing. ``activities``: the period's activities of that kind; ``linked_to_claims``:
    those of them naming a wish the unit holds."""
    return max(0, activities - linked_to_claims) + claims
