"""The 六个一 rule: completion, behind pace, the year counted from joining, leap years."""

from __future__ import annotations

from datetime import date

import pytest

from domain.enums import SIX_ITEMS, ActivityKind
from domain.six_items import (
    ItemState,
    assess,
    counting_since,
    items_needed_by_now,
    micro_wish_count,
    overall_completion,
    year_share_gone,
)

ALL_DONE = {k: 1 for k in SIX_ITEMS}
THREE_DONE = {ActivityKind.ORG_LIFE: 2, ActivityKind.FORUM: 1, ActivityKind.SURVEY: 1}


@pytest.mark.parametrize(
    ("year", "as_of", "since", "expected"),
    [
        (2026, date(2026, 1, 1), None, 1 / 365),
        (2026, date(2026, 12, 31), None, 1.0),
        (2026, date(2027, 3, 1), None, 1.0),  # a past year is wholly gone
        (2026, date(2025, 12, 31), None, 0.0),  # a future year has not begun
        (2026, date(2026, 7, 2), None, 183 / 365),
        (2028, date(2028, 2, 29), None, 60 / 366),  # leap year: 366 days, 29 February counts
        (2028, date(2028, 12, 30), None, 365 / 366),
        (2024, date(2024, 7, 1), None, 183 / 366),
        (2026, date(2026, 7, 1), date(2026, 7, 1), 1 / 184),  # joined mid-year: counted from joining
        (2026, date(2026, 6, 30), date(2026, 7, 1), 0.0),  # before joining, nothing is due
        (2026, date(2026, 9, 30), date(2026, 7, 1), 92 / 184),
        (2026, date(2026, 3, 1), date(2020, 5, 1), 60 / 365),  # joined in an earlier year: whole year
    ],
)
def test_year_share_gone(year: int, as_of: date, since: date | None, expected: float) -> None:
    assert year_share_gone(year, as_of, since=since) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("counts", "as_of", "since", "done", "behind"),
    [
        ({}, date(2026, 1, 1), None, 0, True),  # a day gone and nothing done
        (ALL_DONE, date(2026, 12, 31), None, 6, False),
        (THREE_DONE, date(2026, 6, 1), None, 3, False),  # 152/365 < 3/6
        (THREE_DONE, date(2026, 7, 2), None, 3, True),  # 183/365 > 3/6 by a hair
        (THREE_DONE, date(2026, 7, 1), None, 3, False),  # 182/365 < 3/6
        (THREE_DONE, date(2028, 7, 1), None, 3, False),  # leap year: 183/366 = 1/2, not above
        (THREE_DONE, date(2028, 7, 2), None, 3, True),  # leap year: 184/366 > 1/2
        (THREE_DONE, date(2026, 11, 24), date(2026, 9, 1), 3, True),  # 85/122 > 1/2
        (THREE_DONE, date(2026, 10, 31), date(2026, 9, 1), 3, False),  # 61/122 = 1/2, not above
        ({}, date(2026, 11, 24), date(2026, 12, 1), 0, False),  # joins next week: nothing due yet
        ({"volunteer": 4, "org_life": 0}, date(2026, 1, 10), None, 1, False),  # string keys accepted
        ({ActivityKind.PARTY_DAY: 5, ActivityKind.OTHER: 3}, date(2026, 2, 1), None, 0, True),  # not six items
    ],
)
def test_row_behind_when_year_gone_exceeds_items_done(
    counts: dict, as_of: date, since: date | None, done: int, behind: bool
) -> None:
    year = as_of.year
    row = assess(counts, year=year, as_of=as_of, since=since)
    assert row.done == done
    assert row.completion == pytest.approx(done / 6)
    assert row.behind is behind


def test_missing_items_are_behind_only_in_a_row_behind_pace() -> None:
    on_pace = assess(THREE_DONE, year=2026, as_of=date(2026, 3, 1))
    late = assess(THREE_DONE, year=2026, as_of=date(2026, 11, 24))
    assert on_pace.state(ActivityKind.ORG_LIFE) is ItemState.DONE
    assert on_pace.state(ActivityKind.VOLUNTEER) is ItemState.OPEN
    assert late.state(ActivityKind.VOLUNTEER) is ItemState.BEHIND
    assert late.missing == (ActivityKind.MICRO_WISH, ActivityKind.VOLUNTEER, ActivityKind.PAIR_HELP)


@pytest.mark.parametrize(
    ("year", "joined_on", "expected"),
    [
        (2026, None, None),
        (2026, date(2019, 4, 10), None),
        (2026, date(2026, 1, 1), None),
        (2026, date(2026, 7, 15), date(2026, 7, 15)),
        (2025, date(2026, 7, 15), date(2026, 7, 15)),  # not yet a member that year: nothing due
    ],
)
def test_counting_since_is_the_joining_day_within_the_year(
    year: int, joined_on: date | None, expected: date | None
) -> None:
    assert counting_since(year, joined_on) == expected


def test_unit_that_joined_after_the_year_is_never_behind_that_year() -> None:
    row = assess({}, year=2025, as_of=date(2026, 11, 24), since=counting_since(2025, date(2026, 7, 15)))
    assert row.behind is False


def test_overall_completion_is_the_share_of_cells_done() -> None:
    rows = [assess(ALL_DONE, year=2026, as_of=date(2026, 6, 1)), assess({}, year=2026, as_of=date(2026, 6, 1))]
    assert overall_completion(rows) == pytest.approx(0.5)
    assert overall_completion([]) is None


@pytest.mark.parametrize(("gone", "needed"), [(0.0, 0), (0.01, 1), (1 / 6, 1), (0.5, 3), (0.51, 4), (1.0, 6)])
def test_items_needed_by_now(gone: float, needed: int) -> None:
    assert items_needed_by_now(gone) == needed


@pytest.mark.parametrize(
    ("activities", "linked", "claims", "expected"),
    [
        (0, 0, 0, 0),
        (0, 0, 1, 1),  # a claim alone counts: no activity needs logging
        (1, 1, 1, 1),  # a claim and an activity about it: once
        (2, 2, 1, 1),  # two activities about the same claimed wish: still once
        (1, 0, 0, 1),  # an activity naming no wish counts on its own (as before)
        (2, 1, 1, 2),  # one wish claimed and logged, one other activity
        (1, 1, 0, 0),  # about a wish claimed in an earlier year: counted then, not again
        (3, 0, 2, 5),
    ],
)
def test_micro_wish_count(activities: int, linked: int, claims: int, expected: int) -> None:
    assert micro_wish_count(activities=activities, linked_to_claims=linked, claims=claims) == expected
