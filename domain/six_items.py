"""六个一: each unit (or member) does each of six things once a year; who is behind pace."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from domain.enums import SIX_ITEMS, ActivityKind


def year_share_gone(year: int, as_of: date, *, since: date | None = None) -> float:
    """The share of ``year`` gone by ``as_of`` (0–1), counted from ``since`` when a unit joined
    mid-year. Leap years have 366 days."""
    start = date(year, 1, 1)
    end = date(year, 12, 31)
    if since is not None and since > start:
        start = since
    if as_of < start:
        return 0.0
    if as_of >= end:
        return 1.0
    total = (end - start).days + 1
    return ((as_of - start).days + 1) / total


@dataclass(frozen=True)
class SixItemsRow:
    """One unit's (or member's) standing on the six items."""

    counts: dict[ActivityKind, int]
    done: int
    completion: float
    behind: bool
    missing: tuple[ActivityKind, ...]


def assess(counts: Mapping[ActivityKind | str, int], *, year: int, as_of: date,
           since: date | None = None) -> SixItemsRow:
    """Completion is the share of the six items done at least once; a row is behind when the
    share of the year gone exceeds that completion."""
    by_kind = {kind: int(counts.get(kind, counts.get(kind.value, 0)) or 0) for kind in SIX_ITEMS}
    done = sum(1 for n in by_kind.values() if n > 0)
    completion = done / len(SIX_ITEMS)
    gone = year_share_gone(year, as_of, since=since)
    missing = tuple(kind for kind, n in by_kind.items() if n == 0)
    return SixItemsRow(by_kind, done, completion, gone > completion + 1e-9, missing)
